/**
 * `/api/v1/rooms`: rooms as their members, owners and moderators see them. Every route checks the
 * principal's role in the room through the core (`core/permissions.ts`):
 * - create a room (any signed-in principal, who becomes its owner), optionally reserved by an auth key;
 * - list your rooms with unread counts and last activity; read a room, its members; move your read
 *   marker (members);
 * - mint invites (moderators and owners); remove a member (moderators and owners, of a lower role);
 * - close, rotate the join code, set roles (owners; admins everywhere).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AdminRoomResponse,
  CreateOwnRoomRequest,
  ErrorResponse,
  InviteRequest,
  InviteResponse,
  MemberParams,
  MembersQuery,
  MembersResponse,
  UpdateRoomRequest,
  RoomParams,
  RoomResponse,
  MyRoomsResponse,
  SetRoleRequest,
} from '../../protocol/http.ts';
import { MemberInfo } from '../../protocol/index.ts';
import { hashJoinCode, issueJoinCode } from '../../auth/join-code.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const roomRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat, invites } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse };
  const roomOnly = z.object({ room: AdminRoomResponse.shape.room });

  app.post(
    '/api/v1/rooms',
    { schema: { tags: ['rooms'], summary: 'Create a room and own it; the join code is shown only now', body: CreateOwnRoomRequest, response: { 201: AdminRoomResponse, ...errors } } },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const { name, id, authKey, ...policy } = request.body;
      const generated = policy.joinRule === 'code' && authKey === undefined ? issueJoinCode() : undefined;
      const joinCodeHash = policy.joinRule === 'open' ? null : authKey !== undefined ? hashJoinCode(authKey) : (generated?.hash ?? null);
      const room = await chat.createRoom(principal, { name, id, ...policy, joinCodeHash });
      void reply.code(201);
      return { room: await chat.rooms.info(room), joinCode: generated?.code ?? null };
    },
  );

  app.get(
    '/api/v1/rooms',
    { schema: { tags: ['rooms'], summary: 'Your rooms, the most recently active first, each with your role, read marker, unread count and last activity', response: { 200: MyRoomsResponse, ...errors } } },
    async (request) => ({ rooms: await chat.myRooms(await requirePrincipal(deps, request)) }),
  );

  app.get(
    '/api/v1/rooms/:roomId',
    { schema: { tags: ['rooms'], summary: 'A room with your role, read marker and unread count', params: RoomParams, response: { 200: RoomResponse, ...errors } } },
    async (request) => chat.roomFor(await requirePrincipal(deps, request), request.params.roomId),
  );

  app.get(
    '/api/v1/rooms/:roomId/members',
    { schema: { tags: ['rooms'], summary: 'A page of members (by user id) with roles, read markers and online state', params: RoomParams, querystring: MembersQuery, response: { 200: MembersResponse, ...errors } } },
    async (request) => chat.members(await requirePrincipal(deps, request), request.params.roomId, request.query),
  );

  app.patch(
    '/api/v1/rooms/:roomId',
    { schema: { tags: ['rooms'], summary: 'Rename the room (owners)', params: RoomParams, body: UpdateRoomRequest, response: { 200: roomOnly, ...errors } } },
    async (request) => ({ room: await chat.rooms.info(await chat.renameRoom(await requirePrincipal(deps, request), request.params.roomId, request.body.name)) }),
  );

  app.post(
    '/api/v1/rooms/:roomId/leave',
    { schema: { tags: ['rooms'], summary: 'Leave the room: your membership ends (owners hand the role on first)', params: RoomParams, response: { 200: z.object({}), ...errors } } },
    async (request) => {
      await chat.leaveRoom(await requirePrincipal(deps, request), request.params.roomId);
      return {};
    },
  );

  app.post(
    '/api/v1/rooms/:roomId/read',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Move your read marker forward',
        params: RoomParams,
        body: z.object({ seq: z.number().int().min(0) }),
        response: { 200: z.object({ seq: z.number().int() }), ...errors },
      },
    },
    async (request) => ({ seq: await chat.markRead(await requirePrincipal(deps, request), request.params.roomId, request.body.seq) }),
  );

  app.post(
    '/api/v1/rooms/:roomId/invites',
    { schema: { tags: ['rooms'], summary: 'Mint a single-use invite (moderators and owners)', params: RoomParams, body: InviteRequest, response: { 201: InviteResponse, ...errors } } },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const room = await chat.authorize(principal, request.params.roomId, 'invite');
      const { token, expiresAt } = await invites.mint(room.id, request.body.role, principal.userId);
      void reply.code(201);
      return { invite: token, roomId: room.id, role: request.body.role, expiresAt };
    },
  );

  app.delete(
    '/api/v1/rooms/:roomId/members/:userId',
    { schema: { tags: ['rooms'], summary: 'Remove a member of a lower role (moderators and owners)', params: MemberParams, response: { 200: z.object({}), ...errors } } },
    async (request) => {
      await chat.kick(await requirePrincipal(deps, request), request.params.roomId, request.params.userId);
      return {};
    },
  );

  app.put(
    '/api/v1/rooms/:roomId/members/:userId/role',
    { schema: { tags: ['rooms'], summary: 'Give a member another role (owners)', params: MemberParams, body: SetRoleRequest, response: { 200: z.object({ member: MemberInfo }), ...errors } } },
    async (request) => ({ member: await chat.setRole(await requirePrincipal(deps, request), request.params.roomId, request.params.userId, request.body.role) }),
  );

  app.post(
    '/api/v1/rooms/:roomId/close',
    { schema: { tags: ['rooms'], summary: 'Close the room: no new messages or joins (owners)', params: RoomParams, response: { 200: roomOnly, ...errors } } },
    async (request) => ({ room: await chat.rooms.info(await chat.closeRoom(await requirePrincipal(deps, request), request.params.roomId)) }),
  );

  app.post(
    '/api/v1/rooms/:roomId/join-code',
    { schema: { tags: ['rooms'], summary: 'Rotate the join code; the old one stops working (owners)', params: RoomParams, response: { 200: AdminRoomResponse, ...errors } } },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      await chat.authorize(principal, request.params.roomId, 'manage');
      const joinCode = issueJoinCode();
      const room = await chat.rooms.setJoinCodeHash(request.params.roomId, joinCode.hash);
      return { room: await chat.rooms.info(room), joinCode: joinCode.code };
    },
  );
};
