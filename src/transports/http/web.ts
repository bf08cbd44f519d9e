/**
 * The browser UI: static files from `dist/web` (built by `npm run build`) at `/`, and `index.html`
 * for the room pages (`/rooms/:roomId`) and the account pages (`/login`, `/register`) so reloads
 * and shared links work. A browser asking for a page that does not exist gets `not-found.html`
 * (issue 12: 404 pages in HTML); API clients keep the JSON error.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpDeps } from './deps.ts';

/** The HTML 404 page of the built UI in `webDir`, or undefined when the UI is not built. */
export function notFoundPage(webDir: string): string | undefined {
  const file = join(webDir, 'not-found.html');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Whether `request` is a browser navigating to a page: GET or HEAD, outside `/api/`, accepting HTML. */
export function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
}

export const webRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  if (!existsSync(deps.webDir)) {
    deps.logger.warn({ webDir: deps.webDir }, 'web UI not built: run `npm run build`');
    return;
  }
  await app.register(fastifyStatic, { root: deps.webDir, prefix: '/', index: 'index.html', wildcard: false });
  app.get('/rooms/:roomId', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  for (const path of ['/login', '/register']) app.get(path, { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
};
