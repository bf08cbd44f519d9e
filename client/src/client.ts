/**
 * ParleyClient: the SDK facade (STYLE C12). It connects, joins rooms and rejoins them after every
 * reconnect with resume by seq, writes to the timeline (send, edit, delete, react) with retry by
 * clientId until acked, pages history, keeps each joined room's state folded from its timeline
 * (`room-state.ts`), and emits typed events. The layers below: `connection.ts` (one socket),
 * `requests.ts` (commands awaiting replies), `rooms.ts` (per-room seq, dedupe, gap fill).
 *
 * @example
 * const client = new ParleyClient({ url: 'https://chat.example.com', token });
 * client.on('roomState', ({ roomId, state }) => render(roomId, state));
 * await client.connect();
 * await client.join(roomId);
 * const { seq } = await client.send(roomId, 'Hello');
 * await client.react(roomId, seq, '👍');
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
  type MessageEvent,
  type PresencePush,
  type ReadPush,
  type ReadResult,
  type TimelineEvent,
  type TypingPush,
  type WelcomePush,
  type WireLimits,
} from '../../src/protocol/index.ts';
import { Connection, backoffDelay, closeError, socketUrl, type CloseInfo, type WebSocketConstructor } from './connection.ts';
import { Requests, utf8Bytes } from './requests.ts';
import { applyEventInPlace, emptyRoomState, type RoomState } from './room-state.ts';
import { Rooms } from './rooms.ts';

/** The server's default PARLEY_MESSAGE_MAX_BYTES (src/config.ts). */
const DEFAULT_MESSAGE_MAX_BYTES = 16 * 1024;
/** The server's default PARLEY_WS_MAX_FRAME_BYTES (src/config.ts). */
const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

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
  /** Page size used to fill gaps and to load the newest page on `resync` (events). @default 100 */
  readonly catchUpPageSize?: number;
  /**
   * Largest message body the server accepts, in UTF-8 bytes (the server's PARLEY_MESSAGE_MAX_BYTES):
   * `send` and `edit` refuse a longer body locally with MESSAGE_TOO_LARGE. Until the first welcome;
   * then the server's own limit (`WelcomePush.limits`) applies. @default 16384
   */
  readonly messageMaxBytes?: number;
  /**
   * Largest WebSocket frame the server accepts, in bytes (the server's PARLEY_WS_MAX_FRAME_BYTES; a
   * larger frame makes it close the socket with the terminal code 1009): any command whose encoded
   * frame is larger is refused locally with PAYLOAD_TOO_LARGE and never written. Until the first
   * welcome; then the server's own limit applies. @default 65536
   */
  readonly maxFrameBytes?: number;
}

/** Options of the commands that write to the timeline. */
export interface WriteOptions {
  /** Idempotency key (1–64 printable ASCII), reused for every retry. @default a random UUID */
  readonly clientId?: string;
}

/**
 * `idle` before `connect()`; `connecting` until the first welcome; `open` once welcomed;
 * `reconnecting` after a drop; `closed` after `close()` or a terminal close code.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of {@link ParleyClient.on} and their payloads. */
export interface ParleyEvents {
  /**
   * A timeline event of a joined room (message, edit, delete, reaction, membership, moderation, room
   * change, system notice): in seq order, once, with no gap (or a `gap` event for what is lost).
   * When it removes or bans this user, the room is no longer followed.
   */
  event: TimelineEvent;
  /** The `message` events among {@link ParleyEvents.event}, for convenience. */
  message: MessageEvent;
  /**
   * A joined room's folded state changed (`roomState(roomId)`): after an event (`event`), a join,
   * a resync, or a history page whose messages were added.
   */
  roomState: { roomId: string; state: RoomState; event?: TimelineEvent };
  /** A member started or stopped typing. */
  typing: TypingPush;
  /**
   * Members came online or went offline: one event per push, carrying the room's changes of one
   * server flush window in order (each member once, with their latest state). A repeated
   * `online: true` for someone already online changes nothing.
   */
  presence: PresencePush;
  /** A member's read marker moved. */
  read: ReadPush;
  /** Events `from`..`to` of a room will never be delivered (relay rooms, or unreadable history). */
  gap: GapPush;
  /** A room was joined or rejoined; emitted before its replayed events. `result.resume` says how. */
  joined: { roomId: string; result: JoinResult };
  /**
   * The room cannot continue from what was delivered (its epoch changed, or too much was missed):
   * replace what you show with `page`, its newest history page (the room's state starts over from
   * it). Live events after it follow.
   */
  resync: { roomId: string; result: JoinResult; page: HistoryPage };
  /**
   * A relay room's numbering started over in a new `epoch` (it was emptied on every node and used
   * again): its messages so far are gone from the server, the room state keeps only its members,
   * bans, name and closedAt, and events from seq 1 follow. Clear what you show of its messages.
   */
  restart: { roomId: string; epoch: string };
  /** The connection state changed; `close` tells why a socket closed (and, when reconnecting, in how many ms: `close.retryInMs`). */
  state: { state: ConnectionState; close?: CloseInfo };
  /** An error not tied to a call: an `error` push, a failed rejoin, a failed catch-up read. */
  error: ParleyError;
}

type Listener<T> = (payload: T) => void;

/** `online()` of a room not joined yet. */
const NOBODY: ReadonlyMap<string, string> = new Map();
type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void };

/** A Parley client: one connection, any number of rooms. See the file comment for an example. */
export class ParleyClient {
  readonly #connection: Connection;
  /** `options.url`, to build the socket URL again for a renewed token. */
  readonly #url: string;
  readonly #requests: Requests;
  readonly #rooms: Rooms;
  /** Each joined room's state folded from its timeline. */
  readonly #roomStates = new Map<string, RoomState>();
  #messageMaxBytes: number;
  readonly #listeners = new Map<keyof ParleyEvents, Set<Listener<never>>>();
  readonly #backoff: { baseMs: number; maxMs: number };
  /** `join()` calls waiting for their room's first successful join. */
  readonly #joinWaiters = new Map<string, Deferred<JoinResult>>();
  /**
   * Who is online per tracked room (user id → name): the latest join's online members, then each
   * `presence` push applied in order. A new map whenever it changes, so its identity tells a change.
   */
  readonly #online = new Map<string, ReadonlyMap<string, string>>();
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
    this.#messageMaxBytes = options.messageMaxBytes ?? DEFAULT_MESSAGE_MAX_BYTES;
    this.#requests = new Requests(options.requestTimeoutMs ?? 10_000, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, {
      canWrite: (roomId) => this.#welcome !== undefined && (roomId === undefined || this.#rooms.isJoined(roomId)),
      write: (text) => this.#connection.send(text),
    });
    this.#rooms = new Rooms(
      {
        history: (roomId, query) => this.#history(roomId, query),
        event: (event) => this.#onEvent(event),
        gap: (push) => this.#emit('gap', push),
        resync: (roomId, result, page) => {
          this.#roomStates.set(roomId, page.events.reduce(applyEventInPlace, emptyRoomState(result.room, result.members)));
          this.#emit('resync', { roomId, result, page });
          this.#emitRoomState(roomId);
        },
        error: (error) => this.#emit('error', error),
      },
      options.catchUpPageSize ?? 100,
    );
  }

  /** The size limits sends keep to: the server's, once welcomed (`WelcomePush.limits`), else the options'. */
  get limits(): WireLimits {
    return { messageMaxBytes: this.#messageMaxBytes, frameMaxBytes: this.#requests.maxFrameBytes };
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

  /** Stop receiving a room's events and stop rejoining it (its state is dropped). Commands about it still waiting fail with NOT_JOINED. */
  async leave(roomId: string): Promise<void> {
    const wasJoined = this.#rooms.isJoined(roomId);
    this.#rooms.untrack(roomId);
    this.#roomStates.delete(roomId);
    this.#online.delete(roomId);
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
   * Send a message to a joined room, optionally as a reply to message `replyTo` (its seq). Until
   * acked it survives reconnects: it is written again with the same clientId, so it is stored once.
   * Resolves with the ack (`duplicate: true` when this clientId was already stored). Rejects with
   * MESSAGE_TOO_LARGE at once (nothing written) when `body` exceeds `messageMaxBytes` UTF-8 bytes;
   * with the server's ParleyError (MESSAGE_TOO_LARGE, ROOM_CLOSED, RATE_LIMITED…), TIMEOUT (retry
   * with the same clientId), NOT_JOINED, or CONNECTION_LOST when the client closes first.
   */
  send(roomId: string, body: string, options: WriteOptions & { replyTo?: number } = {}): Promise<Ack> {
    const refused = this.#checkBody(body);
    if (refused !== undefined) return Promise.reject(refused);
    const frame = { type: 'send', roomId, body, ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }) };
    return this.#roomRequest(roomId, options.clientId ?? randomId(), frame) as Promise<Ack>;
  }

  /**
   * Replace the body of your own message `seq` (within the server's PARLEY_EDIT_WINDOW_MS). Retried
   * with the same clientId until acked, like `send`; the ack's `seq` is the `message_edited` event's.
   * Rejects like `send` (MESSAGE_TOO_LARGE locally when `body` exceeds `messageMaxBytes`), or with
   * the server's refusal (e.g. FORBIDDEN for someone else's message, or past the edit window).
   */
  edit(roomId: string, seq: number, body: string, options: WriteOptions = {}): Promise<Ack> {
    const refused = this.#checkBody(body);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#roomRequest(roomId, options.clientId ?? randomId(), { type: 'edit', roomId, target: seq, body }) as Promise<Ack>;
  }

  /**
   * Delete message `seq` (your own, or as a moderator one of a member lower in rank): it becomes a
   * tombstone. Retried with the same clientId until acked, like `send`; the ack's `seq` is the
   * `message_deleted` event's. Rejects with the server's ParleyError, TIMEOUT, NOT_JOINED or CONNECTION_LOST.
   */
  delete(roomId: string, seq: number, options: WriteOptions = {}): Promise<Ack> {
    return this.#roomRequest(roomId, options.clientId ?? randomId(), { type: 'delete', roomId, target: seq }) as Promise<Ack>;
  }

  /**
   * Add (`active`, the default) or take back your reaction `key` (an emoji: 1–64 characters, no
   * whitespace) on message `seq`. Retried with the same clientId until acked, like `send`; an ack
   * with `duplicate: true` means the reaction was already in place. Rejects like `delete`.
   */
  react(roomId: string, seq: number, key: string, active = true, options: WriteOptions = {}): Promise<Ack> {
    return this.#roomRequest(roomId, options.clientId ?? randomId(), { type: 'react', roomId, target: seq, key, active }) as Promise<Ack>;
  }

  /**
   * A page of a joined room's timeline, in ascending seq: the newest page by default, `before` for
   * older pages, `after` for newer ones. `limit` is capped by the server (PARLEY_HISTORY_PAGE_MAX).
   * Its messages (as they stand now) that the room's state lacks are added to it; its other events
   * are not applied again (their effect is in the state already, or older than it).
   */
  async history(roomId: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    const page = await this.#history(roomId, query);
    const state = this.#roomStates.get(roomId);
    if (state !== undefined) {
      let next = state;
      for (const event of page.events) if (event.type === 'message') next = applyEventInPlace(next, event);
      if (next !== state) {
        this.#roomStates.set(roomId, next);
        this.#emitRoomState(roomId);
      }
    }
    return page;
  }

  /**
   * A joined room's state folded from its timeline: messages as they stand (those delivered live or
   * read with `history`), members, bans, name, closedAt. Undefined before the first join.
   */
  roomState(roomId: string): RoomState | undefined {
    return this.#roomStates.get(roomId);
  }

  /** Tell a joined room this user is (`true`) or stopped (`false`) typing. Fire and forget: dropped while disconnected. */
  typing(roomId: string, active: boolean): void {
    if (this.#rooms.isJoined(roomId)) this.#connection.send(JSON.stringify({ type: 'typing', roomId, active }));
  }

  /** Move this user's read marker in a joined room to `seq`; resolves with the marker after the update (it never moves back). */
  async markRead(roomId: string, seq: number): Promise<number> {
    return ((await this.#roomRequest(roomId, this.#nextId('r'), { type: 'read', roomId, seq })) as ReadResult).seq;
  }

  /**
   * Who is online in a room (user id → name), as the latest join listed (online members first, up to
   * the server's PARLEY_JOIN_MEMBERS_MAX) and `presence` pushes changed since. Empty before the first
   * join; as last known while reconnecting. The same map until a change (`presence` or `joined` event
   * tells when), so a UI can compare identities.
   */
  online(roomId: string): ReadonlyMap<string, string> {
    return this.#online.get(roomId) ?? NOBODY;
  }

  /** True while `roomId` is joined on the current socket: between its `joined` event and the next drop or `leave`. */
  joined(roomId: string): boolean {
    return this.#joinResults.has(roomId);
  }

  /** Seq of the last timeline event delivered in a room (0 before any). */
  lastSeq(roomId: string): number {
    return this.#rooms.lastSeq(roomId);
  }

  /** While `reconnecting`: try again now instead of when the backoff delay (`close.retryInMs`) ends. */
  reconnectNow(): void {
    this.#connection.retryNow();
  }

  /** Close for good (until `connect()` is called again); pending calls fail with CONNECTION_LOST. */
  close(): void {
    this.#connection.close();
    // Between two attempts there is no socket to report the close: report it here.
    if (this.#state !== 'closed') this.#onClose({ code: 1000, reason: 'client closed', willReconnect: false });
  }

  /** A history page, as read (catch-ups deliver its events through the room tracker instead). */
  #history(roomId: string, query: { before?: number; after?: number; limit?: number }): Promise<HistoryPage> {
    return this.#roomRequest(roomId, this.#nextId('h'), { type: 'history', roomId, ...query }) as Promise<HistoryPage>;
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
      // A resync replaces the state once its page is read; replayed events continue the state held.
      const fresh = !this.#roomStates.has(roomId) || joinResult.resume === 'fresh' || joinResult.resume === 'resync';
      if (fresh) this.#roomStates.set(roomId, emptyRoomState(joinResult.room, joinResult.members));
      this.#setOnline(roomId, new Map(joinResult.members.filter((m) => m.online).map((m) => [m.userId, m.name])));
      this.#emit('joined', { roomId, result: joinResult });
      if (fresh) this.#emitRoomState(roomId);
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
      case 'event':
        return this.#rooms.receive(frame.event as TimelineEvent);
      case 'gap':
        return this.#rooms.gapPush(frame as unknown as GapPush);
      case 'resync':
        return this.#restart(String(frame.roomId), String(frame.epoch));
      case 'error':
        return this.#emit('error', ParleyError.fromBody(frame.error as ErrorBody));
      case 'reconnect':
        return this.#connection.reconnect(Number(frame.afterMs) || 0);
      case 'presence':
        return this.#onPresence(frame as unknown as PresencePush);
      case 'typing':
      case 'read':
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
    this.#messageMaxBytes = welcome.limits.messageMaxBytes;
    this.#requests.maxFrameBytes = welcome.limits.frameMaxBytes;
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

  /** A presence push for a tracked room: apply its changes in order to who is online, then tell the listeners. */
  #onPresence(push: PresencePush): void {
    if (!this.#rooms.has(push.roomId)) return;
    const known = this.#online.get(push.roomId) ?? NOBODY;
    const next = new Map(known);
    for (const change of push.changes) {
      if (change.online) next.set(change.userId, change.name);
      else next.delete(change.userId);
    }
    this.#setOnline(push.roomId, next);
    this.#emit('presence', push);
  }

  /** Keep `next` as the room's online members unless it holds the same entries as the current map (whose identity then stays). */
  #setOnline(roomId: string, next: ReadonlyMap<string, string>): void {
    const known = this.#online.get(roomId) ?? NOBODY;
    if (next.size !== known.size || [...next].some(([userId, name]) => known.get(userId) !== name)) this.#online.set(roomId, next);
  }

  /** A relay `resync` push: seqs start over at 1 in `epoch`, so the messages keyed by the old seqs are dropped. */
  #restart(roomId: string, epoch: string): void {
    if (!this.#rooms.has(roomId)) return;
    this.#rooms.restart(roomId, epoch);
    const state = this.#roomStates.get(roomId);
    if (state !== undefined) this.#roomStates.set(roomId, { ...state, messages: new Map(), reactionSeqs: new Map() });
    this.#emit('restart', { roomId, epoch });
    this.#emitRoomState(roomId);
  }

  /** A timeline event delivered in order: fold it into the room's state, then tell the listeners. */
  #onEvent(event: TimelineEvent): void {
    const state = this.#roomStates.get(event.roomId);
    const next = state === undefined ? undefined : applyEventInPlace(state, event);
    if (next !== undefined) this.#roomStates.set(event.roomId, next);
    this.#emit('event', event);
    if (event.type === 'message') this.#emit('message', event);
    if (next !== undefined && next !== state) this.#emitRoomState(event.roomId, event);
    // Removed or banned from the room: the server stopped sending it; stop rejoining it on reconnects.
    if ((event.type === 'member_removed' || event.type === 'member_banned') && event.userId === this.#welcome?.user.id) this.#rooms.untrack(event.roomId);
  }

  #emitRoomState(roomId: string, event?: TimelineEvent): void {
    const state = this.#roomStates.get(roomId);
    if (state !== undefined) this.#emit('roomState', event === undefined ? { roomId, state } : { roomId, state, event });
  }

  /** MESSAGE_TOO_LARGE when `body` exceeds the server's message limit (so it is never written), else undefined. */
  #checkBody(body: string): ParleyError | undefined {
    const bytes = utf8Bytes(body);
    if (bytes <= this.#messageMaxBytes) return undefined;
    return new ParleyError('MESSAGE_TOO_LARGE', `The message is ${bytes} bytes; the server accepts at most ${this.#messageMaxBytes} bytes (UTF-8)`, { details: { limitBytes: this.#messageMaxBytes, bytes } });
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
