/**
 * Kysely table types of the Store, shared by the SQLite and PostgreSQL engines, and the one mapping
 * from rows to the port's records. Columns are snake_case; times are Unix epoch milliseconds.
 *
 * Integer columns that can outgrow 32 bits (`seq`, `last_seq`, every `*_at`) are SQL `bigint`.
 * SQLite returns them as JS numbers; the PostgreSQL engine parses `int8` as a number
 * (`postgres/pool.ts`; values stay far below 2^53) so that these types hold for both.
 * The shape here must match `migrations/` (the migrations, not this file, create the tables).
 */
import type { Generated, Selectable } from 'kysely';
import type { JoinRule, MemberRole, Message, RoomKind } from '../../protocol/index.ts';
import type { MemberRecord, RoomRecord, UserRecord } from '../../core/ports/store.ts';

/** `rooms`: one row per room; `last_seq` is the seq of the newest message (0 when empty). */
export interface RoomsTable {
  id: string;
  name: string;
  kind: RoomKind;
  max_members: number;
  join_rule: JoinRule;
  /** Null: the server's PARLEY_MESSAGES_PER_MINUTE (2026-12-02-01). */
  messages_per_minute: number | null;
  join_code_hash: string | null;
  epoch: string;
  last_seq: Generated<number>;
  created_at: number;
  closed_at: number | null;
}

/** `members`: primary key (room_id, user_id); `last_read_seq` only ever grows. */
export interface MembersTable {
  room_id: string;
  user_id: string;
  name: string;
  role: MemberRole;
  last_read_seq: Generated<number>;
  joined_at: number;
}

/** `messages`: primary key (room_id, seq); unique (room_id, sender_id, client_id), the dedupe key. */
export interface MessagesTable {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  client_id: string;
  type: Message['type'];
  body: string;
  created_at: number;
}

/** `users`: the identities behind sessions. */
export interface UsersTable {
  id: string;
  name: string;
  created_at: number;
}

/** `sessions`: keyed by the SHA-256 hex of the token; deleted with their user. */
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

/** `nonces`: used single-use values, keyed by the caller's key, kept until `expires_at`. */
export interface NoncesTable {
  key: string;
  expires_at: number;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  rooms: RoomsTable;
  members: MembersTable;
  messages: MessagesTable;
  users: UsersTable;
  sessions: SessionsTable;
  nonces: NoncesTable;
}

/** A `rooms` row as selected. */
export type RoomRow = Selectable<RoomsTable>;
/** A `members` row as selected. */
export type MemberRow = Selectable<MembersTable>;
/** A `messages` row as selected. */
export type MessageRow = Selectable<MessagesTable>;
/** A `users` row as selected. */
export type UserRow = Selectable<UsersTable>;

/** Row → port record. */
export function toRoomRecord(row: RoomRow): RoomRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    maxMembers: row.max_members,
    joinRule: row.join_rule,
    messagesPerMinute: row.messages_per_minute,
    joinCodeHash: row.join_code_hash,
    epoch: row.epoch,
    lastSeq: row.last_seq,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}

/** Row → port record. */
export function toMemberRecord(row: MemberRow): MemberRecord {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    name: row.name,
    role: row.role,
    lastReadSeq: row.last_read_seq,
    joinedAt: row.joined_at,
  };
}

/** Row → protocol message. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    senderId: row.sender_id,
    senderName: row.sender_name,
    clientId: row.client_id,
    type: row.type,
    body: row.body,
    createdAt: row.created_at,
  };
}

/** Row → port record. */
export function toUserRecord(row: UserRow): UserRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
