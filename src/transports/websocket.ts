/**
 * WebSocket transport at `/ws` (DESIGN.md, rules 6–8 and 10).
 * - Checks the browser's `Origin` at the upgrade, as a string: this server's own origin
 *   (`<scheme>://<Host>`) or one of `PARLEY_ALLOWED_ORIGINS`, else HTTP 403 (cross-site WebSocket
 *   hijacking).
 * - Caps connections at the upgrade (issue: abuse resistance): beyond `maxConnections` on this node
 *   → HTTP 503; beyond `maxConnectionsPerAddress` for one client address on this node → HTTP 429;
 *   and each upgrade counts as a request against the shared HTTP rate limit → 429 with
 *   `Retry-After`. Sockets still waiting for their `auth` frame count too.
 * - Authenticates at the upgrade: an invalid or malformed credential (a cookie that is not URL
 *   encoded, an empty `Authorization: Bearer`) → HTTP 401 before a socket exists. A socket
 *   opened without any credential must send an `auth` frame within `authTimeoutMs` (so a token need
 *   not travel in a URL), else it is closed with 4401.
 * - An `auth` frame later renews the credential (same user); a credential that expires unrenewed
 *   closes the socket with 4401 at its next frame or the next heartbeat sweep, whichever is first.
 * - Meters frames with a token bucket per socket (`frame-rate.ts`): a frame over the rate is answered
 *   `RATE_LIMITED` (with `retryAfterMs`) and not processed; a socket that keeps sending far over it
 *   is closed with 4429.
 * - Parses each text frame as JSON and validates it with the protocol's Zod schema; a bad frame gets
 *   an `error` (or `reply` with error) and the socket stays open. `ws` itself closes the socket on
 *   frames over `maxFrameBytes` (1009; with compression, once inflated), text that is not UTF-8
 *   (1007) and broken framing (1002), before any Parley code sees the bytes.
 * - permessage-deflate is off unless `compression` is given (no context takeover, a concurrency cap
 *   on zlib work, inflated size bounded by `maxFrameBytes`).
 * - One shared heartbeat pings every socket once per period; a socket that missed a whole period is
 *   terminated. The sweep is sliced (`core/wheel.ts`): each tick, about every 250 ms, visits one
 *   slot of the sockets, so no tick stalls the event loop for the whole population.
 * - Ending a session (`core/session-ends.ts`) closes the sockets it opened with 4401 at once
 *   (`endSessions`), and the node then refuses new sockets and renewals of that session for
 *   `endedSessionMemoryMs` (an access token still verifies until it expires); a sliced re-check
 *   against the store (`sessionCheck`) closes those whose signal was lost, each socket checked
 *   once per `sessionCheck.intervalMs`.
 * - Every socket `error` is handled; nothing a client sends can end the process.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { CLIENT_FRAMES, CLOSE_CODES, PROTOCOL_VERSION, ParleyError, validationError, type AuthCommand, type AuthResult, type ClientFrame, type WelcomePush, type WireLimits } from '../protocol/index.ts';
import type { Chat } from '../core/chat.ts';
import type { Peer } from '../core/ports/peer.ts';
import type { Principal } from '../core/principal.ts';
import type { Credentials } from '../auth/principal.ts';
import { retryAfterSeconds, type RateLimit } from '../core/rate-limits.ts';
import { credentialsFromHeaders } from './credentials.ts';
import { clientAddressOf, limitSubject, protocolOf, type ClientAddressOf, type ProtocolOf } from './client-address.ts';
import { FrameBucket, type FrameRate } from './frame-rate.ts';
import { Wheel, wheelTiming } from '../core/wheel.ts';
import { EndedSessions, endsPrincipal, type SessionEnded } from '../core/session-ends.ts';

/** Options of {@link WebSocketTransport}, in the units their names carry. */
export interface WebSocketOptions {
  readonly path: string;
  readonly maxFrameBytes: number;
  /** Largest message body in UTF-8 bytes (PARLEY_MESSAGE_MAX_BYTES), told to clients in the welcome. */
  readonly messageMaxBytes: number;
  readonly heartbeatIntervalMs: number;
  /** How long a socket opened without credentials may take to send its `auth` frame (PARLEY_WS_AUTH_TIMEOUT_MS). */
  readonly authTimeoutMs: number;
  /** Browser origins besides this server's own host allowed to open sockets (PARLEY_ALLOWED_ORIGINS). */
  readonly allowedOrigins: readonly string[];
  /** Most sockets on this node (PARLEY_WS_MAX_CONNECTIONS); beyond it upgrades get 503. */
  readonly maxConnections: number;
  /** Most sockets of one client address on this node (PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS); beyond it upgrades get 429. */
  readonly maxConnectionsPerAddress: number;
  /** The shared per-address request limit each upgrade counts against (PARLEY_HTTP_RATE_LIMIT). */
  readonly upgradeLimit: RateLimit;
  /** Frame token bucket of every socket (PARLEY_WS_FRAMES_PER_SECOND, _FRAME_BURST, _FLOOD_FRAMES). */
  readonly frameRate: FrameRate;
  /** permessage-deflate (PARLEY_WS_COMPRESSION=on), or undefined for off. */
  readonly compression: { readonly thresholdBytes: number; readonly concurrency: number } | undefined;
  /** Reverse proxies whose `X-Forwarded-For` names the client address (PARLEY_TRUST_PROXY). */
  readonly trustProxy: readonly string[];
  readonly authenticate: (credentials: Credentials) => Promise<Principal | undefined>;
  readonly onError: (err: unknown, context: string) => void;
  /** Told of each upgrade refused, with its HTTP status (metrics). */
  readonly onRefused?: (status: number) => void;
  /**
   * The periodic re-check of open sockets' sessions (PARLEY_SESSION_CHECK_INTERVAL_MS): `ended`
   * answers which of the principals given have lost their session. Omitted: no re-check.
   */
  readonly sessionCheck?: { readonly intervalMs: number; readonly ended: (principals: readonly Principal[]) => Promise<Set<Principal>> };
  /**
   * How long this node refuses sockets of a session it heard end (ms): as long as the longest-lived
   * credential that verifies without the store (PARLEY_ACCESS_TOKEN_TTL_MS). @default 900000
   */
  readonly endedSessionMemoryMs?: number;
}

/** Send options: Buffers carry JSON text too, so every frame goes out as a text frame. */
const TEXT = { binary: false } as const;

/** A `ws` socket as a core Peer. */
class WsPeer implements Peer {
  readonly id = randomUUID();
  alive = true;
  readonly frames: FrameBucket;
  #corked = false;
  #bufferedAtCork = 0;

  constructor(
    readonly socket: WebSocket,
    /** Replaced when the client renews its credential with an `auth` frame. */
    public principal: Principal,
    frameRate: FrameRate,
  ) {
    this.frames = new FrameBucket(frameRate, Date.now());
  }

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
  /** The same peers, sliced for the heartbeat and for the session re-check. */
  readonly #heartbeatWheel: Wheel<WsPeer>;
  readonly #checkWheel: Wheel<WsPeer>;
  readonly #sessionCheck: NodeJS.Timeout | undefined;
  #checking = false;
  /** Slots still to check at once after the broker was interrupted. */
  #catchUp = 0;
  #catchingUp = false;
  /**
   * Sessions this node heard end: a credential of one (an access token still verifies until it
   * expires), or one resolved just before the signal, opens or renews no socket after it.
   */
  readonly #ended: EndedSessions;
  /** Sockets opened without credentials, and when their `auth` frame is due (Unix ms). */
  readonly #pending = new Map<WebSocket, number>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #authSweep: NodeJS.Timeout;
  readonly #clientAddress: ClientAddressOf;
  readonly #protocol: ProtocolOf;
  /** What every welcome tells the client to keep to. */
  readonly #limits: WireLimits;
  /** Open sockets (upgrading, awaiting `auth`, or served) on this node, in all and per address subject. */
  #connections = 0;
  readonly #perAddress = new Map<string, number>();
  #accepting = true;

  constructor(
    private readonly server: Server,
    private readonly chat: Chat,
    private readonly options: WebSocketOptions,
  ) {
    const { compression } = options;
    // With compression, `maxPayload` bounds the inflated size (ws stops inflating past it: 1009).
    // No context takeover: no per-socket window kept between messages.
    const perMessageDeflate = compression === undefined ? false : { threshold: compression.thresholdBytes, concurrencyLimit: compression.concurrency, serverNoContextTakeover: true, clientNoContextTakeover: true };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate, clientTracking: false });
    this.#clientAddress = clientAddressOf(options.trustProxy);
    this.#ended = new EndedSessions(options.endedSessionMemoryMs ?? 15 * 60_000);
    this.#protocol = protocolOf(options.trustProxy);
    this.#limits = { messageMaxBytes: options.messageMaxBytes, frameMaxBytes: options.maxFrameBytes };
    server.on('upgrade', this.#onUpgrade);
    const beat = wheelTiming(options.heartbeatIntervalMs);
    this.#heartbeatWheel = new Wheel(beat.slots);
    this.#heartbeat = setInterval(() => this.#sweep(), beat.tickMs);
    this.#heartbeat.unref();
    const check = options.sessionCheck === undefined ? undefined : wheelTiming(options.sessionCheck.intervalMs);
    this.#checkWheel = new Wheel(check?.slots ?? 1);
    this.#sessionCheck = check === undefined ? undefined : setInterval(() => void this.#checkSessions(), check.tickMs);
    this.#sessionCheck?.unref();
    // One shared check of auth deadlines, never a timer per socket.
    this.#authSweep = setInterval(() => this.#sweepPending(), Math.min(1000, Math.max(50, Math.floor(options.authTimeoutMs / 4))));
    this.#authSweep.unref();
  }

  /** Stop accepting upgrades (draining). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Close every socket with `code` and stop the heartbeat. Resolves when all have closed or `deadlineMs` passed. */
  async close(code: number, reason: string, deadlineMs: number): Promise<void> {
    this.#accepting = false;
    clearInterval(this.#heartbeat);
    clearInterval(this.#authSweep);
    clearInterval(this.#sessionCheck);
    this.server.off('upgrade', this.#onUpgrade);
    for (const socket of this.#pending.keys()) socket.terminate();
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

  /** The one `error` listener of each opened socket, whether it authenticated at the upgrade or with an `auth` frame. */
  readonly #onWebSocketError = (err: Error): void => this.options.onError(err, 'websocket');

  #refuse(socket: Duplex, status: number, reason: string, headers?: Record<string, string>): void {
    this.options.onRefused?.(status);
    refuse(socket, status, reason, headers);
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', this.#onSocketError);
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== this.options.path) return this.#refuse(socket, 404, 'Not Found');
    if (!this.#accepting) return this.#refuse(socket, 503, 'Service Unavailable');
    if (!originAllowed(req.headers.origin, ownOrigin(this.#protocol(req), req.headers.host), this.options.allowedOrigins)) return this.#refuse(socket, 403, 'Forbidden');
    if (this.#connections >= this.options.maxConnections) return this.#refuse(socket, 503, 'Service Unavailable');
    const subject = limitSubject(this.#clientAddress(req));
    if ((this.#perAddress.get(subject) ?? 0) >= this.options.maxConnectionsPerAddress) return this.#refuse(socket, 429, 'Too Many Requests');
    this.#hold(socket, subject);
    this.#admit(req, socket, head, subject).catch((err: unknown) => {
      if (err instanceof ParleyError && err.code === 'RATE_LIMITED') {
        const retryAfterMs = Number(err.details?.retryAfterMs ?? 1000);
        return this.#refuse(socket, 429, 'Too Many Requests', { 'Retry-After': String(retryAfterSeconds(retryAfterMs)) });
      }
      // An authenticator that explains its refusal (e.g. a JWT living too long) still means 401.
      if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return this.#refuse(socket, 401, 'Unauthorized');
      this.options.onError(err, 'websocket authentication');
      this.#refuse(socket, 503, 'Service Unavailable');
    });
  };

  /** Count the socket until it closes, in all and for its address subject. */
  #hold(socket: Duplex, subject: string): void {
    this.#connections += 1;
    this.#perAddress.set(subject, (this.#perAddress.get(subject) ?? 0) + 1);
    socket.once('close', () => {
      this.#connections -= 1;
      const left = (this.#perAddress.get(subject) ?? 1) - 1;
      if (left > 0) this.#perAddress.set(subject, left);
      else this.#perAddress.delete(subject);
    });
  }

  /** Count the upgrade against the request limit, then authenticate it. Rejects with RATE_LIMITED, or what authentication threw. */
  async #admit(req: IncomingMessage, socket: Duplex, head: Buffer, subject: string): Promise<void> {
    await this.chat.rateLimits.take(this.options.upgradeLimit, subject);
    if (socket.destroyed) return;
    const credentials = credentialsFromHeaders(req.headers, req.url);
    if (credentials.malformed === true) return this.#refuse(socket, 401, 'Unauthorized');
    if (credentials.cookie === undefined && credentials.accessCookie === undefined && credentials.bearer === undefined && credentials.queryToken === undefined) {
      // No credential at the upgrade: the first frame must be `auth`.
      return this.#wss.handleUpgrade(req, socket, head, (ws) => this.#awaitAuth(ws));
    }
    const principal = await this.#principalOf(credentials);
    if (principal === undefined) return this.#refuse(socket, 401, 'Unauthorized');
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', this.#onWebSocketError);
      this.#accept(ws, principal);
    });
  }

  /** A socket opened without credentials: only an `auth` frame, before the deadline, lets it in. */
  #awaitAuth(socket: WebSocket): void {
    this.#pending.set(socket, Date.now() + this.options.authTimeoutMs);
    socket.on('error', this.#onWebSocketError);
    socket.once('close', () => this.#pending.delete(socket));
    socket.once('message', (data: RawData, isBinary: boolean) => {
      const frame = parseFrame(data, isBinary);
      if (frame instanceof ParleyError || frame.type !== 'auth') return socket.close(CLOSE_CODES.UNAUTHENTICATED, 'authenticate first: send an auth frame');
      this.#principalOf({ bearer: frame.token })
        .then((principal) => {
          if (!this.#pending.delete(socket) || socket.readyState !== socket.OPEN) return;
          if (principal === undefined) return socket.close(CLOSE_CODES.UNAUTHENTICATED, 'invalid or expired credential');
          this.#accept(socket, principal, (peer) => replyToAuth(peer, frame, principal));
        })
        .catch((err: unknown) => {
          if (!this.#pending.delete(socket) || socket.readyState !== socket.OPEN) return;
          if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return socket.close(CLOSE_CODES.UNAUTHENTICATED, 'invalid or expired credential');
          this.options.onError(err, 'websocket authentication');
          socket.close(CLOSE_CODES.INTERNAL, 'authentication failed');
        });
    });
  }

  /** Serve an authenticated socket (its `error` listener already on); `beforeWelcome` writes what must precede the welcome push. */
  #accept(socket: WebSocket, principal: Principal, beforeWelcome?: (peer: WsPeer) => void): void {
    if (this.#ended.ends(principal)) return void socket.close(CLOSE_CODES.UNAUTHENTICATED, 'session ended: sign in again');
    const peer = new WsPeer(socket, principal, this.options.frameRate);
    this.#peers.add(peer);
    this.#heartbeatWheel.add(peer);
    this.#checkWheel.add(peer);
    const connection = this.chat.open(peer);
    socket.on('pong', () => (peer.alive = true));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      // Frames still arriving after a close began (e.g. from a flood) are not served.
      if (socket.readyState !== socket.OPEN) return;
      peer.alive = true;
      const verdict = peer.frames.take(Date.now());
      if (verdict.kind === 'flood') return peer.close(CLOSE_CODES.FLOOD, 'flooding: too many frames over the rate limit');
      if (verdict.kind === 'refuse') {
        const { perSecond, burst } = this.options.frameRate;
        const error = new ParleyError('RATE_LIMITED', `Too many frames: at most ${perSecond} per second (bursts of ${burst}); this one was not processed`, { details: { retryAfterMs: verdict.retryAfterMs } });
        return this.chat.fail(peer, frameId(data, isBinary), error, 'frame rate');
      }
      if (isExpired(peer.principal)) return peer.close(CLOSE_CODES.UNAUTHENTICATED, 'credential expired: reconnect with a fresh one');
      const frame = parseFrame(data, isBinary);
      if (frame instanceof ParleyError) return this.chat.fail(peer, frameId(data, isBinary), frame, 'parse');
      if (frame.type === 'auth') return void this.#renew(peer, frame);
      void this.chat.handle(connection, frame);
    });
    socket.on('close', () => {
      this.#peers.delete(peer);
      this.#heartbeatWheel.delete(peer);
      this.#checkWheel.delete(peer);
      this.chat.disconnect(connection).catch((err: unknown) => this.options.onError(err, 'disconnect'));
    });
    beforeWelcome?.(peer);
    const welcome: WelcomePush = {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      connectionId: peer.id,
      user: { id: principal.userId, name: principal.name },
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      limits: this.#limits,
    };
    peer.send(JSON.stringify(welcome));
  }

  /** An `auth` frame on an authenticated socket: a fresh credential for the same user extends it. */
  async #renew(peer: WsPeer, frame: AuthCommand): Promise<void> {
    try {
      const principal = await this.#principalOf({ bearer: frame.token });
      if (principal === undefined) throw new ParleyError('UNAUTHENTICATED', 'The credential is not valid or has expired');
      if (principal.userId !== peer.principal.userId) throw new ParleyError('FORBIDDEN', 'A socket keeps its user: this credential is for another one');
      peer.principal = principal;
      replyToAuth(peer, frame, principal);
    } catch (err) {
      this.chat.fail(peer, frame.id, err, 'auth');
    }
  }

  /** The principal `credentials` authenticate, or undefined when they are invalid, already expired, or of a session this node heard end. */
  async #principalOf(credentials: Credentials): Promise<Principal | undefined> {
    const principal = await this.options.authenticate(credentials);
    return principal === undefined || isExpired(principal) || this.#ended.ends(principal) ? undefined : principal;
  }

  /**
   * Close with 4401 every socket on this node whose principal `ended` ends (the `session_ended`
   * signal, `core/session-ends.ts`). Returns how many were closed.
   */
  endSessions(ended: SessionEnded): number {
    this.#ended.remember(ended);
    let closed = 0;
    for (const peer of this.#peers) {
      if (!endsPrincipal(ended, peer.principal)) continue;
      peer.close(CLOSE_CODES.UNAUTHENTICATED, 'session ended: sign in again');
      closed += 1;
    }
    return closed;
  }

  /**
   * Check every socket's session against the store now, one slot after another (about 10 ms
   * apart), as after a broker interruption that may have lost `session_ended` signals.
   */
  recheckSessions(): void {
    if (this.options.sessionCheck === undefined) return;
    this.#catchUp = this.#checkWheel.slots;
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    void (async () => {
      try {
        while (this.#catchUp > 0) {
          this.#catchUp -= 1;
          await this.#checkSessions();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        this.#catchingUp = false;
      }
    })();
  }

  /** One tick of the session re-check: the next slot's sockets with a session, against the store. While one runs, the wheel waits (its slot comes up at a later tick). */
  async #checkSessions(): Promise<void> {
    const check = this.options.sessionCheck;
    if (check === undefined || this.#checking) return;
    const slot = this.#checkWheel.turn();
    const peers = slot.filter((peer) => peer.principal.session !== undefined);
    if (peers.length === 0) return;
    this.#checking = true;
    try {
      const ended = await check.ended(peers.map((peer) => peer.principal));
      for (const peer of peers) if (ended.has(peer.principal)) peer.close(CLOSE_CODES.UNAUTHENTICATED, 'session ended: sign in again');
    } catch (err) {
      this.options.onError(err, 'session check');
    } finally {
      this.#checking = false;
    }
  }

  /** One tick of the heartbeat: the sockets of one slot of the wheel (each socket comes up once per period). */
  #sweep(): void {
    for (const peer of this.#heartbeatWheel.turn()) {
      if (isExpired(peer.principal)) {
        peer.close(CLOSE_CODES.UNAUTHENTICATED, 'credential expired: reconnect with a fresh one');
        continue;
      }
      if (!peer.alive) {
        peer.close(CLOSE_CODES.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
        peer.socket.terminate();
        continue;
      }
      peer.alive = false;
      peer.socket.ping();
    }
  }

  #sweepPending(): void {
    const now = Date.now();
    for (const [socket, dueAt] of this.#pending) {
      if (dueAt > now) continue;
      this.#pending.delete(socket);
      socket.close(CLOSE_CODES.UNAUTHENTICATED, 'no auth frame in time');
    }
  }
}

/** Whether a principal's credential has expired. */
function isExpired(principal: Principal): boolean {
  return principal.expiresAt !== undefined && principal.expiresAt <= Date.now();
}

/** Answer an `auth` frame that has an `id` with the user it authenticated and, if any, when that credential expires. */
function replyToAuth(peer: Peer, frame: AuthCommand, principal: Principal): void {
  if (frame.id === undefined) return;
  // JSON leaves `expiresAt` out when the credential does not expire.
  const result: AuthResult = { user: { id: principal.userId, name: principal.name }, expiresAt: principal.expiresAt };
  peer.send(JSON.stringify({ type: 'reply', id: frame.id, result }));
}

/**
 * Cross-site WebSocket hijacking defence (DESIGN.md rule 8): a browser upgrade (it always sends
 * `Origin`) is accepted only when its `Origin` is, character for character, this server's own
 * origin or a configured one (serialised: scheme, host, port). Nothing is parsed or normalised, so
 * another scheme on this host and port (`ws://`, `ftp://`, `https://` on a plain-HTTP server) and
 * other spellings of the host (`127.1`, `0x7f.0.0.1`, `2130706433`) are refused. Clients that send
 * no `Origin` (servers, apps) are not browsers acting for another site, and pass.
 */
function originAllowed(origin: string | undefined, own: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  return origin === own || allowed.includes(origin);
}

/**
 * This server's origin as a browser serialises it: `<scheme>://<Host header>`, the host lowercased
 * and the scheme's default port (80, 443) left out; undefined without a `Host` header.
 */
function ownOrigin(scheme: 'http' | 'https', host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const defaultPort = scheme === 'https' ? ':443' : ':80';
  const lower = host.toLowerCase();
  return `${scheme}://${lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower}`;
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

/**
 * Answer an upgrade with an HTTP error (and `headers`) instead of a socket, and close it once the
 * answer is written: a client that keeps its half open must not keep its place in the counts.
 */
function refuse(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) return void socket.destroy();
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}
