/**
 * One WebSocket to a Parley server, kept open: reconnects with backoff (first retry at once, then
 * exponential with full jitter, capped), detects dead links with `ping` commands, and applies the
 * protocol's close-code rule (`shouldReconnect`) so terminal closes (4401, 4403, 1009…) stay closed.
 * Browser-WebSocket-shaped: works with the browser's WebSocket or the `ws` package in Node.
 */
import { CLOSE_CODES, shouldReconnect } from '../../src/protocol/close-codes.ts';

/** The part of the WebSocket API the SDK uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Reconnect and heartbeat timings. */
export interface ConnectionOptions {
  /** Full WebSocket URL, e.g. `wss://chat.example.com/ws?token=…`. */
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  /** First non-zero backoff step in ms. @default 250 */
  readonly backoffBaseMs?: number;
  /** Longest wait between reconnect attempts in ms. @default 10000 */
  readonly backoffMaxMs?: number;
  /** Send a `ping` this often while open, in ms. @default 20000 */
  readonly pingIntervalMs?: number;
  /** Close and reconnect when a ping gets no reply within this many ms. @default 10000 */
  readonly pongTimeoutMs?: number;
}

/** Why the socket closed and whether the connection will try again. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly willReconnect: boolean;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): 0 for the first, then a random value in
 * [0, min(maxMs, baseMs · 2^(attempt−1))] ("full jitter", so a fleet of clients does not reconnect in step).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

const OPEN = 1;

export class Connection {
  #socket: WebSocketLike | undefined;
  #attempt = 0;
  #stopped = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #pingSeq = 0;
  readonly #options: Required<ConnectionOptions>;

  /** Called with each text frame received. */
  onFrame: (text: string) => void = () => undefined;
  /** Called when a socket opened. */
  onOpen: () => void = () => undefined;
  /** Called when a socket closed. */
  onClose: (info: CloseInfo) => void = () => undefined;

  constructor(options: ConnectionOptions) {
    this.#options = { backoffBaseMs: 250, backoffMaxMs: 10_000, pingIntervalMs: 20_000, pongTimeoutMs: 10_000, ...options };
  }

  /** True while a socket is open. */
  get isOpen(): boolean {
    return this.#socket?.readyState === OPEN;
  }

  /** Open the socket (and keep reopening it until `close()` or a terminal close code). */
  open(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Send text if open; returns whether it was sent. */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    (this.#socket as WebSocketLike).send(text);
    return true;
  }

  /** A ping reply arrived (any frame proves liveness; the client calls this for replies to pings). */
  alive(): void {
    if (this.#pongTimer !== undefined) clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  /** Close for good. */
  close(): void {
    this.#stopped = true;
    this.#clearTimers();
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#socket?.close(CLOSE_CODES.NORMAL, 'client closed');
  }

  /**
   * Drop the current socket at once and reconnect (after a server `reconnect` push, or a ping that
   * got no answer: a dead link may never deliver a close event).
   */
  reconnect(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    socket.close(CLOSE_CODES.NORMAL, 'reconnecting');
    this.#closed(socket, CLOSE_CODES.GOING_AWAY, 'reconnecting');
  }

  #connect(): void {
    const socket = new this.#options.WebSocket(this.#options.url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#startPing();
      this.onOpen();
    };
    socket.onmessage = (event) => {
      this.alive();
      this.onFrame(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => this.#closed(socket, event.code, event.reason);
  }

  /** Handle the end of `socket` once (a close event, or a drop decided here). */
  #closed(socket: WebSocketLike, code: number, reason: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#clearTimers();
    const willReconnect = !this.#stopped && shouldReconnect(code);
    this.onClose({ code, reason, willReconnect });
    if (willReconnect) {
      const delay = backoffDelay(this.#attempt++, this.#options.backoffBaseMs, this.#options.backoffMaxMs);
      this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    }
  }

  #startPing(): void {
    this.#pingTimer = setInterval(() => {
      if (!this.send(JSON.stringify({ type: 'ping', id: `ping-${++this.#pingSeq}` }))) return;
      if (this.#pongTimer === undefined) this.#pongTimer = setTimeout(() => this.reconnect(), this.#options.pongTimeoutMs);
    }, this.#options.pingIntervalMs);
  }

  #clearTimers(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    if (this.#pongTimer !== undefined) clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
  }
}
