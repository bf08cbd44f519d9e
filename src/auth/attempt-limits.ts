/**
 * Brute-force limits on logins and registrations (issue: identity, doors; OWASP Authentication
 * Cheat Sheet, "Account lockout" and "Login throttling"), shared by every node (the Counters port).
 *
 * Each attempt counts, in fixed windows of `windowMs`, against these budgets, in this order:
 * 1. the client address (all names): `addressAttempts`;
 * 2. logins only: the pair (account name, client address): `pairAttempts`;
 * 3. the account name (all addresses): `accountAttempts` — skipped for a login from a browser that
 *    presents a valid device cookie for that account (`device-cookie.ts`), so an attacker elsewhere
 *    cannot lock its owner out; that browser is still limited by 1 and 2, its own attempts.
 * Within a budget attempts pass freely; from the budget's last one on, each attempt opens a delay
 * before the next may be tried, doubling with every further attempt in the window (from `delayMs`,
 * capped at `windowMs`). An attempt tried too early is refused with `RATE_LIMITED` and the time
 * left; it still counts, so hammering makes the next delay longer. An attempt refused by one
 * budget is not counted against the later ones.
 *
 * Every attempt counts, successful or not (a refused one costs no password hashing), and the
 * name is counted as typed (lowercased) whether or not an account has it, so the limits reveal
 * nothing about which names exist. When the counters cannot be reached the attempt is refused
 * (`BROKER_UNAVAILABLE`), never let through.
 */
import { ParleyError } from '../protocol/index.ts';
import type { Counters } from '../core/ports/counters.ts';

/** What is being attempted; each kind has its own budgets. */
export type AttemptKind = 'login' | 'register';

/** The budgets of {@link AttemptLimits}, in the units their names carry. */
export interface AttemptBudgets {
  /** Free logins per (account name, client address) in a window (PARLEY_AUTH_ATTEMPTS). */
  readonly pairAttempts: number;
  /** Free attempts per client address, all names, in a window (PARLEY_AUTH_ADDRESS_ATTEMPTS). */
  readonly addressAttempts: number;
  /** Free attempts per account name, all addresses, in a window (PARLEY_AUTH_ACCOUNT_ATTEMPTS). */
  readonly accountAttempts: number;
  /** The window, in ms (PARLEY_AUTH_WINDOW_MS); also the longest delay. */
  readonly windowMs: number;
  /** The first delay once a budget is spent, in ms (PARLEY_AUTH_DELAY_MS); it doubles from there. */
  readonly delayMs: number;
}

/** How one attempt is presented. */
export interface AttemptContext {
  /** The browser presented a valid device cookie for this account name: the per-account budget does not apply. */
  readonly knownDevice?: boolean;
}

/** A count no window reaches: budgets are enforced by delays, not by this limit. */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

export class AttemptLimits {
  constructor(
    private readonly counters: Counters,
    private readonly budgets: AttemptBudgets,
  ) {}

  /**
   * Count one attempt of `kind` from `address` on the account name `username` (lowercase).
   * @throws ParleyError `RATE_LIMITED` with `details.retryAfterMs` when the attempt comes before a
   *   delay has passed; `BROKER_UNAVAILABLE` when the counters cannot be reached.
   */
  async count(kind: AttemptKind, address: string, username: string, context: AttemptContext = {}): Promise<void> {
    const { pairAttempts, addressAttempts, accountAttempts } = this.budgets;
    await this.#take(`auth:${kind}:address:${address}`, addressAttempts, kind);
    if (kind === 'login') await this.#take(`auth:${kind}:pair:${username}:${address}`, pairAttempts, kind);
    if (context.knownDevice !== true) await this.#take(`auth:${kind}:name:${username}`, accountAttempts, kind);
  }

  /** Count an attempt under `key`; past `free` attempts, pass only when no delay is running, and start the next. */
  async #take(key: string, free: number, kind: AttemptKind): Promise<void> {
    const counted = await this.counters.hit(key, UNCAPPED, this.budgets.windowMs);
    const attempts = UNCAPPED - counted.remaining;
    if (attempts < free) return;
    // The gate is a window of `delay` opened by the attempt that finds none running: it passes, and
    // every attempt until the window ends is refused with the time left.
    const gate = await this.counters.hit(`${key}:delay`, 1, this.delayAfter(attempts - free));
    if (gate.allowed) return;
    const retryAfterMs = Math.max(1, gate.retryAfterMs);
    throw new ParleyError('RATE_LIMITED', `Too many ${kind} attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { details: { retryAfterMs } });
  }

  /** The delay after the `excess`-th attempt past a budget (0 = its last free one): `delayMs` doubled each time, capped at the window (ms). */
  delayAfter(excess: number): number {
    const { delayMs, windowMs } = this.budgets;
    return Math.min(windowMs, delayMs * 2 ** Math.min(excess, 40));
  }
}
