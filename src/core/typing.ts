/**
 * Typing indicators: forwarded to the room at most once per `throttleMs` per member while active,
 * always when cleared; clients hide them after `ttlMs` without renewal. Never stored.
 */
import type { TypingPush } from '../protocol/index.ts';
import type { Broker } from './ports/broker.ts';

export class Typing {
  /** roomId → userId → Unix ms of the last forwarded start (nested: no key string built per send). */
  readonly #lastStart = new Map<string, Map<string, number>>();

  readonly #broker: Broker;
  readonly #throttleMs: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  /**
   * @param options.throttleMs least time between forwarded starts (PARLEY_TYPING_THROTTLE_MS).
   * @param options.ttlMs how long clients show the indicator (PARLEY_TYPING_TTL_MS).
   * @param options.now clock in Unix ms.
   */
  constructor(options: { readonly broker: Broker; readonly throttleMs: number; readonly ttlMs: number; readonly now: () => number }) {
    this.#broker = options.broker;
    this.#throttleMs = options.throttleMs;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  /** Forward a typing change unless it is a start within the throttle window. Returns whether it was forwarded. */
  async set(roomId: string, userId: string, name: string, active: boolean): Promise<boolean> {
    let room = this.#lastStart.get(roomId);
    if (active) {
      const last = room?.get(userId);
      const now = this.#now();
      if (last !== undefined && now - last < this.#throttleMs) return false;
      if (room === undefined) this.#lastStart.set(roomId, (room = new Map()));
      room.set(userId, now);
    } else {
      if (room === undefined || !room.delete(userId)) return false;
      if (room.size === 0) this.#lastStart.delete(roomId);
    }
    const push: TypingPush = { type: 'typing', roomId, userId, name, active, ttlMs: this.#ttlMs };
    await this.#broker.publish({ roomId, frame: JSON.stringify(push) });
    return true;
  }

  /**
   * A member sent a message, which ends their typing: forward the clear if they were typing. Costs
   * nothing when they were not (the common case: checked before any promise or frame is made).
   */
  sent(roomId: string, userId: string, name: string): void {
    if (this.#lastStart.get(roomId)?.has(userId) !== true) return;
    this.set(roomId, userId, name, false).catch(() => undefined);
  }

  /** Clear a member's typing state in a room (on leave or disconnect). */
  async clear(roomId: string, userId: string, name: string): Promise<void> {
    await this.set(roomId, userId, name, false);
  }
}
