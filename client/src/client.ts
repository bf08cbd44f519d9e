/**
 * ParleyClient: the SDK facade (STYLE C12). Connects, joins rooms with resume by seq, sends with
 * retry by clientId until acked, pages history, and emits typed events.
 *
 * @example
 * const client = new ParleyClient({ url: 'https://chat.example.com', token });
 * client.on('message', (m) => render(m));
 * await client.connect();
 * await client.join(roomId);
 * await client.send(roomId, 'Hello');
 */
import { ParleyError, type Ack, type ErrorBody, type GapPush, type HistoryPage, type JoinResult, type Message, type PresencePush, type ReadPush, type RoomClosedPush, type TypingPush, type WelcomePush } from '../../src/protocol/index.ts';
import { Connection, type CloseInfo, type WebSocketConstructor } from './connection.ts';
import { Requests } from './requests.ts';
import { RoomTracker } from './rooms.ts';

/** Options of {@link ParleyClient}. */
export interface ParleyClientOptions {
  /** Server base URL (`https://chat.example.com`) or the full WebSocket URL (`wss://…/ws`). */
  readonly url: string;
  /** Session token from `POST /api/v1/join`; omit in browsers that hold the session cookie. */
  readonly token?: string;
  /** WebSocket implementation. @default globalThis.WebSocket (pass `ws`'s WebSocket in Node 20) */
  readonly WebSocket?: WebSocketConstructor;
  /** How long a command waits for its reply, in ms. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** First non-zero reconnect backoff step, in ms. @default 250 */
  readonly backoffBaseMs?: number;
  /** Longest reconnect backoff, in ms. @default 10000 */
  readonly backoffMaxMs?: number;
  /** Heartbeat ping period, in ms. @default 20000 */
  readonly pingIntervalMs?: number;
}

/** Connection state: `connecting` until welcomed, `open`, `reconnecting` after a drop, `closed` for good. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events and their payloads. */
export interface ParleyEvents {
  /** A message, in seq order, once per room. */
  message: Message;
  typing: TypingPush;
  presence: PresencePush;
  read: ReadPush;
  /** Relay rooms: messages `from`..`to` are gone and will not arrive. */
  gap: GapPush;
  room_closed: RoomClosedPush;
  /** A room was (re)joined; `result.resume` says how. */
  joined: { roomId: string; result: JoinResult };
  /** The room's history changed under the client (epoch or too large a gap): reload history. */
  resync: { roomId: string; result: JoinResult };
  state: { state: ConnectionState; close?: CloseInfo };
  /** An error push not tied to a request. */
  error: ParleyError;
}

type Listener<T> = (payload: T) => void;

export class ParleyClient {
  readonly #connection: Connection;
  readonly #requests: Requests;
  readonly #rooms = new RoomTracker();
  readonly #listeners = new Map<keyof ParleyEvents, Set<Listener<never>>>();
  /** Rooms whose next join reply someone awaits. */
  readonly #joinWaiters = new Map<string, Array<{ resolve: (r: JoinResult) => void; reject: (e: unknown) => void }>>();
  /** Messages held back per room while a gap is filled from history. */
  readonly #filling = new Map<string, Message[]>();
  #welcome: WelcomePush | undefined;
  #ready = false;
  #state: ConnectionState = 'connecting';
  #idSeq = 0;
  #connected: { resolve: (w: WelcomePush) => void; reject: (e: unknown) => void } | undefined;

  constructor(options: ParleyClientOptions) {
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketImpl === undefined) throw new TypeError('No WebSocket implementation: pass options.WebSocket (e.g. the `ws` package in Node)');
    this.#requests = new Requests(options.requestTimeoutMs ?? 10_000);
    this.#connection = new Connection({
      url: socketUrl(options.url, options.token),
      WebSocket: WebSocketImpl,
      ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
      ...(options.backoffMaxMs === undefined ? {} : { backoffMaxMs: options.backoffMaxMs }),
      ...(options.pingIntervalMs === undefined ? {} : { pingIntervalMs: options.pingIntervalMs }),
    });
    this.#connection.onFrame = (text) => this.#onFrame(text);
    this.#connection.onClose = (info) => this.#onClose(info);
  }

  /** The principal this connection acts as (after `connect`). */
  get user(): WelcomePush['user'] | undefined {
    return this.#welcome?.user;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Open the connection; resolves with the server's welcome. Rejects if the server refuses for good. */
  connect(): Promise<WelcomePush> {
    return new Promise((resolve, reject) => {
      this.#connected = { resolve, reject };
      this.#connection.open();
    });
  }

  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends keyof ParleyEvents>(event: E, listener: Listener<ParleyEvents[E]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Join a room (and rejoin it with resume after every reconnect). Resolves with the join result. */
  join(roomId: string): Promise<JoinResult> {
    this.#rooms.track(roomId);
    const result = new Promise<JoinResult>((resolve, reject) => {
      const waiters = this.#joinWaiters.get(roomId) ?? [];
      waiters.push({ resolve, reject });
      this.#joinWaiters.set(roomId, waiters);
    });
    if (this.#ready) void this.#join(roomId);
    return result;
  }

  /** Stop receiving a room's events. */
  async leave(roomId: string): Promise<void> {
    this.#rooms.untrack(roomId);
    await this.#request({ type: 'leave', roomId }, false);
  }

  /**
   * Send a message. It is retried with the same clientId across reconnects until acked, so it is
   * stored exactly once. Rejects with the server's error (e.g. MESSAGE_TOO_LARGE, ROOM_CLOSED) or TIMEOUT.
   */
  send(roomId: string, body: string, options: { clientId?: string } = {}): Promise<Ack> {
    const clientId = options.clientId ?? randomId();
    return this.#requests.request(clientId, { type: 'send', roomId, body }, this.#sendWhenReady, true) as Promise<Ack>;
  }

  /** A page of history (ascending seq): `before` for older pages, `after` for newer. */
  history(roomId: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    return this.#request({ type: 'history', roomId, ...query }, false) as Promise<HistoryPage>;
  }

  /** Tell the room this user is (or stopped) typing. Fire and forget. */
  typing(roomId: string, active: boolean): void {
    if (this.#ready) this.#connection.send(JSON.stringify({ type: 'typing', roomId, active }));
  }

  /** Move this user's read marker; resolves with the marker after the update. */
  async markRead(roomId: string, seq: number): Promise<number> {
    return ((await this.#request({ type: 'read', roomId, seq }, false)) as { seq: number }).seq;
  }

  /** Newest seq this client has seen in a room. */
  lastSeq(roomId: string): number {
    return this.#rooms.lastSeq(roomId);
  }

  /** Close for good; pending requests fail with CONNECTION_LOST. */
  close(): void {
    this.#ready = false;
    this.#connection.close();
    this.#requests.clear();
    this.#setState('closed');
  }

  readonly #sendWhenReady = (text: string): boolean => this.#ready && this.#connection.send(text);

  #request(frame: Record<string, unknown>, resend: boolean): Promise<unknown> {
    return this.#requests.request(`c${++this.#idSeq}`, frame, this.#sendWhenReady, resend);
  }

  async #join(roomId: string): Promise<void> {
    const id = `j${++this.#idSeq}`;
    try {
      const result = (await this.#requests.request(id, this.#rooms.joinCommand(roomId), (t) => this.#connection.send(t), false)) as JoinResult;
      this.#rooms.joined(roomId, result);
      this.#emit('joined', { roomId, result });
      if (result.resume === 'resync') this.#emit('resync', { roomId, result });
      for (const waiter of this.#joinWaiters.get(roomId) ?? []) waiter.resolve(result);
    } catch (err) {
      for (const waiter of this.#joinWaiters.get(roomId) ?? []) waiter.reject(err);
      if (err instanceof ParleyError && !err.retryable) this.#rooms.untrack(roomId);
    }
    this.#joinWaiters.delete(roomId);
  }

  #onFrame(text: string): void {
    let frame: { type: string; id?: string; [k: string]: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'welcome':
        return void this.#onWelcome(frame as unknown as WelcomePush);
      case 'reply':
        if (frame.id?.startsWith('ping-')) return this.#connection.alive();
        this.#requests.settle(frame.id as string, frame as { result?: unknown; error?: ErrorBody });
        return;
      case 'message':
        return this.#onMessage(frame.message as Message);
      case 'gap': {
        const gap = frame as unknown as GapPush;
        this.#rooms.skipTo(gap.roomId, gap.to);
        return this.#emit('gap', gap);
      }
      case 'error':
        return this.#emit('error', ParleyError.fromBody(frame.error as ErrorBody));
      case 'reconnect':
        return this.#connection.reconnect();
      case 'typing':
      case 'presence':
      case 'read':
      case 'room_closed':
        return this.#emit(frame.type, frame as never);
    }
  }

  /**
   * A (re)connected socket was welcomed: rejoin every tracked room with resume (including rooms
   * joined meanwhile), then release queued sends in order, then resolve `connect()`.
   */
  async #onWelcome(welcome: WelcomePush): Promise<void> {
    this.#welcome = welcome;
    this.#setState('open');
    const joined = new Set<string>();
    for (let batch = this.#rooms.ids(); batch.length > 0; batch = this.#rooms.ids().filter((id) => !joined.has(id))) {
      for (const id of batch) joined.add(id);
      await Promise.all(batch.map((roomId) => this.#join(roomId)));
    }
    this.#ready = true;
    this.#requests.resend(this.#sendWhenReady);
    this.#connected?.resolve(welcome);
    this.#connected = undefined;
  }

  #onMessage(message: Message): void {
    const held = this.#filling.get(message.roomId);
    if (held !== undefined) return void held.push(message);
    const verdict = this.#rooms.accept(message);
    if (verdict === 'deliver') return this.#emit('message', message);
    if (verdict === 'gap') void this.#fill(message);
  }

  /** Fetch what is missing before `message` from history, deliver it in order, then what was held. */
  async #fill(message: Message): Promise<void> {
    const roomId = message.roomId;
    const held = [message];
    this.#filling.set(roomId, held);
    try {
      while (this.#rooms.lastSeq(roomId) + 1 < message.seq) {
        const page = await this.history(roomId, { after: this.#rooms.lastSeq(roomId), limit: 100 });
        if (page.messages.length === 0) break;
        for (const m of page.messages) if (this.#rooms.accept(m) === 'deliver') this.#emit('message', m);
      }
    } catch {
      this.#rooms.skipTo(roomId, message.seq - 1);
    } finally {
      this.#filling.delete(roomId);
      for (const m of held.sort((a, b) => a.seq - b.seq)) this.#onMessage(m);
    }
  }

  #onClose(info: CloseInfo): void {
    this.#ready = false;
    this.#requests.disconnected();
    if (!info.willReconnect) {
      const error = new ParleyError(info.code === 4401 ? 'UNAUTHENTICATED' : 'CONNECTION_LOST', `Connection closed (${info.code} ${info.reason})`);
      this.#connected?.reject(error);
      this.#connected = undefined;
      this.#requests.clear();
      for (const waiters of this.#joinWaiters.values()) for (const waiter of waiters) waiter.reject(error);
      this.#joinWaiters.clear();
    }
    this.#setState(info.willReconnect ? 'reconnecting' : 'closed', info);
  }

  #setState(state: ConnectionState, close?: CloseInfo): void {
    this.#state = state;
    this.#emit('state', close === undefined ? { state } : { state, close });
  }

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

/** The `/ws` URL for a base or WebSocket URL, with `?token=` when a token is given. */
export function socketUrl(url: string, token: string | undefined): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (!u.pathname.endsWith('/ws')) u.pathname = `${u.pathname.replace(/\/$/, '')}/ws`;
  if (token !== undefined) u.searchParams.set('token', token);
  return u.toString();
}

function randomId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID !== undefined) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
