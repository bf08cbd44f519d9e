/**
 * Which requests get a log line at `info` (issue 12): API calls (`/api/…`) and the WebSocket
 * upgrade (`/ws`) do, with their method, path, status and duration; the rest — the web UI's pages
 * and files, the API reference, `/healthz`, `/live`, `/ready`, `/health` and `/metrics` — are
 * logged at `debug`, so a page load or a probe every few seconds does not bury what matters. Such a
 * request still reaches `info` when it is answered 4xx, and `error` when it fails.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Whether `request` is worth a line at `info` whatever its answer: an API call or the WebSocket upgrade. */
export function isLoggedAtInfo(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  return path.startsWith('/api/') || path === '/ws';
}

/** Fastify's request lines, at the level {@link isLoggedAtInfo} chooses; `request completed` also names the request. */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    if (isLoggedAtInfo(request)) request.log.info({ req: request }, 'incoming request');
    else request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (isLoggedAtInfo(request) || reply.statusCode >= 400) reply.log.info(line, 'request completed');
    else reply.log.debug(line, 'request completed');
  }
}
