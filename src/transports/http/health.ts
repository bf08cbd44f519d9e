/**
 * Probes for load balancers and orchestrators (docs/operations.md):
 * - `GET /healthz` and `GET /live`: the process is up and serving HTTP (liveness);
 * - `GET /ready`: every dependency answers within its deadline and the node is not draining
 *   (readiness): 200 or 503, with one result per dependency. A node that lost Redis or its
 *   database stops getting traffic and gets it again once the dependency is back.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthResponse, ReadyResponse } from '../../protocol/http.ts';

/** What `/ready` consults. */
export interface Readiness {
  /** One check per dependency: resolves when it answers, rejects with why not. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  /** True once a graceful shutdown began. */
  readonly draining: () => boolean;
}

/** Longest a dependency check may take before it counts as failed (ms). */
const CHECK_TIMEOUT_MS = 2000;

export const healthRoutes: FastifyPluginAsyncZod<{ readiness: Readiness }> = async (app, { readiness }) => {
  const live = { schema: { tags: ['health'], response: { 200: HealthResponse } }, logLevel: 'warn' } as const;
  app.get('/healthz', live, async () => ({ status: 'ok' as const }));
  app.get('/live', live, async () => ({ status: 'ok' as const }));

  app.get('/ready', { schema: { tags: ['health'], response: { 200: ReadyResponse, 503: ReadyResponse } }, logLevel: 'warn' }, async (_request, reply) => {
    const checks: ReadyResponse['checks'] = {};
    await Promise.all(
      Object.entries(readiness.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          checks[name] = { ok: true };
        } catch (err) {
          checks[name] = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const draining = readiness.draining();
    const ready = !draining && Object.values(checks).every((c) => c.ok);
    void reply.code(ready ? 200 : 503);
    return { ready, draining, checks };
  });
};

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
