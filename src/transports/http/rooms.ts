/** `/api/v1/rooms/:roomId` (room and read state) and `/members`, for members of the room. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse, MembersResponse, RoomParams, RoomResponse } from '../../protocol/http.ts';
import { requireSession, type HttpDeps } from './app.ts';

export const roomRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  app.get(
    '/api/v1/rooms/:roomId',
    { schema: { tags: ['rooms'], summary: 'A room with your read marker and unread count', params: RoomParams, response: { 200: RoomResponse, ...errors } } },
    async (request) => chat.roomFor(await requireSession(deps, request), request.params.roomId),
  );

  app.get(
    '/api/v1/rooms/:roomId/members',
    { schema: { tags: ['rooms'], summary: 'Members with read markers and online state', params: RoomParams, response: { 200: MembersResponse, ...errors } } },
    async (request) => ({ members: await chat.members(await requireSession(deps, request), request.params.roomId) }),
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
    async (request) => ({ seq: await chat.markRead(await requireSession(deps, request), request.params.roomId, request.body.seq) }),
  );
};
