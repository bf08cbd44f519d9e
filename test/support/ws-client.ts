/**
 * A raw-wire WebSocket client for tests: speaks the protocol with a bare `ws` socket, records every
 * frame received, and waits for frames by predicate (never by sleeping). Keeps the protocol pinned
 * independently of the SDK (STYLE C13).
 */
import WebSocket from 'ws';
import type { MessageEvent, TimelineEvent } from '../../src/protocol/index.ts';

/** Any server frame, loosely typed for assertions. */
export type Frame = { type: string; id?: string; [key: string]: unknown };

export class RawClient implements AsyncDisposable {
  readonly frames: Frame[] = [];
  #waiters: Array<{ test: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }> = [];
  #seq = 0;
  closeEvent: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      const index = this.frames.length - 1;
      this.#waiters = this.#waiters.filter((w) => {
        if (index >= w.from && w.test(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    this.closeEvent = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connect with `?token=` (or raw headers) and wait for the `welcome` push. */
  static async connect(wsUrl: string, token?: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = new WebSocket(token === undefined ? wsUrl : `${wsUrl}?token=${encodeURIComponent(token)}`, { headers });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next((f) => f.type === 'welcome');
    return client;
  }

  /**
   * Connect without credentials and authenticate with a first `auth` frame; resolves once the
   * reply and the `welcome` arrived (`frames[0]` is the reply), rejects with the close code if the
   * server closes instead.
   */
  static async connectWithAuthFrame(wsUrl: string, token: string): Promise<RawClient> {
    const socket = new WebSocket(wsUrl);
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    client.send({ type: 'auth', id: 'auth', token });
    const closed = client.closeEvent.then(({ code }) => Promise.reject(new Error(`closed with ${code}`)));
    await Promise.race([client.next((f) => f.type === 'welcome'), closed]);
    return client;
  }

  /** Send a frame (object → JSON, string → as is). */
  send(frame: object | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Send a command with a fresh id (unless it has one) and resolve with its reply. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const id = (frame.id as string | undefined) ?? `r${++this.#seq}`;
    const reply = this.next((f) => f.type === 'reply' && f.id === id, timeoutMs, this.frames.length);
    this.send({ ...frame, id });
    return reply;
  }

  /** Resolve with the first frame matching `test`, looking at frames already received too. */
  next(test: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    for (let i = from; i < this.frames.length; i++) {
      const frame = this.frames[i] as Frame;
      if (test(frame)) return Promise.resolve(frame);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for a frame; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.#waiters.push({
        test,
        from,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Frames received after index `from` that match `test`. */
  after(from: number, test: (f: Frame) => boolean): Frame[] {
    return this.frames.slice(from).filter(test);
  }

  /** Timeline event pushes (for the room), in arrival order. */
  events(roomId?: string): TimelineEvent[] {
    return this.frames
      .filter((f) => f.type === 'event' && (roomId === undefined || (f.event as TimelineEvent).roomId === roomId))
      .map((f) => f.event as TimelineEvent);
  }

  /** `message` events (for the room), in arrival order. */
  messages(roomId?: string): MessageEvent[] {
    return this.events(roomId).filter((e): e is MessageEvent => e.type === 'message');
  }

  /** Wait until `count` message events (for the room) have arrived. */
  async waitForMessages(count: number, roomId?: string, timeoutMs = 10_000): Promise<void> {
    await this.#waitFor(() => this.messages(roomId).length, count, 'messages', timeoutMs);
  }

  /** Wait until `count` timeline events of any type (for the room) have arrived. */
  async waitForEvents(count: number, roomId?: string, timeoutMs = 10_000): Promise<void> {
    await this.#waitFor(() => this.events(roomId).length, count, 'events', timeoutMs);
  }

  async #waitFor(counted: () => number, count: number, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (counted() < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} ${what}, got ${counted()}`);
      await this.next((f) => f.type === 'event', Math.max(1, deadline - Date.now()), this.frames.length).catch(() => undefined);
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
    return this.closeEvent;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close().then(() => undefined);
  }
}

/** HTTP status of a WebSocket upgrade to `url` (101 when it opens; the socket is then closed). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', reject);
  });
}

/**
 * Close code of a socket opened to `wsUrl` without credentials that sends `first` (object → JSON,
 * string → as is; nothing when omitted); rejects if a frame arrives instead of the close.
 */
export function closeCodeAfter(wsUrl: string, first?: object | string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl);
    socket.once('open', () => first !== undefined && socket.send(typeof first === 'string' ? first : JSON.stringify(first)));
    socket.once('message', (data) => {
      socket.close();
      reject(new Error(`expected a close, got ${data.toString()}`));
    });
    socket.once('close', (code) => resolve(code));
    socket.once('error', reject);
  });
}

/** The error a `reply` or an `error` push carries. */
export type FrameError = { code: string; details?: Record<string, unknown> };

/** The error `frame` carries, if it is a `reply` with `error` or an `error` push. */
export function errorOf(frame: Frame): FrameError | undefined {
  return (frame.type === 'reply' || frame.type === 'error') && frame.error !== undefined ? (frame.error as FrameError) : undefined;
}
