/**
 * The Store port: the source of truth for rooms, members, messages and sessions (DESIGN.md, Ports).
 * Engines: SQLite (default) and PostgreSQL (`DATABASE_URL`, for several processes) — both through
 * Kysely, one set of migrations, one contract suite (`test/contracts/store.contract.ts`).
 *
 * Contract for every method:
 * - Driver failures reject with `ParleyError('STORE_UNAVAILABLE')` (retryable), the driver error as `cause`.
 * - After `close()` (idempotent) every call rejects with `STORE_UNAVAILABLE`.
 * - Times are Unix epoch milliseconds; ids are opaque strings chosen by the caller.
 * - A taken primary key (room id, user id, token hash) or an unknown referenced user rejects with
 *   `VALIDATION_FAILED` naming the field in `details.field`.
 */
import type { Message, RoomKind, JoinRule, MemberRole } from '../../protocol/index.ts';

/** A room row. `lastSeq` is the newest message's seq (0 when empty). */
export interface RoomRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: RoomKind;
  readonly maxMembers: number;
  readonly joinRule: JoinRule;
  /** The room's own limit of messages per member per minute, or null for the server's default. */
  readonly messagesPerMinute: number | null;
  /** SHA-256 hex of the join code, or null for open rooms. Codes themselves are never stored. */
  readonly joinCodeHash: string | null;
  readonly epoch: string;
  readonly lastSeq: number;
  readonly createdAt: number;
  readonly closedAt: number | null;
}

export type NewRoom = Omit<RoomRecord, 'lastSeq' | 'closedAt'>;

export interface RoomStore {
  /** Insert a room. Rejects with `VALIDATION_FAILED` (details.field = 'id') if the id is taken. */
  create(room: NewRoom): Promise<RoomRecord>;
  get(id: string): Promise<RoomRecord | undefined>;
  /** Rooms by creation time, newest first. */
  list(options: { limit: number; offset: number }): Promise<RoomRecord[]>;
  /** Mark the room closed at `at` (idempotent: an already closed room keeps its first closedAt). */
  close(id: string, at: number): Promise<RoomRecord | undefined>;
  /** Replace the join code hash (null: none). */
  setJoinCodeHash(id: string, hash: string | null): Promise<RoomRecord | undefined>;
  /**
   * The newest seq of each given room that exists, in one query whatever the number of ids (the
   * fan-out's periodic position check; DESIGN.md rule 3). Unknown ids are absent from the map.
   */
  lastSeqs(ids: readonly string[]): Promise<Map<string, number>>;
}

/** A member row: a user's membership of one room, with its read marker. */
export interface MemberRecord {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
  readonly role: MemberRole;
  readonly lastReadSeq: number;
  readonly joinedAt: number;
}

export interface MemberStore {
  /**
   * Add a member, atomically refusing when the room already has `maxMembers` members.
   * Idempotent: an existing member is returned unchanged with `created: false`, even if the room is now full or closed.
   * Rejects with `ROOM_FULL`, `ROOM_NOT_FOUND` or `ROOM_CLOSED`.
   */
  add(member: Omit<MemberRecord, 'lastReadSeq'>, maxMembers: number): Promise<{ member: MemberRecord; created: boolean }>;
  get(roomId: string, userId: string): Promise<MemberRecord | undefined>;
  /** Members by join time. */
  list(roomId: string): Promise<MemberRecord[]>;
  /** Change a member's role; resolves the updated record, or undefined if not a member. */
  setRole(roomId: string, userId: string, role: MemberRole): Promise<MemberRecord | undefined>;
  /** End a membership; resolves whether there was one. The seat is free again. */
  remove(roomId: string, userId: string): Promise<boolean>;
  /** Move the read marker to max(current, seq); returns the marker after the update, or undefined if not a member. */
  markRead(roomId: string, userId: string, seq: number): Promise<number | undefined>;
  /** Ids of the rooms the user belongs to. */
  roomsOf(userId: string): Promise<string[]>;
}

/** A send to be stored; the store assigns `seq`. */
export type NewMessage = Omit<Message, 'seq'>;

/** Result of an append: the stored message, and whether it already existed (same room, sender and clientId). */
export interface AppendResult {
  readonly message: Message;
  readonly duplicate: boolean;
}

export interface MessageStore {
  /**
   * Store a message and assign the room's next seq, atomically: seqs are gap-free and strictly
   * increasing per room, and an `(roomId, senderId, clientId)` seen before returns the original
   * message with `duplicate: true` (DESIGN.md rules 1–2). Resolves only after the transaction
   * committed; concurrent appends may share one transaction (group commit).
   * Rejects with `ROOM_NOT_FOUND`, `ROOM_CLOSED` or `STORE_UNAVAILABLE`; a rejected append stored nothing.
   * A retry of an already stored message answers `duplicate: true` even after the room closed.
   */
  append(message: NewMessage): Promise<AppendResult>;
  /**
   * A page in ascending seq order: with `after`, the first `limit` messages with seq > after; with
   * `before`, the last `limit` messages with seq < before; with neither, the newest `limit`.
   * `hasMore` says whether more exist beyond the page in the direction of travel. With both bounds,
   * the messages strictly between them. `limit < 1` rejects with `VALIDATION_FAILED`.
   */
  page(roomId: string, query: { after?: number; before?: number; limit: number }): Promise<{ messages: Message[]; hasMore: boolean }>;
}

/** A user: the identity behind sessions. */
export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface SessionStore {
  createUser(user: UserRecord): Promise<UserRecord>;
  /** Store a session by the SHA-256 hex of its token (tokens themselves are never stored). */
  create(session: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }): Promise<void>;
  /** The user of an unexpired session (expired once `now >= expiresAt`), or undefined. */
  resolve(tokenHash: string, now: number): Promise<{ user: UserRecord; expiresAt: number } | undefined>;
  revoke(tokenHash: string): Promise<void>;
}

/**
 * Used single-use values (ticket nonces, token `jti`s), kept until they expire so that a replay is
 * refused even after a Redis restart forgot its fast-path claim (DESIGN.md rule 9).
 */
export interface NonceStore {
  /**
   * Record `key` as used until `expiresAt` (Unix ms). Resolves true if this call recorded it, false
   * if it was already recorded and has not expired at `now`. Atomic across nodes: of concurrent
   * claims of one key, exactly one resolves true. Expired records are purged as claims go by.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/** The whole store. */
export interface Store {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Flush pending group-committed writes, then release connections. */
  close(): Promise<void>;
}
