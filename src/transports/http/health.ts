/** `GET /healthz`: liveness for load balancers and the quick start. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthResponse } from '../../protocol/http.ts';

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: HealthResponse } }, logLevel: 'warn' }, async () => ({ status: 'ok' as const }));
};
