/**
 * Per-room client state: the last seq seen and the room epoch, so every (re)join asks to resume
 * with `since`/`epoch`; messages at or below the last seq are dropped (no duplicate), and a seq
 * beyond last+1 is reported as a gap for the client to fill from history.
 */
import type { JoinCommand, JoinResult, Message } from '../../src/protocol/index.ts';

/** What to do with an arriving message. */
export type Verdict = 'deliver' | 'duplicate' | 'gap';

interface RoomState {
  lastSeq: number;
  epoch: string | undefined;
}

export class RoomTracker {
  readonly #rooms = new Map<string, RoomState>();

  /** Start tracking a room (idempotent). */
  track(roomId: string): void {
    if (!this.#rooms.has(roomId)) this.#rooms.set(roomId, { lastSeq: 0, epoch: undefined });
  }

  untrack(roomId: string): void {
    this.#rooms.delete(roomId);
  }

  /** Tracked room ids, in the order they were joined. */
  ids(): string[] {
    return [...this.#rooms.keys()];
  }

  has(roomId: string): boolean {
    return this.#rooms.has(roomId);
  }

  /** Newest seq seen in a room (0 before any). */
  lastSeq(roomId: string): number {
    return this.#rooms.get(roomId)?.lastSeq ?? 0;
  }

  /** The join command for a room: a resume (`since`, `epoch`) once the room's epoch is known. */
  joinCommand(roomId: string): JoinCommand {
    const state = this.#rooms.get(roomId);
    if (state?.epoch === undefined) return { type: 'join', roomId };
    return { type: 'join', roomId, since: state.lastSeq, epoch: state.epoch };
  }

  /** Apply a join result: fresh and resync start from the room's newest seq; replay and gap keep `since`. */
  joined(roomId: string, result: JoinResult): void {
    const state = this.#rooms.get(roomId);
    if (state === undefined) return;
    if (result.resume === 'fresh' || result.resume === 'resync') state.lastSeq = result.room.lastSeq;
    state.epoch = result.room.epoch;
  }

  /** Judge an arriving message and, when delivered, advance the room's last seq. */
  accept(message: Message): Verdict {
    const state = this.#rooms.get(message.roomId);
    if (state === undefined || message.seq <= state.lastSeq) return 'duplicate';
    if (message.seq > state.lastSeq + 1) return 'gap';
    state.lastSeq = message.seq;
    return 'deliver';
  }

  /** Skip past messages the server says are gone (relay `gap` push). */
  skipTo(roomId: string, seq: number): void {
    const state = this.#rooms.get(roomId);
    if (state !== undefined && seq > state.lastSeq) state.lastSeq = seq;
  }
}
