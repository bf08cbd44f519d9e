/**
 * In-process Counters: claims and rate windows in maps with their expiry times, checked on access
 * and swept once a minute so that memory stays bounded by what is live. The real default for a
 * single node. Limit: single process only, and forgotten on restart (claims that must survive a
 * restart are also recorded in the Store).
 */
import type { Counters, HitResult } from '../../core/ports/counters.ts';

/** How often expired claims and windows are dropped, in ms. */
const SWEEP_INTERVAL_MS = 60_000;

export class MemoryCounters implements Counters {
  /** key → Unix ms when the claim expires. */
  readonly #claims = new Map<string, number>();
  /** key → the current window: its end (Unix ms) and its count. */
  readonly #windows = new Map<string, { endsAt: number; count: number }>();
  readonly #sweep: NodeJS.Timeout;

  /** @param now clock in Unix ms (injectable for tests). */
  constructor(private readonly now: () => number = Date.now) {
    this.#sweep = setInterval(() => this.#dropExpired(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const expiresAt = this.#claims.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#claims.set(key, now + ttlMs);
    return true;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<HitResult> {
    const now = this.now();
    let window = this.#windows.get(key);
    if (window === undefined || window.endsAt <= now) this.#windows.set(key, (window = { endsAt: now + windowMs, count: 0 }));
    window.count += 1;
    if (window.count <= limit) return { allowed: true, remaining: limit - window.count, retryAfterMs: 0 };
    return { allowed: false, remaining: 0, retryAfterMs: window.endsAt - now };
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#claims.clear();
    this.#windows.clear();
  }

  #dropExpired(): void {
    const now = this.now();
    for (const [key, expiresAt] of this.#claims) if (expiresAt <= now) this.#claims.delete(key);
    for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key);
  }
}
