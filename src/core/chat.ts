/**
 * The Chat facade: the only object transports call. Built from ports; owns the room, member,
 * message, resume, fan-out, presence, typing and moderation parts and every timer they use (STYLE C11).
 *
 * WebSocket-like transports hand it whole validated frames (`handle`), and it answers through the
 * connection's Peer: a command with an `id` gets exactly one `reply`; a failing command without
 * an `id` gets an `error` push. HTTP calls the request-shaped methods (`send`, `history`, …).
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
  type MemberMutedPush,
  type MemberPush,
  type MemberRole,
  type MessageDeletedPush,
  type ReadPush,
  type RoomClosedPush,
  type RoomInfo,
} from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, RoomRecord } from './ports/store.ts';
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { Presence } from './ports/presence.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Peer } from './ports/peer.ts';
import { NO_METRICS, type Metrics } from './ports/metrics.ts';
import type { Counters } from './ports/counters.ts';
import { Connection, type JoinedRoom } from './connection.ts';
import { Fanout } from './fanout.ts';
import { Rooms } from './rooms.ts';
import { Members } from './members.ts';
import { Messages } from './messages.ts';
import { History, type HistoryQuery } from './history.ts';
import { Resume } from './resume.ts';
import { RoomPresence } from './presence.ts';
import { Typing } from './typing.ts';
import { AuditLog, type AuditPage } from './audit.ts';
import { ContentPolicy } from './content-policy.ts';
import { WordFilter, type WordFilterMode } from './word-filter.ts';
import { Moderation } from './moderation.ts';
import { requireAllowed } from './permissions.ts';
import { RateLimits } from './rate-limits.ts';
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
  /** Period of the fan-out's position check, in ms (PARLEY_POSITION_CHECK_INTERVAL_MS). */
  readonly positionCheckIntervalMs: number;
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
  /** Named limits over the shared counters; transports count requests and connections with it. */
  readonly rateLimits: RateLimits;
  readonly #members: Members;
  readonly #messages: Messages;
  readonly #history: History;
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
    this.#onInternalError = options.onInternalError ?? (() => undefined);
    this.#metrics = options.metrics ?? NO_METRICS;
    this.rateLimits = new RateLimits(ports.counters, (err, context) => this.#onInternalError(err, context));
    this.rooms = new Rooms(ports.store, ports.broker, ports.relayLog, now);
    this.#fanout = new Fanout(ports.broker, ports.store, ports.relayLog, {
      maxBufferedBytes: options.maxBufferedBytes,
      positionCheckIntervalMs: options.positionCheckIntervalMs,
      onEvent: (event) => this.#observe(event),
      onError: (err, context) => this.#onInternalError(err, context),
      metrics: this.#metrics,
    });
    this.#presence = new RoomPresence(ports.presence, ports.broker, options.presenceTtlMs, (err, context) => this.#onInternalError(err, context));
    const audit = new AuditLog(ports.store.audit, now);
    const contentPolicy = new ContentPolicy(new WordFilter(options.wordFilter ?? [], options.wordFilterMode ?? 'block'), audit);
    this.#members = new Members(ports.store, this.#presence, audit, now);
    this.#messages = new Messages(ports.store, ports.relayLog, ports.broker, this.rateLimits, options.messageMaxBytes, options.messagesPerMinute, contentPolicy, now, (err, context) => this.#onInternalError(err, context), this.#metrics);
    this.#moderation = new Moderation(ports.store, ports.broker, this.rooms, this.#members, audit, now, (err, context) => this.#onInternalError(err, context));
    this.#history = new History(ports.store, ports.relayLog, options.historyPageMax);
    this.#resume = new Resume(ports.store, ports.relayLog, this.rooms, this.#members, this.#presence, this.#fanout, options.resumeMaxMessages, options.maxRoomsPerConnection);
    this.#typing = new Typing(ports.broker, options.typingThrottleMs, options.typingTtlMs, now);
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
        const joined = this.#joined(connection, frame.roomId);
        requireAllowed(principal, joined.role, 'send', frame.roomId);
        await this.#moderation.refuseIfMuted(principal, frame.roomId, joined.mutedUntil, frame.id);
        const ack = await this.#messages.send(principal, joined.room, frame.id, frame.body, connection.peer);
        this.#typing.sent(frame.roomId, principal.userId, principal.name);
        return ack;
      }
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
        await this.#typing.set(frame.roomId, principal.userId, principal.name, frame.active);
        return {};
      }
      case 'ping':
        return {};
    }
  }

  #joined(connection: Connection, roomId: string) {
    const joined = connection.rooms.get(roomId);
    if (joined === undefined) throw new ParleyError('NOT_JOINED', `Room ${roomId} is not joined on this connection; send join first`);
    return joined;
  }

  #reply(connection: Connection, id: string | undefined, result: unknown): void {
    if (id !== undefined) connection.peer.send(JSON.stringify({ type: 'reply', id, result }));
  }

  /** Room bookkeeping from events of every node: closed rooms, role changes, mutes, removed members. */
  #observe(event: RoomEvent): void {
    if (event.seq !== undefined) return;
    if (event.frame.startsWith('{"type":"room_closed"')) {
      const push = JSON.parse(event.frame) as RoomClosedPush;
      this.rooms.markClosed(push.roomId, push.closedAt);
      for (const [connection, joined] of this.#joinedIn(push.roomId)) connection.rooms.set(push.roomId, { ...joined, room: { ...joined.room, closedAt: push.closedAt } });
    } else if (event.frame.startsWith('{"type":"member"')) {
      const push = JSON.parse(event.frame) as MemberPush;
      for (const [connection, joined] of this.#joinedIn(push.roomId, push.userId)) {
        if (!push.removed) connection.rooms.set(push.roomId, { ...joined, role: push.role });
        // After this event reached the connection (the fan-out delivers it next), it leaves the room.
        else queueMicrotask(() => void connection.serially(() => this.#resume.leave(connection, push.roomId)).catch((err: unknown) => this.#onInternalError(err, 'leave after removal')));
      }
    } else if (event.frame.startsWith('{"type":"member_muted"')) {
      const push = JSON.parse(event.frame) as MemberMutedPush;
      for (const [connection, joined] of this.#joinedIn(push.roomId, push.userId)) connection.rooms.set(push.roomId, { ...joined, mutedUntil: push.mutedUntil });
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
   * kicks, or an admin). Resolves the room. Throws ROOM_NOT_FOUND, NOT_MEMBER, FORBIDDEN.
   */
  async authorize(principal: Principal, roomId: string, action: 'invite' | 'kick' | 'manage'): Promise<RoomRecord> {
    const room = await this.rooms.fresh(roomId);
    await this.#members.authorize(principal, roomId, action);
    return room;
  }

  /** Close the room (its owner or an admin); every node and member is told; recorded in the audit log. */
  closeRoom(principal: Principal, roomId: string): Promise<RoomRecord> {
    return this.#moderation.closeRoom(principal, roomId);
  }

  /** Give a member another role (the room's owner or an admin); every node is told. Throws NOT_MEMBER for a non-member. */
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

  /** Delete a message of a persistent room, leaving a tombstone (moderators, owners, admins). See {@link Moderation.deleteMessage}. */
  deleteMessage(principal: Principal, roomId: string, seq: number): Promise<MessageDeletedPush> {
    return this.#moderation.deleteMessage(principal, roomId, seq);
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

  /** A page of the audit log, newest first: every room's for admins, one room's for its owner. See {@link Moderation.auditLog}. */
  auditLog(principal: Principal, query: { roomId?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditPage> {
    return this.#moderation.auditLog(principal, query);
  }

  /** Admit a principal to a room whose join rule the caller already checked, with `role`. Throws ROOM_CLOSED, ROOM_FULL. */
  async addMember(principal: Principal, room: RoomRecord, role: MemberRole = 'member'): Promise<void> {
    await this.#members.add(principal, room, role);
  }

  /** Send as `principal` (must be a member, not muted). Throws NOT_MEMBER, MEMBER_MUTED plus everything Messages.send throws. */
  async send(principal: Principal, roomId: string, clientId: string, body: string): Promise<Ack> {
    const room = await this.rooms.get(roomId);
    const member = await this.#members.require(principal, roomId, 'send');
    await this.#moderation.refuseIfMuted(principal, roomId, member.mutedUntil, clientId);
    return this.#messages.send(principal, room, clientId, body);
  }

  /**
   * Send several messages as `principal`, stored in the given order (each enters the store's
   * queue before the next). One outcome per item: an ack or the error it met.
   * Throws NOT_MEMBER / ROOM_NOT_FOUND / MEMBER_MUTED (one refusal recorded) for the whole batch.
   */
  async sendBatch(principal: Principal, roomId: string, items: ReadonlyArray<{ clientId: string; body: string }>): Promise<Array<PromiseSettledResult<Ack>>> {
    const room = await this.rooms.get(roomId);
    const member = await this.#members.require(principal, roomId, 'send');
    await this.#moderation.refuseIfMuted(principal, roomId, member.mutedUntil, items[0]?.clientId ?? '');
    return Promise.allSettled(items.map((item) => this.#messages.send(principal, room, item.clientId, item.body)));
  }

  /** A history page for a member. Throws ROOM_NOT_FOUND, NOT_MEMBER. */
  async history(principal: Principal, roomId: string, query: HistoryQuery): Promise<HistoryPage> {
    const room = await this.rooms.get(roomId);
    await this.#members.require(principal, roomId);
    return this.#history.page(room, query);
  }

  /** The room as a member sees it, with their role, read marker and unread count. */
  async roomFor(principal: Principal, roomId: string): Promise<{ room: RoomInfo; role: MemberRole; lastReadSeq: number; unread: number }> {
    const room = await this.rooms.fresh(roomId);
    const member = await this.#members.require(principal, roomId);
    const info = await this.rooms.info(room);
    return { room: info, role: member.role, lastReadSeq: member.lastReadSeq, unread: Math.max(0, info.lastSeq - member.lastReadSeq) };
  }

  /** The rooms a principal belongs to. */
  async roomsOf(principal: Principal): Promise<RoomInfo[]> {
    const rooms: RoomInfo[] = [];
    for (const id of await this.#ports.store.members.roomsOf(principal.userId)) rooms.push(await this.rooms.info(await this.rooms.fresh(id)));
    return rooms;
  }

  /** Members of a room, for a member. */
  async members(principal: Principal, roomId: string): Promise<MemberInfo[]> {
    await this.rooms.get(roomId);
    await this.#members.require(principal, roomId);
    return this.#members.list(roomId);
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

  /** Stop timers. Connections are closed by their transports first. */
  close(): void {
    this.#fanout.close();
    this.#presence.close();
  }
}
