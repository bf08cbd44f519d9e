/**
 * What the HTTP plugins are given: {@link HttpDeps}, built once in `server.ts` and passed by
 * `app.ts` to every route plugin. Its own module so that plugins never import `app.ts` (which
 * imports them).
 */
import type { Chat } from '../../core/chat.ts';
import type { Sessions } from '../../auth/session.ts';
import type { Authenticator } from '../../auth/principal.ts';
import type { Invites } from '../../auth/invite.ts';
import type { AdminAuthenticator } from '../../auth/admin.ts';
import type { EmbedTickets } from '../../auth/embed-ticket.ts';
import type { Accounts } from '../../auth/accounts.ts';
import type { AccountSessions } from '../../auth/account-sessions.ts';
import type { AccountAuthenticator } from '../../auth/account-authenticator.ts';
import type { AttemptLimits } from '../../auth/attempt-limits.ts';
import type { DeviceCookies } from '../../auth/device-cookie.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ParleyMetrics } from '../../observability/metrics.ts';
import type { StaticToken } from '../../auth/static-token.ts';
import type { Readiness } from './health.ts';
import type { HttpRateLimits } from './rate-limit.ts';

/** What the account routes need, built in `server.ts`. */
export interface AccountServices {
  readonly accounts: Accounts;
  readonly sessions: AccountSessions;
  readonly authenticator: AccountAuthenticator;
  readonly limits: AttemptLimits;
  /** Signs and reads the device cookie that exempts a known browser from the per-account login budget. */
  readonly devices: DeviceCookies;
}

/** What the HTTP plugins need. */
export interface HttpDeps {
  readonly chat: Chat;
  readonly readiness: Readiness;
  /** Every way in, tried in order (join sessions, accounts, integrator tokens, embed sessions, admin). */
  readonly auth: Authenticator;
  /** Join-code sessions: issued by `POST /api/v1/join` to newcomers. */
  readonly sessions: Sessions;
  readonly invites: Invites;
  /** Signed embed tickets: `GET /embed` opens a room inside an integrator's iframe. */
  readonly embedTickets: EmbedTickets;
  readonly admin: AdminAuthenticator;
  /** Accounts: registration, login, refresh-token rotation, brute-force limits. */
  readonly accounts: AccountServices;
  readonly logger: Logger;
  readonly production: boolean;
  readonly bodyMaxBytes: number;
  /** Directory of the built web UI (dist/web). */
  readonly webDir: string;
  /** Web origins besides Parley's own whose pages may call the API with credentials (CORS, PARLEY_ALLOWED_ORIGINS). */
  readonly allowedOrigins: readonly string[];
  /** The node's metrics: every response and refusal is counted; served at `/metrics` unless `PARLEY_METRICS=off`. */
  readonly metrics: ParleyMetrics;
  /** Operator endpoints (PARLEY_METRICS, PARLEY_METRICS_TOKEN, PARLEY_HEALTH, PARLEY_DOCS). */
  readonly endpoints: { readonly metrics: boolean; readonly metricsToken: StaticToken | undefined; readonly health: boolean; readonly docs: boolean };
  /** Per-address request limits (see rate-limit.ts). */
  readonly rateLimits: HttpRateLimits;
  /** Slow-request and header limits of the HTTP server. */
  readonly server: HttpServerLimits;
  /** Reverse proxies whose `X-Forwarded-For` names the client address (PARLEY_TRUST_PROXY); empty: none. */
  readonly trustProxy: readonly string[];
}

/** Limits of the Node HTTP server under Fastify, in the units their names carry (issue: abuse resistance). */
export interface HttpServerLimits {
  /** Headers must arrive within this (PARLEY_HTTP_HEADERS_TIMEOUT_MS); else the socket is closed. */
  readonly headersTimeoutMs: number;
  /** The whole request must arrive within this (PARLEY_HTTP_REQUEST_TIMEOUT_MS); else 408 and close. */
  readonly requestTimeoutMs: number;
  /** Largest start line plus headers (PARLEY_HTTP_MAX_HEADER_BYTES); larger gets 431. */
  readonly maxHeaderBytes: number;
  /** Most headers in one request (PARLEY_HTTP_MAX_HEADERS); a request with more is refused with 431. */
  readonly maxHeaders: number;
}
