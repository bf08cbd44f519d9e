/**
 * Brute-force limits on logins and registrations (issue: identity; OWASP Authentication Cheat
 * Sheet): each attempt counts once per client address and once per account name, in fixed windows
 * shared by every node (the Counters port). The name is counted as typed (lowercased) whether or not
 * an account has it, so the limit itself reveals nothing about which names exist. Every attempt
 * counts, successful or not: a refused one also costs no password hashing.
 */
import { ParleyError } from '../protocol/index.ts';
import type { Counters } from '../core/ports/counters.ts';

/** What is being attempted; each kind has its own budgets. */
export type AttemptKind = 'login' | 'register';

export class AttemptLimits {
  /**
   * @param limit attempts allowed per address and per name in each window (PARLEY_AUTH_ATTEMPTS).
   * @param windowMs the window's length in ms (PARLEY_AUTH_WINDOW_MS).
   */
  constructor(
    private readonly counters: Counters,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Count one attempt of `kind` from `address` on the account name `username` (lowercase).
   * The address is counted first; an attempt it refuses is not counted against the name.
   * @throws ParleyError `RATE_LIMITED` with `details.retryAfterMs` when either budget is spent;
   *   `BROKER_UNAVAILABLE` when the counters cannot be reached (the attempt is refused, not let through).
   */
  async count(kind: AttemptKind, address: string, username: string): Promise<void> {
    for (const key of [`auth:${kind}:address:${address}`, `auth:${kind}:name:${username}`]) {
      const hit = await this.counters.hit(key, this.limit, this.windowMs);
      if (!hit.allowed) {
        const retryAfterMs = Math.max(1, hit.retryAfterMs);
        throw new ParleyError('RATE_LIMITED', `Too many ${kind} attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { details: { retryAfterMs } });
      }
    }
  }
}
