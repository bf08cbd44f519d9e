/**
 * Who is online in each room, over the Presence port. An entry is one connection's presence in one
 * room (member `userId`, connection id), so a user with two tabs stays online until the last
 * closes; a member is online while any of their entries is live.
 *
 * Pushes are coalesced (issue 11, joining at scale): a change waits in its room's pending changes
 * (the latest per member wins, in the order of their latest change) until the room's window ends;
 * then the room gets one `presence` push carrying all of them. So 50 joins within a window cost
 * each member one frame, not fifty. A room's window opens with its first pending change and lasts
 * `flushMs`, or longer in a room with many connections on this node: {@link presenceWindowMs}
 * keeps a room's pushes to about {@link PRESENCE_FRAMES_PER_SECOND} frames per second on a node
 * however many join or leave, so a join costs the node a bounded number of writes, not one per
 * member present. One timer per node, armed for the earliest window's end while changes wait
 * (DESIGN.md, "No per-socket timers"). `flushMs` 0 publishes each change at once.
 *
 * No operation reads a room's whole presence: `enter` and `leave` ask the port about their member
 * only, `online` reads at most `limit` members, `present` the members asked about.
 *
 * One shared timer per node refreshes each of this node's entries once every ttl/3, then removes
 * the expired entries of the rooms it serves (each room at most once per ttl/3) and announces
 * offline the members left with none. The beat is sliced (`wheel.ts`): each tick, about every
 * 250 ms, refreshes one slot of the entries, so no tick stalls the event loop for all of them. An
 * entry stops being refreshed when its node dies without a goodbye, so that node's users are shown
 * offline within `ttlMs` plus one beat and one flush window, by whichever node removes the entry
 * first (the Presence port hands each expired entry to exactly one caller).
 */
import { PRESENCE_CHANGES_MAX, type PresenceChange, type PresencePush } from '../protocol/index.ts';
import type { Presence } from './ports/presence.ts';
import type { Broker } from './ports/broker.ts';
import { Wheel, wheelTiming } from './wheel.ts';

/** About how many presence frames a room's pushes write per second on one node, at most (issue 11, joining at scale). */
export const PRESENCE_FRAMES_PER_SECOND = 20;
/** The longest a presence change waits, in multiples of the flush window. */
const PRESENCE_WINDOW_MAX_FACTOR = 30;

/**
 * How long a room's presence changes wait to be pushed together, in ms: `flushMs`, or as long as
 * `connections` frames take at {@link PRESENCE_FRAMES_PER_SECOND} (each push is one frame per
 * connection in the room on this node), at most 30 × `flushMs`. With the default 100 ms: rooms of
 * up to 2 connections 100 ms, 10 → 500 ms, 40 → 2 s, 60 or more → 3 s.
 */
export function presenceWindowMs(flushMs: number, connections: number): number {
  return Math.min(flushMs * PRESENCE_WINDOW_MAX_FACTOR, Math.max(flushMs, Math.ceil((connections * 1000) / PRESENCE_FRAMES_PER_SECOND)));
}

/** A room's changes waiting for its window to end. */
interface PendingRoom {
  /** userId → the member's latest change not pushed yet (a Map keeps their order). */
  readonly changes: Map<string, PresenceChange>;
  /** When the window ends (Unix ms). */
  readonly dueAt: number;
}

interface LocalEntry {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
  readonly connectionId: string;
}

/** Options of {@link RoomPresence}. */
export interface RoomPresenceOptions {
  readonly presence: Presence;
  readonly broker: Broker;
  /** Entry lifetime without refresh, in ms (PARLEY_PRESENCE_TTL_MS). */
  readonly ttlMs: number;
  /** How long a change waits at least to be pushed with the room's others, in ms; 0: at once (PARLEY_PRESENCE_FLUSH_MS). See {@link presenceWindowMs}. */
  readonly flushMs: number;
  /** Failures of the background beat and of coalesced pushes (both go on), to be logged. */
  readonly onError: (err: unknown, context: string) => void;
}

export class RoomPresence {
  /** `${roomId}\n${userId}/${connectionId}` → entry, for this node's connections. */
  readonly #local = new Map<string, LocalEntry>();
  /** The same entries, sliced: each tick refreshes one slot. */
  readonly #wheel: Wheel<LocalEntry>;
  /** When each room's expired entries were last removed (Unix ms). */
  readonly #expiredAt = new Map<string, number>();
  readonly #periodMs: number;
  #prunedAt = 0;
  readonly #timer: NodeJS.Timeout;
  #beating = false;
  /** roomId → this node's entries in the room (what one push to the room costs this node, in frames). */
  readonly #connections = new Map<string, number>();
  /** roomId → the room's changes not pushed yet. */
  #pending = new Map<string, PendingRoom>();
  /** Armed for the earliest window's end while changes are pending. */
  #flushTimer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (Unix ms). */
  #flushAt = Infinity;
  #closed = false;

  readonly #o: RoomPresenceOptions;

  constructor(options: RoomPresenceOptions) {
    this.#o = options;
    this.#periodMs = Math.max(250, Math.floor(options.ttlMs / 3));
    const { slots, tickMs } = wheelTiming(this.#periodMs);
    this.#wheel = new Wheel(slots);
    this.#timer = setInterval(() => void this.#beat(), tickMs);
    this.#timer.unref();
  }

  /**
   * Mark a connection present in a room; announces the member online unless they already were
   * (another connection, here or on another node). A change of theirs still pending on this node
   * becomes `online`, whatever it was.
   */
  async enter(roomId: string, userId: string, name: string, connectionId: string): Promise<void> {
    const pending = this.#pending.get(roomId)?.changes.has(userId) === true;
    const wasOnline = !pending && (await this.#o.presence.present(roomId, [userId])).has(userId);
    const entry: LocalEntry = { roomId, userId, name, connectionId };
    const localKey = `${roomId}\n${userId}/${connectionId}`;
    const previous = this.#local.get(localKey);
    if (previous !== undefined) this.#wheel.delete(previous);
    else this.#connections.set(roomId, (this.#connections.get(roomId) ?? 0) + 1);
    this.#local.set(localKey, entry);
    this.#wheel.add(entry);
    await this.#o.presence.touch(roomId, { memberId: userId, connectionId, value: name }, this.#o.ttlMs);
    if (!wasOnline) await this.#change(roomId, { userId, name, online: true });
  }

  /**
   * Remove a connection's presence; announces the member offline when no live entry of theirs is
   * left in the room (other tabs, other nodes). Returns whether the room is now empty.
   */
  async leave(roomId: string, userId: string, name: string, connectionId: string): Promise<boolean> {
    const localKey = `${roomId}\n${userId}/${connectionId}`;
    const entry = this.#local.get(localKey);
    if (entry !== undefined) {
      this.#wheel.delete(entry);
      this.#local.delete(localKey);
      const left = (this.#connections.get(roomId) ?? 1) - 1;
      if (left > 0) this.#connections.set(roomId, left);
      else this.#connections.delete(roomId);
    }
    await this.#o.presence.remove(roomId, { memberId: userId, connectionId });
    if ((await this.#o.presence.present(roomId, [userId])).has(userId)) return false;
    await this.#change(roomId, { userId, name, online: false });
    return (await this.#o.presence.list(roomId, 1)).length === 0;
  }

  /** At most `limit` distinct user ids online in the room, in no particular order; reads O(limit). */
  online(roomId: string, limit: number): Promise<string[]> {
    return this.#o.presence.list(roomId, limit);
  }

  /** Those of `userIds` online in the room; reads O(their entries). */
  present(roomId: string, userIds: readonly string[]): Promise<Set<string>> {
    return this.#o.presence.present(roomId, userIds);
  }

  /** Whether the user is online in the room (one port read). */
  async isOnline(roomId: string, userId: string): Promise<boolean> {
    return (await this.present(roomId, [userId])).has(userId);
  }

  /**
   * Stop the timers and push the pending changes (their failures go to `onError`); changes made
   * after this are pushed at once. Resolves when the pushes are done.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#flush(Infinity);
  }

  /** Queue a change for the room's next push (the member's latest change replaces an earlier one), or push it now. */
  async #change(roomId: string, change: PresenceChange): Promise<void> {
    if (this.#o.flushMs === 0 || this.#closed) return this.#publish(roomId, [change]);
    let room = this.#pending.get(roomId);
    if (room === undefined) {
      room = { changes: new Map(), dueAt: Date.now() + presenceWindowMs(this.#o.flushMs, this.#connections.get(roomId) ?? 0) };
      this.#pending.set(roomId, room);
      if (room.dueAt < this.#flushAt) this.#arm(room.dueAt);
    }
    room.changes.delete(change.userId);
    room.changes.set(change.userId, change);
  }

  /** (Re-)arm the flush timer for `at` (Unix ms). */
  #arm(at: number): void {
    clearTimeout(this.#flushTimer);
    this.#flushAt = at;
    this.#flushTimer = setTimeout(() => void this.#flush(Date.now()), Math.max(0, at - Date.now()));
    this.#flushTimer.unref();
  }

  /**
   * Push the pending changes of every room whose window has ended by `now` (all of them when
   * `now` is Infinity), one push per room (per {@link PRESENCE_CHANGES_MAX} changes); re-arm for
   * the earliest window left.
   */
  async #flush(now: number): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushAt = Infinity;
    const due: [string, PendingRoom][] = [];
    let next = Infinity;
    for (const entry of this.#pending) {
      if (entry[1].dueAt <= now) due.push(entry);
      else next = Math.min(next, entry[1].dueAt);
    }
    for (const [roomId] of due) this.#pending.delete(roomId);
    if (next !== Infinity) this.#arm(next);
    await Promise.all(due.map(([roomId, room]) => this.#publish(roomId, [...room.changes.values()]).catch((err: unknown) => this.#o.onError(err, 'presence push'))));
  }

  async #publish(roomId: string, changes: PresenceChange[]): Promise<void> {
    for (let i = 0; i < changes.length; i += PRESENCE_CHANGES_MAX) {
      const push: PresencePush = { type: 'presence', roomId, changes: changes.slice(i, i + PRESENCE_CHANGES_MAX) };
      await this.#o.broker.publish({ roomId, frame: JSON.stringify(push) });
    }
  }

  /**
   * One tick: refresh this slot's entries, then expire the others' in their rooms not expired for
   * a period. A tick still running when the next is due makes that one wait for the next tick
   * (its slot comes up one tick late, well within the ttl).
   */
  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const rooms = new Set<string>();
      for (const entry of this.#wheel.turn()) {
        rooms.add(entry.roomId);
        await this.#o.presence.touch(entry.roomId, { memberId: entry.userId, connectionId: entry.connectionId, value: entry.name }, this.#o.ttlMs).catch((err: unknown) => this.#o.onError(err, 'presence refresh'));
      }
      const now = Date.now();
      for (const roomId of rooms) {
        // 0.9: a tick that fires a little early must not push the room's expiry a whole period on.
        if (now - (this.#expiredAt.get(roomId) ?? 0) < this.#periodMs * 0.9) continue;
        this.#expiredAt.set(roomId, now);
        await this.#expire(roomId).catch((err: unknown) => this.#o.onError(err, 'presence expiry'));
      }
      if (now - this.#prunedAt >= this.#periodMs) {
        this.#prunedAt = now;
        for (const [roomId, at] of this.#expiredAt) if (now - at > 2 * this.#periodMs) this.#expiredAt.delete(roomId);
      }
    } finally {
      this.#beating = false;
    }
  }

  /**
   * Remove a room's expired entries and announce offline each member left without a live one:
   * asks the port about the expired entries' members only, never the whole room.
   */
  async #expire(roomId: string): Promise<void> {
    const expired = await this.#o.presence.expire(roomId);
    if (expired.length === 0) return;
    const names = new Map<string, string>();
    for (const entry of expired) names.set(entry.memberId, entry.value);
    const online = await this.#o.presence.present(roomId, [...names.keys()]);
    for (const [userId, name] of names) if (!online.has(userId)) await this.#change(roomId, { userId, name, online: false });
  }
}
