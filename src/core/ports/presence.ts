/**
 * The Presence port: ephemeral per-room sets with TTL, never stored in the database
 * (DESIGN.md, Ports; Centrifuge `PresenceManager`). Shared by every node with the Redis engine.
 *
 * Contract:
 * - `touch` adds or refreshes `key` in the room's set until `ttlMs` from now, with `value`.
 * - An entry whose time has passed is absent from `list`, whether or not it was removed yet.
 * - `remove` is idempotent.
 * - `expire` removes the room's entries whose time has passed and returns them; each expired entry
 *   is returned by exactly one call, on whichever node makes it first, so that exactly one node
 *   announces that its member went offline (a node that died cannot say goodbye).
 * Values are small strings (display names). Rejects with `BROKER_UNAVAILABLE` when unreachable.
 */
export interface PresenceEntry {
  readonly key: string;
  readonly value: string;
}

export interface Presence {
  touch(roomId: string, key: string, value: string, ttlMs: number): Promise<void>;
  remove(roomId: string, key: string): Promise<void>;
  /** Live entries of the room, in no particular order. */
  list(roomId: string): Promise<PresenceEntry[]>;
  /** Remove and return the room's expired entries (see the contract). */
  expire(roomId: string): Promise<PresenceEntry[]>;
  close(): Promise<void>;
}
