/**
 * Probes for load balancers and orchestrators, and a report for operators (docs/operations.md):
 * - `GET /healthz` and `GET /live`: the process is up and serving HTTP (liveness);
 * - `GET /ready`: every dependency answers within its deadline and the node is not draining
 *   (readiness): 200 or 503, with one result per dependency. A node that lost Redis or its
 *   database stops getting traffic and gets it again once the dependency is back.
 * - `GET /health` (unless `PARLEY_HEALTH=off`): a top-level `status` (`ok`, `degraded` when a
 *   dependency check fails, `draining`), the readiness result, version, uptime, open connections
 *   and memory; 200 or 503 like `/ready`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthReport, HealthResponse, ReadyResponse } from '../../protocol/http.ts';
import { VERSION } from '../../version.ts';

/** What `/ready` and `/health` consult. */
export interface Readiness {
  /** One check per dependency: resolves when it answers, rejects with why not. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  /** True once a graceful shutdown began. */
  readonly draining: () => boolean;
  /** Open WebSocket connections on this node. */
  readonly connections: () => number;
}

/** Longest a dependency check may take before it counts as failed (ms). */
const CHECK_TIMEOUT_MS = 2000;

export const healthRoutes: FastifyPluginAsyncZod<{ readiness: Readiness; details: boolean }> = async (app, { readiness, details }) => {
  const live = { schema: { tags: ['health'], response: { 200: HealthResponse } } } as const;
  app.get('/healthz', live, async () => ({ status: 'ok' as const }));
  app.get('/live', live, async () => ({ status: 'ok' as const }));

  app.get('/ready', { schema: { tags: ['health'], response: { 200: ReadyResponse, 503: ReadyResponse } } }, async (_request, reply) => {
    const result = await ready(readiness);
    void reply.code(result.ready ? 200 : 503);
    return result;
  });

  if (!details) return;
  app.get('/health', { schema: { tags: ['health'], response: { 200: HealthReport, 503: HealthReport } } }, async (_request, reply) => {
    const result = await ready(readiness);
    const memory = process.memoryUsage();
    void reply.code(result.ready ? 200 : 503);
    return {
      status: healthStatus(result),
      ...result,
      version: VERSION,
      uptimeMs: Math.round(process.uptime() * 1000),
      connections: readiness.connections(),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal, externalBytes: memory.external },
    };
  });
};

/** Run every check at once, each within {@link CHECK_TIMEOUT_MS}. */
async function ready(readiness: Readiness): Promise<ReadyResponse> {
  const checks: ReadyResponse['checks'] = {};
  await Promise.all(
    Object.entries(readiness.checks).map(async ([name, check]) => {
      const started = performance.now();
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        checks[name] = { ok: true, latencyMs: elapsed(started) };
      } catch (err) {
        checks[name] = { ok: false, latencyMs: elapsed(started), error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const draining = readiness.draining();
  return { ready: !draining && Object.values(checks).every((c) => c.ok), draining, checks };
}

/** The one-word summary of a readiness result: draining first, then any failed dependency. */
function healthStatus(result: ReadyResponse): HealthReport['status'] {
  if (result.draining) return 'draining';
  return Object.values(result.checks).every((check) => check.ok) ? 'ok' : 'degraded';
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
