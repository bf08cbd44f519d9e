/**
 * ParleyClient: the SDK facade (STYLE C12). It connects, joins rooms and rejoins them after every
 * reconnect with resume by seq, sends with retry by clientId until acked, pages history, and emits
 * typed events. The layers below: `connection.ts` (one socket), `requests.ts` (commands awaiting
 * replies), `rooms.ts` (per-room seq, dedupe, gap fill).
 *
 * @example
 * const client = new ParleyClient({ url: 'https://chat.example.com', token });
 * client.on('message', (m) => render(m));
 * await client.connect();
 * await client.join(roomId);
 * await client.send(roomId, 'Hello');
 */
import {
  PROTOCOL_VERSION,
  ParleyError,
  type Ack,
  type AuthResult,
  type ErrorBody,
  type GapPush,
  type HistoryPage,
  type JoinResult,
  type Message,
  type PresencePush,
  type ReadPush,
  type ReadResult,
  type RoomClosedPush,
  type MemberPush,
  type MemberMutedPush,
  type MessageDeletedPush,
  type TypingPush,
  type WelcomePush,
} from '../../src/protocol/index.ts';
import { Connection, backoffDelay, closeError, socketUrl, type CloseInfo, type WebSocketConstructor } from './connection.ts';
import { Requests } from './requests.ts';
import { Rooms } from './rooms.ts';

/** Options of {@link ParleyClient}. Durations are in milliseconds. */
export interface ParleyClientOptions {
  /** Server base URL (`https://chat.example.com`) or the full WebSocket URL (`wss://…/ws`). */
  readonly url: string;
  /**
   * Session token from `POST /api/v1/join`, or an integrator's JWT (docs/integrator-tokens.md), sent
   * as `?token=`; omit in browsers holding the session cookie. {@link ParleyClient.renew} replaces it.
   */
  readonly token?: string;
  /** WebSocket implementation. @default globalThis.WebSocket (Node 20 has none: pass the `ws` package's) */
  readonly WebSocket?: WebSocketConstructor;
  /** How long a written command waits for its reply before failing with TIMEOUT. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Ceiling of the second reconnect delay; it doubles per failed attempt (the first retry is immediate). @default 250 */
  readonly backoffBaseMs?: number;
  /** Longest wait between reconnect attempts. @default 10000 */
  readonly backoffMaxMs?: number;
  /** Heartbeat: send a `ping` command this often while connected. @default 20000 */
  readonly pingIntervalMs?: number;
  /** Heartbeat: reconnect when nothing arrives this long after a ping. @default 10000 */
  readonly pongTimeoutMs?: number;
  /** Page size used to fill gaps and to load the newest page on `resync` (messages). @default 100 */
  readonly catchUpPageSize?: number;
}

/**
 * `idle` before `connect()`; `connecting` until the first welcome; `open` once welcomed;
 * `reconnecting` after a drop; `closed` after `close()` or a terminal close code.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of {@link ParleyClient.on} and their payloads. */
export interface ParleyEvents {
  /** A message of a joined room: in seq order, once, with no gap (or a `gap` event for what is lost). */
  message: Message;
  /** A member started or stopped typing. */
  typing: TypingPush;
  /** A member came online or went offline. */
  presence: PresencePush;
  /** A member's read marker moved. */
  read: ReadPush;
  /** Messages `from`..`to` of a room will never be delivered (relay rooms, or unreadable history). */
  gap: GapPush;
  /** The room was closed: no more messages or joins. */
  room_closed: RoomClosedPush;
  /** A member's role changed, or a member was removed (when it is you, the room is no longer followed). */
  member: MemberPush;
  /**
   * A moderator deleted message `seq`: show a tombstone ("message deleted") in its place. History
   * returns it with `deletedAt` and an empty body from now on. May arrive before the message itself.
   */
  message_deleted: MessageDeletedPush;
  /** A member was muted until `mutedUntil` (Unix ms), or unmuted (null); a muted member's sends fail with MEMBER_MUTED. */
  member_muted: MemberMutedPush;
  /** A room was joined or rejoined; emitted before its replayed messages. `result.resume` says how. */
  joined: { roomId: string; result: JoinResult };
  /**
   * The room cannot continue from what was delivered (its epoch changed, or too much was missed):
   * replace what you show with `page`, its newest history page. Live messages after it follow.
   */
  resync: { roomId: string; result: JoinResult; page: HistoryPage };
  /** The connection state changed; `close` tells why a socket closed. */
  state: { state: ConnectionState; close?: CloseInfo };
  /** An error not tied to a call: an `error` push, a failed rejoin, a failed catch-up read. */
  error: ParleyError;
}

type Listener<T> = (payload: T) => void;
type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void };

/** A Parley client: one connection, any number of rooms. See the file comment for an example. */
export class ParleyClient {
  readonly #connection: Connection;
  /** `options.url`, to build the socket URL again for a renewed token. */
  readonly #url: string;
  readonly #requests: Requests;
  readonly #rooms: Rooms;
  readonly #listeners = new Map<keyof ParleyEvents, Set<Listener<never>>>();
  readonly #backoff: { baseMs: number; maxMs: number };
  /** `join()` calls waiting for their room's first successful join. */
  readonly #joinWaiters = new Map<string, Deferred<JoinResult>>();
  /** The latest join result per room joined on the current socket. */
  readonly #joinResults = new Map<string, JoinResult>();
  /** Rooms whose join command is in flight on the current socket. */
  readonly #joining = new Set<string>();
  /** Timers retrying a rejoin that failed with a retryable error. */
  readonly #rejoinTimers = new Set<ReturnType<typeof setTimeout>>();
  #connectWaiters: Array<Deferred<WelcomePush>> = [];
  #welcome: WelcomePush | undefined;
  #state: ConnectionState = 'idle';
  #idSeq = 0;
  /** Makes this client's command ids unlike any clientId an application picks. */
  readonly #idTag = randomId().slice(0, 8);

  /** @throws TypeError when no WebSocket implementation is given or global. */
  constructor(options: ParleyClientOptions) {
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketImpl === undefined) throw new TypeError('No WebSocket implementation: pass options.WebSocket (in Node 20, the `ws` package)');
    this.#backoff = { baseMs: options.backoffBaseMs ?? 250, maxMs: options.backoffMaxMs ?? 10_000 };
    this.#url = options.url;
    this.#connection = new Connection({
      url: socketUrl(options.url, options.token),
      WebSocket: WebSocketImpl,
      backoffBaseMs: this.#backoff.baseMs,
      backoffMaxMs: this.#backoff.maxMs,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
    });
    this.#connection.onFrame = (text) => this.#onFrame(text);
    this.#connection.onClose = (info) => this.#onClose(info);
    this.#requests = new Requests(options.requestTimeoutMs ?? 10_000, {
      canWrite: (roomId) => this.#welcome !== undefined && (roomId === undefined || this.#rooms.isJoined(roomId)),
      write: (text) => this.#connection.send(text),
    });
    this.#rooms = new Rooms(
      {
        history: (roomId, query) => this.history(roomId, query),
        message: (message) => this.#emit('message', message),
        gap: (push) => this.#emit('gap', push),
        resync: (roomId, result, page) => this.#emit('resync', { roomId, result, page }),
        error: (error) => this.#emit('error', error),
      },
      options.catchUpPageSize ?? 100,
    );
  }

  /** The user this client acts as, once welcomed. */
  get user(): WelcomePush['user'] | undefined {
    return this.#welcome?.user;
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Open the connection (it then reconnects by itself until `close()` or a terminal close code).
   * Resolves with the server's welcome; rejects with a ParleyError (UNAUTHENTICATED, FORBIDDEN,
   * CONNECTION_LOST) when the server closes for good before welcoming.
   */
  connect(): Promise<WelcomePush> {
    if (this.#state === 'open' && this.#welcome !== undefined) return Promise.resolve(this.#welcome);
    const waiter = deferred<WelcomePush>();
    this.#connectWaiters.push(waiter);
    if (this.#state === 'idle' || this.#state === 'closed') this.#setState('connecting');
    this.#connection.open();
    return waiter.promise;
  }

  /**
   * Present a fresh token for the same user — e.g. a new integrator JWT minted before the current
   * one expires — without reconnecting (issue: identity — renewal over the socket). On a live
   * connection it is sent as an `auth` command: the server checks it, keeps the socket open until
   * the new token's expiry, and answers who the socket acts as and until when (`expiresAt`, Unix
   * ms). Every later reconnect presents the new token. Without a live connection (or if it ends
   * before the answer), the token is only kept for the next socket, and this resolves undefined;
   * after a close for good (4401: the old token expired) call `connect()` again.
   * Rejects with ParleyError UNAUTHENTICATED (invalid or expired token) or FORBIDDEN (a token for
   * another user); the previous token then stays in use.
   * @example
   * setInterval(async () => client.renew(await fetchFreshTokenFromMyBackend()), 10 * 60_000);
   */
  async renew(token: string): Promise<AuthResult | undefined> {
    const next = socketUrl(this.#url, token);
    if (this.#welcome === undefined) {
      this.#connection.setUrl(next);
      return undefined;
    }
    try {
      const result = (await this.#requests.request(this.#nextId('a'), { type: 'auth', token }, { resend: false })) as AuthResult;
      this.#connection.setUrl(next);
      return result;
    } catch (err) {
      if (this.#welcome !== undefined) throw err;
      // The socket that would have checked it is gone: the next one authenticates with it.
      this.#connection.setUrl(next);
      return undefined;
    }
  }

  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends keyof ParleyEvents>(event: E, listener: Listener<ParleyEvents[E]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => void set.delete(listener as Listener<never>);
  }

  /**
   * Join a room: receive its events now and after every reconnect, resuming by seq. May be called
   * before `connect()`. Resolves with the first join result (`fresh`: page `history` to show the
   * past). Rejects with the server's ParleyError (ROOM_NOT_FOUND, NOT_MEMBER, ROOM_CLOSED…), after
   * which the room is not tracked.
   */
  join(roomId: string): Promise<JoinResult> {
    const joined = this.#joinResults.get(roomId);
    if (joined !== undefined) return Promise.resolve(joined);
    let waiter = this.#joinWaiters.get(roomId);
    if (waiter !== undefined) return waiter.promise;
    waiter = deferred<JoinResult>();
    this.#joinWaiters.set(roomId, waiter);
    this.#rooms.track(roomId);
    if (this.#welcome !== undefined && !this.#joining.has(roomId)) this.#sendJoin(roomId, 0);
    return waiter.promise;
  }

  /** Stop receiving a room's events and stop rejoining it. Commands about it still waiting fail with NOT_JOINED. */
  async leave(roomId: string): Promise<void> {
    const wasJoined = this.#rooms.isJoined(roomId);
    this.#rooms.untrack(roomId);
    this.#joinResults.delete(roomId);
    const left = new ParleyError('NOT_JOINED', `Left room ${roomId}`);
    this.#joinWaiters.get(roomId)?.reject(left);
    this.#joinWaiters.delete(roomId);
    this.#requests.failRoom(roomId, left);
    if (!wasJoined) return;
    try {
      await this.#requests.request(this.#nextId('l'), { type: 'leave', roomId }, { resend: false });
    } catch (err) {
      // A socket that dropped meanwhile has left the room anyway.
      if (!(err instanceof ParleyError && (err.code === 'CONNECTION_LOST' || err.code === 'NOT_JOINED'))) throw err;
    }
  }

  /**
   * Send a message to a joined room. Until acked it survives reconnects: it is written again with
   * the same clientId, so it is stored once. Resolves with the ack (`duplicate: true` when this
   * clientId was already stored). Rejects with the server's ParleyError (MESSAGE_TOO_LARGE,
   * ROOM_CLOSED, RATE_LIMITED…), TIMEOUT (retry with the same clientId), NOT_JOINED, or
   * CONNECTION_LOST when the client closes first.
   * @param options.clientId idempotency key (1–64 printable ASCII). @default a random UUID
   */
  send(roomId: string, body: string, options: { clientId?: string } = {}): Promise<Ack> {
    const clientId = options.clientId ?? randomId();
    return this.#roomRequest(roomId, clientId, { type: 'send', roomId, body }) as Promise<Ack>;
  }

  /**
   * A page of a joined room's history, in ascending seq: the newest page by default, `before` for
   * older pages, `after` for newer ones. `limit` is capped by the server (PARLEY_HISTORY_PAGE_MAX).
   */
  history(roomId: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    return this.#roomRequest(roomId, this.#nextId('h'), { type: 'history', roomId, ...query }) as Promise<HistoryPage>;
  }

  /** Tell a joined room this user is (`true`) or stopped (`false`) typing. Fire and forget: dropped while disconnected. */
  typing(roomId: string, active: boolean): void {
    if (this.#rooms.isJoined(roomId)) this.#connection.send(JSON.stringify({ type: 'typing', roomId, active }));
  }

  /** Move this user's read marker in a joined room to `seq`; resolves with the marker after the update (it never moves back). */
  async markRead(roomId: string, seq: number): Promise<number> {
    return ((await this.#roomRequest(roomId, this.#nextId('r'), { type: 'read', roomId, seq })) as ReadResult).seq;
  }

  /** Seq of the last message delivered in a room (0 before any). */
  lastSeq(roomId: string): number {
    return this.#rooms.lastSeq(roomId);
  }

  /** Close for good (until `connect()` is called again); pending calls fail with CONNECTION_LOST. */
  close(): void {
    this.#connection.close();
    // Between two attempts there is no socket to report the close: report it here.
    if (this.#state !== 'closed') this.#onClose({ code: 1000, reason: 'client closed', willReconnect: false });
  }

  #roomRequest(roomId: string, id: string, frame: Record<string, unknown>): Promise<unknown> {
    if (!this.#rooms.has(roomId)) return Promise.reject(new ParleyError('NOT_JOINED', `Join room ${roomId} first`));
    return this.#requests.request(id, frame, { resend: true, roomId });
  }

  /** Write a join for a tracked room; `attempt` counts retries of a rejoin after retryable errors. */
  #sendJoin(roomId: string, attempt: number): void {
    this.#joining.add(roomId);
    const onResult = (result: unknown) => {
      this.#joining.delete(roomId);
      if (!this.#rooms.has(roomId)) {
        // left while the join was in flight: leave on the server too
        this.#connection.send(JSON.stringify({ type: 'leave', roomId }));
        return;
      }
      const joinResult = result as JoinResult;
      this.#rooms.joined(roomId, joinResult);
      this.#joinResults.set(roomId, joinResult);
      this.#emit('joined', { roomId, result: joinResult });
      this.#requests.flush();
      this.#joinWaiters.get(roomId)?.resolve(joinResult);
      this.#joinWaiters.delete(roomId);
    };
    this.#requests.request(this.#nextId('j'), this.#rooms.joinCommand(roomId), { resend: false, onResult }).catch((err: unknown) => {
      this.#joining.delete(roomId);
      const error = err instanceof ParleyError ? err : new ParleyError('INTERNAL', undefined, { cause: err });
      if (error.code === 'CONNECTION_LOST' || !this.#rooms.has(roomId)) return; // rejoined on the next socket, or left meanwhile
      const waiter = this.#joinWaiters.get(roomId);
      if (waiter === undefined && error.retryable && this.#welcome !== undefined) {
        const timer = setTimeout(() => {
          this.#rejoinTimers.delete(timer);
          if (this.#welcome !== undefined && this.#rooms.has(roomId)) this.#sendJoin(roomId, attempt + 1);
        }, backoffDelay(attempt + 1, this.#backoff.baseMs, this.#backoff.maxMs));
        this.#rejoinTimers.add(timer);
        return;
      }
      this.#rooms.untrack(roomId);
      this.#requests.failRoom(roomId, error);
      this.#joinWaiters.delete(roomId);
      if (waiter !== undefined) waiter.reject(error);
      else this.#emit('error', error);
    });
  }

  #onFrame(text: string): void {
    let frame: { type?: unknown; id?: unknown; [key: string]: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'welcome':
        return this.#onWelcome(frame as unknown as WelcomePush);
      case 'reply':
        this.#requests.settle(String(frame.id), frame as { result?: unknown; error?: ErrorBody });
        return;
      case 'message':
        return this.#rooms.receive(frame.message as Message);
      case 'gap':
        return this.#rooms.gapPush(frame as unknown as GapPush);
      case 'resync':
        return this.#rooms.restart(String(frame.roomId), String(frame.epoch));
      case 'error':
        return this.#emit('error', ParleyError.fromBody(frame.error as ErrorBody));
      case 'reconnect':
        return this.#connection.reconnect(Number(frame.afterMs) || 0);
      case 'member': {
        const push = frame as unknown as MemberPush;
        if (!this.#rooms.has(push.roomId)) return;
        this.#emit('member', push);
        // Removed from the room: the server stopped sending it; stop rejoining it on reconnects.
        if (push.removed && push.userId === this.#welcome?.user.id) this.#rooms.untrack(push.roomId);
        return;
      }
      case 'typing':
      case 'presence':
      case 'read':
      case 'room_closed':
      case 'message_deleted':
      case 'member_muted':
        if (this.#rooms.has(String(frame.roomId))) this.#emit(frame.type, frame as never);
        return;
    }
  }

  /** A socket was welcomed: rejoin every tracked room with resume, write what waited for the socket, resolve `connect()`. */
  #onWelcome(welcome: WelcomePush): void {
    if (welcome.version !== PROTOCOL_VERSION) {
      this.#emit('error', new ParleyError('UNSUPPORTED_VERSION', `The server speaks protocol version ${String(welcome.version)}, this client ${PROTOCOL_VERSION}`));
      return this.close();
    }
    this.#welcome = welcome;
    this.#setState('open');
    for (const roomId of this.#rooms.ids()) this.#sendJoin(roomId, 0);
    this.#requests.flush();
    for (const waiter of this.#connectWaiters.splice(0)) waiter.resolve(welcome);
  }

  #onClose(info: CloseInfo): void {
    this.#welcome = undefined;
    this.#joinResults.clear();
    this.#joining.clear();
    for (const timer of this.#rejoinTimers) clearTimeout(timer);
    this.#rejoinTimers.clear();
    this.#rooms.disconnected();
    this.#requests.disconnected();
    if (!info.willReconnect) {
      const error = closeError(info);
      this.#requests.failAll(error);
      for (const waiter of this.#joinWaiters.values()) waiter.reject(error);
      this.#joinWaiters.clear();
      for (const waiter of this.#connectWaiters.splice(0)) waiter.reject(error);
    }
    this.#setState(info.willReconnect ? 'reconnecting' : 'closed', info);
  }

  #nextId(prefix: string): string {
    return `${prefix}${++this.#idSeq}.${this.#idTag}`;
  }

  #setState(state: ConnectionState, close?: CloseInfo): void {
    this.#state = state;
    this.#emit('state', close === undefined ? { state } : { state, close });
  }

  /** Call each listener; one that throws does not stop the others, and its error is rethrown asynchronously. */
  #emit<E extends keyof ParleyEvents>(event: E, payload: ParleyEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<ParleyEvents[E]>)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

/** A random clientId. `randomUUID` exists only in secure contexts; `getRandomValues` everywhere. */
function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
