/**
 * `/api/v1/auth/…`: accounts (issue: identity).
 * - `POST register`, `POST login`: limited per client address, per account name and address, and
 *   per account name, with doubling delays (`auth/attempt-limits.ts`; `429 RATE_LIMITED` with
 *   `Retry-After`), then a new session. A browser that presents a valid device cookie for the
 *   account (`auth/device-cookie.ts`) is exempt from the per-account budget;
 * - `POST refresh`: rotate the refresh token (a reused one revokes its family: `TOKEN_REPLAYED`);
 * - `POST logout`: revoke the refresh token's family and clear both cookies;
 * - `GET me`: the signed-in account.
 * Browsers get `parley_access` (httpOnly, SameSite=Lax, path /) and `parley_refresh` (httpOnly,
 * SameSite=Strict, path /api/v1/auth), both Secure in production; each sign-in also sets
 * `parley_device` (httpOnly, SameSite=Strict, path /api/v1/auth, 180 days) naming the account,
 * which signing out keeps. Signing in also clears a join session cookie, so the browser acts as
 * the account from then on. Bodies are JSON only: another
 * site's form cannot post them, which keeps a login from being forged (login CSRF); state changes
 * authenticated by these cookies also need the CSRF header (`csrf.ts`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ParleyError } from '../../protocol/index.ts';
import { AuthResponse, ErrorResponse, LoginRequest, MeResponse, RefreshRequest, RegisterRequest } from '../../protocol/http.ts';
import { publicAccount } from '../../auth/accounts.ts';
import type { IssuedAccountSession } from '../../auth/account-sessions.ts';
import { DEVICE_COOKIE } from '../../auth/device-cookie.ts';
import { ACCESS_COOKIE, credentialsFromHeaders, REFRESH_COOKIE, REFRESH_COOKIE_PATH, SESSION_COOKIE } from '../credentials.ts';
import type { HttpDeps } from './deps.ts';

export const accountRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { accounts, sessions, authenticator, limits, devices } = deps.accounts;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };
  const cookie = { httpOnly: true, secure: deps.production } as const;

  /** Set the device cookie naming the account just signed in to with its password. */
  const knownDevice = (reply: FastifyReply, username: string) => {
    const device = devices.issue(username);
    void reply.setCookie(DEVICE_COOKIE, device.value, { ...cookie, sameSite: 'strict', path: REFRESH_COOKIE_PATH, expires: new Date(device.expiresAt) });
  };
  /** Set both cookies; the answer carries the tokens too unless `inBody` is false. */
  const signedIn = (reply: FastifyReply, issued: IssuedAccountSession, inBody: boolean) => {
    void reply.setCookie(ACCESS_COOKIE, issued.access.token, { ...cookie, sameSite: 'lax', path: '/', expires: new Date(issued.access.expiresAt) });
    void reply.setCookie(REFRESH_COOKIE, issued.refresh.token, { ...cookie, sameSite: 'strict', path: REFRESH_COOKIE_PATH, expires: new Date(issued.refresh.expiresAt) });
    return {
      account: issued.account,
      accessTokenExpiresAt: issued.access.expiresAt,
      refreshTokenExpiresAt: issued.refresh.expiresAt,
      ...(inBody ? { accessToken: issued.access.token, refreshToken: issued.refresh.token } : {}),
    };
  };
  const signedOut = (reply: FastifyReply) => {
    void reply.clearCookie(ACCESS_COOKIE, { ...cookie, sameSite: 'lax', path: '/' });
    void reply.clearCookie(REFRESH_COOKIE, { ...cookie, sameSite: 'strict', path: REFRESH_COOKIE_PATH });
  };

  app.post(
    '/api/v1/auth/register',
    { schema: { tags: ['accounts'], summary: 'Create an account and sign in', body: RegisterRequest, response: { 201: AuthResponse, ...errors } } },
    async (request, reply) => {
      await limits.count('register', request.ip, request.body.username);
      const account = await accounts.register(request.body);
      const issued = await sessions.start(account);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      knownDevice(reply, account.username);
      void reply.code(201);
      return signedIn(reply, issued, true);
    },
  );

  app.post(
    '/api/v1/auth/login',
    { schema: { tags: ['accounts'], summary: 'Sign in with a username and password', body: LoginRequest, response: { 200: AuthResponse, ...errors } } },
    async (request, reply) => {
      const { username, password } = request.body;
      await limits.count('login', request.ip, username, { knownDevice: devices.accountOf(request.cookies[DEVICE_COOKIE]) === username });
      const account = await accounts.verify(username, password);
      const issued = await sessions.start(account);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      knownDevice(reply, account.username);
      return signedIn(reply, issued, true);
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    { schema: { tags: ['accounts'], summary: 'Use the refresh token once: a new access token and refresh token', body: RefreshRequest, response: { 200: AuthResponse, ...errors } } },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const token = fromBody ?? request.cookies[REFRESH_COOKIE];
      if (token === undefined) throw new ParleyError('UNAUTHENTICATED', 'No refresh token: send it as refreshToken or in the parley_refresh cookie');
      try {
        return signedIn(reply, await sessions.refresh(token), fromBody !== undefined);
      } catch (err) {
        if (err instanceof ParleyError && (err.code === 'UNAUTHENTICATED' || err.code === 'TOKEN_REPLAYED')) signedOut(reply);
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['accounts'], summary: 'Sign out: end this sign-in everywhere its refresh token went, and clear the cookies', body: RefreshRequest, response: { 200: z.object({}), ...errors } } },
    async (request, reply) => {
      const token = request.body?.refreshToken ?? request.cookies[REFRESH_COOKIE];
      if (token !== undefined) await sessions.end(token);
      signedOut(reply);
      return {};
    },
  );

  app.get(
    '/api/v1/auth/me',
    { schema: { tags: ['accounts'], summary: 'The signed-in account', response: { 200: MeResponse, ...errors } } },
    async (request) => {
      const principal = await authenticator.authenticate(credentialsFromHeaders(request.headers, undefined));
      const account = principal === undefined ? undefined : await accounts.get(principal.userId);
      if (principal?.expiresAt === undefined || account === undefined) throw new ParleyError('UNAUTHENTICATED', 'Not signed in to an account');
      return { account: publicAccount(account), expiresAt: principal.expiresAt };
    },
  );
};
