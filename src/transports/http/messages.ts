/**
 * `/api/v1/rooms/:roomId/messages`: timeline history by seq, send, batch send, edit, delete,
 * reactions, earlier versions (moderators), and system notices (owners, admins) — for clients
 * without a socket. Writes are idempotent by clientId, exactly as over WebSocket.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toErrorBody, toParleyError, type Ack } from '../../protocol/index.ts';
import { randomUUID } from 'node:crypto';
import {
  BatchSendRequest,
  BatchSendResponse,
  DeleteMessageQuery,
  EditRequest,
  ErrorResponse,
  HistoryQuery,
  HistoryResponse,
  MessageParams,
  ReactionParams,
  RoomParams,
  SendRequest,
  SendResponse,
  SystemNoticeRequest,
  VersionsResponse,
} from '../../protocol/http.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const messageRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 410: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse };

  app.get(
    '/api/v1/rooms/:roomId/messages',
    { schema: { tags: ['messages'], summary: 'A page of the room\'s timeline by seq (ascending)', params: RoomParams, querystring: HistoryQuery, response: { 200: HistoryResponse, ...errors } } },
    async (request) => chat.history(await requirePrincipal(deps, request), request.params.roomId, request.query),
  );

  app.post(
    '/api/v1/rooms/:roomId/messages',
    { schema: { tags: ['messages'], summary: 'Send a message (idempotent by clientId)', params: RoomParams, body: SendRequest, response: { 200: SendResponse, 201: SendResponse, ...errors } } },
    async (request, reply) => created(reply, await chat.send(await requirePrincipal(deps, request), request.params.roomId, request.body)),
  );

  app.patch(
    '/api/v1/rooms/:roomId/messages/:seq',
    { schema: { tags: ['messages'], summary: 'Edit your own message within the edit window', params: MessageParams, body: EditRequest, response: { 200: SendResponse, 201: SendResponse, ...errors } } },
    async (request, reply) => created(reply, await chat.edit(await requirePrincipal(deps, request), request.params.roomId, request.params.seq, request.body.clientId, request.body.body)),
  );

  app.delete(
    '/api/v1/rooms/:roomId/messages/:seq',
    {
      schema: {
        tags: ['messages'],
        summary: 'Delete a message, leaving a tombstone: your own, or as a moderator one by a lower role',
        params: MessageParams,
        querystring: DeleteMessageQuery,
        response: { 200: SendResponse, ...errors },
      },
    },
    async (request) => chat.deleteMessage(await requirePrincipal(deps, request), request.params.roomId, request.params.seq, request.query.clientId ?? randomUUID()),
  );

  app.put(
    '/api/v1/rooms/:roomId/messages/:seq/reactions/:key',
    { schema: { tags: ['messages'], summary: 'React to a message (once per member per key)', params: ReactionParams, response: { 200: SendResponse, 201: SendResponse, ...errors } } },
    async (request, reply) => created(reply, await chat.react(await requirePrincipal(deps, request), request.params.roomId, request.params.seq, request.params.key, true, randomUUID())),
  );

  app.delete(
    '/api/v1/rooms/:roomId/messages/:seq/reactions/:key',
    { schema: { tags: ['messages'], summary: 'Take back your reaction', params: ReactionParams, response: { 200: SendResponse, ...errors } } },
    async (request) => chat.react(await requirePrincipal(deps, request), request.params.roomId, request.params.seq, request.params.key, false, randomUUID()),
  );

  app.get(
    '/api/v1/rooms/:roomId/messages/:seq/versions',
    { schema: { tags: ['messages'], summary: 'Earlier bodies of an edited message (moderators, owners)', params: MessageParams, response: { 200: VersionsResponse, ...errors } } },
    async (request) => ({ versions: await chat.versions(await requirePrincipal(deps, request), request.params.roomId, request.params.seq) }),
  );

  app.post(
    '/api/v1/rooms/:roomId/system',
    { schema: { tags: ['messages'], summary: 'Post a system notice (owners, admins: e.g. an integrator\'s backend)', params: RoomParams, body: SystemNoticeRequest, response: { 200: SendResponse, 201: SendResponse, ...errors } } },
    async (request, reply) => created(reply, await chat.postSystem(await requirePrincipal(deps, request), request.params.roomId, request.body.clientId, request.body.body)),
  );

  app.post(
    '/api/v1/rooms/:roomId/messages/batch',
    {
      schema: {
        tags: ['messages'],
        summary: 'Send up to 100 messages in order, and no more than the room allows a member per minute; one result per message',
        params: RoomParams,
        body: BatchSendRequest,
        response: { 200: BatchSendResponse, ...errors },
      },
    },
    async (request) => {
      const { messages } = request.body;
      const settled = await chat.sendBatch(await requirePrincipal(deps, request), request.params.roomId, messages);
      const results = settled.map((outcome, i) =>
        outcome.status === 'fulfilled' ? { ack: outcome.value } : { clientId: messages[i]?.clientId ?? '', error: toErrorBody(toParleyError(outcome.reason)) },
      );
      return { results };
    },
  );
};

/** An ack as the HTTP answer: 201 for a new event, 200 when it is the first ack of a duplicate (docs/protocol.md). */
function created(reply: FastifyReply, ack: Ack): Ack {
  void reply.code(ack.duplicate ? 200 : 201);
  return ack;
}
