/**
 * `GET /metrics` (issue 6, `PARLEY_METRICS`): this node's Prometheus metrics in the text exposition
 * format. With `PARLEY_METRICS_TOKEN` set, only requests bearing that token are answered (401
 * `UNAUTHENTICATED` otherwise); docs/operations.md lists the metrics.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { ParleyError } from '../../protocol/index.ts';
import type { StaticToken } from '../../auth/static-token.ts';
import { readBearer } from '../credentials.ts';

export interface MetricsRouteOptions {
  readonly registry: Registry;
  /** Required bearer token, or undefined for an open endpoint. */
  readonly token: StaticToken | undefined;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { registry, token }) => {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined && !token.verify(readBearer(request.headers.authorization))) {
      throw new ParleyError('UNAUTHENTICATED', 'This endpoint needs Authorization: Bearer <PARLEY_METRICS_TOKEN>');
    }
    void reply.type(registry.contentType);
    return registry.metrics();
  });
};
