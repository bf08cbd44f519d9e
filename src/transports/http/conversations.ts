/**
 * `/api/v1/conversations` (issue 13): open a direct conversation with a person (find or create:
 * the same room every time, 201 when this request created it, 200 after), create a group
 * conversation, add people to a group. A conversation is a room: it is read and written with the
 * room routes and the WebSocket protocol. The rules — who may be reached, blocking, group size —
 * live in the core (`core/conversations.ts`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse } from '../../protocol/http.ts';
import { AddConversationMemberRequest, ConversationParams, ConversationResponse, CreateGroupRequest, OpenDirectRequest } from '../../protocol/conversations.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const conversationRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse };

  app.post(
    '/api/v1/conversations/direct',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Your direct conversation with a person, created on first use (201) and the same room after (200); an unknown or unreachable person, or one who blocks you, answers NOT_FOUND',
        body: OpenDirectRequest,
        response: { 200: ConversationResponse, 201: ConversationResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { room, created } = await chat.conversations.openDirect(await requirePrincipal(deps, request), request.body.userId);
      void reply.code(created ? 201 : 200);
      return { room: await chat.rooms.info(room) };
    },
  );

  app.post(
    '/api/v1/conversations/group',
    { schema: { tags: ['conversations'], summary: 'Create a group conversation that you own, with these people as members', body: CreateGroupRequest, response: { 201: ConversationResponse, ...errors } } },
    async (request, reply) => {
      const room = await chat.conversations.createGroup(await requirePrincipal(deps, request), request.body);
      void reply.code(201);
      return { room: await chat.rooms.info(room) };
    },
  );

  app.post(
    '/api/v1/conversations/:roomId/members',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Add a person to a group conversation you are a member of (ROOM_FULL at PARLEY_GROUP_CONVERSATION_MAX_MEMBERS)',
        params: ConversationParams,
        body: AddConversationMemberRequest,
        response: { 200: ConversationResponse, ...errors },
      },
    },
    async (request) => {
      const room = await chat.conversations.addMember(await requirePrincipal(deps, request), request.params.roomId, request.body.userId);
      return { room: await chat.rooms.info(room) };
    },
  );
};
