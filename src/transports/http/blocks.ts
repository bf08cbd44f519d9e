/**
 * `/api/v1/blocks` (issue 13): block a person, lift the block, list the people you block. A person
 * you block cannot open a direct conversation with you (NOT_FOUND, as for nobody) nor write in
 * yours (BLOCKED); in group conversations and rooms their messages still go through
 * (`core/conversations.ts`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse } from '../../protocol/http.ts';
import { BlockParams, BlockResponse, BlocksResponse } from '../../protocol/conversations.ts';
import type { BlockRecord } from '../../core/ports/store.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

/** The wire view of a block. */
function toInfo(block: BlockRecord): { userId: string; createdAt: number } {
  return { userId: block.blockedId, createdAt: block.createdAt };
}

export const blockRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

  app.get(
    '/api/v1/blocks',
    { schema: { tags: ['blocks'], summary: 'The people you block, oldest block first', response: { 200: BlocksResponse, ...errors } } },
    async (request) => ({ blocks: (await chat.conversations.blocks(await requirePrincipal(deps, request))).map(toInfo) }),
  );

  app.put(
    '/api/v1/blocks/:userId',
    { schema: { tags: ['blocks'], summary: 'Block a person: they can no longer open or write in a direct conversation with you (idempotent)', params: BlockParams, response: { 200: BlockResponse, ...errors } } },
    async (request) => ({ block: toInfo(await chat.conversations.block(await requirePrincipal(deps, request), request.params.userId)) }),
  );

  app.delete(
    '/api/v1/blocks/:userId',
    { schema: { tags: ['blocks'], summary: 'Lift your block of a person (idempotent)', params: BlockParams, response: { 200: z.object({}), ...errors } } },
    async (request) => {
      await chat.conversations.unblock(await requirePrincipal(deps, request), request.params.userId);
      return {};
    },
  );
};
