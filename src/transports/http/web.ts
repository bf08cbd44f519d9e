/**
 * The browser UI: static files from `dist/web` (built by `npm run build`) at `/`, and `index.html`
 * for the room pages (`/rooms/:roomId`) and the account pages (`/login`, `/register`) so reloads
 * and shared links work.
 */
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import type { HttpDeps } from './deps.ts';

export const webRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  if (!existsSync(deps.webDir)) {
    deps.logger.warn({ webDir: deps.webDir }, 'web UI not built: run `npm run build`');
    return;
  }
  await app.register(fastifyStatic, { root: deps.webDir, prefix: '/', index: 'index.html', wildcard: false });
  app.get('/rooms/:roomId', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  for (const path of ['/login', '/register']) app.get(path, { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
};
