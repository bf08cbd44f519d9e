/**
 * The Presence port: ephemeral per-room sets with TTL, never stored in the database
 * (DESIGN.md, Ports; Centrifuge `PresenceManager`).
 *
 * Contract: `touch` adds or refreshes `key` in the room's set until `ttlMs` from now; an expired
 * entry is absent from `list`; `remove` is idempotent. Values are small strings (display names).
 */
export interface Presence {
  touch(roomId: string, key: string, value: string, ttlMs: number): Promise<void>;
  remove(roomId: string, key: string): Promise<void>;
  /** Live entries of the room, in no particular order. */
  list(roomId: string): Promise<Array<{ key: string; value: string }>>;
  close(): Promise<void>;
}
