/**
 * Named rate limits over the Counters port (DESIGN.md, Ports; issue: abuse resistance): HTTP
 * requests and admissions per client address, messages per user and room. Counts live in the
 * Counters engine, so every node of a deployment shares them (Redis) or one process keeps them.
 *
 * Fail open: when the Counters engine cannot be reached (`BROKER_UNAVAILABLE`), the event is
 * allowed and the failure reported, at most once per {@link REPORT_INTERVAL_MS} per limit (with the
 * number of events let through since), so an outage under load does not flood the logs. A Redis outage must not lock every user out; the limits that
 * need no shared state (connection caps, the per-socket frame bucket, slow-consumer closes) still
 * hold meanwhile.
 */
import { ParleyError } from '../protocol/index.ts';
import type { Counters } from './ports/counters.ts';

/** A named limit: at most `limit` events per fixed window of `windowMs`, per subject. */
export interface RateLimit {
  /** Part of the counter key: one name per limit (`http`, `messages`…). */
  readonly name: string;
  /** What is counted, plural, for error messages (`requests`, `messages`). */
  readonly counts: string;
  readonly limit: number;
  readonly windowMs: number;
}

/** Least time between two reports of failing counters for one limit, in ms. */
const REPORT_INTERVAL_MS = 10_000;

export class RateLimits {
  /** Per limit name: when its failure was last reported and how many events passed unchecked since. */
  readonly #failures = new Map<string, { reportedAt: number; unchecked: number }>();

  /**
   * @param counters the shared counters.
   * @param onError told of a counter failure that let an event through (to be logged).
   */
  constructor(
    private readonly counters: Counters,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  /**
   * Count one event of `rule` for `subject` (a client address, `room:user`…).
   * @throws ParleyError `RATE_LIMITED` with `details: {retryAfterMs, limit, windowMs}` when the
   *   subject already used up the current window; retrying after `retryAfterMs` succeeds.
   */
  async take(rule: RateLimit, subject: string): Promise<void> {
    let result;
    try {
      result = await this.counters.hit(`${rule.name}:${subject}`, rule.limit, rule.windowMs);
    } catch (err) {
      this.#report(rule, err);
      return;
    }
    if (result.allowed) return;
    throw new ParleyError('RATE_LIMITED', `Too many ${rule.counts}: at most ${rule.limit} per ${describeWindow(rule.windowMs)}; retry in ${Math.ceil(result.retryAfterMs / 1000)} s`, {
      details: { retryAfterMs: result.retryAfterMs, limit: rule.limit, windowMs: rule.windowMs },
    });
  }

  #report(rule: RateLimit, err: unknown): void {
    const now = Date.now();
    const failure = this.#failures.get(rule.name) ?? { reportedAt: -Infinity, unchecked: 0 };
    failure.unchecked += 1;
    this.#failures.set(rule.name, failure);
    if (now - failure.reportedAt < REPORT_INTERVAL_MS) return;
    this.onError(err, `rate limit ${rule.name}: counters unreachable, ${failure.unchecked} ${rule.counts} let through unchecked`);
    failure.reportedAt = now;
    failure.unchecked = 0;
  }
}

/** The `Retry-After` value (whole seconds, at least 1) for a wait of `retryAfterMs`. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** "minute", "10 s"… for messages. */
function describeWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'minute';
  return windowMs % 1000 === 0 ? `${windowMs / 1000} s` : `${windowMs} ms`;
}
