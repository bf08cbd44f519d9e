/**
 * Who is online in each room, over the Presence port. An entry is one connection's presence in one
 * room (`userId/connectionId`), so a user with two tabs stays online until the last closes; a
 * member is online while any of their entries is live.
 *
 * One shared timer per node (DESIGN.md, "No per-socket timers") refreshes each of this node's
 * entries once every ttl/3, then removes the expired entries of the rooms it serves (each room at
 * most once per ttl/3) and announces offline the members left with none. The beat is sliced
 * (`wheel.ts`): each tick, about every 250 ms, refreshes one slot of the entries, so no tick
 * stalls the event loop for all of them. An entry stops being refreshed when its node dies
 * without a goodbye, so that node's users are shown offline within `ttlMs` plus one beat, by
 * whichever node removes the entry first (the Presence port hands each expired entry to exactly
 * one caller).
 */
import type { PresencePush } from '../protocol/index.ts';
import type { Presence } from './ports/presence.ts';
import type { Broker } from './ports/broker.ts';
import { Wheel, wheelTiming } from './wheel.ts';

interface LocalEntry {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
  readonly key: string;
}

export class RoomPresence {
  /** `${roomId}\n${key}` → entry, for this node's connections. */
  readonly #local = new Map<string, LocalEntry>();
  /** The same entries, sliced: each tick refreshes one slot. */
  readonly #wheel: Wheel<LocalEntry>;
  /** When each room's expired entries were last removed (Unix ms). */
  readonly #expiredAt = new Map<string, number>();
  readonly #periodMs: number;
  #prunedAt = 0;
  readonly #timer: NodeJS.Timeout;
  #beating = false;

  private readonly presence: Presence;
  private readonly broker: Broker;
  private readonly ttlMs: number;
  private readonly onError: (err: unknown, context: string) => void;

  /**
   * @param options.ttlMs entry lifetime without refresh (PARLEY_PRESENCE_TTL_MS).
   * @param options.onError failures of the background beat (it goes on), to be logged.
   */
  constructor(options: { readonly presence: Presence; readonly broker: Broker; readonly ttlMs: number; readonly onError: (err: unknown, context: string) => void }) {
    this.presence = options.presence;
    this.broker = options.broker;
    this.ttlMs = options.ttlMs;
    this.onError = options.onError;
    const ttlMs = options.ttlMs;
    this.#periodMs = Math.max(250, Math.floor(ttlMs / 3));
    const { slots, tickMs } = wheelTiming(this.#periodMs);
    this.#wheel = new Wheel(slots);
    this.#timer = setInterval(() => void this.#beat(), tickMs);
    this.#timer.unref();
  }

  /** Mark a connection present in a room; announces the member online if it was not. */
  async enter(roomId: string, userId: string, name: string, connectionId: string): Promise<void> {
    const key = `${userId}/${connectionId}`;
    const wasOnline = await this.isOnline(roomId, userId);
    const entry: LocalEntry = { roomId, userId, name, key };
    const previous = this.#local.get(`${roomId}\n${key}`);
    if (previous !== undefined) this.#wheel.delete(previous);
    this.#local.set(`${roomId}\n${key}`, entry);
    this.#wheel.add(entry);
    await this.presence.touch(roomId, key, name, this.ttlMs);
    if (!wasOnline) await this.#announce({ type: 'presence', roomId, userId, name, online: true });
  }

  /** Remove a connection's presence; announces the member offline when it was their last. Returns whether the room is now empty. */
  async leave(roomId: string, userId: string, name: string, connectionId: string): Promise<boolean> {
    const key = `${userId}/${connectionId}`;
    const entry = this.#local.get(`${roomId}\n${key}`);
    if (entry !== undefined) this.#wheel.delete(entry);
    this.#local.delete(`${roomId}\n${key}`);
    await this.presence.remove(roomId, key);
    const entries = await this.presence.list(roomId);
    if (!entries.some((e) => userOf(e.key) === userId)) {
      await this.#announce({ type: 'presence', roomId, userId, name, online: false });
    }
    return entries.length === 0;
  }

  /** User ids online in the room. */
  async online(roomId: string): Promise<Set<string>> {
    const entries = await this.presence.list(roomId);
    return new Set(entries.map((e) => userOf(e.key)));
  }

  async isOnline(roomId: string, userId: string): Promise<boolean> {
    return (await this.online(roomId)).has(userId);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #announce(push: PresencePush): Promise<void> {
    await this.broker.publish({ roomId: push.roomId, frame: JSON.stringify(push) });
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
        await this.presence.touch(entry.roomId, entry.key, entry.name, this.ttlMs).catch((err: unknown) => this.onError(err, 'presence refresh'));
      }
      const now = Date.now();
      for (const roomId of rooms) {
        // 0.9: a tick that fires a little early must not push the room's expiry a whole period on.
        if (now - (this.#expiredAt.get(roomId) ?? 0) < this.#periodMs * 0.9) continue;
        this.#expiredAt.set(roomId, now);
        await this.#expire(roomId).catch((err: unknown) => this.onError(err, 'presence expiry'));
      }
      if (now - this.#prunedAt >= this.#periodMs) {
        this.#prunedAt = now;
        for (const [roomId, at] of this.#expiredAt) if (now - at > 2 * this.#periodMs) this.#expiredAt.delete(roomId);
      }
    } finally {
      this.#beating = false;
    }
  }

  /** Remove a room's expired entries and announce offline each member left without a live one. */
  async #expire(roomId: string): Promise<void> {
    const expired = await this.presence.expire(roomId);
    if (expired.length === 0) return;
    const online = await this.online(roomId);
    const announced = new Set<string>();
    for (const entry of expired) {
      const userId = userOf(entry.key);
      if (online.has(userId) || announced.has(userId)) continue;
      announced.add(userId);
      await this.#announce({ type: 'presence', roomId, userId, name: entry.value, online: false });
    }
  }
}

/** The user id of a presence key `userId/connectionId` (user ids may hold `/`; connection ids do not). */
function userOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}
