/**
 * `GET /api/v1/search`: full-text search over the messages of the plaintext rooms the caller is a
 * member of (issue 13, Search), newest first, paged with `before` = a result's `position`.
 * Filters: `roomId`, `senderId`, `from`/`to` (Unix ms). Counted by the per-address request limit
 * like every other read (`rate-limit.ts`). The core decides who may read what (`core/search.ts`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse } from '../../protocol/http.ts';
import { SearchQuery, SearchResponse } from '../../protocol/search.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const searchRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        summary: 'Search the messages of your plaintext rooms, newest first (end-to-end encrypted rooms answer NOT_SEARCHABLE)',
        querystring: SearchQuery,
        response: { 200: SearchResponse, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => deps.chat.search(await requirePrincipal(deps, request), request.query),
  );
};
