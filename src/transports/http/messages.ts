/**
 * `/api/v1/rooms/:roomId/messages`: history by seq, send, and batch send (for clients without a
 * socket). Sends are idempotent by clientId, exactly as over WebSocket.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toErrorBody, toParleyError } from '../../protocol/index.ts';
import { BatchSendRequest, BatchSendResponse, ErrorResponse, HistoryQuery, HistoryResponse, RoomParams, SendRequest, SendResponse } from '../../protocol/http.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const messageRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 410: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse };

  app.get(
    '/api/v1/rooms/:roomId/messages',
    { schema: { tags: ['messages'], summary: 'A page of history by seq (ascending)', params: RoomParams, querystring: HistoryQuery, response: { 200: HistoryResponse, ...errors } } },
    async (request) => chat.history(await requirePrincipal(deps, request), request.params.roomId, request.query),
  );

  app.post(
    '/api/v1/rooms/:roomId/messages',
    { schema: { tags: ['messages'], summary: 'Send a message (idempotent by clientId)', params: RoomParams, body: SendRequest, response: { 200: SendResponse, 201: SendResponse, ...errors } } },
    async (request, reply) => {
      const ack = await chat.send(await requirePrincipal(deps, request), request.params.roomId, request.body.clientId, request.body.body);
      void reply.code(ack.duplicate ? 200 : 201);
      return ack;
    },
  );

  app.post(
    '/api/v1/rooms/:roomId/messages/batch',
    {
      schema: {
        tags: ['messages'],
        summary: 'Send up to 100 messages in order; one result per message',
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
