/**
 * `/api/v1/admin/…`: create, list, read, close rooms and rotate join codes; read the audit log of
 * every room. Guarded by the admin credential (`Authorization: Bearer <PARLEY_ADMIN_TOKEN>`,
 * constant-time comparison) or an account with the `admin` role (issue: identity). Others get
 * `UNAUTHENTICATED` without a credential and `FORBIDDEN` with one — including integrator tokens
 * claiming `admin`, whose admin role reaches rooms only, never this API.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ParleyError } from '../../protocol/index.ts';
import { AdminRoomResponse, AdminRoomsResponse, AuditQuery, AuditResponse, CreateRoomRequest, ErrorResponse, RoomParams } from '../../protocol/http.ts';
import { issueJoinCode } from '../../auth/join-code.ts';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../core/principal.ts';
import { credentialsFromHeaders } from '../credentials.ts';
import type { HttpDeps } from './deps.ts';
import { principalOf } from './request-principal.ts';

export const adminRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat, admin } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  /** The admin principal each admitted request was authenticated as, whatever other credentials it carries. */
  const admins = new WeakMap<FastifyRequest, Principal>();
  const adminOf = (request: FastifyRequest): Principal => admins.get(request) as Principal;

  app.addHook('onRequest', async (request) => {
    const credentials = credentialsFromHeaders(request.headers, undefined);
    const principal = (await admin.authenticate(credentials)) ?? (await deps.accounts.authenticator.authenticate(credentials));
    if (principal?.role === 'admin') return void admins.set(request, principal);
    if (principal === undefined && (await principalOf(deps, request)) === undefined) {
      throw new ParleyError('UNAUTHENTICATED', 'Admin credential required: Authorization: Bearer <PARLEY_ADMIN_TOKEN>, or sign in to an admin account');
    }
    throw new ParleyError('FORBIDDEN', 'Only the admin credential or an admin account may use the admin API');
  });

  app.post(
    '/api/v1/admin/rooms',
    { schema: { tags: ['admin'], summary: 'Create a room; the join code is shown only now', body: CreateRoomRequest, response: { 201: AdminRoomResponse, ...errors } } },
    async (request, reply) => {
      const { name, id, ...policy } = request.body;
      const joinCode = policy.joinRule === 'code' ? issueJoinCode() : undefined;
      const room = await chat.rooms.create({ name, id, ...policy, joinCodeHash: joinCode?.hash ?? null });
      void reply.code(201);
      return { room: await chat.rooms.info(room), joinCode: joinCode?.code ?? null };
    },
  );

  app.get(
    '/api/v1/admin/rooms',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rooms, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) }),
        response: { 200: AdminRoomsResponse, ...errors },
      },
    },
    async (request) => {
      const rooms = await chat.rooms.list(request.query);
      return { rooms: await Promise.all(rooms.map((r) => chat.rooms.info(r))) };
    },
  );

  app.get(
    '/api/v1/admin/rooms/:roomId',
    { schema: { tags: ['admin'], summary: 'One room', params: RoomParams, response: { 200: z.object({ room: AdminRoomResponse.shape.room }), ...errors } } },
    async (request) => ({ room: await chat.rooms.info(await chat.rooms.fresh(request.params.roomId)) }),
  );

  app.post(
    '/api/v1/admin/rooms/:roomId/close',
    { schema: { tags: ['admin'], summary: 'Close a room: no new messages or joins; members are told', params: RoomParams, response: { 200: z.object({ room: AdminRoomResponse.shape.room }), ...errors } } },
    async (request) => ({ room: await chat.rooms.info(await chat.closeRoom(adminOf(request), request.params.roomId)) }),
  );

  app.post(
    '/api/v1/admin/rooms/:roomId/join-code',
    { schema: { tags: ['admin'], summary: 'Rotate the join code; the old one stops working', params: RoomParams, response: { 200: AdminRoomResponse, ...errors } } },
    async (request) => {
      const joinCode = issueJoinCode();
      const room = await chat.rooms.setJoinCodeHash(request.params.roomId, joinCode.hash);
      return { room: await chat.rooms.info(room), joinCode: joinCode.code };
    },
  );

  app.get(
    '/api/v1/admin/audit',
    { schema: { tags: ['admin'], summary: 'The audit log of every room (or one), newest first', querystring: AuditQuery, response: { 200: AuditResponse, ...errors } } },
    async (request) => chat.auditLog(adminOf(request), request.query),
  );
};
