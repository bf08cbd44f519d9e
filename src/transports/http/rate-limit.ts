/**
 * The HTTP rate limit (issue: abuse resistance): one `onRequest` hook on the root instance, so it
 * covers every route, static file and 404 alike, over the core's shared counters
 * (`Chat.rateLimits`, Redis when configured: every node counts together).
 * - Routes that admit people (`POST /api/v1/join`, `POST /api/v1/auth/{register,login,refresh}`,
 *   `GET /embed`) count against
 *   the stricter `admissions` limit; every other request against `requests`.
 * - Probes (`/healthz`, `/live`, `/ready`, `/health`, `/metrics`) are never limited: a balancer
 *   or scraper behind one address must not take a node out of rotation.
 * - Over the limit: 429 `RATE_LIMITED` with `details.retryAfterMs` and `Retry-After` in seconds
 *   (set by the app's error handler for every `RATE_LIMITED`).
 * Requests are matched by the pattern of the route they reach, so a percent-encoded or otherwise
 * disguised path cannot dodge the stricter limit; a request that reaches no route, by its path.
 */
import type { FastifyInstance } from 'fastify';
import type { RateLimit, RateLimits } from '../../core/rate-limits.ts';
import { limitSubject } from '../client-address.ts';

/** The limits the hook applies, per client address. */
export interface HttpRateLimits {
  /** Every request but admissions and probes (PARLEY_HTTP_RATE_LIMIT per PARLEY_HTTP_RATE_WINDOW_MS). */
  readonly requests: RateLimit;
  /** Routes that admit people (PARLEY_HTTP_AUTH_RATE_LIMIT per PARLEY_HTTP_RATE_WINDOW_MS). */
  readonly admissions: RateLimit;
}

/** Liveness, readiness and metrics routes: exempt. */
const PROBES: ReadonlySet<string> = new Set(['/healthz', '/live', '/ready', '/health', '/metrics']);

/** Count every request of `app` (call before registering routes). `request.ip` is the client address (see PARLEY_TRUST_PROXY). */
export function addRateLimit(app: FastifyInstance, rateLimits: RateLimits, limits: HttpRateLimits): void {
  app.addHook('onRequest', async (request) => {
    // The matched route's pattern; a request no route matched (a 404) by its path.
    const path = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
    if (PROBES.has(path)) return;
    await rateLimits.take(isAdmission(request.method, path) ? limits.admissions : limits.requests, limitSubject(request.ip));
  });
}

/** Whether a request is one that admits people: joining, signing in, opening an embed. */
function isAdmission(method: string, path: string): boolean {
  if (path === '/api/v1/join') return method === 'POST';
  if (path === '/embed') return method === 'GET' || method === 'HEAD';
  return method === 'POST' && ADMISSION_AUTH_ROUTES.has(path);
}

/** The account routes that hand out credentials; `me` and `logout` count as ordinary requests. */
const ADMISSION_AUTH_ROUTES: ReadonlySet<string> = new Set(['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/refresh']);
