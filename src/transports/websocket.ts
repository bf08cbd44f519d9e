/**
 * WebSocket transport at `/ws` (DESIGN.md, rules 6–8 and 10).
 * - Authenticates at the upgrade: no valid credential → HTTP 401 before a socket exists.
 * - Parses each text frame as JSON and validates it with the protocol's Zod schema; a bad frame gets
 *   an `error` (or `reply` with error) and the socket stays open. Frames over
 *   `maxFrameBytes` close the socket with 1009 (enforced by `ws` itself).
 * - One shared heartbeat sweep pings every socket; a socket that missed a whole period is terminated.
 * - Every socket `error` is handled; nothing a client sends can end the process.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { CLIENT_FRAMES, CLOSE_CODES, PROTOCOL_VERSION, ParleyError, validationError, type ClientFrame, type WelcomePush } from '../protocol/index.ts';
import type { Chat } from '../core/chat.ts';
import type { Peer } from '../core/ports/peer.ts';
import type { Principal } from '../core/principal.ts';
import type { Credentials } from '../auth/principal.ts';
import { credentialsFromHeaders } from './credentials.ts';

/** Options of {@link WebSocketTransport}, in the units their names carry. */
export interface WebSocketOptions {
  readonly path: string;
  readonly maxFrameBytes: number;
  readonly heartbeatIntervalMs: number;
  readonly authenticate: (credentials: Credentials) => Promise<Principal | undefined>;
  readonly onError: (err: unknown, context: string) => void;
}

/** Send options: Buffers carry JSON text too, so every frame goes out as a text frame. */
const TEXT = { binary: false } as const;

/** A `ws` socket as a core Peer. */
class WsPeer implements Peer {
  readonly id = randomUUID();
  alive = true;
  #corked = false;
  #bufferedAtCork = 0;

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
  ) {}

  send(frame: string | Buffer, onWritten?: () => void): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame, TEXT, onWritten === undefined ? undefined : () => onWritten());
    else if (onWritten !== undefined) queueMicrotask(onWritten);
  }

  coalesce(): void {
    if (this.#corked || this.socket.readyState !== this.socket.OPEN) return;
    const tcp = (this.socket as unknown as { _socket: Duplex })._socket;
    this.#corked = true;
    this.#bufferedAtCork = this.socket.bufferedAmount;
    tcp.cork();
    // nextTick runs once the current callbacks and the microtasks they queued are done.
    process.nextTick(() => {
      this.#corked = false;
      tcp.uncork();
    });
  }

  /** While corked, what was waiting for the network before: held frames are not a slow reader's backlog. */
  get bufferedBytes(): number {
    return this.#corked ? this.#bufferedAtCork : this.socket.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason);
  }
}

export class WebSocketTransport {
  readonly #wss: WebSocketServer;
  readonly #peers = new Set<WsPeer>();
  readonly #heartbeat: NodeJS.Timeout;
  #accepting = true;

  constructor(
    private readonly server: Server,
    private readonly chat: Chat,
    private readonly options: WebSocketOptions,
  ) {
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    server.on('upgrade', this.#onUpgrade);
    this.#heartbeat = setInterval(() => this.#sweep(), options.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Stop accepting upgrades (draining). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Close every socket with `code` and stop the heartbeat. Resolves when all have closed or `deadlineMs` passed. */
  async close(code: number, reason: string, deadlineMs: number): Promise<void> {
    this.#accepting = false;
    clearInterval(this.#heartbeat);
    this.server.off('upgrade', this.#onUpgrade);
    const closed = [...this.#peers].map((peer) => new Promise<void>((resolve) => {
      if (peer.socket.readyState === peer.socket.CLOSED) return resolve();
      peer.socket.once('close', () => resolve());
      peer.close(code, reason);
    }));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
    await Promise.race([Promise.all(closed), deadline]);
    for (const peer of this.#peers) peer.socket.terminate();
    this.#wss.close();
  }

  /** Shared by every upgrading socket; a closure made inside `#onUpgrade` would keep its request alive as long as the socket. */
  readonly #onSocketError = (err: Error): void => this.options.onError(err, 'upgrade socket');

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', this.#onSocketError);
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== this.options.path) return refuse(socket, 404, 'Not Found');
    if (!this.#accepting) return refuse(socket, 503, 'Service Unavailable');
    this.options
      .authenticate(credentialsFromHeaders(req.headers, req.url))
      .then((principal) => {
        if (principal === undefined) return refuse(socket, 401, 'Unauthorized');
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, principal));
      })
      .catch((err: unknown) => {
        this.options.onError(err, 'websocket authentication');
        refuse(socket, 503, 'Service Unavailable');
      });
  };

  #accept(socket: WebSocket, principal: Principal): void {
    const peer = new WsPeer(socket, principal);
    this.#peers.add(peer);
    const connection = this.chat.open(peer);
    socket.on('error', (err) => this.options.onError(err, 'websocket'));
    socket.on('pong', () => (peer.alive = true));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      peer.alive = true;
      const frame = parseFrame(data, isBinary);
      if (frame instanceof ParleyError) return this.chat.fail(peer, frameId(data, isBinary), frame, 'parse');
      void this.chat.handle(connection, frame);
    });
    socket.on('close', () => {
      this.#peers.delete(peer);
      this.chat.disconnect(connection).catch((err: unknown) => this.options.onError(err, 'disconnect'));
    });
    const welcome: WelcomePush = {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      connectionId: peer.id,
      user: { id: principal.userId, name: principal.name },
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
    };
    peer.send(JSON.stringify(welcome));
  }

  #sweep(): void {
    for (const peer of this.#peers) {
      if (!peer.alive) {
        peer.close(CLOSE_CODES.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
        peer.socket.terminate();
        continue;
      }
      peer.alive = false;
      peer.socket.ping();
    }
  }
}

/** Parse and validate one frame; a ParleyError describes what is wrong with it. */
function parseFrame(data: RawData, isBinary: boolean): ClientFrame | ParleyError {
  if (isBinary) return new ParleyError('MALFORMED_FRAME', 'Binary frames are not accepted; send JSON text');
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return new ParleyError('MALFORMED_FRAME', 'The frame is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return new ParleyError('MALFORMED_FRAME', 'A frame must be a JSON object');
  const type = (value as { type?: unknown }).type;
  const schema = typeof type === 'string' && Object.hasOwn(CLIENT_FRAMES, type) ? CLIENT_FRAMES[type as keyof typeof CLIENT_FRAMES] : undefined;
  if (schema === undefined) return new ParleyError('UNKNOWN_FRAME_TYPE', `Unknown frame type ${JSON.stringify(String(type)).slice(0, 80)}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) return validationError(parsed.error.issues);
  return parsed.data as ClientFrame;
}

/** The `id` of a frame that failed validation, when it has a usable one, so the error can be a reply. */
function frameId(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    const id = (JSON.parse(data.toString()) as { id?: unknown }).id;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}
