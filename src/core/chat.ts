/**
 * The Chat facade: the only object transports call. Built from ports; owns the room, member,
 * message, resume, fan-out, presence, typing and moderation parts and every timer they use (STYLE C11).
 *
 * WebSocket-like transports hand it whole validated frames (`handle`), and it answers through the
 * connection's Peer: a command with an `id` gets exactly one `reply`; a failing command without
 * an `id` gets an `error` push. HTTP calls the request-shaped methods (`send`, `history`, …).
 *
 * Writes to a room's timeline (send, edit, delete, react) from every transport go through
 * {@link Messages}; who may write is decided from durable state where the event is appended (the
 * store, for persistent rooms) or, for relay rooms, from the connection's view of its membership,
 * which follows the room's timeline in order and is gap-repaired within the position check
 * (issue 11: a lost broker event never lets a removed, banned, muted or demoted member write).
 */
import {
  ParleyError,
  toErrorBody,
  toParleyError,
  type Ack,
  type ClientFrame,
  type BanInfo,
  type ErrorPush,
  type HistoryPage,
  type MemberInfo,
  type MemberRole,
  type ReadPush,
  type RoomInfo,
  type SearchResponse,
  type TimelineEvent,
} from '../protocol/index.ts';
import type { MyRoom } from '../protocol/http.ts';
import type { Principal } from './principal.ts';
import type { Store, RoomRecord, MessageVersion } from './ports/store.ts';
import type { Broker } from './ports/broker.ts';
import type { Presence } from './ports/presence.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Peer } from './ports/peer.ts';
import { NO_METRICS, type Metrics } from './ports/metrics.ts';
import type { Counters } from './ports/counters.ts';
import { Connection, type JoinedRoom } from './connection.ts';
import { Fanout } from './fanout.ts';
import { Rooms } from './rooms.ts';
import { Members } from './members.ts';
import { Messages, type SendInput } from './messages.ts';
import { History, type HistoryQuery } from './history.ts';
import { Search, type SearchInput } from './search.ts';
import { Resume } from './resume.ts';
import { RoomPresence } from './presence.ts';
import { Typing } from './typing.ts';
import { AuditLog, type AuditPage } from './audit.ts';
import { ContentPolicy } from './content-policy.ts';
import { WordFilter, type WordFilterMode } from './word-filter.ts';
import { Moderation } from './moderation.ts';
import { requireAllowed } from './permissions.ts';
import { RateLimits } from './rate-limits.ts';
import { Timelines } from './timeline/timelines.ts';
import { Conversations } from './conversations.ts';
import type { CreateRoomInput } from './rooms.ts';

/** The client frames the core handles: every one but `auth`, which the transport answers. */
export type RoomFrame = Exclude<ClientFrame, { type: 'auth' }>;

/** The ports the core runs on; `server.ts` picks their engines. */
export interface ChatPorts {
  readonly store: Store;
  readonly broker: Broker;
  readonly presence: Presence;
  readonly relayLog: RelayLog;
  /** Rate windows shared by every node (messages per minute, HTTP requests per address). */
  readonly counters: Counters;
}

/** Limits and timings, in the units their names carry (see src/config.ts for the settings). */
export interface ChatOptions {
  readonly messageMaxBytes: number;
  /** Messages one user may send per minute in a room whose policy sets none (PARLEY_MESSAGES_PER_MINUTE). */
  readonly messagesPerMinute: number;
  readonly historyPageMax: number;
  readonly resumeMaxMessages: number;
  readonly maxRoomsPerConnection: number;
  readonly maxBufferedBytes: number;
  readonly typingThrottleMs: number;
  readonly typingTtlMs: number;
  readonly presenceTtlMs: number;
  /** How long a presence change waits to be pushed with its room's others, in ms; 0: at once (PARLEY_PRESENCE_FLUSH_MS). @default 100 */
  readonly presenceFlushMs?: number;
  /** Period of the fan-out's position check, in ms (PARLEY_POSITION_CHECK_INTERVAL_MS). */
  readonly positionCheckIntervalMs: number;
  /** How long after sending an author may edit a message, in ms (PARLEY_EDIT_WINDOW_MS). @default 900000 */
  readonly editWindowMs?: number;
  /** Most members a join reply lists (PARLEY_JOIN_MEMBERS_MAX). @default 50 */
  readonly joinMembersMax?: number;
  /** Most members of a group conversation, its creator included (PARLEY_GROUP_CONVERSATION_MAX_MEMBERS). @default 12 */
  readonly groupConversationMaxMembers?: number;
  /** Told what the core does (messages, deliveries, joins, refusals). @default NO_METRICS */
  readonly metrics?: Metrics;
  /** Words and phrases the word filter of plaintext rooms acts on (PARLEY_WORD_FILTER). @default [] */
  readonly wordFilter?: readonly string[];
  /** What a filtered word does (PARLEY_WORD_FILTER_MODE). @default 'block' */
  readonly wordFilterMode?: WordFilterMode;
  /** Called with every error that became `INTERNAL`, to be logged (never sent). */
  readonly onInternalError?: (err: unknown, context: string) => void;
  /** Clock in Unix ms. @default Date.now */
  readonly now?: () => number;
}

export class Chat {
  readonly rooms: Rooms;
  /** Direct and group conversations, and blocking (issue 13). */
  readonly conversations: Conversations;
  /** Named limits over the shared counters; transports count requests and connections with it. */
  readonly rateLimits: RateLimits;
  readonly #members: Members;
  readonly #messages: Messages;
  readonly #history: History;
  readonly #search: Search;
  readonly #resume: Resume;
  readonly #presence: RoomPresence;
  readonly #typing: Typing;
  readonly #moderation: Moderation;
  readonly #connections = new Set<Connection>();
  readonly #fanout: Fanout;
  readonly #onInternalError: (err: unknown, context: string) => void;
  readonly #metrics: Metrics;
  readonly #ports: ChatPorts;

  constructor(ports: ChatPorts, options: ChatOptions) {
    this.#ports = ports;
    const now = options.now ?? Date.now;
    const onError = (err: unknown, context: string) => this.#onInternalError(err, context);
    this.#onInternalError = options.onInternalError ?? (() => undefined);
    this.#metrics = options.metrics ?? NO_METRICS;
    this.rateLimits = new RateLimits(ports.counters, onError);
    const timelines = new Timelines({ store: ports.store, relayLog: ports.relayLog, broker: ports.broker, editWindowMs: options.editWindowMs ?? 15 * 60_000, onError, now });
    this.rooms = new Rooms({ store: ports.store, relayLog: ports.relayLog, timelines: timelines, now });
    this.conversations = new Conversations({ store: ports.store, rooms: this.rooms, timelines, groupMaxMembers: options.groupConversationMaxMembers ?? 12, now });
    this.#fanout = new Fanout({
      broker: ports.broker,
      timelines: timelines,
      maxBufferedBytes: options.maxBufferedBytes,
      positionCheckIntervalMs: options.positionCheckIntervalMs,
      onEvent: (event) => this.#observe(event),
      onError,
      metrics: this.#metrics,
    });
    this.#presence = new RoomPresence({ presence: ports.presence, broker: ports.broker, ttlMs: options.presenceTtlMs, flushMs: options.presenceFlushMs ?? 100, onError });
    const audit = new AuditLog(ports.store.audit, now);
    const contentPolicy = new ContentPolicy(new WordFilter(options.wordFilter ?? [], options.wordFilterMode ?? 'block'), audit);
    this.#members = new Members({ store: ports.store, timelines: timelines, presence: this.#presence, audit });
    this.#messages = new Messages({
      timelines: timelines,
      rateLimits: this.rateLimits,
      contentPolicy,
      audit,
      messageMaxBytes: options.messageMaxBytes,
      messagesPerMinute: options.messagesPerMinute,
      metrics: this.#metrics,
      now,
    });
    this.#moderation = new Moderation({ store: ports.store, timelines: timelines, rooms: this.rooms, members: this.#members, audit, now });
    this.#history = new History(timelines, options.historyPageMax);
    this.#search = new Search({ search: ports.store.search, members: this.#members, rooms: this.rooms });
    this.#resume = new Resume({
      timelines: timelines,
      relayLog: ports.relayLog,
      rooms: this.rooms,
      members: this.#members,
      presence: this.#presence,
      fanout: this.#fanout,
      resumeMaxEvents: options.resumeMaxMessages,
      maxRooms: options.maxRoomsPerConnection,
      joinMembersMax: options.joinMembersMax ?? 50,
    });
    this.#typing = new Typing({ broker: ports.broker, throttleMs: options.typingThrottleMs, ttlMs: options.typingTtlMs, now });
  }

  /** Register a newly authenticated connection. */
  open(peer: Peer): Connection {
    const connection = new Connection(peer);
    this.#connections.add(connection);
    return connection;
  }

  /** Forget a closed connection: leave every room it joined (presence, typing, subscriptions). */
  async disconnect(connection: Connection): Promise<void> {
    if (connection.closed) return;
    connection.closed = true;
    this.#connections.delete(connection);
    await connection.serially(async () => {
      for (const roomId of [...connection.rooms.keys()]) {
        await this.#typing.clear(roomId, connection.principal.userId, connection.principal.name).catch(() => undefined);
        await this.#resume.leave(connection, roomId).catch((err: unknown) => this.#onInternalError(err, 'leave on disconnect'));
      }
    });
  }

  /** Open connections on this node. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** This node's open connections (for transports that act on them, e.g. closing an ended session's sockets). */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** Send a frame to every open connection (e.g. a `reconnect` push before shutdown). */
  broadcast(frame: string): void {
    for (const connection of this.#connections) connection.peer.send(frame);
  }

  /** Handle one validated client frame (the transport handles `auth`); answers through the connection's peer and never rejects. */
  async handle(connection: Connection, frame: RoomFrame): Promise<void> {
    try {
      if (frame.type === 'join') {
        const { result, start } = await connection.serially(() => {
          if (connection.closed) throw new ParleyError('NOT_JOINED', 'The connection is closing');
          return this.#resume.join(connection, frame);
        });
        this.#reply(connection, frame.id, result);
        this.#metrics.joined(result.resume);
        await start();
        return;
      }
      this.#reply(connection, frame.id, await this.#command(connection, frame));
    } catch (err) {
      this.fail(connection.peer, frame.id, err, frame.type);
    }
  }

  /** Answer a failed frame: a `reply` with the error when it had an id, else an `error` push. */
  fail(peer: Peer, id: string | undefined, err: unknown, context: string): void {
    const error = toParleyError(err);
    this.#metrics.refused(error.code);
    if (error.code === 'INTERNAL') this.#onInternalError(error.cause ?? err, context);
    const body = toErrorBody(error);
    const frame: ErrorPush | { type: 'reply'; id: string; error: typeof body } = id === undefined ? { type: 'error', error: body } : { type: 'reply', id, error: body };
    peer.send(JSON.stringify(frame));
  }

  async #command(connection: Connection, frame: Exclude<RoomFrame, { type: 'join' }>): Promise<unknown> {
    const principal = connection.principal;
    switch (frame.type) {
      case 'send': {
        const joined = await this.#writer(connection, frame.roomId, frame.id);
        const ack = await this.#messages.send(principal, joined.room, { clientId: frame.id, body: frame.body, replyTo: frame.replyTo }, connection.peer);
        this.#typing.sent(frame.roomId, principal.userId, principal.name);
        return ack;
      }
      case 'edit':
        return this.#messages.edit(principal, (await this.#writer(connection, frame.roomId, frame.id)).room, frame.id, frame.target, frame.body);
      case 'delete':
        return this.#delete(principal, this.#joined(connection, frame.roomId).room, frame.id, frame.target);
      case 'react':
        return this.#messages.react(principal, (await this.#writer(connection, frame.roomId, frame.id)).room, frame.id, frame.target, frame.key, frame.active);
      case 'leave':
        await this.#typing.clear(frame.roomId, principal.userId, principal.name);
        if (!(await connection.serially(() => this.#resume.leave(connection, frame.roomId)))) {
          throw new ParleyError('NOT_JOINED', `Room ${frame.roomId} is not joined on this connection`);
        }
        return {};
      case 'history':
        return this.#history.page(this.#joined(connection, frame.roomId).room, frame);
      case 'read':
        this.#joined(connection, frame.roomId);
        return { seq: await this.markRead(principal, frame.roomId, frame.seq) };
      case 'typing': {
        const joined = this.#joined(connection, frame.roomId);
        requireAllowed(principal, joined.role, 'send', frame.roomId);
        this.#moderation.requireUnmuted(frame.roomId, joined.mutedUntil);
        await this.conversations.refuseIfBlocked(principal, joined.room);
        await this.#typing.set(frame.roomId, principal.userId, principal.name, frame.active);
        return {};
      }
      case 'ping':
        return {};
    }
  }

  #joined(connection: Connection, roomId: string): JoinedRoom {
    const joined = connection.rooms.get(roomId);
    if (joined === undefined) throw new ParleyError('NOT_JOINED', `Room ${roomId} is not joined on this connection; send join first`);
    return joined;
  }

  /**
   * A joined room the connection may write to, by the connection's view of its membership (kept in
   * line with the room's timeline): its role allows sending and no mute is in force. Persistent
   * rooms' writes are checked again, from durable state, inside the store's transaction.
   * A direct conversation's member blocked by the other is refused (`Conversations.refuseIfBlocked`).
   * Throws NOT_JOINED, FORBIDDEN, MEMBER_MUTED (the refusal of write `clientId` is audited), ROOM_CLOSED, BLOCKED.
   */
  async #writer(connection: Connection, roomId: string, clientId: string): Promise<JoinedRoom> {
    const joined = this.#joined(connection, roomId);
    requireAllowed(connection.principal, joined.role, 'send', roomId);
    await this.#moderation.refuseIfMuted(connection.principal, roomId, joined.mutedUntil, clientId);
    if (joined.room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${roomId} is closed`);
    await this.conversations.refuseIfBlocked(connection.principal, joined.room);
    return joined;
  }

  #reply(connection: Connection, id: string | undefined, result: unknown): void {
    if (id !== undefined) connection.peer.send(JSON.stringify({ type: 'reply', id, result }));
  }

  /**
   * This node's bookkeeping from a room's timeline, event by event in seq order (gap-repaired):
   * room name and closing, and the role, mute or end of membership of the members it concerns.
   * A member whose membership ended leaves the room on this node's connections right after the
   * event reached them.
   */
  #observe(event: TimelineEvent): void {
    this.rooms.observe(event);
    if (event.type === 'room_closed' || event.type === 'room_updated') {
      for (const [connection, joined] of this.#joinedIn(event.roomId)) connection.rooms.set(event.roomId, { ...joined, room: this.rooms.cached(event.roomId) ?? joined.room });
      return;
    }
    if (!('userId' in event)) return;
    for (const [connection, joined] of this.#joinedIn(event.roomId, event.userId)) {
      switch (event.type) {
        case 'member_role_changed':
          connection.rooms.set(event.roomId, { ...joined, role: event.role });
          break;
        case 'member_muted':
          connection.rooms.set(event.roomId, { ...joined, mutedUntil: event.until });
          break;
        case 'member_unmuted':
          connection.rooms.set(event.roomId, { ...joined, mutedUntil: null });
          break;
        case 'member_left':
        case 'member_removed':
        case 'member_banned':
          queueMicrotask(() => void connection.serially(() => this.#resume.leave(connection, event.roomId)).catch((err: unknown) => this.#onInternalError(err, 'leave after removal')));
          break;
        default:
          break;
      }
    }
  }

  /** This node's connections that joined `roomId` (only `userId`'s, when given), each with its join. */
  *#joinedIn(roomId: string, userId?: string): Generator<[Connection, JoinedRoom]> {
    for (const connection of this.#connections) {
      const joined = connection.rooms.get(roomId);
      if (joined !== undefined && (userId === undefined || connection.principal.userId === userId)) yield [connection, joined];
    }
  }

  // ---- request-shaped API (HTTP) ----

  /** Create a room as `principal`, who becomes its owner. Throws VALIDATION_FAILED if the id is taken. */
  async createRoom(principal: Principal, input: CreateRoomInput): Promise<RoomRecord> {
    const room = await this.rooms.create(input);
    await this.#members.add(principal, room, 'owner');
    return room;
  }

  /**
   * Check that `principal` may take `action` in the room (an owner, a moderator for invites and
   * kicks, or an admin). Resolves the room. Throws ROOM_NOT_FOUND (also: not a member), FORBIDDEN
   * (also: invites to a conversation, which takes members only when a member adds them; issue 13).
   */
  async authorize(principal: Principal, roomId: string, action: 'invite' | 'kick' | 'manage'): Promise<RoomRecord> {
    const room = await this.rooms.fresh(roomId);
    await this.#members.authorize(principal, roomId, action);
    if (action === 'invite' && room.conversation !== null) throw new ParleyError('FORBIDDEN', 'A conversation has no invites: its members add people', { details: { roomId } });
    return room;
  }

  /** Close the room (its owner or an admin); every node and member is told; recorded in the audit log. */
  closeRoom(principal: Principal, roomId: string): Promise<RoomRecord> {
    return this.#moderation.closeRoom(principal, roomId);
  }

  /** Rename the room (its owner or an admin), as a `room_updated` event. See {@link Moderation.rename}. */
  renameRoom(principal: Principal, roomId: string, name: string): Promise<RoomRecord> {
    return this.#moderation.rename(principal, roomId, name);
  }

  /** Give a member another role (the room's owner or an admin); every node is told. Throws NOT_MEMBER for a non-member target. */
  async setRole(principal: Principal, roomId: string, userId: string, role: MemberRole): Promise<MemberInfo> {
    const member = await this.#moderation.setRole(principal, roomId, userId, role);
    return { userId, name: member.name, role, lastReadSeq: member.lastReadSeq, online: await this.#presence.isOnline(roomId, userId) };
  }

  /**
   * Remove a member (kick): a moderator or owner may remove members of a lower role, an admin anyone.
   * The removed member's connections leave the room on every node. Throws NOT_MEMBER, FORBIDDEN.
   */
  kick(principal: Principal, roomId: string, userId: string): Promise<void> {
    return this.#moderation.kick(principal, roomId, userId);
  }

  /** End the principal's own membership (`member_left`). See {@link Members.leave}. */
  async leaveRoom(principal: Principal, roomId: string): Promise<void> {
    await this.#members.leave(principal, await this.rooms.fresh(roomId));
  }

  /**
   * End every membership of a principal that is signing out for good (a guest's join session: its
   * identity cannot come back), so rooms list current members only (issue 12). Rooms it owns and
   * closed rooms keep it. Each leave is a `member_left` event, as {@link leaveRoom}.
   */
  async leaveAllRooms(principal: Principal): Promise<void> {
    for (const id of await this.#ports.store.members.roomsOf(principal.userId)) {
      const room = await this.rooms.fresh(id);
      const member = await this.#ports.store.members.get(id, principal.userId);
      if (room.closedAt !== null || member === undefined || member.role === 'owner') continue;
      await this.#members.leave(principal, room);
    }
  }

  /**
   * Delete message `seq` as `principal`: their own, or as a moderator (owners, moderators, admins)
   * one by a member of lower role. Leaves a tombstone; answers the deletion's ack. Throws
   * ROOM_NOT_FOUND, NOT_FOUND, FORBIDDEN.
   */
  async deleteMessage(principal: Principal, roomId: string, seq: number, clientId: string): Promise<Ack> {
    return this.#delete(principal, await this.rooms.fresh(roomId), clientId, seq);
  }

  async #delete(principal: Principal, room: RoomRecord, clientId: string, seq: number): Promise<Ack> {
    let actor;
    try {
      actor = await this.#members.authorize(principal, room.id, 'moderate');
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'FORBIDDEN') return this.#messages.delete(principal, room, clientId, seq);
      throw err;
    }
    const store = this.#ports.store;
    return this.#messages.delete(principal, room, clientId, seq, { actorRole: actor?.role, authorRole: async (userId) => (await store.members.get(room.id, userId))?.role });
  }

  /** Earlier versions of an edited message, for moderators, owners and admins. Throws ROOM_NOT_FOUND, FORBIDDEN. */
  async versions(principal: Principal, roomId: string, seq: number): Promise<MessageVersion[]> {
    await this.rooms.fresh(roomId);
    await this.#members.authorize(principal, roomId, 'moderate');
    return this.#ports.store.timeline.versions(roomId, seq);
  }

  /** Mute a member until `until` (Unix ms), or unmute them (`null`). Resolves the mute now in force. See {@link Moderation.mute}. */
  async setMute(principal: Principal, roomId: string, userId: string, until: number | null): Promise<{ roomId: string; userId: string; mutedUntil: number | null }> {
    const member = until === null ? await this.#moderation.unmute(principal, roomId, userId) : await this.#moderation.mute(principal, roomId, userId, until);
    return { roomId, userId, mutedUntil: member.mutedUntil };
  }

  /** Ban a user from a room (a member is removed at once). See {@link Moderation.ban}. */
  ban(principal: Principal, roomId: string, userId: string, reason: string | undefined): Promise<BanInfo> {
    return this.#moderation.ban(principal, roomId, userId, reason);
  }

  /** Lift a ban. See {@link Moderation.unban}. */
  unban(principal: Principal, roomId: string, userId: string): Promise<void> {
    return this.#moderation.unban(principal, roomId, userId);
  }

  /** A room's bans (moderators, owners, admins). */
  bans(principal: Principal, roomId: string): Promise<BanInfo[]> {
    return this.#moderation.bans(principal, roomId);
  }

  /** A page of the audit log, newest first: every room's for admins, one room's for its owners and moderators. See {@link Moderation.auditLog}. */
  auditLog(principal: Principal, query: { roomId?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditPage> {
    return this.#moderation.auditLog(principal, query);
  }

  /** Admit a principal to a room whose join rule the caller already checked, with `role`. Throws ROOM_CLOSED, ROOM_FULL, BANNED, NAME_TAKEN. */
  async addMember(principal: Principal, room: RoomRecord, role: MemberRole = 'member'): Promise<void> {
    await this.#members.add(principal, room, role);
  }

  /**
   * Send as `principal` over HTTP. Membership, role and mute are read from durable state (the store
   * checks them again inside the append for persistent rooms). Throws ROOM_NOT_FOUND (also: not a
   * member), FORBIDDEN, MEMBER_MUTED, plus everything Messages.send throws.
   */
  async send(principal: Principal, roomId: string, input: SendInput): Promise<Ack> {
    const room = await this.#httpWriter(principal, roomId, input.clientId);
    return this.#messages.send(principal, room, input);
  }

  /**
   * Send several messages as `principal`, stored in the given order (each enters the store's
   * queue before the next). One outcome per item: an ack or the error it met.
   * Throws ROOM_NOT_FOUND / FORBIDDEN / MEMBER_MUTED for the whole batch, and VALIDATION_FAILED
   * (`body.messages`) for a batch larger than the room's messages per member per minute, which
   * could never all be accepted (issue 12: the batch limit and the message rate agree).
   */
  async sendBatch(principal: Principal, roomId: string, items: ReadonlyArray<SendInput>): Promise<Array<PromiseSettledResult<Ack>>> {
    const room = await this.#httpWriter(principal, roomId, items[0]?.clientId ?? '');
    const perMinute = this.#messages.perMinute(room);
    if (items.length > perMinute) {
      const message = `A batch may hold at most ${perMinute} messages in this room: each member may send ${perMinute} per minute here`;
      throw new ParleyError('VALIDATION_FAILED', `body.messages: ${message}`, { details: { issues: [{ path: 'body.messages', message }] } });
    }
    return Promise.allSettled(items.map((item) => this.#messages.send(principal, room, item)));
  }

  /** Edit the principal's own message over HTTP. See {@link Messages.edit}. */
  async edit(principal: Principal, roomId: string, seq: number, clientId: string, body: string): Promise<Ack> {
    return this.#messages.edit(principal, await this.#httpWriter(principal, roomId, clientId), clientId, seq, body);
  }

  /** Add or take back a reaction over HTTP. See {@link Messages.react}. */
  async react(principal: Principal, roomId: string, seq: number, key: string, active: boolean, clientId: string): Promise<Ack> {
    return this.#messages.react(principal, await this.#httpWriter(principal, roomId, clientId), clientId, seq, key, active);
  }

  /**
   * Post a system notice (the room's owner — e.g. an integrator's backend signing a token that
   * grants it — or an admin), shown to members as a system line. Idempotent by `clientId`.
   * Throws ROOM_NOT_FOUND, FORBIDDEN, ROOM_CLOSED, MESSAGE_TOO_LARGE.
   */
  async postSystem(principal: Principal, roomId: string, clientId: string, body: string): Promise<Ack> {
    const room = await this.rooms.fresh(roomId);
    await this.#members.authorize(principal, roomId, 'manage');
    return this.#messages.notice(principal, room, clientId, body);
  }

  /** The room a principal writes to over HTTP, checked from durable state. Throws ROOM_NOT_FOUND, FORBIDDEN, MEMBER_MUTED (the refusal of write `clientId` is audited), BLOCKED. */
  async #httpWriter(principal: Principal, roomId: string, clientId: string): Promise<RoomRecord> {
    const member = await this.#members.require(principal, roomId, 'send');
    await this.#moderation.refuseIfMuted(principal, roomId, member.mutedUntil, clientId);
    const room = await this.rooms.get(roomId);
    await this.conversations.refuseIfBlocked(principal, room);
    return room;
  }

  /** A history page for a member. Throws ROOM_NOT_FOUND (also: not a member). */
  async history(principal: Principal, roomId: string, query: HistoryQuery): Promise<HistoryPage> {
    await this.#members.require(principal, roomId);
    return this.#history.page(await this.rooms.get(roomId), query);
  }

  /**
   * Messages of the principal's plaintext rooms holding the words of `input.q`, newest first, a page
   * at a time (issue 13, Search). Throws ROOM_NOT_FOUND, NOT_SEARCHABLE, VALIDATION_FAILED (see {@link Search.messages}).
   */
  search(principal: Principal, input: SearchInput): Promise<SearchResponse> {
    return this.#search.messages(principal, input);
  }

  /** The room as a member sees it, with their role, read marker and unread count. */
  async roomFor(principal: Principal, roomId: string): Promise<{ room: RoomInfo; role: MemberRole; lastReadSeq: number; unread: number }> {
    const member = await this.#members.require(principal, roomId);
    const room = await this.rooms.fresh(roomId);
    const info = await this.rooms.info(room);
    return { room: info, role: member.role, lastReadSeq: member.lastReadSeq, unread: await this.#members.unread(room, principal.userId, member.lastReadSeq) };
  }

  /**
   * The principal's rooms as its sidebar shows them (issue 12): each with the principal's role,
   * read marker, unread count (at most 999) and last activity (Unix ms), the most recently active
   * first. One store read per room, so meant for the few rooms a person belongs to.
   */
  async myRooms(principal: Principal): Promise<MyRoom[]> {
    const found: MyRoom[] = [];
    for (const id of await this.#ports.store.members.roomsOf(principal.userId)) {
      const member = await this.#ports.store.members.get(id, principal.userId);
      if (member === undefined) continue; // left between the two reads
      const room = await this.rooms.fresh(id);
      const info = await this.rooms.info(room);
      const unread = await this.#members.unread(room, principal.userId, member.lastReadSeq);
      found.push({ room: info, role: member.role, lastReadSeq: member.lastReadSeq, unread, lastActivityAt: await this.rooms.lastActivityAt(room, info) });
    }
    return found.sort((a, b) => b.lastActivityAt - a.lastActivityAt || a.room.id.localeCompare(b.room.id));
  }

  /** The rooms a principal belongs to. */
  async roomsOf(principal: Principal): Promise<RoomInfo[]> {
    const rooms: RoomInfo[] = [];
    for (const id of await this.#ports.store.members.roomsOf(principal.userId)) rooms.push(await this.rooms.info(await this.rooms.fresh(id)));
    return rooms;
  }

  /** A page of a room's members by user id, for a member. Throws ROOM_NOT_FOUND (also: not a member). */
  async members(principal: Principal, roomId: string, query: { after?: string | undefined; limit: number }): Promise<{ members: MemberInfo[]; hasMore: boolean }> {
    await this.#members.require(principal, roomId);
    return this.#members.page(roomId, query);
  }

  /** Move the principal's read marker forward and tell the room. Returns the marker. */
  async markRead(principal: Principal, roomId: string, seq: number): Promise<number> {
    const room = await this.rooms.fresh(roomId);
    const info = await this.rooms.info(room);
    const { seq: marker, moved } = await this.#members.markRead(principal, { id: roomId, lastSeq: info.lastSeq }, seq);
    if (moved) {
      const push: ReadPush = { type: 'read', roomId, userId: principal.userId, seq: marker };
      await this.#ports.broker.publish({ roomId, frame: JSON.stringify(push) });
    }
    return marker;
  }

  /** Stop timers and push the presence changes still waiting. Connections are closed by their transports first. */
  async close(): Promise<void> {
    this.#fanout.close();
    await this.#presence.close();
  }
}
