/**
 * The Store port: the source of truth for rooms, members, room timelines, sessions, accounts, bans and
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
import type { AuditAction, ConversationKind, EventOf, MessageEvent, RoomKind, JoinRule, MemberRole, TimelineEvent } from '../../protocol/index.ts';
import type { TimelineSource } from './timeline.ts';

/** A room row. `lastSeq` is the newest timeline event's seq (0 when empty). */
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
  /** Null for an ordinary room; the kind of conversation otherwise (issue 13). */
  readonly conversation: ConversationKind | null;
}

/** A room to create; `e2ee` defaults to false; an ordinary room (no `conversation`) unless {@link ConversationStore.open} creates it. */
export type NewRoom = Omit<RoomRecord, 'lastSeq' | 'closedAt' | 'e2ee' | 'conversation'> & { readonly e2ee?: boolean };

export interface RoomStore {
  /** Insert a room. Rejects with `VALIDATION_FAILED` (details.field = 'id') if the id is taken. */
  create(room: NewRoom): Promise<RoomRecord>;
  get(id: string): Promise<RoomRecord | undefined>;
  /** Rooms by creation time, newest first. */
  list(options: { limit: number; offset: number }): Promise<RoomRecord[]>;
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

/** A member as member lists show them (join replies, member pages): what those reads select, and no more. */
export type MemberListing = Pick<MemberRecord, 'userId' | 'name' | 'role' | 'lastReadSeq'>;

/** What a join needs to know about a room and one principal, read together (see {@link MemberStore.joinView}). */
export interface JoinView {
  readonly room: RoomRecord;
  /** The principal's membership, or undefined when it has none. */
  readonly member: MemberRecord | undefined;
  /** How many members the room has. */
  readonly memberCount: number;
}

/** Memberships. They change only through timeline events (`StoreTimeline.commit`: joined, left, removed, banned, role changed, muted). */
export interface MemberStore {
  get(roomId: string, userId: string): Promise<MemberRecord | undefined>;
  /**
   * The room, `userId`'s membership of it and the member count, in one query (a join's reads;
   * issue 11: joining at scale). Undefined when the room does not exist.
   */
  joinView(roomId: string, userId: string): Promise<JoinView | undefined>;
  /** The members among `userIds` (unknown ones are absent), in one query. */
  getMany(roomId: string, userIds: readonly string[]): Promise<MemberListing[]>;
  /**
   * Members by user id, ascending: the first `limit` with userId > `after` (from the start without
   * it); `hasMore` says whether more follow. `limit < 1` rejects with `VALIDATION_FAILED`.
   */
  page(roomId: string, query: { after?: string | undefined; limit: number }): Promise<{ members: MemberListing[]; hasMore: boolean }>;
  /** Move the read marker to max(current, seq); returns the marker after the update, or undefined if not a member. */
  markRead(roomId: string, userId: string, seq: number): Promise<number | undefined>;
  /** Ids of the rooms the user belongs to. */
  roomsOf(userId: string): Promise<string[]>;
}

/** Omit keys from each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A message to append; the timeline assigns `seq`. Edits, deletion and reactions come later, as events. */
export type NewMessage = Omit<MessageEvent, 'seq' | 'editedAt' | 'deletedAt' | 'reactions'>;

/** Any event to append; the timeline assigns `seq`. */
export type NewEvent = NewMessage | DistributiveOmit<Exclude<TimelineEvent, MessageEvent>, 'seq'>;

/**
 * Who vouches for an event's sender:
 * - `member`: the store checks, inside the appending transaction, that the sender is a current
 *   member whose role may send (member, moderator, owner) and who is not muted at `createdAt`
 *   (DESIGN.md rule 12: a lost broker event can delay a push but never let a removed, banned,
 *   muted or demoted member in). Messages, edits, own deletions and reactions.
 * - `checked`: the core has checked the actor's authority from durable state (moderation by
 *   moderators, owners and admins; system notices; a member joining or leaving).
 */
export type Authority = 'member' | 'checked';

/** Result of an append: the stored event, and whether it was already there. */
export interface AppendResult<E extends TimelineEvent = TimelineEvent> {
  /**
   * The event as stored. For a duplicate: the original (same sender, room and clientId), or — for
   * a change that was already in place (a reaction given before) — the event that made it.
   */
  readonly event: E;
  readonly duplicate: boolean;
}

/** What a commit of a change did (see {@link StoreTimeline.commit}). */
export interface CommitResult {
  /**
   * The appended event (persistent rooms), or for a duplicate the event that made the change; undefined
   * when nothing was appended here: a relay room (its events go to the relay buffer), or a
   * change already in place that no stored event stands for (an existing member joining again).
   */
  readonly event: TimelineEvent | undefined;
  /** True when the change was already in place (or this clientId was used before): nothing changed. */
  readonly duplicate: boolean;
}

/** One earlier body of an edited message, for moderators. */
export interface MessageVersion {
  readonly body: string;
  /** Unix ms when this body was replaced. */
  readonly replacedAt: number;
}

/**
 * The persistent rooms' timeline: the durable engine of the Timeline port, plus the writes.
 * Every write is atomic and resolves only after its transaction committed (DESIGN.md rule 1); a
 * rejected write stored and changed nothing. Seqs come from the database (rule 2): the writer of a
 * room's next seq holds that room's lock (PostgreSQL row lock, SQLite's one writer) to COMMIT.
 */
export interface StoreTimeline extends TimelineSource {
  /**
   * Append a message with the room's next seq (group-committed: concurrent appends may share one
   * transaction). `authority: 'member'` is always applied (see {@link Authority}). An
   * `(roomId, senderId, clientId)` seen before returns the original event with `duplicate: true`,
   * even if the room has closed or the sender has left since.
   * Rejects with `ROOM_NOT_FOUND`, `ROOM_CLOSED`, `NOT_MEMBER`, `FORBIDDEN` (the role may not
   * send), `MEMBER_MUTED` (`details.mutedUntil`), `NOT_FOUND` (`replyTo` names no message), `STORE_UNAVAILABLE`.
   */
  append(message: NewMessage): Promise<AppendResult<MessageEvent>>;
  /**
   * Append any other event and apply its change to the room's durable state in the same
   * transaction — the event IS the change (DESIGN.md rule 12):
   * - `message_edited`: the target message (not deleted) is the sender's and `createdAt - target.createdAt ≤ editWindowMs`;
   *   its body is replaced, `editedAt` set, the previous body kept as a {@link MessageVersion}.
   *   Refuses `NOT_FOUND`, `FORBIDDEN` (not the author), `EDIT_WINDOW_CLOSED`.
   * - `message_deleted`: the target (not yet deleted; with authority `member`, the sender's own) is
   *   erased to a tombstone (empty body, `deletedAt`), its reactions dropped. Refuses `NOT_FOUND`, `FORBIDDEN`.
   * - `reaction_added` / `reaction_removed`: one reaction per member per key on a message that is not
   *   deleted; adding one already given is a duplicate answering the event that gave it; removing
   *   one not given refuses `NOT_FOUND`.
   * - `member_joined`: admits the user with the event's role, atomically refusing `BANNED`, `ROOM_FULL`
   *   (more than `maxMembers`), `ROOM_CLOSED`, `NAME_TAKEN`; an existing member is a duplicate with no event.
   * - `member_left`, `member_removed`: ends the membership (`NOT_MEMBER` when there is none).
   * - `member_banned`: records the ban and ends any membership (an existing ban: duplicate).
   * - `member_unbanned`: lifts the ban (`NOT_FOUND` when there is none).
   * - `member_role_changed`, `member_muted`, `member_unmuted`: update the membership (`NOT_MEMBER`).
   * - `room_updated`: renames the room. `room_closed`: closes it (already closed: duplicate).
   * - `system`: no change besides the event.
   * Every event but `room_closed` and the membership-ending ones refuses `ROOM_CLOSED` in a closed room.
   * In a relay room the change is applied and no event is stored (`event: undefined`): the caller
   * appends it to the relay timeline. Message-targeting events in relay rooms refuse `NOT_FOUND`.
   * `authority: 'member'` applies the sender check of {@link Authority} first.
   */
  commit(event: Exclude<NewEvent, NewMessage>, options: { readonly authority: Authority; readonly editWindowMs?: number }): Promise<CommitResult>;
  /**
   * Check, from durable state, that `userId` may write to the room at `at` (Unix ms): the check
   * `append` makes inside its transaction with authority `member` — the room exists and is open, the
   * user is a member whose role may send, and no mute is in force at `at`. For relay rooms, whose
   * events are not appended here. Rejects with ROOM_NOT_FOUND, ROOM_CLOSED, NOT_MEMBER, FORBIDDEN,
   * MEMBER_MUTED (`details.mutedUntil`).
   */
  authorize(roomId: string, userId: string, at: number): Promise<void>;
  /**
   * How many messages after seq `after` were sent by someone other than `userId` and are not
   * deleted, counting at most `max` (unread counts: issue 11; other event types never count).
   */
  unread(roomId: string, userId: string, after: number, max: number): Promise<number>;
  /** Earlier bodies of message `seq`, oldest first (empty when never edited or no such message). */
  versions(roomId: string, seq: number): Promise<MessageVersion[]>;
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

/** Bans per room (issue: abuse resistance — moderation). They change only through `member_banned` and `member_unbanned` events. */
export interface BanStore {
  get(roomId: string, userId: string): Promise<BanRecord | undefined>;
  /** The room's bans, oldest first. */
  list(roomId: string): Promise<BanRecord[]>;
}

/** A conversation room to create: a direct one carries the key of its pair of people. */
export type NewConversation = NewRoom &
  ({ readonly conversation: 'group' } | { readonly conversation: 'direct'; /** The two user ids sorted, as a JSON array (`core/conversations.ts`). */ readonly directKey: string });

/** A `member_joined` event of a conversation being opened; the store fills in the room id. */
export type ConversationJoin = Omit<EventOf<'member_joined'>, 'seq' | 'roomId'>;

/** What {@link ConversationStore.open} did. */
export interface OpenedConversation {
  /** The room as stored after the call (`lastSeq` counts the joins). */
  readonly room: RoomRecord;
  /** True when this call inserted the room; false when a direct conversation of the same pair existed. */
  readonly created: boolean;
  /** The `member_joined` events this call appended, in seq order (to publish). */
  readonly events: TimelineEvent[];
}

/** Conversations: rooms opened with their members in one transaction (issue 13). */
export interface ConversationStore {
  /**
   * In one transaction: insert `room` — for a direct one, unless a room with its `directKey`
   * exists, which is then used instead, so that of concurrent opens of one pair (on any node) one
   * inserts and the others read its room — then admit each of `joins` not yet a member, as
   * `timeline.commit` admits a `member_joined` event (an existing member is left as is; BANNED,
   * ROOM_FULL, ROOM_CLOSED and NAME_TAKEN refuse the whole call, which then stored nothing).
   * Rejects with `VALIDATION_FAILED` (details.field = 'id') when a new room's id is taken.
   */
  open(room: NewConversation, joins: readonly ConversationJoin[]): Promise<OpenedConversation>;
  /**
   * The name under which `userId` is a member of some room that `viewerId` also belongs to (of
   * the shared room joined first), or undefined when they share none.
   */
  sharedName(viewerId: string, userId: string): Promise<string | undefined>;
}

/** One person blocking another (issue 13). */
export interface BlockRecord {
  readonly blockerId: string;
  readonly blockedId: string;
  readonly createdAt: number;
}

/** Blocks: who blocks whom. Any user id may be blocked (whether or not it exists). */
export interface BlockStore {
  /** Record the block; idempotent: an existing block keeps its `createdAt`. Resolves the block as stored. */
  add(block: BlockRecord): Promise<BlockRecord>;
  /** Lift the block; resolves whether there was one. */
  remove(blockerId: string, blockedId: string): Promise<boolean>;
  /** The blocks `blockerId` made, oldest first. */
  list(blockerId: string): Promise<BlockRecord[]>;
  /** Whether `blockerId` blocks `blockedId`. */
  has(blockerId: string, blockedId: string): Promise<boolean>;
  /** Whether a current member of room `roomId` other than `userId` blocks `userId`, in one query. */
  blockedInRoom(roomId: string, userId: string): Promise<boolean>;
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

/** Where a message stands in search order: newest first by `createdAt`, then by room id and seq, descending. */
export interface SearchPosition {
  readonly createdAt: number;
  readonly roomId: string;
  readonly seq: number;
}

/** A full-text search of messages (see {@link SearchStore.messages}). Times are Unix ms, inclusive. */
export interface MessageSearch {
  /** Only rooms this user is a member of. */
  readonly userId: string;
  /** What the person typed; turned into words by `searchTerms` (src/protocol/search.ts), never used as query syntax. */
  readonly text: string;
  readonly roomId?: string | undefined;
  readonly senderId?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Only messages after this position in search order (the last hit of the previous page). */
  readonly before?: SearchPosition | undefined;
  readonly limit: number;
}

/** One message found, with its room's name. */
export interface SearchHit extends SearchPosition {
  readonly roomName: string;
  readonly senderId: string;
  readonly senderName: string;
  /** The body as it stands now (after edits). */
  readonly body: string;
}

/**
 * Full-text search over messages (issue 13, Search): SQLite FTS5, PostgreSQL `tsvector` with a GIN
 * index ('simple' configuration: no stemming or stop words, so every language's words are found).
 *
 * The index follows the timeline inside the writing transaction (database triggers, so the append
 * hot path runs no extra statement): a message is indexed when appended, re-indexed with its new
 * body when edited, and dropped when deleted. Only messages of plaintext rooms are indexed; those of
 * e2ee rooms never are (their bodies are opaque), and relay rooms store no messages.
 */
export interface SearchStore {
  /**
   * Messages (not deleted) of plaintext rooms that `userId` is a member of now, holding every word
   * of `text` (the last one also as a prefix; case and, on SQLite, diacritics ignored), within the
   * filters, in search order after `before`: the first `limit`, and whether more follow.
   * Rejects with `VALIDATION_FAILED` when `text` holds no word or too many (`searchTerms`), or
   * `limit` is not an integer ≥ 1; never with a query-syntax error, whatever `text` holds.
   */
  messages(query: MessageSearch): Promise<{ hits: SearchHit[]; hasMore: boolean }>;
}

/** The whole store. */
export interface Store {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly timeline: StoreTimeline;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly bans: BanStore;
  readonly conversations: ConversationStore;
  readonly blocks: BlockStore;
  readonly audit: AuditStore;
  readonly search: SearchStore;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Flush pending group-committed writes, then release connections. */
  close(): Promise<void>;
}
