/**
 * The composition root (STYLE C11): `createServer(config, options?)` builds the engines (or takes
 * them, for tests), the core from the ports, the authenticators and the transports, and returns
 * `{ listen, close }`. `close` drains in reverse order: stop accepting, tell clients to reconnect,
 * close sockets, stop HTTP, flush and close the engines.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { CLOSE_CODES, ParleyError, type ReconnectPush } from './protocol/index.ts';
import type { Config } from './config.ts';
import { Chat } from './core/chat.ts';
import { Sessions } from './auth/session.ts';
import { AdminAuthenticator } from './auth/admin.ts';
import { loadSecrets } from './auth/secrets.ts';
import { Authenticators } from './auth/principal.ts';
import { Tokens } from './auth/tokens.ts';
import { Invites } from './auth/invite.ts';
import { EmbedAuthenticator } from './auth/embed-session.ts';
import { EmbedTickets } from './auth/embed-ticket.ts';
import { IntegratorJwtAuthenticator } from './auth/jwt.ts';
import { Accounts } from './auth/accounts.ts';
import { AccountSessions } from './auth/account-sessions.ts';
import { AccountAuthenticator } from './auth/account-authenticator.ts';
import { AttemptLimits } from './auth/attempt-limits.ts';
import { DeviceCookies } from './auth/device-cookie.ts';
import { Passwords } from './auth/passwords.ts';
import { SingleUse } from './core/single-use.ts';
import { buildHttpApp } from './transports/http/app.ts';
import { WebSocketTransport } from './transports/websocket.ts';
import { enginesFromConfig, type Engines } from './engines/from-config.ts';
import type { RateLimit } from './core/rate-limits.ts';
import { chooseLogFormat, createLogger, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { StaticToken } from './auth/static-token.ts';
import { SessionEnds, type SessionEnded } from './core/session-ends.ts';
import { SessionChecks } from './auth/session-checks.ts';
import { PrincipalCache } from './auth/principal-cache.ts';

/** A running (or ready to run) Parley node. */
export interface ParleyServer {
  /** Start listening on `config.http`; resolves with the base URL (e.g. `http://127.0.0.1:3000`). */
  listen(): Promise<string>;
  /** Graceful shutdown within `config.shutdownTimeoutMs`; idempotent. */
  close(): Promise<void>;
  /** The Fastify instance (for `inject` in tests). */
  readonly http: FastifyInstance;
}

/** Optional overrides: engines built by the caller (tests, several nodes on one backend) and a logger. */
export interface CreateServerOptions {
  readonly engines?: Engines;
  readonly logger?: Logger;
}

const WEB_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Build a Parley node. Throws WeakSecretError in production without strong secrets, and
 * STORE_UNAVAILABLE or BROKER_UNAVAILABLE when a configured dependency cannot be reached.
 */
export async function createServer(config: Config, options: CreateServerOptions = {}): Promise<ParleyServer> {
  const logger = options.logger ?? createLogger(config.logLevel, { format: chooseLogFormat(config.logFormat, config.env) });
  const shared: Record<string, string | undefined> = { PARLEY_JWT_SECRET: config.jwt.secret, PARLEY_METRICS_TOKEN: config.endpoints.metricsToken };
  for (const integrator of config.embed.integrators) shared[`PARLEY_EMBED_INTEGRATORS (${integrator.id})`] = integrator.secret;
  const secrets = loadSecrets({ env: config.env, dataDir: config.dataDir, adminToken: config.adminToken, sessionSecret: config.auth.sessionSecret, shared }, (message) => logger.warn(message));
  // A dependency that is down is expected to come back: its failures are warnings, anything else an error.
  const onInternalError = (err: unknown, context: string) => {
    if (err instanceof ParleyError && err.retryable && err.code !== 'INTERNAL') logger.warn({ err, context }, 'dependency unavailable');
    else logger.error({ err, context }, 'internal error');
  };
  // Created first so the engines report their commits and publishes.
  const metrics = createMetrics();
  const engines =
    options.engines ??
    (await enginesFromConfig(config, {
      onError: (err, context) => logger.warn({ err, context }, 'connection error'),
      storeCommit: (items, ms, ok) => metrics.storeCommit(items, ms, ok),
      brokerPublish: (ms, ok) => metrics.brokerPublish(ms, ok),
    }));
  // The control channel of ended sessions rides the broker; the core gets the broker with that
  // channel split off (core/session-ends.ts), and this node subscribes to it once the core is built.
  const sessionEnds = new SessionEnds(engines.broker);
  const ports = { store: engines.store, broker: sessionEnds.broker, presence: engines.presence, relayLog: engines.relayLog, counters: engines.counters };
  const chat = new Chat(ports, {
    messageMaxBytes: config.limits.messageMaxBytes,
    messagesPerMinute: config.rateLimits.messagesPerMinute,
    historyPageMax: config.limits.historyPageMax,
    resumeMaxMessages: config.limits.resumeMaxMessages,
    maxRoomsPerConnection: config.ws.maxRooms,
    maxBufferedBytes: config.ws.maxBufferedBytes,
    typingThrottleMs: config.typing.throttleMs,
    typingTtlMs: config.typing.ttlMs,
    presenceTtlMs: config.presence.ttlMs,
    presenceFlushMs: config.presence.flushMs,
    positionCheckIntervalMs: config.positionCheckIntervalMs,
    editWindowMs: config.editWindowMs,
    joinMembersMax: config.joinMembersMax,
    groupConversationMaxMembers: config.groupConversationMaxMembers,
    metrics: metrics.core,
    wordFilter: config.moderation.wordFilter,
    wordFilterMode: config.moderation.wordFilterMode,
    onInternalError,
  });
  // A failed subscription is retried by the broker when its connection is back; meanwhile the
  // periodic re-check stands in for the signal.
  await sessionEnds.start().catch((err: unknown) => onInternalError(err, 'session ended channel'));
  // Store first, then the signal: a lost signal is made up for by the periodic re-check.
  const announce = (ended: SessionEnded) => sessionEnds.announce(ended).catch((err: unknown) => onInternalError(err, 'session ended signal'));
  const sessions = new Sessions(engines.store.sessions, config.sessions.ttlMs, Date.now, announce);
  const admin = new AdminAuthenticator(secrets.adminToken);
  const tokens = new Tokens(secrets.sessionSecret);
  const singleUse = new SingleUse(engines.counters, engines.store.nonces);
  const invites = new Invites(tokens, singleUse, config.auth.inviteTtlMs);
  const embedSessions = new EmbedAuthenticator(tokens, config.embed.sessionTtlMs);
  const embedTickets = new EmbedTickets({ integrators: config.embed.integrators, sessions: embedSessions, singleUse, clockSkewMs: config.jwt.clockSkewMs });
  const accountAuth = new AccountAuthenticator(tokens);
  const accounts = {
    accounts: new Accounts(engines.store.accounts, new Passwords()),
    sessions: new AccountSessions({ tokens, accounts: engines.store.accounts, refreshTokens: engines.store.refreshTokens, ttls: config.auth, announce }),
    authenticator: accountAuth,
    limits: new AttemptLimits(engines.counters, config.auth.attempts),
    devices: new DeviceCookies(secrets.sessionSecret),
  };
  // Every way in; the first that recognises a credential decides. Opaque join-session tokens and
  // JWTs never look alike, so for presented tokens the order only matters for speed. Embed
  // sessions come first: an embed page's bearer token decides even when the browser also sends a
  // first-party Parley cookie (a same-site integrator's iframe); of two cookies, an account's
  // access cookie goes before a join session's. Integrator JWTs (when configured) recognise only
  // tokens with their integrator's issuer.
  const integratorJwt = IntegratorJwtAuthenticator.fromOptions(config.jwt);
  const auth = new Authenticators([embedSessions, accountAuth, sessions, ...(integratorJwt === undefined ? [] : [integratorJwt]), admin]);
  // WebSocket upgrades reuse resolved principals for a short while (auth/principal-cache.ts).
  const principals = new PrincipalCache((credentials) => auth.authenticate(credentials), config.sessions.cache);
  const sessionChecks = new SessionChecks(sessions, engines.store.accounts);
  let draining = false;
  const connections = (): number => chat.connectionCount;
  metrics.countConnections(connections);
  const readiness = { checks: engines.checks, draining: () => draining, connections };
  // Per client address, counted by every node together (docs/operations.md, "Limits").
  const requestLimit: RateLimit = { name: 'http', counts: 'requests', limit: config.rateLimits.httpRequests, windowMs: config.rateLimits.httpWindowMs };
  const admissionLimit: RateLimit = { name: 'http-admission', counts: 'requests to join or sign in', limit: config.rateLimits.httpAdmissions, windowMs: config.rateLimits.httpWindowMs };
  const http = await buildHttpApp({
    chat,
    readiness,
    auth,
    sessions,
    invites,
    embedTickets,
    admin,
    accounts,
    logger,
    production: config.env === 'production',
    bodyMaxBytes: config.http.bodyMaxBytes,
    webDir: WEB_DIR,
    allowedOrigins: config.allowedOrigins,
    metrics,
    endpoints: {
      metrics: config.endpoints.metrics,
      metricsToken: config.endpoints.metricsToken === undefined ? undefined : new StaticToken(config.endpoints.metricsToken),
      health: config.endpoints.health,
      docs: config.endpoints.docs,
    },
    rateLimits: { requests: requestLimit, admissions: admissionLimit },
    server: config.http,
    trustProxy: config.http.trustProxy,
  });
  const ws = new WebSocketTransport(http.server, chat, {
    path: '/ws',
    maxFrameBytes: config.ws.maxFrameBytes,
    messageMaxBytes: config.limits.messageMaxBytes,
    heartbeatIntervalMs: config.ws.heartbeatIntervalMs,
    authTimeoutMs: config.ws.authTimeoutMs,
    allowedOrigins: config.allowedOrigins,
    maxConnections: config.ws.maxConnections,
    maxConnectionsPerAddress: config.ws.maxConnectionsPerAddress,
    upgradeLimit: requestLimit,
    frameRate: config.ws.frameRate,
    compression: config.ws.compression,
    trustProxy: config.http.trustProxy,
    authenticate: (credentials) => principals.authenticate(credentials),
    onError: (err, context) => logger.debug({ err, context }, 'socket error'),
    onRefused: (status) => metrics.upgradeRefused(status),
    sessionCheck: { intervalMs: config.sessions.checkIntervalMs, ended: (list) => sessionChecks.ended(list) },
    endedSessionMemoryMs: config.auth.accessTokenTtlMs,
  });
  sessionEnds.onEnded((ended) => {
    principals.forget(ended);
    ws.endSessions(ended);
  });
  sessionEnds.onInterrupted(() => ws.recheckSessions());

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    draining = true;
    ws.stopAccepting();
    const reconnect: ReconnectPush = { type: 'reconnect', afterMs: 0 };
    chat.broadcast(JSON.stringify(reconnect));
    await ws.close(CLOSE_CODES.GOING_AWAY, 'server shutting down', Math.min(config.shutdownTimeoutMs, 5_000));
    await http.close();
    await chat.close();
    await engines.close();
  };

  return {
    http,
    async listen() {
      const address = await http.listen({ host: config.http.host, port: config.http.port});
      return address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
