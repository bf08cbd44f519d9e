/**
 * Who is online in each room, over the Presence port. An entry is one connection's presence in one
 * room (`userId/connectionId`), so a user with two tabs stays online until the last closes; a
 * member is online while any of their entries is live. One shared timer refreshes this node's
 * entries every ttl/3, so a node that dies stops showing its users within `ttlMs`
 * (DESIGN.md, "No per-socket timers").
 */
import type { PresencePush } from '../protocol/index.ts';
import type { Presence } from './ports/presence.ts';
import type { Broker } from './ports/broker.ts';

interface LocalEntry {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
}

export class RoomPresence {
  /** `${roomId}\n${key}` → entry, for this node's connections. */
  readonly #local = new Map<string, LocalEntry & { key: string }>();
  readonly #timer: NodeJS.Timeout;

  /** @param ttlMs entry lifetime without refresh (PARLEY_PRESENCE_TTL_MS). */
  constructor(
    private readonly presence: Presence,
    private readonly broker: Broker,
    private readonly ttlMs: number,
  ) {
    this.#timer = setInterval(() => void this.#refresh(), Math.max(250, Math.floor(ttlMs / 3)));
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
    if (!entries.some((e) => e.key.startsWith(`${userId}/`))) {
      await this.#announce({ type: 'presence', roomId, userId, name, online: false });
    }
    return entries.length === 0;
  }

  /** User ids online in the room. */
  async online(roomId: string): Promise<Set<string>> {
    const entries = await this.presence.list(roomId);
    return new Set(entries.map((e) => e.key.slice(0, e.key.lastIndexOf('/'))));
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

  async #refresh(): Promise<void> {
    for (const entry of this.#local.values()) {
      await this.presence.touch(entry.roomId, entry.key, entry.name, this.ttlMs).catch(() => undefined);
    }
  }
}
