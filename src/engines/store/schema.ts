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
import type { AuditAction, JoinRule, MemberRole, Message, RoomKind } from '../../protocol/index.ts';
import type { AccountRecord, AccountRole, AuditRecord, BanRecord, MemberRecord, RoomRecord, UserRecord } from '../../core/ports/store.ts';

/** `rooms`: one row per room; `last_seq` is the seq of the newest message (0 when empty). */
export interface RoomsTable {
  id: string;
  name: string;
  kind: RoomKind;
  max_members: number;
  join_rule: JoinRule;
  /** 1: end-to-end encrypted; 0: plaintext. */
  e2ee: Generated<number>;
  /** Null: the server's PARLEY_MESSAGES_PER_MINUTE (2026-12-01-04). */
  messages_per_minute: number | null;
  join_code_hash: string | null;
  epoch: string;
  last_seq: Generated<number>;
  created_at: number;
  closed_at: number | null;
}

/**
 * `members`: primary key (room_id, user_id); `last_read_seq` only ever grows; unique (room_id,
 * name_key), where `name_key` is the name case-folded (`memberNameKey`, migration 2026-12-03-02).
 */
export interface MembersTable {
  room_id: string;
  user_id: string;
  name: string;
  role: MemberRole;
  last_read_seq: Generated<number>;
  joined_at: number;
  muted_until: number | null;
  name_key: string | null;
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
  /** Set when a moderator deleted the message (its body is then empty). */
  deleted_at: number | null;
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

/** `accounts`: `username` unique and lowercase (checked by the database). */
export interface AccountsTable {
  id: string;
  username: string;
  name: string;
  role: AccountRole;
  password_hash: string;
  created_at: number;
}

/** `refresh_families`: one per sign-in; `expires_at` is its newest token's; revoked as a whole. */
export interface RefreshFamiliesTable {
  id: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** `refresh_tokens`: keyed by the SHA-256 hex of the token; deleted with their family. */
export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  parent: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** `bans`: primary key (room_id, user_id). */
export interface BansTable {
  room_id: string;
  user_id: string;
  actor_id: string;
  reason: string | null;
  created_at: number;
}

/** `audit_log`: append-only; `details` is JSON text; ids sort by time. */
export interface AuditLogTable {
  id: string;
  at: number;
  room_id: string;
  actor_id: string;
  actor_name: string;
  action: AuditAction;
  target_id: string | null;
  details: string;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  rooms: RoomsTable;
  members: MembersTable;
  messages: MessagesTable;
  users: UsersTable;
  sessions: SessionsTable;
  nonces: NoncesTable;
  accounts: AccountsTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  bans: BansTable;
  audit_log: AuditLogTable;
}

/** A `rooms` row as selected. */
export type RoomRow = Selectable<RoomsTable>;
/** A `members` row as selected. */
export type MemberRow = Selectable<MembersTable>;
/** A `messages` row as selected. */
export type MessageRow = Selectable<MessagesTable>;
/** A `users` row as selected. */
export type UserRow = Selectable<UsersTable>;
/** An `accounts` row as selected. */
export type AccountRow = Selectable<AccountsTable>;
/** A `bans` row as selected. */
export type BanRow = Selectable<BansTable>;
/** An `audit_log` row as selected. */
export type AuditRow = Selectable<AuditLogTable>;

/** Row → port record. */
export function toRoomRecord(row: RoomRow): RoomRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    maxMembers: row.max_members,
    joinRule: row.join_rule,
    e2ee: row.e2ee !== 0,
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
    mutedUntil: row.muted_until,
  };
}

/** Row → protocol message (`deletedAt` only on a tombstone). */
export function toMessage(row: MessageRow): Message {
  const message: Message = {
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
  if (row.deleted_at !== null) message.deletedAt = row.deleted_at;
  return message;
}

/** Row → port record. */
export function toBanRecord(row: BanRow): BanRecord {
  return { roomId: row.room_id, userId: row.user_id, actorId: row.actor_id, reason: row.reason, createdAt: row.created_at };
}

/** Row → port record (`details` parsed from its JSON text). */
export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    roomId: row.room_id,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    targetId: row.target_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** Row → port record. */
export function toUserRecord(row: UserRow): UserRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Row → port record. */
export function toAccountRecord(row: AccountRow): AccountRecord {
  return { id: row.id, username: row.username, name: row.name, role: row.role, passwordHash: row.password_hash, createdAt: row.created_at };
}
