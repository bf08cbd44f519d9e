/**
 * CSRF protection for cookie-authenticated requests (issue: identity; OWASP double-submit cookie):
 * - every response to a request without it sets `parley_csrf`, a random token readable by the
 *   page's own script (not httpOnly), `SameSite=Strict`, except on `cookieless` routes (`/embed`);
 * - a state-changing request (not GET, HEAD or OPTIONS) that is authenticated by a Parley cookie
 *   (`parley_session`, `parley_access`, or `parley_refresh` on the account routes) and not by an
 *   `Authorization` header must carry the same token in the `x-csrf-token` header, or it is
 *   refused with `CSRF_FAILED`. Another site can make the browser send the cookies, but cannot
 *   read `parley_csrf` to copy it into the header.
 * Requests with a bearer token are not exposed to CSRF (a browser never adds one by itself).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../protocol/index.ts';
import { StaticToken } from '../../auth/static-token.ts';
import { ACCESS_COOKIE, REFRESH_COOKIE, SESSION_COOKIE } from '../credentials.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set no cookie on this route's responses: `/embed` (issue: identity), whose session lives in the
     * page's memory and which must work where the browser blocks third-party cookies.
     */
    cookieless?: boolean;
  }
}

/** Name of the CSRF cookie; its value goes in the `x-csrf-token` header. */
export const CSRF_COOKIE = 'parley_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookies that authenticate a request (or, for the refresh cookie, obtain new credentials). */
const AUTH_COOKIES = [SESSION_COOKIE, ACCESS_COOKIE, REFRESH_COOKIE];

/** Add the CSRF hooks to `app` (after @fastify/cookie, so `request.cookies` is parsed). */
export function addCsrfProtection(app: FastifyInstance, production: boolean): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.headers.authorization !== undefined) return;
    const cookies = request.cookies;
    if (AUTH_COOKIES.every((name) => cookies[name] === undefined)) return;
    const expected = cookies[CSRF_COOKIE];
    const presented = request.headers['x-csrf-token'];
    if (expected === undefined || typeof presented !== 'string' || !new StaticToken(expected).verify(presented)) {
      throw new ParleyError('CSRF_FAILED', 'This request is authenticated by a cookie: send the parley_csrf cookie\'s value in the x-csrf-token header');
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.config.cookieless !== true) csrfToken(request, reply, production);
    return payload;
  });
}

/** The request's CSRF token: the one its cookie holds, or a new one set on the reply. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, production: boolean): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing !== undefined) return existing;
  const token = randomBytes(24).toString('base64url');
  request.cookies[CSRF_COOKIE] = token;
  void reply.setCookie(CSRF_COOKIE, token, { path: '/', sameSite: 'strict', secure: production, httpOnly: false });
  return token;
}
