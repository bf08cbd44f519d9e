/**
 * Per-room client state and the delivery rule built on it (DESIGN.md, Resume and rule 3: "clients do
 * the same with their own last seq"). For every room it keeps the last delivered `seq` and the room
 * `epoch`, so that:
 * - every (re)join asks to resume with `since`/`epoch`, and the server replays what was missed;
 * - every timeline event (message, edit, delete, reaction, membership, moderation, room, system)
 *   has a seq and moves the room's last seq; one with `seq ≤ last` is dropped: no duplicate,
 *   whatever the server or the network repeats;
 * - an event with `seq > last + 1` reveals a gap: it is held back, the missing range is read with
 *   `history({after: last})`, and everything is delivered in order (live events arriving meanwhile
 *   wait too). What cannot be read back is reported as a `gap`, never skipped silently;
 * - a `resync` answer (epoch changed, or too much missed) reads the newest history page and hands it
 *   to the application, which replaces what it shows; live events after that page follow.
 */
import { toParleyError, type GapPush, type HistoryPage, type JoinCommand, type JoinResult, type ParleyError, type TimelineEvent } from '../../src/protocol/index.ts';

/** What the room tracker needs from the client around it. */
export interface RoomsHost {
  /** A history page of a room joined on the current socket (ascending seq). */
  history(roomId: string, query: { after?: number; limit: number }): Promise<HistoryPage>;
  /** Deliver a timeline event; called in seq order, at most once per room and seq. */
  event(event: TimelineEvent): void;
  /** Events `from`..`to` will never be delivered (relay buffer lost them, or history could not be read). */
  gap(push: GapPush): void;
  /** The room's numbering does not continue from what was delivered; `page` is its newest history page. */
  resync(roomId: string, result: JoinResult, page: HistoryPage): void;
  /** Something failed in the background (a history read while catching up). */
  error(error: ParleyError): void;
}

interface RoomState {
  /** Seq of the last event delivered (or known to be covered by a fresh join or a gap). */
  lastSeq: number;
  /** The epoch `lastSeq` belongs to; unknown until the first join. */
  epoch: string | undefined;
  /** Whether the room is joined on the current socket (commands about it may be sent). */
  joined: boolean;
  /** Events held back while the room catches up from history; undefined when live. */
  held: TimelineEvent[] | undefined;
  /** Bumped whenever a running catch-up becomes stale (new join, dropped socket, untrack). */
  generation: number;
}

const bySeq = (a: TimelineEvent, b: TimelineEvent) => a.seq - b.seq;

/** Every tracked room's position and delivery state. */
export class Rooms {
  readonly #rooms = new Map<string, RoomState>();
  readonly #host: RoomsHost;
  readonly #pageSize: number;

  /** @param pageSize history page size used to catch up (events). */
  constructor(host: RoomsHost, pageSize: number) {
    this.#host = host;
    this.#pageSize = pageSize;
  }

  /** Start tracking a room: it is (re)joined on every socket until untracked. Idempotent. */
  track(roomId: string): void {
    if (!this.#rooms.has(roomId)) this.#rooms.set(roomId, { lastSeq: 0, epoch: undefined, joined: false, held: undefined, generation: 0 });
  }

  /** Forget a room: it is no longer rejoined and its events are ignored. */
  untrack(roomId: string): void {
    const state = this.#rooms.get(roomId);
    if (state !== undefined) state.generation++;
    this.#rooms.delete(roomId);
  }

  has(roomId: string): boolean {
    return this.#rooms.has(roomId);
  }

  /** Tracked room ids, in the order they were first joined. */
  ids(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Whether the room is joined on the current socket. */
  isJoined(roomId: string): boolean {
    return this.#rooms.get(roomId)?.joined === true;
  }

  /** Seq of the last timeline event delivered in a room (0 before any). */
  lastSeq(roomId: string): number {
    return this.#rooms.get(roomId)?.lastSeq ?? 0;
  }

  /** The join command for a room: fresh the first time, then a resume from the last seq and its epoch. */
  joinCommand(roomId: string): JoinCommand {
    const state = this.#rooms.get(roomId);
    if (state?.epoch === undefined) return { type: 'join', roomId };
    return { type: 'join', roomId, since: state.lastSeq, epoch: state.epoch };
  }

  /**
   * Apply a join result; call it synchronously with the reply, before the replayed events that
   * follow it. `fresh` starts after the room's newest seq (page history to show the past); `replay`
   * and `gap` continue from `since`; `resync` starts over from the newest history page.
   */
  joined(roomId: string, result: JoinResult): void {
    const state = this.#rooms.get(roomId);
    if (state === undefined) return;
    state.joined = true;
    state.generation++;
    state.held = undefined;
    state.epoch = result.room.epoch;
    if (result.resume === 'fresh') state.lastSeq = result.room.lastSeq;
    if (result.resume !== 'resync') return;
    state.lastSeq = result.room.lastSeq;
    this.#catchUp(roomId, state, [], async (current) => {
      let page: HistoryPage;
      try {
        page = await this.#host.history(roomId, { limit: this.#pageSize });
      } catch (err) {
        if (!current()) return;
        this.#host.error(toParleyError(err));
        page = { events: [], hasMore: result.room.lastSeq > 0 };
      }
      if (!current()) return;
      state.lastSeq = Math.max(state.lastSeq, page.events.at(-1)?.seq ?? 0);
      this.#host.resync(roomId, result, page);
    });
  }

  /** The socket dropped: no room is joined any more, and catch-ups in progress are abandoned (the resume replays them). */
  disconnected(): void {
    for (const state of this.#rooms.values()) {
      state.joined = false;
      state.generation++;
      state.held = undefined;
    }
  }

  /** An `event` push: deliver it, drop it as a duplicate, or hold it and fill the gap before it. */
  receive(event: TimelineEvent): void {
    const state = this.#rooms.get(event.roomId);
    if (state === undefined || !state.joined) return;
    if (state.held !== undefined) return void state.held.push(event);
    if (event.seq <= state.lastSeq) return;
    if (event.seq === state.lastSeq + 1) {
      state.lastSeq = event.seq;
      return this.#host.event(event);
    }
    this.#fill(event.roomId, state, event);
  }

  /** A relay `gap` push: the server will never deliver `from`..`to`; move past it and report it. */
  gapPush(push: GapPush): void {
    const state = this.#rooms.get(push.roomId);
    if (state === undefined || push.to <= state.lastSeq) return;
    state.lastSeq = push.to;
    this.#host.gap(push);
  }

  /**
   * A relay `resync` push: the room's numbering started over in `epoch` (it emptied on every node).
   * Nothing was lost; its events continue from seq 1 of the new epoch.
   */
  restart(roomId: string, epoch: string): void {
    const state = this.#rooms.get(roomId);
    if (state === undefined) return;
    state.generation++;
    state.held = undefined;
    state.lastSeq = 0;
    state.epoch = epoch;
  }

  /** Read the events between the last delivered one and `first` from history, then release what was held. */
  #fill(roomId: string, state: RoomState, first: TimelineEvent): void {
    const target = first.seq;
    this.#catchUp(roomId, state, [first], async (current) => {
      try {
        while (state.lastSeq + 1 < target) {
          const page = await this.#host.history(roomId, { after: state.lastSeq, limit: this.#pageSize });
          if (!current()) return;
          for (const event of page.events) this.#advance(roomId, state, event);
          if (page.events.length === 0) break;
        }
      } catch (err) {
        if (!current()) return;
        this.#host.error(toParleyError(err));
      }
      if (state.lastSeq + 1 < target) this.#advance(roomId, state, undefined, target - 1);
    });
  }

  /** Deliver a history event after `lastSeq` (reporting any hole before it), or just move to `toSeq`. */
  #advance(roomId: string, state: RoomState, event: TimelineEvent | undefined, toSeq = event?.seq ?? 0): void {
    if (toSeq <= state.lastSeq) return;
    const lastMissing = event === undefined ? toSeq : toSeq - 1;
    if (lastMissing > state.lastSeq) this.#host.gap({ type: 'gap', roomId, from: state.lastSeq + 1, to: lastMissing });
    state.lastSeq = toSeq;
    if (event !== undefined) this.#host.event(event);
  }

  /**
   * Hold live events while `task` catches the room up, then release them in seq order (dropping
   * those the task already delivered). `current()` turns false once the catch-up is stale.
   */
  #catchUp(roomId: string, state: RoomState, held: TimelineEvent[], task: (current: () => boolean) => Promise<void>): void {
    const generation = ++state.generation;
    state.held = held;
    const current = () => state.generation === generation && this.#rooms.get(roomId) === state;
    void task(current).then(() => {
      if (!current()) return;
      const release = (state.held ?? []).sort(bySeq);
      state.held = undefined;
      for (const event of release) this.receive(event);
    });
  }
}
