/**
 * Single-use values — embed ticket nonces, token `jti`s — claimed once across every node and every
 * restart (DESIGN.md rule 9). The Counters port answers replays fast; the Store's record decides,
 * so a Redis restart that forgot its claims cannot reopen a replay window. While Counters are
 * unreachable the Store alone decides.
 */
import { ParleyError } from '../protocol/index.ts';
import type { Counters } from './ports/counters.ts';
import type { NonceStore } from './ports/store.ts';

export class SingleUse {
  /** @param now clock in Unix ms. */
  constructor(
    private readonly counters: Counters,
    private readonly nonces: NonceStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Claim `key` until `expiresAt` (Unix ms). Resolves true for the first claim, false for a replay
   * or an already expired value. Rejects with `STORE_UNAVAILABLE` when the store cannot record it.
   */
  async claim(key: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    if (expiresAt <= now) return false;
    try {
      if (!(await this.counters.claimOnce(key, expiresAt - now))) return false;
    } catch (err) {
      if (!(err instanceof ParleyError && err.code === 'BROKER_UNAVAILABLE')) throw err;
    }
    return this.nonces.claim(key, expiresAt, now);
  }
}
