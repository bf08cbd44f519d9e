/**
 * Parley's configuration: one Zod schema over the environment, validated once, frozen (STYLE C9).
 * This is the only module that reads `process.env`. Well-known names (`PORT`, `HOST`, `DATA_DIR`,
 * `DATABASE_URL`, `REDIS_URL`, `NODE_ENV`, `LOG_LEVEL`, `LOG_FORMAT`) are read as they are;
 * everything Parley-specific is `PARLEY_*`, and an unknown `PARLEY_*` variable is an error (a typo
 * must not silently fall back to a default). `docs/configuration.md` is generated from {@link SETTINGS} and {@link TEST_SETTINGS}.
 */
import { z } from 'zod';
import proxyAddr from '@fastify/proxy-addr';
import { INTEGRATOR_ID_PATTERN, isWebOrigin, WEB_ORIGIN_MESSAGE } from './protocol/index.ts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** An on/off switch: `on`, `true`, `1` or `off`, `false`, `0`. */
const toggle = (on: boolean) => z.enum(['on', 'off', 'true', 'false', '1', '0']).default(on ? 'on' : 'off').transform((v) => v === 'on' || v === 'true' || v === '1');

/** Every setting: its environment variable, schema (with default) and one-line description. */
export const SETTINGS = {
  NODE_ENV: { schema: z.enum(['development', 'production', 'test']).default('development'), doc: 'In `production`, weak or missing secrets stop the start.' },
  HOST: { schema: z.string().min(1).default('127.0.0.1'), doc: 'Interface the HTTP and WebSocket server binds to: this machine only by default; `0.0.0.0` (as the Docker image sets) for every interface.' },
  PORT: { schema: int(0, 65535).default(3000), doc: 'TCP port (0 picks a free one).' },
  DATA_DIR: { schema: z.string().min(1).default('./data'), doc: 'Directory for the SQLite database, blobs and generated secrets.' },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), doc: 'pino log level. At `info`, API requests are logged; the web UI\'s pages and files, `/docs`, the health probes and `/metrics` only at `debug` (or when they fail).' },
  LOG_FORMAT: {
    schema: z.enum(['pretty', 'json']).optional(),
    doc: 'Log lines: `json` (one JSON object per line, for log collectors) or `pretty` (one readable line each, for a terminal). Unset: `pretty` when `NODE_ENV` is `development` and standard output is a terminal, `json` otherwise.',
  },
  PARLEY_ADMIN_TOKEN: { schema: z.string().optional(), doc: 'Admin credential for `/api/v1/admin` (Bearer). At least 32 characters; generated into `DATA_DIR/secrets.json` in development when unset.' },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    doc: 'PostgreSQL store, `postgres://user:password@host:5432/database`: every node of a scaled-out deployment points at the same database. Unset: the SQLite file under `DATA_DIR`.',
  },
  PARLEY_PG_POOL_MAX: { schema: int(1, 1000).default(10), doc: 'PostgreSQL store: most connections this process opens to the database.' },
  REDIS_URL: {
    schema: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .optional(),
    doc: 'Redis for scale-out, `redis://[:password@]host:6379[/db]`: room events, presence, relay rooms, claims and rate counters are shared by every node pointing at it. Unset: in-process engines (one node).',
  },
  PARLEY_REDIS_PREFIX: { schema: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 characters of A–Z a–z 0–9 : _ . -').default('parley:'), doc: 'Prefix of every Redis key and channel Parley uses, so several deployments can share a server.' },
  PARLEY_REDIS_HEARTBEAT_MS: { schema: int(100, 60_000).default(1000), doc: 'Redis heartbeat (ms): a connection silent for two heartbeats is dropped and reconnected, and commands time out after two.' },
  PARLEY_POSITION_CHECK_INTERVAL_MS: { schema: int(100, 600_000).default(1000), doc: 'How often each node compares the rooms it serves with the store (ms); a message whose publish was lost is delivered within two intervals.' },
  PARLEY_SQLITE_SYNCHRONOUS: { schema: z.enum(['NORMAL', 'FULL']).default('FULL'), doc: 'SQLite WAL `synchronous` mode: `FULL` survives power loss, `NORMAL` survives process crashes only.' },
  PARLEY_GROUP_COMMIT_MAX_BATCH: { schema: int(1, 10_000).default(256), doc: 'Most sends written in one transaction.' },
  PARLEY_GROUP_COMMIT_WINDOW_MS: { schema: int(0, 1000).default(20), doc: 'Under load, the longest a send waits for others to share its transaction (ms); the wait also ends once 16 sends are waiting. At low load sends never wait. 0 batches only sends of the same event-loop tick.' },
  PARLEY_WS_MAX_FRAME_BYTES: { schema: int(1024, 16 * 1024 * 1024).default(64 * 1024), doc: 'Largest WebSocket frame accepted; larger closes the socket with 1009.' },
  PARLEY_WS_MAX_BUFFERED_BYTES: { schema: int(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024), doc: 'Per-socket send buffer; a slower reader is closed with 4500 and resumes by seq.' },
  PARLEY_WS_MAX_ROOMS: { schema: int(1, 10_000).default(100), doc: 'Most rooms one connection may join at once.' },
  PARLEY_HEARTBEAT_INTERVAL_MS: { schema: int(1000, 600_000).default(25_000), doc: 'WebSocket ping period; a socket silent for two periods is closed.' },
  PARLEY_HTTP_BODY_MAX_BYTES: { schema: int(1024, 64 * 1024 * 1024).default(1024 * 1024), doc: 'Largest HTTP request body.' },
  PARLEY_MESSAGE_MAX_BYTES: { schema: int(1, 1024 * 1024).default(16 * 1024), doc: 'Largest message body in UTF-8 bytes.' },
  PARLEY_HISTORY_PAGE_MAX: { schema: int(1, 500).default(100), doc: 'Largest history page.' },
  PARLEY_RESUME_MAX_MESSAGES: { schema: int(1, 100_000).default(1000), doc: 'Most timeline events replayed on a resume; a larger gap answers `resync`.' },
  PARLEY_EDIT_WINDOW_MS: { schema: int(0, 31 * 24 * 3_600_000).default(15 * 60_000), doc: 'How long after sending an author may edit a message (ms); 0 turns editing off.' },
  PARLEY_JOIN_MEMBERS_MAX: { schema: int(0, 1000).default(50), doc: 'Most members a join reply lists (online ones first); page the rest with GET /api/v1/rooms/:id/members.' },
  PARLEY_GROUP_CONVERSATION_MAX_MEMBERS: { schema: int(2, 1000).default(12), doc: 'Most members of a group conversation (issue 13), its creator included; adding one more answers `ROOM_FULL`. Direct conversations always have two.' },
  PARLEY_RELAY_BUFFER_SIZE: { schema: int(1, 100_000).default(500), doc: 'Relay rooms: timeline events kept per room for resume and history.' },
  PARLEY_RELAY_DEDUPE_WINDOW_MS: { schema: int(1000, 24 * 3600_000).default(10 * 60_000), doc: 'Relay rooms: a resend with the same `clientId` by the same sender in the same room is answered as a duplicate (the original\'s id and seq) for this long after the original was accepted (ms), whatever the buffer size; only while the room keeps its epoch (see PARLEY_RELAY_TTL_MS).' },
  PARLEY_RELAY_TTL_MS: { schema: int(1000, 30 * 24 * 3600_000).default(3600_000), doc: 'Relay rooms: state (seq, resume buffer) is forgotten after this long without an event (ms), and as soon as the last member leaves.' },
  PARLEY_TYPING_THROTTLE_MS: { schema: int(0, 60_000).default(1000), doc: 'Least time between forwarded typing starts per member and room.' },
  PARLEY_TYPING_TTL_MS: { schema: int(500, 120_000).default(5000), doc: 'How long clients show a typing indicator without renewal.' },
  PARLEY_PRESENCE_TTL_MS: { schema: int(1000, 600_000).default(60_000), doc: 'Presence entries expire this long after their last refresh.' },
  PARLEY_PRESENCE_FLUSH_MS: { schema: int(0, 10_000).default(100), doc: 'Presence changes of a room wait at least this long (ms) and go out together: one `presence` push per room per window from each node, however many members joined or left in it. The window grows with the room\'s connections on the node, to keep its pushes near 20 frames per second (10 connections: 5 × this, at most 30 ×). 0 sends each change at once.' },
  PARLEY_SESSION_TTL_MS: { schema: int(60_000, 365 * 24 * 3600_000).default(30 * 24 * 3600_000), doc: 'Lifetime of a session created by joining a room.' },
  PARLEY_SESSION_CHECK_INTERVAL_MS: { schema: int(100, 3600_000).default(60_000), doc: 'Each open socket\'s join session or account is re-checked against the store once per this period (ms), spread evenly over it, and all at once after the node\'s Redis subscription was interrupted: a logout or demotion whose cross-node signal was lost still closes its sockets (4401) within one period. Costs one store read per distinct session per period.' },
  PARLEY_AUTH_CACHE_TTL_MS: { schema: int(0, 60_000).default(10_000), doc: 'How long a node reuses a credential it resolved for WebSocket upgrades (ms), never past the credential\'s expiry; 0 turns the cache off. Ending a session drops its entries on every node.' },
  PARLEY_AUTH_CACHE_MAX_ENTRIES: { schema: int(1, 10_000_000).default(100_000), doc: 'Most credentials the principal cache of one node holds; the least recently used go first.' },
  PARLEY_SHUTDOWN_TIMEOUT_MS: { schema: int(0, 600_000).default(10_000), doc: 'Deadline for a graceful shutdown before remaining sockets are cut.' },
  PARLEY_SESSION_SECRET: { schema: z.string().optional(), doc: 'Key that signs Parley\'s own tokens (account access tokens, embed sessions, invites). At least 32 characters; generated into `DATA_DIR/secrets.json` in development when unset. Every node of a deployment needs the same one.' },
  PARLEY_ACCESS_TOKEN_TTL_MS: { schema: int(60_000, 24 * 3600_000).default(15 * 60_000), doc: 'Accounts: lifetime of an access token (the session cookie); the refresh token renews it.' },
  PARLEY_REFRESH_TOKEN_TTL_MS: { schema: int(3600_000, 365 * 24 * 3600_000).default(30 * 24 * 3600_000), doc: 'Accounts: lifetime of a refresh token family without use.' },
  PARLEY_AUTH_ATTEMPTS: { schema: int(1, 10_000).default(5), doc: 'Logins for one account name from one client address in each window before each further one must wait a delay (`PARLEY_AUTH_DELAY_MS`, doubling).' },
  PARLEY_AUTH_ADDRESS_ATTEMPTS: { schema: int(1, 100_000).default(30), doc: 'Logins (and, separately, registrations) from one client address, whatever the names, in each window before delays start.' },
  PARLEY_AUTH_ACCOUNT_ATTEMPTS: { schema: int(1, 100_000).default(30), doc: 'Logins (and registrations) for one account name from all addresses in each window before delays start. A browser that signed in to that account before (device cookie) is exempt.' },
  PARLEY_AUTH_DELAY_MS: { schema: int(100, 3600_000).default(1000), doc: 'The first delay once a login budget is spent (ms); it doubles with each further attempt, up to `PARLEY_AUTH_WINDOW_MS`. Early attempts get 429 `RATE_LIMITED` with `Retry-After`.' },
  PARLEY_AUTH_WINDOW_MS: { schema: int(1000, 24 * 3600_000).default(15 * 60_000), doc: 'The window of the login and registration budgets (ms), and the longest delay.' },
  PARLEY_JWT_SECRET: { schema: z.string().optional(), doc: 'Integrator JWTs signed with HS256: the shared secret (at least 32 characters, different from `PARLEY_SESSION_SECRET`). See docs/integrator-tokens.md.' },
  PARLEY_JWT_JWKS_URL: { schema: z.string().url().optional(), doc: 'Integrator JWTs signed with RS256, ES256 or EdDSA: the URL of the integrator\'s JSON Web Key Set (https:// in production).' },
  PARLEY_JWT_ISSUER: { schema: z.string().min(1).optional(), doc: 'Integrator JWTs: the required `iss` claim (required when integrator JWTs are enabled; `parley` is reserved for Parley\'s own tokens).' },
  PARLEY_JWT_AUDIENCE: { schema: z.string().min(1).default('parley'), doc: 'Integrator JWTs: the required `aud` claim.' },
  PARLEY_JWT_MAX_LIFETIME_MS: { schema: int(60_000, 30 * 24 * 3600_000).default(24 * 3600_000), doc: 'Integrator JWTs: the furthest `exp` accepted, from now (ms). A token expiring later (or with `exp` in milliseconds) is refused with `UNAUTHENTICATED`.' },
  PARLEY_JWT_CLOCK_SKEW_MS: { schema: int(0, 300_000).default(30_000), doc: 'Integrator JWTs and embed tickets: tolerated clock difference when checking `exp`, `nbf` and `expiresAt` (ms).' },
  PARLEY_EMBED_INTEGRATORS: {
    schema: z.string().optional(),
    doc: 'Iframe embedding: a JSON array of integrators `[{"id": "acme", "secret": "…at least 32 characters…", "allowedOrigins": ["https://app.acme.com"]}]` whose signed tickets open `/embed`.',
  },
  PARLEY_EMBED_SESSION_TTL_MS: { schema: int(60_000, 24 * 3600_000).default(3600_000), doc: 'Iframe embedding: lifetime of the session an embed ticket opens (kept in the page\'s memory, no cookie).' },
  PARLEY_INVITE_TTL_MS: { schema: int(10_000, 24 * 3600_000).default(10 * 60_000), doc: 'Lifetime of an invite token minted by a room owner or moderator; each is accepted once.' },
  PARLEY_ALLOWED_ORIGINS: { schema: z.string().optional(), doc: 'Comma list of web origins (`https://app.example.com`) besides Parley\'s own that may open WebSockets and call the API from a browser.' },
  PARLEY_WORD_FILTER: { schema: z.string().optional(), doc: 'Plaintext rooms: comma list of words or phrases the word filter acts on (whole words, case-insensitive, Unicode-aware; e2ee rooms are never filtered). Each entry at most 100 characters. Unset: no filter.' },
  PARLEY_WORD_FILTER_MODE: { schema: z.enum(['block', 'mask']).default('block'), doc: 'What a filtered word does: `block` refuses the message with `MESSAGE_REFUSED` (recorded in the audit log, never its body); `mask` replaces each matched word with asterisks.' },
  PARLEY_WS_AUTH_TIMEOUT_MS: { schema: int(100, 120_000).default(10_000), doc: 'A WebSocket opened without credentials must send an `auth` frame within this time (ms), or it is closed with 4401.' },
  PARLEY_METRICS: { schema: toggle(true), doc: 'Serve Prometheus metrics at `/metrics` (`on` or `off`).' },
  PARLEY_METRICS_TOKEN: { schema: z.string().min(32, 'must be at least 32 characters').optional(), doc: 'When set, `/metrics` answers only requests bearing `Authorization: Bearer <token>` (at least 32 characters).' },
  PARLEY_HEALTH: { schema: toggle(true), doc: 'Serve `/health`: per-dependency results, memory and connections (`on` or `off`). The probes `/live`, `/healthz` and `/ready` are always served.' },
  PARLEY_DOCS: { schema: toggle(true), doc: 'Serve the API reference at `/docs` and `/openapi.json` (`on` or `off`).' },
  // Abuse limits (docs/operations.md, "Limits").
  PARLEY_HTTP_RATE_LIMIT: { schema: int(1, 10_000_000).default(100), doc: 'HTTP requests (WebSocket upgrades included) one client address may make per `PARLEY_HTTP_RATE_WINDOW_MS`; more get 429 `RATE_LIMITED` with `Retry-After`. Probes are exempt. Counted across every node (Redis).' },
  PARLEY_HTTP_AUTH_RATE_LIMIT: { schema: int(1, 10_000_000).default(20), doc: 'Requests per window and client address to the routes that admit people (`POST /api/v1/join`, `POST /api/v1/auth/register`, `login` and `refresh`, `GET /embed`), counted instead of `PARLEY_HTTP_RATE_LIMIT`.' },
  PARLEY_HTTP_RATE_WINDOW_MS: { schema: int(1000, 24 * 3600_000).default(60_000), doc: 'The window of the HTTP rate limits (ms); it starts with a client\'s first request.' },
  PARLEY_TRUST_PROXY: { schema: z.string().optional(), doc: 'Comma list of reverse proxies (IP addresses, CIDR ranges such as `10.0.0.0/8`, or `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` names the client. The client address decides the rate limits, the per-address login and registration limits and the connection caps, and appears in logs. Unset: the socket\'s address (behind a proxy, every client then shares the proxy\'s limits).' },
  PARLEY_HTTP_HEADERS_TIMEOUT_MS: { schema: int(500, 600_000).default(10_000), doc: 'A client must send a request\'s headers within this time (ms), or its socket is closed (slow-header attacks).' },
  PARLEY_HTTP_REQUEST_TIMEOUT_MS: { schema: int(500, 3600_000).default(15_000), doc: 'A client must send a whole request, body included, within this time (ms), or it gets 408 and its socket is closed. At least `PARLEY_HTTP_HEADERS_TIMEOUT_MS`.' },
  PARLEY_HTTP_MAX_HEADER_BYTES: { schema: int(1024, 1024 * 1024).default(16 * 1024), doc: 'Largest total size of a request\'s start line and headers; larger gets 431.' },
  PARLEY_HTTP_MAX_HEADERS: { schema: int(1, 10_000).default(100), doc: 'Most headers in one request; a request with more is refused with 431.' },
  PARLEY_WS_MAX_CONNECTIONS: { schema: int(1, 10_000_000).default(100_000), doc: 'Most WebSocket connections this node holds (authenticated or still to send `auth`); further upgrades get 503.' },
  PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS: { schema: int(1, 10_000_000).default(100), doc: 'Most WebSocket connections one client address may hold on this node (counted per node, not shared); further upgrades get 429.' },
  PARLEY_WS_FRAMES_PER_SECOND: { schema: int(1, 1_000_000).default(20), doc: 'Sustained frames per second one WebSocket may send; frames beyond it and `PARLEY_WS_FRAME_BURST` are answered `RATE_LIMITED` and not processed.' },
  PARLEY_WS_FRAME_BURST: { schema: int(1, 10_000_000).default(60), doc: 'Frames one WebSocket may send at once (the size of its token bucket, refilled at `PARLEY_WS_FRAMES_PER_SECOND`).' },
  PARLEY_WS_FLOOD_FRAMES: { schema: int(1, 10_000_000).default(100), doc: 'Refused frames a WebSocket may run up (each is forgiven at `PARLEY_WS_FRAMES_PER_SECOND`) before it is closed with 4429.' },
  PARLEY_WS_COMPRESSION: { schema: z.enum(['off', 'on']).default('off'), doc: 'permessage-deflate for WebSockets: `on` trades CPU and per-socket memory for bandwidth. Inflated frames are held to `PARLEY_WS_MAX_FRAME_BYTES` (compression bombs close with 1009).' },
  PARLEY_WS_COMPRESSION_THRESHOLD_BYTES: { schema: int(0, 16 * 1024 * 1024).default(1024), doc: 'With compression on: smallest outgoing frame that is compressed.' },
  PARLEY_WS_COMPRESSION_CONCURRENCY: { schema: int(1, 1024).default(10), doc: 'With compression on: most compression and decompression jobs this process runs at once; others wait their turn.' },
  PARLEY_MESSAGES_PER_MINUTE: { schema: int(1, 1_000_000).default(30), doc: 'Messages one user may send per minute in one room, over WebSocket and HTTP alike (`RATE_LIMITED` beyond), unless the room\'s policy sets `messagesPerMinute`. Counted across every node (Redis).' },
} as const;

/**
 * Variables read by the test suite only (`test/support/services.ts`), never by the server. They are
 * known here so that a developer who exports them can still run `parley` in the same shell.
 */
export const TEST_SETTINGS = {
  PARLEY_SKIP_SERVICES: 'Comma list of services (`postgres`, `redis`) whose suites are skipped, with a message, instead of failing when the service is unreachable. CI never sets it.',
  PARLEY_TEST_DATABASE_URL: 'PostgreSQL server for the tests (default `postgres://postgres@127.0.0.1:5432/test`); every suite works in its own schema and drops it.',
  PARLEY_TEST_REDIS_URL: 'Redis server for the tests (default `redis://127.0.0.1:6379`).',
} as const;

type Settings = typeof SETTINGS;
type Env = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

const EnvSchema = z.object(Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.schema])) as { [K in keyof Settings]: Settings[K]['schema'] });

/** The validated, frozen configuration every part of Parley receives (or a slice of it). */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyMaxBytes: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly maxHeaderBytes: number;
    readonly maxHeaders: number;
    /** Reverse proxies whose `X-Forwarded-For` is believed (addresses, CIDR ranges, `loopback`…); empty: none. */
    readonly trustProxy: readonly string[];
  };
  readonly dataDir: string;
  readonly logLevel: Env['LOG_LEVEL'];
  /** `LOG_FORMAT`, or undefined to choose by `env` and whether stdout is a terminal (observability/logger.ts). */
  readonly logFormat: Env['LOG_FORMAT'];
  /** Undefined until `auth/secrets.ts` loads or generates it. */
  readonly adminToken: string | undefined;
  /** The Store engine's slice: PostgreSQL when `databaseUrl` is set, else SQLite under `dataDir`. */
  readonly store: {
    readonly databaseUrl: string | undefined;
    readonly pgPoolMax: number;
    readonly sqliteSynchronous: 'NORMAL' | 'FULL';
    readonly groupCommitMaxBatch: number; readonly groupCommitWindowMs: number;
  };
  /** Redis engines when `url` is set; in-process engines otherwise. */
  readonly redis: { readonly url: string | undefined; readonly prefix: string; readonly heartbeatMs: number };
  readonly ws: {
    readonly maxFrameBytes: number;
    readonly maxBufferedBytes: number;
    readonly maxRooms: number;
    readonly heartbeatIntervalMs: number;
    readonly authTimeoutMs: number;
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
    readonly frameRate: { readonly perSecond: number; readonly burst: number; readonly floodFrames: number };
    /** permessage-deflate, when enabled. */
    readonly compression: { readonly thresholdBytes: number; readonly concurrency: number } | undefined;
  };
  /** Counted limits shared by every node through the Counters port. */
  readonly rateLimits: { readonly httpRequests: number; readonly httpAdmissions: number; readonly httpWindowMs: number; readonly messagesPerMinute: number };
  readonly limits: { readonly messageMaxBytes: number; readonly historyPageMax: number; readonly resumeMaxMessages: number; readonly relayBufferSize: number; readonly relayTtlMs: number; readonly relayDedupeWindowMs: number };
  readonly positionCheckIntervalMs: number;
  /** How long after sending an author may edit a message, in ms. */
  readonly editWindowMs: number;
  /** Most members a join reply lists. */
  readonly joinMembersMax: number;
  /** Most members of a group conversation, its creator included. */
  readonly groupConversationMaxMembers: number;
  readonly typing: { readonly throttleMs: number; readonly ttlMs: number };
  /** Presence entries' lifetime without refresh; the window that coalesces a room's presence changes into one push (0: none). */
  readonly presence: { readonly ttlMs: number; readonly flushMs: number };
  /** Join sessions; how often open sockets' sessions are re-checked; the principal cache (ttlMs 0: off). */
  readonly sessions: { readonly ttlMs: number; readonly checkIntervalMs: number; readonly cache: { readonly ttlMs: number; readonly maxEntries: number } };
  readonly shutdownTimeoutMs: number;
  /** Parley's own tokens and accounts. `sessionSecret` is undefined until `auth/secrets.ts` loads or generates it. */
  readonly auth: {
    readonly sessionSecret: string | undefined;
    readonly accessTokenTtlMs: number;
    readonly refreshTokenTtlMs: number;
    /** Login and registration budgets (`auth/attempt-limits.ts`). */
    readonly attempts: { readonly pairAttempts: number; readonly addressAttempts: number; readonly accountAttempts: number; readonly windowMs: number; readonly delayMs: number };
    readonly inviteTtlMs: number;
  };
  /** Integrator JWTs: enabled when `secret` or `jwksUrl` is set. */
  readonly jwt: { readonly secret: string | undefined; readonly jwksUrl: string | undefined; readonly issuer: string | undefined; readonly audience: string; readonly clockSkewMs: number; readonly maxLifetimeMs: number };
  /** Iframe embedding: the integrators whose tickets open `/embed`. */
  readonly embed: { readonly integrators: readonly EmbedIntegrator[]; readonly sessionTtlMs: number };
  /** Web origins besides Parley's own allowed to open WebSockets and call the API. */
  readonly allowedOrigins: readonly string[];
  /** Operator endpoints: `/metrics` (optionally behind a bearer token), `/health`, `/docs` and `/openapi.json`. */
  readonly endpoints: { readonly metrics: boolean; readonly metricsToken: string | undefined; readonly health: boolean; readonly docs: boolean };
  /** Content moderation of plaintext rooms: the word filter's entries and what a match does. */
  readonly moderation: { readonly wordFilter: readonly string[]; readonly wordFilterMode: 'block' | 'mask' };
}

/** Thrown by {@link loadConfig}; `problems` lists every invalid or unknown setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Build the Config from environment variables (default: `process.env`). Empty strings count as unset.
 * @throws ConfigError listing every invalid value and every unknown `PARLEY_*` variable at once.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const picked: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(source)) {
    const known = Object.hasOwn(SETTINGS, key);
    if (!known && !Object.hasOwn(TEST_SETTINGS, key) && key.startsWith('PARLEY_')) problems.push(`${key}: unknown setting (see docs/configuration.md)`);
    if (known && value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  const e = (parsed.success ? parsed.data : {}) as Env;
  const integrators = parsed.success ? parseIntegrators(e.PARLEY_EMBED_INTEGRATORS, problems) : [];
  const allowedOrigins = parsed.success ? parseOrigins(e.PARLEY_ALLOWED_ORIGINS, problems) : [];
  const wordFilter = parsed.success ? parseWordFilter(e.PARLEY_WORD_FILTER, problems) : [];
  const trustProxy = parsed.success ? parseTrustProxy(e.PARLEY_TRUST_PROXY, problems) : [];
  if (parsed.success && e.PARLEY_HTTP_HEADERS_TIMEOUT_MS > e.PARLEY_HTTP_REQUEST_TIMEOUT_MS) problems.push('PARLEY_HTTP_HEADERS_TIMEOUT_MS: must not exceed PARLEY_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  if (parsed.success && (e.PARLEY_JWT_SECRET !== undefined || e.PARLEY_JWT_JWKS_URL !== undefined)) {
    if (e.PARLEY_JWT_SECRET !== undefined && e.PARLEY_JWT_JWKS_URL !== undefined) problems.push('PARLEY_JWT_SECRET and PARLEY_JWT_JWKS_URL: set one, not both');
    if (e.PARLEY_JWT_ISSUER === undefined) problems.push('PARLEY_JWT_ISSUER: required when integrator JWTs are enabled');
    if (e.PARLEY_JWT_ISSUER === 'parley' || e.PARLEY_JWT_AUDIENCE.startsWith('parley:')) problems.push('PARLEY_JWT_ISSUER and PARLEY_JWT_AUDIENCE: the issuer `parley` and audiences `parley:…` belong to Parley\'s own tokens; choose others');
    if (e.NODE_ENV === 'production' && e.PARLEY_JWT_JWKS_URL !== undefined && !e.PARLEY_JWT_JWKS_URL.startsWith('https:')) problems.push('PARLEY_JWT_JWKS_URL: must be an https:// URL in production (keys fetched over plain HTTP can be swapped in transit)');
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return deepFreeze({
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyMaxBytes: e.PARLEY_HTTP_BODY_MAX_BYTES,
      headersTimeoutMs: e.PARLEY_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.PARLEY_HTTP_REQUEST_TIMEOUT_MS,
      maxHeaderBytes: e.PARLEY_HTTP_MAX_HEADER_BYTES,
      maxHeaders: e.PARLEY_HTTP_MAX_HEADERS,
      trustProxy,
    },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    adminToken: e.PARLEY_ADMIN_TOKEN,
    store: {
      databaseUrl: e.DATABASE_URL,
      pgPoolMax: e.PARLEY_PG_POOL_MAX,
      sqliteSynchronous: e.PARLEY_SQLITE_SYNCHRONOUS,
      groupCommitMaxBatch: e.PARLEY_GROUP_COMMIT_MAX_BATCH, groupCommitWindowMs: e.PARLEY_GROUP_COMMIT_WINDOW_MS,
    },
    redis: { url: e.REDIS_URL, prefix: e.PARLEY_REDIS_PREFIX, heartbeatMs: e.PARLEY_REDIS_HEARTBEAT_MS },
    ws: {
      maxFrameBytes: e.PARLEY_WS_MAX_FRAME_BYTES,
      maxBufferedBytes: e.PARLEY_WS_MAX_BUFFERED_BYTES,
      maxRooms: e.PARLEY_WS_MAX_ROOMS,
      heartbeatIntervalMs: e.PARLEY_HEARTBEAT_INTERVAL_MS,
      authTimeoutMs: e.PARLEY_WS_AUTH_TIMEOUT_MS,
      maxConnections: e.PARLEY_WS_MAX_CONNECTIONS,
      maxConnectionsPerAddress: e.PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS,
      frameRate: { perSecond: e.PARLEY_WS_FRAMES_PER_SECOND, burst: e.PARLEY_WS_FRAME_BURST, floodFrames: e.PARLEY_WS_FLOOD_FRAMES },
      compression: e.PARLEY_WS_COMPRESSION === 'on' ? { thresholdBytes: e.PARLEY_WS_COMPRESSION_THRESHOLD_BYTES, concurrency: e.PARLEY_WS_COMPRESSION_CONCURRENCY } : undefined,
    },
    rateLimits: {
      httpRequests: e.PARLEY_HTTP_RATE_LIMIT,
      httpAdmissions: e.PARLEY_HTTP_AUTH_RATE_LIMIT,
      httpWindowMs: e.PARLEY_HTTP_RATE_WINDOW_MS,
      messagesPerMinute: e.PARLEY_MESSAGES_PER_MINUTE,
    },
    limits: {
      messageMaxBytes: e.PARLEY_MESSAGE_MAX_BYTES,
      historyPageMax: e.PARLEY_HISTORY_PAGE_MAX,
      resumeMaxMessages: e.PARLEY_RESUME_MAX_MESSAGES,
      relayBufferSize: e.PARLEY_RELAY_BUFFER_SIZE,
      relayTtlMs: e.PARLEY_RELAY_TTL_MS,
      relayDedupeWindowMs: e.PARLEY_RELAY_DEDUPE_WINDOW_MS,
    },
    positionCheckIntervalMs: e.PARLEY_POSITION_CHECK_INTERVAL_MS,
    editWindowMs: e.PARLEY_EDIT_WINDOW_MS,
    joinMembersMax: e.PARLEY_JOIN_MEMBERS_MAX,
    groupConversationMaxMembers: e.PARLEY_GROUP_CONVERSATION_MAX_MEMBERS,
    typing: { throttleMs: e.PARLEY_TYPING_THROTTLE_MS, ttlMs: e.PARLEY_TYPING_TTL_MS },
    presence: { ttlMs: e.PARLEY_PRESENCE_TTL_MS, flushMs: e.PARLEY_PRESENCE_FLUSH_MS },
    sessions: { ttlMs: e.PARLEY_SESSION_TTL_MS, checkIntervalMs: e.PARLEY_SESSION_CHECK_INTERVAL_MS, cache: { ttlMs: e.PARLEY_AUTH_CACHE_TTL_MS, maxEntries: e.PARLEY_AUTH_CACHE_MAX_ENTRIES } },
    shutdownTimeoutMs: e.PARLEY_SHUTDOWN_TIMEOUT_MS,
    auth: {
      sessionSecret: e.PARLEY_SESSION_SECRET,
      accessTokenTtlMs: e.PARLEY_ACCESS_TOKEN_TTL_MS,
      refreshTokenTtlMs: e.PARLEY_REFRESH_TOKEN_TTL_MS,
      attempts: { pairAttempts: e.PARLEY_AUTH_ATTEMPTS, addressAttempts: e.PARLEY_AUTH_ADDRESS_ATTEMPTS, accountAttempts: e.PARLEY_AUTH_ACCOUNT_ATTEMPTS, windowMs: e.PARLEY_AUTH_WINDOW_MS, delayMs: e.PARLEY_AUTH_DELAY_MS },
      inviteTtlMs: e.PARLEY_INVITE_TTL_MS,
    },
    jwt: { secret: e.PARLEY_JWT_SECRET, jwksUrl: e.PARLEY_JWT_JWKS_URL, issuer: e.PARLEY_JWT_ISSUER, audience: e.PARLEY_JWT_AUDIENCE, clockSkewMs: e.PARLEY_JWT_CLOCK_SKEW_MS, maxLifetimeMs: e.PARLEY_JWT_MAX_LIFETIME_MS },
    embed: { integrators, sessionTtlMs: e.PARLEY_EMBED_SESSION_TTL_MS },
    allowedOrigins,
    endpoints: { metrics: e.PARLEY_METRICS, metricsToken: e.PARLEY_METRICS_TOKEN, health: e.PARLEY_HEALTH, docs: e.PARLEY_DOCS },
    moderation: { wordFilter, wordFilterMode: e.PARLEY_WORD_FILTER_MODE },
  });
}

/** An integrator allowed to embed rooms with signed tickets (`PARLEY_EMBED_INTEGRATORS`). */
export interface EmbedIntegrator {
  readonly id: string;
  /** HMAC-SHA256 key of its tickets. Never log it. */
  readonly secret: string;
  /** Origins (`https://app.example.com`) that may frame `/embed` with this integrator's tickets. */
  readonly allowedOrigins: readonly string[];
}

const Origin = z.string().url().refine(isWebOrigin, WEB_ORIGIN_MESSAGE);

const Integrators = z.array(z.object({ id: z.string().regex(INTEGRATOR_ID_PATTERN), secret: z.string().min(32, 'secret must be at least 32 characters'), allowedOrigins: z.array(Origin).min(1) }).strict());

/** The integrators of `PARLEY_EMBED_INTEGRATORS` (JSON), problems reported by path (never secret values). */
function parseIntegrators(value: string | undefined, problems: string[]): EmbedIntegrator[] {
  if (value === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    problems.push('PARLEY_EMBED_INTEGRATORS: not valid JSON');
    return [];
  }
  const parsed = Integrators.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`PARLEY_EMBED_INTEGRATORS.${issue.path.join('.')}: ${issue.message}`);
    return [];
  }
  const ids = parsed.data.map((i) => i.id);
  if (new Set(ids).size !== ids.length) problems.push('PARLEY_EMBED_INTEGRATORS: integrator ids must be unique');
  return parsed.data;
}

/** The entries of a comma list, surrounding spaces and empty entries dropped. */
function commaList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** The origins of `PARLEY_ALLOWED_ORIGINS` (comma list); `*` is refused: name each origin. */
function parseOrigins(value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const origins = commaList(value);
  for (const origin of origins) {
    if (!Origin.safeParse(origin).success) problems.push(`PARLEY_ALLOWED_ORIGINS: ${JSON.stringify(origin.slice(0, 100))} is not an origin like https://app.example.com`);
  }
  return origins;
}

/** The proxies of `PARLEY_TRUST_PROXY` (comma list), each checked by the same parser that will apply it. */
function parseTrustProxy(value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const proxies = commaList(value);
  for (const proxy of proxies) {
    try {
      proxyAddr.compile(proxy);
    } catch {
      problems.push(`PARLEY_TRUST_PROXY: ${JSON.stringify(proxy.slice(0, 100))} is not an IP address, a CIDR range, or loopback, linklocal, uniquelocal`);
    }
  }
  return proxies;
}

/** Longest entry of `PARLEY_WORD_FILTER`, in characters. */
const WORD_FILTER_ENTRY_MAX = 100;

/** The entries of `PARLEY_WORD_FILTER` (comma list; surrounding spaces and empty entries dropped). */
function parseWordFilter(value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const words = commaList(value);
  // Entries are reported by position only: a filter list is not something to echo into logs.
  words.forEach((w, i) => {
    if (w.length > WORD_FILTER_ENTRY_MAX) problems.push(`PARLEY_WORD_FILTER: entry ${i + 1} is longer than ${WORD_FILTER_ENTRY_MAX} characters`);
  });
  return words;
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
