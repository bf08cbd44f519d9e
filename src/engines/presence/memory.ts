/**
 * In-process Presence: per room a map of key → {value, expiresAt}; expired entries are skipped by
 * `list` and removed by `expire`. Limit: single process only.
 */
import type { Presence, PresenceEntry } from '../../core/ports/presence.ts';

export class MemoryPresence implements Presence {
  readonly #rooms = new Map<string, Map<string, { value: string; expiresAt: number }>>();

  /** @param now clock in Unix ms (injectable for tests). */
  constructor(private readonly now: () => number = Date.now) {}

  async touch(roomId: string, key: string, value: string, ttlMs: number): Promise<void> {
    let room = this.#rooms.get(roomId);
    if (room === undefined) this.#rooms.set(roomId, (room = new Map()));
    room.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async remove(roomId: string, key: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return;
    room.delete(key);
    if (room.size === 0) this.#rooms.delete(roomId);
  }

  async list(roomId: string): Promise<PresenceEntry[]> {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.now();
    const live: PresenceEntry[] = [];
    for (const [key, entry] of room) if (entry.expiresAt > now) live.push({ key, value: entry.value });
    return live;
  }

  async expire(roomId: string): Promise<PresenceEntry[]> {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.now();
    const expired: PresenceEntry[] = [];
    for (const [key, entry] of room) {
      if (entry.expiresAt > now) continue;
      expired.push({ key, value: entry.value });
      room.delete(key);
    }
    if (room.size === 0) this.#rooms.delete(roomId);
    return expired;
  }

  async close(): Promise<void> {
    this.#rooms.clear();
  }
}
