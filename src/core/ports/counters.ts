/**
 * The Counters port: small atomic counters shared by every node (DESIGN.md, Ports; STYLE C2):
 * single-use claims for nonces and token ids, and fixed-window rate counters. The memory engine
 * serves one process; the Redis engine (`SET NX PX`, `INCR` + `PEXPIRE` in one script) serves many.
 *
 * Contract:
 * - `claimOnce(key, ttlMs)` resolves true for exactly one caller among all nodes until `ttlMs`
 *   after the first claim; every other claim of the key in that time resolves false. Counters are
 *   a fast path, not a record: a Redis restart forgets claims, so callers that must refuse replays
 *   for good also record them in the Store (`Store.nonces`; DESIGN.md rule 9).
 * - `hit(key, limit, windowMs)` counts one event in the current window of `windowMs` that began
 *   with the key's first hit; it is allowed while the window's count is ≤ `limit`. When refused,
 *   `retryAfterMs` is the time left in the window. Counts are shared by all nodes.
 * - Both reject with `BROKER_UNAVAILABLE` when the engine cannot be reached.
 */
export interface HitResult {
  readonly allowed: boolean;
  /** Events still allowed in this window (0 when refused). */
  readonly remaining: number;
  /** Time until the window ends, in ms (0 when allowed). */
  readonly retryAfterMs: number;
}

export interface Counters {
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  hit(key: string, limit: number, windowMs: number): Promise<HitResult>;
  close(): Promise<void>;
}
