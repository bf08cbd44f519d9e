/**
 * In-process Presence: per room, per member, a map of connection id → {value, expiresAt}; expired
 * entries are skipped by `list` and `present` and removed by `expire`. Limit: single process only.
 */
import type { Presence, PresenceEntry, PresenceKey } from '../../core/ports/presence.ts';

interface Slot {
  readonly value: string;
  readonly expiresAt: number;
}

/** A room's members, each with their connections. */
type Room = Map<string, Map<string, Slot>>;

export class MemoryPresence implements Presence {
  readonly #rooms = new Map<string, Room>();

  /** @param now clock in Unix ms (injectable for tests). */
  constructor(private readonly now: () => number = Date.now) {}

  async touch(roomId: string, entry: PresenceEntry, ttlMs: number): Promise<void> {
    let room = this.#rooms.get(roomId);
    if (room === undefined) this.#rooms.set(roomId, (room = new Map()));
    let member = room.get(entry.memberId);
    if (member === undefined) room.set(entry.memberId, (member = new Map()));
    member.set(entry.connectionId, { value: entry.value, expiresAt: this.now() + ttlMs });
  }

  async remove(roomId: string, key: PresenceKey): Promise<void> {
    const room = this.#rooms.get(roomId);
    const member = room?.get(key.memberId);
    if (room === undefined || member === undefined) return;
    member.delete(key.connectionId);
    if (member.size === 0) room.delete(key.memberId);
    if (room.size === 0) this.#rooms.delete(roomId);
  }

  /** Stops at `limit` members; skips members whose entries have all expired (until `expire` removes them). */
  async list(roomId: string, limit: number): Promise<string[]> {
    const room = this.#rooms.get(roomId);
    const live: string[] = [];
    if (room === undefined || limit <= 0) return live;
    const now = this.now();
    for (const [memberId, member] of room) {
      if (!isLive(member, now)) continue;
      live.push(memberId);
      if (live.length >= limit) break;
    }
    return live;
  }

  async present(roomId: string, memberIds: readonly string[]): Promise<Set<string>> {
    const room = this.#rooms.get(roomId);
    const found = new Set<string>();
    if (room === undefined) return found;
    const now = this.now();
    for (const memberId of memberIds) {
      const member = room.get(memberId);
      if (member !== undefined && isLive(member, now)) found.add(memberId);
    }
    return found;
  }

  async expire(roomId: string): Promise<PresenceEntry[]> {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.now();
    const expired: PresenceEntry[] = [];
    for (const [memberId, member] of room) {
      for (const [connectionId, slot] of member) {
        if (slot.expiresAt > now) continue;
        expired.push({ memberId, connectionId, value: slot.value });
        member.delete(connectionId);
      }
      if (member.size === 0) room.delete(memberId);
    }
    if (room.size === 0) this.#rooms.delete(roomId);
    return expired;
  }

  async close(): Promise<void> {
    this.#rooms.clear();
  }
}

/** Whether any of a member's entries is live at `now`. */
function isLive(member: Map<string, Slot>, now: number): boolean {
  for (const slot of member.values()) if (slot.expiresAt > now) return true;
  return false;
}
