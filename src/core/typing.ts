/**
 * Typing indicators: forwarded to the room at most once per `throttleMs` per member while active,
 * always when cleared; clients hide them after `ttlMs` without renewal. Never stored.
 */
import type { TypingPush } from '../protocol/index.ts';
import type { Broker } from './ports/broker.ts';

export class Typing {
  /** `${roomId}\n${userId}` → Unix ms of the last forwarded start. */
  readonly #lastStart = new Map<string, number>();

  /**
   * @param throttleMs least time between forwarded starts (PARLEY_TYPING_THROTTLE_MS).
   * @param ttlMs how long clients show the indicator (PARLEY_TYPING_TTL_MS).
   */
  constructor(
    private readonly broker: Broker,
    private readonly throttleMs: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Forward a typing change unless it is a start within the throttle window. Returns whether it was forwarded. */
  async set(roomId: string, userId: string, name: string, active: boolean): Promise<boolean> {
    const key = `${roomId}\n${userId}`;
    if (active) {
      const last = this.#lastStart.get(key);
      const now = this.now();
      if (last !== undefined && now - last < this.throttleMs) return false;
      this.#lastStart.set(key, now);
    } else {
      if (!this.#lastStart.delete(key)) return false;
    }
    const push: TypingPush = { type: 'typing', roomId, userId, name, active, ttlMs: this.ttlMs };
    await this.broker.publish({ roomId, frame: JSON.stringify(push) });
    return true;
  }

  /** Clear a member's typing state in a room (on leave or disconnect). */
  async clear(roomId: string, userId: string, name: string): Promise<void> {
    await this.set(roomId, userId, name, false);
  }
}
