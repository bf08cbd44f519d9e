/**
 * Who is online in each room, over the Presence port. An entry is one connection's presence in one
 * room (`userId/connectionId`), so a user with two tabs stays online until the last closes; a
 * member is online while any of their entries is live.
 *
 * One shared timer per node (DESIGN.md, "No per-socket timers") beats every ttl/3: it refreshes this
 * node's entries, then removes the expired entries of the rooms it serves and announces offline the
 * members left with none. An entry stops being refreshed when its node dies without a goodbye, so
 * that node's users are shown offline within `ttlMs` plus one beat, by whichever node removes the
 * entry first (the Presence port hands each expired entry to exactly one caller).
 */
import type { PresencePush } from '../protocol/index.ts';
import type { Presence } from './ports/presence.ts';
import type { Broker } from './ports/broker.ts';

interface LocalEntry {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
  readonly key: string;
}

export class RoomPresence {
  /** `${roomId}\n${key}` → entry, for this node's connections. */
  readonly #local = new Map<string, LocalEntry>();
  readonly #timer: NodeJS.Timeout;
  #beating = false;

  /**
   * @param ttlMs entry lifetime without refresh (PARLEY_PRESENCE_TTL_MS).
   * @param onError failures of the background beat (it goes on), to be logged.
   */
  constructor(
    private readonly presence: Presence,
    private readonly broker: Broker,
    private readonly ttlMs: number,
    private readonly onError: (err: unknown, context: string) => void,
  ) {
    this.#timer = setInterval(() => void this.#beat(), Math.max(250, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  /** Mark a connection present in a room; announces the member online if it was not. */
  async enter(roomId: string, userId: string, name: string, connectionId: string): Promise<void> {
    const key = `${userId}/${connectionId}`;
    const wasOnline = await this.isOnline(roomId, userId);
    this.#local.set(`${roomId}\n${key}`, { roomId, userId, name, key });
    await this.presence.touch(roomId, key, name, this.ttlMs);
    if (!wasOnline) await this.#announce({ type: 'presence', roomId, userId, name, online: true });
  }

  /** Remove a connection's presence; announces the member offline when it was their last. Returns whether the room is now empty. */
  async leave(roomId: string, userId: string, name: string, connectionId: string): Promise<boolean> {
    const key = `${userId}/${connectionId}`;
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

  /** Refresh this node's entries, then expire the others' in the rooms it serves. */
  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const rooms = new Set<string>();
      for (const entry of this.#local.values()) {
        rooms.add(entry.roomId);
        await this.presence.touch(entry.roomId, entry.key, entry.name, this.ttlMs).catch((err: unknown) => this.onError(err, 'presence refresh'));
      }
      for (const roomId of rooms) await this.#expire(roomId).catch((err: unknown) => this.onError(err, 'presence expiry'));
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
