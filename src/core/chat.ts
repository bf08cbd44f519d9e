/**
 * The Chat facade: the only object transports call. Built from ports; owns the room, member,
 * message, resume, fan-out, presence and typing parts and every timer they use (STYLE C11).
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
  type ErrorPush,
  type HistoryPage,
  type MemberInfo,
  type ReadPush,
  type RoomInfo,
} from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, RoomRecord } from './ports/store.ts';
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { Presence } from './ports/presence.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Peer } from './ports/peer.ts';
import { Connection } from './connection.ts';
import { Fanout } from './fanout.ts';
import { Rooms } from './rooms.ts';
import { Members } from './members.ts';
import { Messages } from './messages.ts';
import { History, type HistoryQuery } from './history.ts';
import { Resume } from './resume.ts';
import { RoomPresence } from './presence.ts';
import { Typing } from './typing.ts';

/** The ports the core runs on; `server.ts` picks their engines. */
export interface ChatPorts {
  readonly store: Store;
  readonly broker: Broker;
  readonly presence: Presence;
  readonly relayLog: RelayLog;
}

/** Limits and timings, in the units their names carry (see src/config.ts for the settings). */
export interface ChatOptions {
  readonly messageMaxBytes: number;
  readonly historyPageMax: number;
  readonly resumeMaxMessages: number;
  readonly maxRoomsPerConnection: number;
  readonly maxBufferedBytes: number;
  readonly typingThrottleMs: number;
  readonly typingTtlMs: number;
  readonly presenceTtlMs: number;
  /** Period of the fan-out's position check, in ms (PARLEY_POSITION_CHECK_INTERVAL_MS). */
  readonly positionCheckIntervalMs: number;
  /** Called with every error that became `INTERNAL`, to be logged (never sent). */
  readonly onInternalError?: (err: unknown, context: string) => void;
  /** Clock in Unix ms. @default Date.now */
  readonly now?: () => number;
}

export class Chat {
  readonly rooms: Rooms;
  readonly #members: Members;
  readonly #messages: Messages;
  readonly #history: History;
  readonly #resume: Resume;
  readonly #presence: RoomPresence;
  readonly #typing: Typing;
  readonly #connections = new Set<Connection>();
  readonly #fanout: Fanout;
  readonly #onInternalError: (err: unknown, context: string) => void;
  readonly #ports: ChatPorts;

  constructor(ports: ChatPorts, options: ChatOptions) {
    this.#ports = ports;
    const now = options.now ?? Date.now;
    this.#onInternalError = options.onInternalError ?? (() => undefined);
    this.rooms = new Rooms(ports.store, ports.broker, ports.relayLog, now);
    this.#fanout = new Fanout(ports.broker, ports.store, ports.relayLog, {
      maxBufferedBytes: options.maxBufferedBytes,
      positionCheckIntervalMs: options.positionCheckIntervalMs,
      onEvent: (event) => this.#observe(event),
      onError: (err, context) => this.#onInternalError(err, context),
    });
    this.#presence = new RoomPresence(ports.presence, ports.broker, options.presenceTtlMs, (err, context) => this.#onInternalError(err, context));
    this.#members = new Members(ports.store, this.#presence, now);
    this.#messages = new Messages(ports.store, ports.relayLog, ports.broker, options.messageMaxBytes, now, (err, context) => this.#onInternalError(err, context));
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

  /** Send a frame to every open connection (e.g. a `reconnect` push before shutdown). */
  broadcast(frame: string): void {
    for (const connection of this.#connections) connection.peer.send(frame);
  }

  /** Handle one validated client frame; answers through the connection's peer and never rejects. */
  async handle(connection: Connection, frame: ClientFrame): Promise<void> {
    try {
      if (frame.type === 'join') {
        const { result, start } = await connection.serially(() => {
          if (connection.closed) throw new ParleyError('NOT_JOINED', 'The connection is closing');
          return this.#resume.join(connection, frame);
        });
        this.#reply(connection, frame.id, result);
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
    if (error.code === 'INTERNAL') this.#onInternalError(error.cause ?? err, context);
    const body = toErrorBody(error);
    const frame: ErrorPush | { type: 'reply'; id: string; error: typeof body } = id === undefined ? { type: 'error', error: body } : { type: 'reply', id, error: body };
    peer.send(JSON.stringify(frame));
  }

  async #command(connection: Connection, frame: Exclude<ClientFrame, { type: 'join' }>): Promise<unknown> {
    const principal = connection.principal;
    switch (frame.type) {
      case 'send': {
        const joined = this.#joined(connection, frame.roomId);
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
      case 'typing':
        this.#joined(connection, frame.roomId);
        await this.#typing.set(frame.roomId, principal.userId, principal.name, frame.active);
        return {};
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

  #observe(event: RoomEvent): void {
    if (event.seq === undefined && event.frame.startsWith('{"type":"room_closed"')) {
      const push = JSON.parse(event.frame) as { roomId: string; closedAt: number };
      this.rooms.markClosed(push.roomId, push.closedAt);
      for (const connection of this.#connections) {
        const joined = connection.rooms.get(push.roomId);
        if (joined !== undefined) connection.rooms.set(push.roomId, { ...joined, room: { ...joined.room, closedAt: push.closedAt } });
      }
    }
  }

  // ---- request-shaped API (HTTP) ----

  /** Admit a principal to a room whose join rule the caller already checked. Throws ROOM_CLOSED, ROOM_FULL. */
  async addMember(principal: Principal, room: RoomRecord): Promise<void> {
    await this.#members.add(principal, room);
  }

  /** Send as `principal` (must be a member). Throws NOT_MEMBER plus everything Messages.send throws. */
  async send(principal: Principal, roomId: string, clientId: string, body: string): Promise<Ack> {
    const room = await this.rooms.get(roomId);
    await this.#members.require(principal, roomId);
    return this.#messages.send(principal, room, clientId, body);
  }

  /**
   * Send several messages as `principal`, stored in the given order (each enters the store's
   * queue before the next). One outcome per item: an ack or the error it met.
   * Throws NOT_MEMBER / ROOM_NOT_FOUND for the whole batch.
   */
  async sendBatch(principal: Principal, roomId: string, items: ReadonlyArray<{ clientId: string; body: string }>): Promise<Array<PromiseSettledResult<Ack>>> {
    const room = await this.rooms.get(roomId);
    await this.#members.require(principal, roomId);
    return Promise.allSettled(items.map((item) => this.#messages.send(principal, room, item.clientId, item.body)));
  }

  /** A history page for a member. Throws ROOM_NOT_FOUND, NOT_MEMBER. */
  async history(principal: Principal, roomId: string, query: HistoryQuery): Promise<HistoryPage> {
    const room = await this.rooms.get(roomId);
    await this.#members.require(principal, roomId);
    return this.#history.page(room, query);
  }

  /** The room as a member sees it, with their read marker and unread count. */
  async roomFor(principal: Principal, roomId: string): Promise<{ room: RoomInfo; lastReadSeq: number; unread: number }> {
    const room = await this.rooms.fresh(roomId);
    const member = await this.#members.require(principal, roomId);
    const info = await this.rooms.info(room);
    return { room: info, lastReadSeq: member.lastReadSeq, unread: Math.max(0, info.lastSeq - member.lastReadSeq) };
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
