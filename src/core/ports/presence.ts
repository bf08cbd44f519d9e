/**
 * The Presence port: ephemeral per-room sets with TTL, never stored in the database
 * (DESIGN.md, Ports; Centrifuge `PresenceManager`). Shared by every node with the Redis engine.
 *
 * An entry is one connection's presence in a room: a member id, a connection id and a small value
 * (the display name). A member is present in a room while any of their entries is live.
 *
 * Contract:
 * - `touch` adds or refreshes the entry (its member and connection) until `ttlMs` from now, with
 *   its value.
 * - An entry whose time has passed is not live, whether or not it was removed yet: its member is
 *   absent from `list` and `present` unless another entry of theirs is live.
 * - `remove` is idempotent.
 * - `list` and `present` cost what they return or are asked, never the room's size (issue 11: a
 *   join costs the same in a room of ten or of ten thousand): `list` O(limit), `present` O(the
 *   entries of the members asked about).
 * - `expire` removes the room's entries whose time has passed and returns them; each expired entry
 *   is returned by exactly one call, on whichever node makes it first, so that exactly one node
 *   announces that its member went offline (a node that died cannot say goodbye).
 * Connection ids hold no `/`. Values are small strings (display names). Rejects with
 * `BROKER_UNAVAILABLE` when unreachable.
 */

/** Which entry: one connection of one member. */
export interface PresenceKey {
  readonly memberId: string;
  /** Unique per connection; holds no `/`. */
  readonly connectionId: string;
}

/** An entry with its value (the member's display name). */
export interface PresenceEntry extends PresenceKey {
  readonly value: string;
}

export interface Presence {
  touch(roomId: string, entry: PresenceEntry, ttlMs: number): Promise<void>;
  remove(roomId: string, key: PresenceKey): Promise<void>;
  /** At most `limit` distinct members with a live entry in the room, in no particular order. */
  list(roomId: string, limit: number): Promise<string[]>;
  /** Those of `memberIds` with a live entry in the room (see the contract: O(their entries)). */
  present(roomId: string, memberIds: readonly string[]): Promise<Set<string>>;
  /** Remove and return the room's expired entries (see the contract). */
  expire(roomId: string): Promise<PresenceEntry[]>;
  close(): Promise<void>;
}
