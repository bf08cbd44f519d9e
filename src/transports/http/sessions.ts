/**
 * `POST /api/v1/join` (join a room with its code and a display name → session) and
 * `GET /api/v1/session`, `POST /api/v1/logout`. Browsers get the session as an httpOnly cookie,
 * other clients use the returned token as `Authorization: Bearer`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ParleyError } from '../../protocol/index.ts';
import { ErrorResponse, JoinRequest, JoinResponse, SessionResponse } from '../../protocol/http.ts';
import { SESSION_COOKIE } from '../../auth/session.ts';
import { checkJoinCode } from '../../auth/join-code.ts';
import { credentialsFromHeaders } from '../credentials.ts';
import type { HttpDeps } from './app.ts';

export const sessionRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat, sessions } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse };

  app.post(
    '/api/v1/join',
    { schema: { tags: ['sessions'], summary: 'Join a room with its code and a display name', body: JoinRequest, response: { 200: JoinResponse, ...errors } } },
    async (request, reply) => {
      const { roomId, code, name } = request.body;
      const credentials = credentialsFromHeaders(request.headers, undefined);
      const existing = await sessions.resolve(credentials);
      const room = await chat.rooms.open(roomId);
      checkJoinCode(room, code);
      let session;
      if (existing !== undefined) {
        const token = (credentials.cookie ?? credentials.bearer) as string;
        session = { token, expiresAt: existing.expiresAt, principal: existing.principal };
      } else {
        session = await sessions.createUser(name);
      }
      await chat.addMember(session.principal, room);
      void reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.production,
        path: '/',
        expires: new Date(session.expiresAt),
      });
      const { principal } = session;
      return { token: session.token, expiresAt: session.expiresAt, user: { id: principal.userId, name: principal.name }, room: await chat.rooms.info(await chat.rooms.fresh(roomId)) };
    },
  );

  app.get(
    '/api/v1/session',
    { schema: { tags: ['sessions'], summary: 'The current session and its rooms', response: { 200: SessionResponse, 401: ErrorResponse } } },
    async (request) => {
      const found = await sessions.resolve(credentialsFromHeaders(request.headers, undefined));
      if (found === undefined) throw new ParleyError('UNAUTHENTICATED', 'No valid session');
      const { principal } = found;
      return { user: { id: principal.userId, name: principal.name }, rooms: await chat.roomsOf(principal), expiresAt: found.expiresAt };
    },
  );

  app.post(
    '/api/v1/logout',
    { schema: { tags: ['sessions'], summary: 'End the current session', response: { 200: z.object({}) } } },
    async (request, reply) => {
      const credentials = credentialsFromHeaders(request.headers, undefined);
      const token = credentials.cookie ?? credentials.bearer;
      if (token !== undefined) await sessions.revoke(token);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return {};
    },
  );
};
