/**
 * The OpenAPI document at `/openapi.json`, generated from the same Zod schemas as the protocol,
 * and a browsable reference at `/docs` whose "Try it out" works for a signed-in browser (issue 12).
 * `/docs` runs under the same Content-Security-Policy as every page (no inline script or style):
 * the plugin's pages load only files, and the interceptor that adds the CSRF header
 * (`openapi-csrf.js`) and the narrow-screen styles (`openapi-docs.css`) are two more.
 */
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { FastifyInstance } from 'fastify';

/** The browser script that gives Swagger UI's requests the CSRF header (see the file). */
const CSRF_SCRIPT = readFileSync(new URL('./openapi-csrf.js', import.meta.url), 'utf8');
/** Additions to Swagger UI's style sheet for narrow screens. */
const DOCS_STYLE = readFileSync(new URL('./openapi-docs.css', import.meta.url), 'utf8');

async function openapi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Parley HTTP API', version: '1', description: 'Rooms, messages and sessions. The WebSocket protocol is documented in docs/protocol.md.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // Swagger UI's top bar draws its logo with an inline <style>, which the CSP refuses.
    uiConfig: { layout: 'BaseLayout' },
    theme: { title: 'Parley HTTP API', css: [{ filename: 'parley-docs.css', content: DOCS_STYLE }], js: [{ filename: 'parley-csrf.js', content: CSRF_SCRIPT }] },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** Registered with fastify-plugin so the swagger hooks see routes registered by sibling plugins. */
export const openapiRoutes = fp(openapi, { name: 'parley-openapi' });
