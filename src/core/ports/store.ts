/**
 * The Store port: the source of truth for rooms, members, messages, sessions, accounts, bans and
 * the audit log (DESIGN.md, Ports).
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
import type { AuditAction, Message, RoomKind, JoinRule, MemberRole } from '../../protocol/index.ts';

/** A room row. `lastSeq` is the newest message's seq (0 when empty). */
export interface RoomRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: RoomKind;
  readonly maxMembers: number;
  readonly joinRule: JoinRule;
  /** End-to-end encrypted: bodies are opaque (never sanitised or filtered, only size-limited). */
  readonly e2ee: boolean;
  /** The room's own limit of messages per member per minute, or null for the server's default. */
  readonly messagesPerMinute: number | null;
  /** SHA-256 hex of the join code, or null for open rooms. Codes themselves are never stored. */
  readonly joinCodeHash: string | null;
  readonly epoch: string;
  readonly lastSeq: number;
  readonly createdAt: number;
  readonly closedAt: number | null;
}

/** A room to create; `e2ee` defaults to false. */
export type NewRoom = Omit<RoomRecord, 'lastSeq' | 'closedAt' | 'e2ee'> & { readonly e2ee?: boolean };

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

/** A member row: a user's membership of one room, with its read marker and mute. */
export interface MemberRecord {
  readonly roomId: string;
  readonly userId: string;
  readonly name: string;
  readonly role: MemberRole;
  readonly lastReadSeq: number;
  readonly joinedAt: number;
  /** Unix ms until which a moderator muted the member (past values mean not muted), or null. */
  readonly mutedUntil: number | null;
}

export interface MemberStore {
  /**
   * Add a member, atomically refusing when the room already has `maxMembers` members.
   * Idempotent: an existing member is returned unchanged with `created: false`, even if the room is now full or closed.
   * Rejects with `BANNED` when the user is banned from the room (checked in the same transaction
   * as the insert, so an add racing a ban either precedes it, and is ended by it, or is refused),
   * and with `ROOM_FULL`, `ROOM_NOT_FOUND` or `ROOM_CLOSED`. A new member is not muted.
   * Rejects with `NAME_TAKEN` when another current member's name has the same
   * `displayNameKey` (case-insensitive, issue 11), atomically: of two racing adds, one wins.
   */
  add(member: Omit<MemberRecord, 'lastReadSeq' | 'mutedUntil'>, maxMembers: number): Promise<{ member: MemberRecord; created: boolean }>;
  get(roomId: string, userId: string): Promise<MemberRecord | undefined>;
  /** Members by join time. */
  list(roomId: string): Promise<MemberRecord[]>;
  /** Change a member's role; resolves the updated record, or undefined if not a member. */
  setRole(roomId: string, userId: string, role: MemberRole): Promise<MemberRecord | undefined>;
  /** End a membership; resolves whether there was one. The seat is free again. */
  remove(roomId: string, userId: string): Promise<boolean>;
  /** Set (Unix ms) or clear (null) a member's mute; resolves the updated record, or undefined if not a member. */
  setMutedUntil(roomId: string, userId: string, mutedUntil: number | null): Promise<MemberRecord | undefined>;
  /** Move the read marker to max(current, seq); returns the marker after the update, or undefined if not a member. */
  markRead(roomId: string, userId: string, seq: number): Promise<number | undefined>;
  /** Ids of the rooms the user belongs to. */
  roomsOf(userId: string): Promise<string[]>;
}

/** A send to be stored; the store assigns `seq`. A new message is never a tombstone. */
export type NewMessage = Omit<Message, 'seq' | 'deletedAt'>;

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
  /**
   * Make message `seq` of the room a tombstone: its body becomes empty and `deletedAt` is set to `at`
   * (erasing an erased message keeps its first `deletedAt`). Seq, sender and clientId stay, so
   * numbering and dedupe are unchanged. Resolves the message as stored now, or undefined if none.
   */
  erase(roomId: string, seq: number, at: number): Promise<Message | undefined>;
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

/** An account's role: `admin` may use the admin API and manage every room (issue: identity). */
export type AccountRole = 'user' | 'admin';

/** A registered account (issue: identity — accounts). */
export interface AccountRecord {
  /** Opaque id chosen by the caller; the `userId` of the account's principal. */
  readonly id: string;
  /** Unique, lowercase: the store lowercases it, so names differing only in case are the same name. */
  readonly username: string;
  /** Display name shown to others. */
  readonly name: string;
  readonly role: AccountRole;
  /** PHC string of the password's argon2id hash. Never log it or send it to a client. */
  readonly passwordHash: string;
  readonly createdAt: number;
}

/**
 * Accounts. Usernames are compared case-insensitively: every method lowercases the name it is
 * given, and the stored `username` is lowercase.
 */
export interface AccountStore {
  /**
   * Insert an account (its username lowercased). Rejects with `USERNAME_TAKEN` when the name is
   * taken in any case, also when two creations of one name race (exactly one succeeds), and with
   * `VALIDATION_FAILED` (details.field = 'id') when the id is taken.
   */
  create(account: AccountRecord): Promise<AccountRecord>;
  get(id: string): Promise<AccountRecord | undefined>;
  /** The account with this name, in any case, or undefined. */
  byUsername(username: string): Promise<AccountRecord | undefined>;
  /** Change the role of the account with this name; resolves the updated record, or undefined if none. */
  setRole(username: string, role: AccountRole): Promise<AccountRecord | undefined>;
}

/** A family's first refresh token, or the next one of a rotation. Tokens are stored only as SHA-256 hex. */
export interface NewRefreshToken {
  readonly tokenHash: string;
  readonly createdAt: number;
  /** Unix ms; the token is refused from then on. */
  readonly expiresAt: number;
}

/** What {@link RefreshTokenStore.rotate} did. */
export type RotateResult =
  /** The token was live: it is now used, and `next` is the family's live token. */
  | { readonly outcome: 'rotated'; readonly accountId: string; readonly familyId: string }
  /** The token had been used before (a replay): the whole family is now revoked. */
  | { readonly outcome: 'reused'; readonly accountId: string; readonly familyId: string }
  /** Unknown, expired, or of a revoked family: nothing changed. */
  | { readonly outcome: 'invalid' };

/**
 * Rotating refresh tokens (issue: identity; OAuth 2.0 Security BCP, RFC 9700 §4.14.2): each
 * sign-in starts a family; each refresh uses the family's live token once and adds the next one;
 * presenting a used token revokes the family, so a stolen token and its thief's descendants die
 * together. Every operation on one family is serialised (a row lock on the family on PostgreSQL,
 * the write lock on SQLite), so revocation is atomic: no token of a revoked family is ever rotated,
 * not even one added by a rotation racing the revocation.
 */
export interface RefreshTokenStore {
  /**
   * Start family `familyId` of `accountId` with its first token. Rejects with `VALIDATION_FAILED`
   * (details.field = 'accountId') when no account has that id. Families that expired are purged as
   * new ones start.
   */
  issue(familyId: string, accountId: string, first: NewRefreshToken): Promise<void>;
  /**
   * Use the token with hash `tokenHash` at `now`, atomically: if it is unused, unexpired
   * (`now < expiresAt`) and its family is not revoked, mark it used and add `next` to its family
   * (`rotated`); if it was used before, revoke its family (`reused`); otherwise change nothing
   * (`invalid`). Of concurrent rotations of one token at most one is `rotated`.
   */
  rotate(tokenHash: string, next: NewRefreshToken, now: number): Promise<RotateResult>;
  /**
   * Revoke the family of the token with hash `tokenHash` at `now` (sign-out). Resolves the family,
   * or undefined for an unknown token. Idempotent: a revoked family keeps its first revocation time.
   */
  revokeFamily(tokenHash: string, now: number): Promise<{ readonly familyId: string; readonly accountId: string } | undefined>;
}

/** A ban: the user may not become a member of the room while it exists. */
export interface BanRecord {
  readonly roomId: string;
  readonly userId: string;
  /** Who banned them. */
  readonly actorId: string;
  readonly reason: string | null;
  readonly createdAt: number;
}

/** Bans per room (issue: abuse resistance — moderation). */
export interface BanStore {
  /**
   * Ban a user and end their membership, in one transaction (serialised with `members.add` on the
   * room, so no add slips in between). Idempotent: an existing ban is kept as it was
   * (`created: false`). Resolves the ban as stored and the membership that ended, if any.
   * Rejects with `ROOM_NOT_FOUND`.
   */
  add(ban: BanRecord): Promise<{ ban: BanRecord; created: boolean; removed: MemberRecord | undefined }>;
  /** Lift a ban; resolves whether there was one. */
  remove(roomId: string, userId: string): Promise<boolean>;
  get(roomId: string, userId: string): Promise<BanRecord | undefined>;
  /** The room's bans, oldest first. */
  list(roomId: string): Promise<BanRecord[]>;
}

/** An audit log entry as stored. `details` is a JSON object. */
export interface AuditRecord {
  /** Chosen by the caller so that ids sort by time as strings of digits (see `core/audit.ts`). */
  readonly id: string;
  readonly at: number;
  readonly roomId: string;
  readonly actorId: string;
  readonly actorName: string;
  readonly action: AuditAction;
  readonly targetId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The audit log: append-only, durable once `append` resolved. Entries outlive their room's members
 * and are never changed. Never given a message body (the core's rule, not checked here).
 */
export interface AuditStore {
  /** Store an entry. Rejects with `VALIDATION_FAILED` (details.field = 'id') when the id is taken. */
  append(entry: AuditRecord): Promise<void>;
  /**
   * Entries by id, newest (highest id) first: of one room when `roomId` is given, else of all; with
   * `before`, only ids lower than it. `hasMore` says whether older ones exist beyond the page.
   * `limit < 1` rejects with `VALIDATION_FAILED`.
   */
  page(query: { roomId?: string; before?: string; limit: number }): Promise<{ entries: AuditRecord[]; hasMore: boolean }>;
}

/** The whole store. */
export interface Store {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly bans: BanStore;
  readonly audit: AuditStore;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Flush pending group-committed writes, then release connections. */
  close(): Promise<void>;
}
