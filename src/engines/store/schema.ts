/**
 * Kysely table types of the Store, shared by the SQLite and PostgreSQL engines, and the one mapping
 * from rows to the port's records. Columns are snake_case; times are Unix epoch milliseconds.
 *
 * Integer columns that can outgrow 32 bits (`seq`, `last_seq`, every `*_at`) are SQL `bigint`.
 * SQLite returns them as JS numbers; the PostgreSQL engine parses `int8` as a number
 * (`postgres/pool.ts`; values stay far below 2^53) so that these types hold for both.
 * The shape here must match `migrations/` (the migrations, not this file, create the tables).
 * Not typed here: the full-text search index (migration 2026-12-04-01), a different structure per
 * dialect, read only by `search.ts` and written only by its triggers.
 */
import type { Generated, Selectable } from 'kysely';
import type { AuditAction, ConversationKind, JoinRule, MemberRole, MessageEvent, RoomKind, TimelineEvent, TimelineEventType } from '../../protocol/index.ts';
import type { AccountRecord, AccountRole, AuditRecord, BanRecord, BlockRecord, MemberListing, MemberRecord, NewRoom, RoomRecord, UserRecord } from '../../core/ports/store.ts';

/** `rooms`: one row per room; `last_seq` is the seq of the newest timeline event (0 when empty). */
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
  /** Null: an ordinary room; else the kind of conversation (2026-12-04-02). */
  conversation: Generated<ConversationKind | null>;
  /** Direct conversations: their two user ids sorted, as a JSON array; unique. Null for other rooms. */
  direct_key: Generated<string | null>;
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

/**
 * `events`: the timeline of persistent rooms (2026-12-03-01). Primary key (room_id, seq); unique
 * (room_id, sender_id, client_id), the dedupe key. `body` holds the text of `message`,
 * `message_edited` and `system` events ('' for the others, and once a message is deleted); `data`
 * the other type-specific fields as JSON text ({@link eventData}), null when there are none.
 */
export interface EventsTable {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  client_id: string;
  type: TimelineEventType;
  body: string;
  created_at: number;
  /** Messages: set when deleted (the body is then empty). */
  deleted_at: number | null;
  data: string | null;
  /** Messages: the seq of the message answered. */
  reply_to: number | null;
  /** Messages: the `createdAt` of the latest edit. */
  edited_at: number | null;
}

/** `reactions`: primary key (room_id, target_seq, user_id, key); `seq` is the `reaction_added` event's. */
export interface ReactionsTable {
  room_id: string;
  target_seq: number;
  user_id: string;
  key: string;
  seq: number;
  created_at: number;
}

/** `message_versions`: earlier bodies of message `seq`, each replaced by the edit event `edit_seq`. */
export interface MessageVersionsTable {
  room_id: string;
  seq: number;
  edit_seq: number;
  body: string;
  replaced_at: number;
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
  /** The `member_banned` event that recorded the ban; null before 2026-12-03-01 and in relay rooms. */
  seq: number | null;
}

/** `blocks`: primary key (blocker_id, blocked_id), indexed by (blocked_id, blocker_id) (2026-12-04-02). */
export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
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
  events: EventsTable;
  reactions: ReactionsTable;
  message_versions: MessageVersionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  nonces: NoncesTable;
  accounts: AccountsTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  bans: BansTable;
  blocks: BlocksTable;
  audit_log: AuditLogTable;
}

/** A `rooms` row as selected. */
export type RoomRow = Selectable<RoomsTable>;
/** A `members` row as selected. */
export type MemberRow = Selectable<MembersTable>;
/** An `events` row as selected. */
export type EventRow = Selectable<EventsTable>;
/** A `users` row as selected. */
export type UserRow = Selectable<UsersTable>;
/** An `accounts` row as selected. */
export type AccountRow = Selectable<AccountsTable>;
/** A `bans` row as selected. */
export type BanRow = Selectable<BansTable>;
/** An `audit_log` row as selected. */
export type AuditRow = Selectable<AuditLogTable>;

/** A new room → the `rooms` columns it sets (an ordinary room: no conversation columns). */
export function toRoomRow(room: NewRoom) {
  return {
    id: room.id,
    name: room.name,
    kind: room.kind,
    max_members: room.maxMembers,
    join_rule: room.joinRule,
    e2ee: room.e2ee === true ? 1 : 0,
    messages_per_minute: room.messagesPerMinute,
    join_code_hash: room.joinCodeHash,
    epoch: room.epoch,
    created_at: room.createdAt,
  };
}

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
    conversation: row.conversation,
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

/** The columns member lists read (`MemberListing`). */
export const MEMBER_LISTING_COLUMNS = ['user_id', 'name', 'role', 'last_read_seq'] as const;

/** A row of {@link MEMBER_LISTING_COLUMNS} → `MemberListing`. */
export function toMemberListing(row: Pick<MemberRow, (typeof MEMBER_LISTING_COLUMNS)[number]>): MemberListing {
  return { userId: row.user_id, name: row.name, role: row.role, lastReadSeq: Number(row.last_read_seq) };
}

/**
 * Row → timeline event: the envelope, then for a message its body and the optional fields that are
 * set (`replyTo`, `editedAt`, `deletedAt`; reactions are added by the reader), for other types the
 * fields of `data` (and `body` for `message_edited` and `system`).
 */
export function toTimelineEvent(row: EventRow): TimelineEvent {
  const envelope = {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    senderId: row.sender_id,
    senderName: row.sender_name,
    clientId: row.client_id,
    createdAt: row.created_at,
  };
  if (row.type === 'message') {
    const message: MessageEvent = { ...envelope, type: 'message', body: row.body };
    if (row.reply_to !== null) message.replyTo = row.reply_to;
    if (row.edited_at !== null) message.editedAt = row.edited_at;
    if (row.deleted_at !== null) message.deletedAt = row.deleted_at;
    return message;
  }
  const data = row.data === null ? {} : (JSON.parse(row.data) as Record<string, unknown>);
  const withBody = row.type === 'message_edited' || row.type === 'system' ? { body: row.body } : {};
  return { ...envelope, type: row.type, ...data, ...withBody } as TimelineEvent;
}

/** Any timeline event without its seq (what is written). */
type UnnumberedEvent = TimelineEvent extends infer E ? (E extends TimelineEvent ? Omit<E, 'seq'> : never) : never;

/**
 * The `data` column of an event: its type-specific fields other than `body`, as JSON text with the
 * keys in a fixed order, or null when it has none (messages, `room_closed`, `system`, a
 * `room_updated` that changed nothing). Written only here, so `data` of one type always has one shape.
 */
export function eventData(event: UnnumberedEvent): string | null {
  const fields = ((): Record<string, unknown> | undefined => {
    switch (event.type) {
      case 'message':
      case 'room_closed':
      case 'system':
        return undefined;
      case 'message_edited':
      case 'message_deleted':
        return { target: event.target };
      case 'reaction_added':
      case 'reaction_removed':
        return { target: event.target, key: event.key };
      case 'member_joined':
        return { userId: event.userId, name: event.name, role: event.role };
      case 'member_left':
      case 'member_removed':
      case 'member_unbanned':
      case 'member_unmuted':
        return { userId: event.userId };
      case 'member_banned':
        return { userId: event.userId, reason: event.reason };
      case 'member_role_changed':
        return { userId: event.userId, role: event.role };
      case 'member_muted':
        return { userId: event.userId, until: event.until };
      case 'room_updated':
        return event.name === undefined ? undefined : { name: event.name };
    }
  })();
  return fields === undefined ? null : JSON.stringify(fields);
}

/** The `data` of a `message_edited` or `message_deleted` event acting on message `target` (as {@link eventData} writes it). */
export function targetData(target: number): string {
  return JSON.stringify({ target });
}

/** Row → port record. */
export function toBanRecord(row: BanRow): BanRecord {
  return { roomId: row.room_id, userId: row.user_id, actorId: row.actor_id, reason: row.reason, createdAt: row.created_at };
}

/** Row → port record. */
export function toBlockRecord(row: Selectable<BlocksTable>): BlockRecord {
  return { blockerId: row.blocker_id, blockedId: row.blocked_id, createdAt: row.created_at };
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
