/**
 * The Fastify instance: Zod type provider (protocol schemas validate requests and serialise
 * responses), one error mapping for every route (ParleyError → status + `{ error }`), security
 * headers, slow-request timeouts and header limits, the per-address rate limit, request logs
 * (request-log.ts), and one plugin per resource (STYLE: Fastify). What the plugins are given is
 * `deps.ts`; they never import this file.
 */
import { createServer as createHttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ParleyError, toErrorBody, toParleyError, type ErrorCode } from '../../protocol/index.ts';
import { retryAfterSeconds } from '../../core/rate-limits.ts';
import type { HttpDeps } from './deps.ts';
import { contentSecurityPolicy } from './content-security-policy.ts';
import { addCsrfProtection } from './csrf.ts';
import { healthRoutes } from './health.ts';
import { sessionRoutes } from './sessions.ts';
import { roomRoutes } from './rooms.ts';
import { conversationRoutes } from './conversations.ts';
import { blockRoutes } from './blocks.ts';
import { messageRoutes } from './messages.ts';
import { searchRoutes } from './search.ts';
import { moderationRoutes } from './moderation.ts';
import { adminRoutes } from './admin.ts';
import { accountRoutes } from './accounts.ts';
import { openapiRoutes } from './openapi.ts';
import { notFoundPage, wantsPage, webRoutes } from './web.ts';
import { embedRoutes } from './embed.ts';
import { metricsRoutes } from './metrics.ts';
import { addRateLimit } from './rate-limit.ts';
import { RequestLogController } from './request-log.ts';

/** Build the Fastify app (not listening). */
export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // API calls at info; pages, files and probes at debug (issue 12).
    logController: new RequestLogController(),
    bodyLimit: deps.bodyMaxBytes,
    // Slow-request limits that really fire (DESIGN.md rule 7): Node checks its timeouts only every
    // `connectionsCheckingInterval` (30 s by default), which lets slowloris hold sockets; here at
    // least every second, and four times per headers timeout.
    serverFactory: (handler) => {
      const { headersTimeoutMs, requestTimeoutMs, maxHeaderBytes, maxHeaders } = deps.server;
      const connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(headersTimeoutMs / 4)));
      const server = createHttpServer({ headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval, maxHeaderSize: maxHeaderBytes }, handler);
      server.maxHeadersCount = maxHeaders;
      return server;
    },
    trustProxy: deps.trustProxy.length === 0 ? false : [...deps.trustProxy],
    genReqId: () => randomUUID(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = fromFastifyError(err);
    deps.metrics.core.refused(error.code);
    if (error.code === 'INTERNAL') request.log.error({ err: error.cause ?? err }, 'request failed');
    const retryAfterMs = error.code === 'RATE_LIMITED' ? error.details?.retryAfterMs : undefined;
    if (typeof retryAfterMs === 'number') void reply.header('retry-after', String(retryAfterSeconds(retryAfterMs)));
    void reply.code(error.status).send({ error: toErrorBody(error) });
  });
  const pageNotFound = notFoundPage(deps.webDir);
  app.setNotFoundHandler((request, reply) => {
    deps.metrics.core.refused('NOT_FOUND');
    if (pageNotFound !== undefined && wantsPage(request)) return void reply.code(404).type('text/html; charset=utf-8').send(pageNotFound);
    void reply.code(404).send({ error: toErrorBody(new ParleyError('NOT_FOUND', `No route ${request.method} ${request.url.split('?', 1)[0]}`)) });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    // No page may be framed, except where a route sets its own CSP naming who may frame it (/embed).
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', contentSecurityPolicy(["'none'"]));
      if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    }
    if (deps.production && !reply.hasHeader('strict-transport-security')) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });
  // Labelled by route pattern (`/api/v1/rooms/:roomId`), never the raw URL: the series stay bounded.
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
  await app.register(fastifyCookie);
  // After the cookie parser: the answers (429 included) read and set cookies.
  addRateLimit(app, deps.chat.rateLimits, deps.rateLimits);
  addCsrfProtection(app, deps.production);
  // Cross-origin calls from the configured origins only (never `*`), with credentials; the CSRF
  // check still applies to their unsafe methods. After the cookie parser: a preflight is answered
  // in this hook, and the CSRF cookie is still set on the answer.
  await app.register(fastifyCors, { origin: [...deps.allowedOrigins], credentials: true, methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], maxAge: 600 });
  if (deps.endpoints.docs) await app.register(openapiRoutes);
  await app.register(healthRoutes, { readiness: deps.readiness, details: deps.endpoints.health });
  if (deps.endpoints.metrics) await app.register(metricsRoutes, { registry: deps.metrics.registry, token: deps.endpoints.metricsToken });
  await app.register(sessionRoutes, deps);
  await app.register(roomRoutes, deps);
  await app.register(conversationRoutes, deps);
  await app.register(blockRoutes, deps);
  await app.register(messageRoutes, deps);
  await app.register(searchRoutes, deps);
  await app.register(moderationRoutes, deps);
  await app.register(adminRoutes, deps);
  await app.register(accountRoutes, deps);
  await app.register(webRoutes, deps);
  await app.register(embedRoutes, deps);
  return app;
}

/** Fastify's body errors, as the catalog's code and a message in HTTP's words (issue 12). */
const FASTIFY_CODES: Record<string, { readonly code: ErrorCode; readonly message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_REQUEST', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_REQUEST', message: 'The request body is empty: with Content-Type application/json, send a JSON object (or no Content-Type when there is nothing to send)' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'MALFORMED_REQUEST', message: 'Unsupported Content-Type: send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_REQUEST', message: 'The Content-Length header does not match the body' },
};

/** Map whatever a route threw to a ParleyError: request validation names each field. */
function fromFastifyError(err: FastifyError): ParleyError {
  if (err instanceof ParleyError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const issues = err.validation.map((v) => ({ path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'), message: v.message ?? 'invalid' }));
    const first = issues[0];
    return new ParleyError('VALIDATION_FAILED', first === undefined ? 'Invalid request' : `${first.path}: ${first.message}`, { details: { issues } });
  }
  const mapped = err.code === undefined ? undefined : FASTIFY_CODES[err.code];
  if (mapped !== undefined) return new ParleyError(mapped.code, mapped.message ?? err.message);
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new ParleyError('MALFORMED_REQUEST', err.message);
  return toParleyError(err);
}
