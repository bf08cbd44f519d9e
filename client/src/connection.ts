/**
 * One WebSocket to a Parley server, kept open (STYLE C12, after partysocket's `ws.ts`):
 * - reconnects with {@link backoffDelay}: the first retry at once, then exponential with full jitter,
 *   capped;
 * - detects dead links with `ping` commands: a link that stays silent for `pongTimeoutMs` after a
 *   ping is dropped and reopened (a dead TCP path may never deliver a close event);
 * - applies the protocol's close-code rule (`shouldReconnect`), so terminal closes (4401, 4403,
 *   1009…) stay closed until the application acts.
 *
 * Browser-WebSocket-shaped: it takes the browser's `WebSocket` or, in Node 20 (which has no global
 * WebSocket), the `ws` package's.
 */
import { CLOSE_CODES, shouldReconnect } from '../../src/protocol/close-codes.ts';
import { ParleyError } from '../../src/protocol/errors.ts';

/** The part of the WebSocket API the SDK uses; the browser's WebSocket and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s default export in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of {@link Connection}. Durations are in milliseconds. */
export interface ConnectionOptions {
  /** Full WebSocket URL, e.g. `wss://chat.example.com/ws?token=…`. */
  readonly url: string;
  /** The WebSocket implementation. */
  readonly WebSocket: WebSocketConstructor;
  /** Ceiling of the second retry's delay; it doubles per attempt. @default 250 */
  readonly backoffBaseMs?: number;
  /** Longest wait between two attempts. @default 10000 */
  readonly backoffMaxMs?: number;
  /** Send a `ping` command this often while open. @default 20000 */
  readonly pingIntervalMs?: number;
  /** Drop and reopen the socket when nothing arrives this long after a ping. @default 10000 */
  readonly pongTimeoutMs?: number;
}

/** Why a socket closed, and whether the connection will open another. */
export interface CloseInfo {
  /** The close code (1006 when the socket never opened or the link died). */
  readonly code: number;
  readonly reason: string;
  /** False after `close()` or a terminal code (see `shouldReconnect`). */
  readonly willReconnect: boolean;
  /** With `willReconnect`: how long until the next attempt, in ms (the backoff; 0 for the first). */
  readonly retryInMs?: number;
}

/**
 * Delay in ms before reconnect attempt `attempt` (0-based): 0 for the first, so a one-off drop
 * costs no wait; then a random value in [0, min(maxMs, baseMs · 2^(attempt−1))) ("full jitter"),
 * so that a fleet of clients dropped together does not come back in step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

const OPEN = 1;
/** Node's `ws` reports a refused upgrade as an error event with this message; browsers hide it. */
const REFUSED_UPGRADE = /Unexpected server response: (\d{3})/;

/** One socket at a time, reopened until `close()` or a terminal close code. */
export class Connection {
  readonly #options: Required<ConnectionOptions>;
  /** The URL the next socket opens; {@link setUrl} replaces it (a renewed token). */
  #url: string;
  #socket: WebSocketLike | undefined;
  /** HTTP status of a refused upgrade on the current socket, when the implementation reveals it. */
  #refusedStatus: number | undefined;
  #attempt = 0;
  #stopped = true;
  #pingSeq = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  /** Called with each text frame received. */
  onFrame: (text: string) => void = () => undefined;
  /** Called when a socket closed (or was dropped here), before any reconnect is scheduled. */
  onClose: (info: CloseInfo) => void = () => undefined;

  constructor(options: ConnectionOptions) {
    this.#options = { backoffBaseMs: 250, backoffMaxMs: 10_000, pingIntervalMs: 20_000, pongTimeoutMs: 10_000, ...options };
    this.#url = options.url;
  }

  /** Open every later socket at `url` (e.g. with a renewed `?token=`); the current socket is unaffected. */
  setUrl(url: string): void {
    this.#url = url;
  }

  /** True while a socket is open. */
  get isOpen(): boolean {
    return this.#socket?.readyState === OPEN;
  }

  /** Open a socket, unless one is open or opening; keep reopening it until `close()` or a terminal code. */
  open(): void {
    this.#stopped = false;
    if (this.#socket === undefined && this.#reconnectTimer === undefined) this.#connect();
  }

  /** Send text on the open socket. Returns false (and sends nothing) when no socket is open. */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    (this.#socket as WebSocketLike).send(text);
    return true;
  }

  /** Close for good with 1000; `open()` starts again. */
  close(): void {
    this.#stopped = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const socket = this.#socket;
    if (socket !== undefined) {
      socket.close(CLOSE_CODES.NORMAL, 'client closed');
      this.#closed(socket, CLOSE_CODES.NORMAL, 'client closed');
    }
  }

  /**
   * Drop the current socket and open a new one, after `afterMs` (a server `reconnect` push: the
   * old socket keeps working meanwhile) or at once (a ping went unanswered).
   */
  reconnect(afterMs = 0): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    if (afterMs > 0) {
      if (this.#drainTimer === undefined) this.#drainTimer = setTimeout(() => this.reconnect(0), afterMs);
      return;
    }
    if (socket.terminate !== undefined) socket.terminate();
    else socket.close(CLOSE_CODES.NORMAL, 'reconnecting');
    this.#closed(socket, CLOSE_CODES.GOING_AWAY, 'reconnecting');
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    this.#refusedStatus = undefined;
    const socket = new this.#options.WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#startPing();
    };
    socket.onmessage = (event) => {
      this.#alive();
      this.onFrame(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onerror = (event) => {
      const status = REFUSED_UPGRADE.exec(String((event as { message?: unknown } | null)?.message))?.[1];
      if (status !== undefined) this.#refusedStatus = Number(status);
    };
    socket.onclose = (event) => {
      // An upgrade refused with 401/403 means the same as the terminal close codes 4401/4403.
      const refused = this.#refusedStatus;
      const code = refused === 401 || refused === 403 ? 4000 + refused : event.code;
      this.#closed(socket, code, refused === undefined ? event.reason : `upgrade refused with HTTP ${refused}`);
    };
  }

  /** Handle the end of `socket` once: a close event, or a drop decided here. */
  #closed(socket: WebSocketLike, code: number, reason: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined;
    this.#stopTimers();
    const willReconnect = !this.#stopped && shouldReconnect(code);
    if (!willReconnect) this.#stopped = true;
    const delay = willReconnect ? backoffDelay(this.#attempt++, this.#options.backoffBaseMs, this.#options.backoffMaxMs) : undefined;
    this.onClose(delay === undefined ? { code, reason, willReconnect } : { code, reason, willReconnect, retryInMs: delay });
    if (delay !== undefined && !this.#stopped && this.#socket === undefined && this.#reconnectTimer === undefined) {
      this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    }
  }

  /** While waiting to reconnect: try now instead of when the backoff ends. Does nothing otherwise. */
  retryNow(): void {
    if (this.#reconnectTimer === undefined || this.#stopped) return;
    clearTimeout(this.#reconnectTimer);
    this.#connect();
  }

  #startPing(): void {
    this.#pingTimer = setInterval(() => {
      if (!this.send(JSON.stringify({ type: 'ping', id: `ping-${++this.#pingSeq}` }))) return;
      this.#pongTimer ??= setTimeout(() => this.reconnect(0), this.#options.pongTimeoutMs);
    }, this.#options.pingIntervalMs);
  }

  /** Any frame proves the link is alive. */
  #alive(): void {
    if (this.#pongTimer !== undefined) clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #stopTimers(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    if (this.#drainTimer !== undefined) clearTimeout(this.#drainTimer);
    this.#alive();
    this.#pingTimer = undefined;
    this.#drainTimer = undefined;
  }
}

/** The error pending calls fail with when the connection closes for good. */
export function closeError(info: CloseInfo): ParleyError {
  const message = `Connection closed (${info.code}${info.reason === '' ? '' : ` ${info.reason}`})`;
  if (info.code === CLOSE_CODES.UNAUTHENTICATED) return new ParleyError('UNAUTHENTICATED', message);
  if (info.code === CLOSE_CODES.FORBIDDEN) return new ParleyError('FORBIDDEN', message);
  return new ParleyError('CONNECTION_LOST', message);
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
