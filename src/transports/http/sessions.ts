/**
 * `POST /api/v1/join`: enter a room — with its join code (or its creator's auth key), an invite,
 * or a credential that grants it. A newcomer without any credential gets a join session: its token,
 * and the same token as an httpOnly cookie for browsers. `GET /api/v1/session` says who the
 * current credential is; `POST /api/v1/logout` ends a join session (its guest leaves its rooms); `GET /api/v1/csrf` hands the
 * CSRF token to clients that cannot read cookies.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ParleyError, type MemberRole } from '../../protocol/index.ts';
import { ErrorResponse, JoinRequest, JoinResponse, SessionResponse } from '../../protocol/http.ts';
import { checkJoinCode } from '../../auth/join-code.ts';
import { credentialsFromHeaders, SESSION_COOKIE } from '../credentials.ts';
import { csrfToken } from './csrf.ts';
import type { HttpDeps } from './deps.ts';
import { principalOf } from './request-principal.ts';

export const sessionRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat, sessions, invites } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse };

  app.post(
    '/api/v1/join',
    { schema: { tags: ['sessions'], summary: 'Join a room with its code, an invite, or a credential that grants it', body: JoinRequest, response: { 200: JoinResponse, ...errors } } },
    async (request, reply) => {
      const { roomId, code, invite, name } = request.body;
      const credentials = credentialsFromHeaders(request.headers, undefined);
      const joinSession = await sessions.resolve(credentials);
      let principal = joinSession?.principal ?? (await principalOf(deps, request));
      // An unknown room answers like a wrong code, and a closed one only to those who may enter it,
      // so room ids cannot be probed (issue 11).
      const room = await chat.rooms.fresh(roomId).catch((err: unknown) => {
        if (err instanceof ParleyError && err.code === 'ROOM_NOT_FOUND') throw new ParleyError('BAD_JOIN_CODE', 'No room with this id accepts this join code');
        throw err;
      });
      let role: MemberRole = 'member';
      const grant = principal?.grants?.find((g) => g.roomId === roomId);
      if (invite !== undefined) role = (await invites.redeem(invite, roomId)).role;
      else if (grant !== undefined) role = grant.role;
      else checkJoinCode(room, code);
      if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${roomId} is closed`);

      let session = joinSession;
      if (principal === undefined) {
        if (name === undefined) throw new ParleyError('VALIDATION_FAILED', 'body.name: a newcomer needs a display name', { details: { issues: [{ path: 'body.name', message: 'required' }] } });
        const issued = await sessions.createUser(name);
        principal = issued.principal;
        session = { principal, token: issued.token, expiresAt: issued.expiresAt };
      }
      await chat.addMember(principal, room, role);
      if (session !== undefined) {
        void reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', secure: deps.production, path: '/', expires: new Date(session.expiresAt) });
      }
      const joined = await chat.roomFor(principal, roomId);
      return {
        ...(session === undefined ? {} : { token: session.token, expiresAt: session.expiresAt }),
        user: { id: principal.userId, name: principal.name },
        room: joined.room,
        role: joined.role,
      };
    },
  );

  app.get(
    '/api/v1/session',
    { schema: { tags: ['sessions'], summary: 'The current credential and its rooms', response: { 200: SessionResponse, 401: ErrorResponse } } },
    async (request) => {
      const principal = await principalOf(deps, request);
      if (principal === undefined) throw new ParleyError('UNAUTHENTICATED', 'No valid session');
      return {
        user: { id: principal.userId, name: principal.name },
        role: principal.role,
        rooms: await chat.roomsOf(principal),
        ...(principal.expiresAt === undefined ? {} : { expiresAt: principal.expiresAt }),
      };
    },
  );

  app.post(
    '/api/v1/logout',
    { schema: { tags: ['sessions'], summary: 'End the current join session: its guest leaves every room it does not own (the identity cannot come back)', response: { 200: z.object({}) } } },
    async (request, reply) => {
      const found = await sessions.resolve(credentialsFromHeaders(request.headers, undefined));
      if (found !== undefined) {
        await chat.leaveAllRooms(found.principal);
        await sessions.revoke(found.token);
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return {};
    },
  );

  app.get(
    '/api/v1/csrf',
    { schema: { tags: ['sessions'], summary: 'The CSRF token to send as x-csrf-token with cookie-authenticated changes', response: { 200: z.object({ token: z.string() }) } } },
    async (request, reply) => ({ token: csrfToken(request, reply, deps.production) }),
  );
};
