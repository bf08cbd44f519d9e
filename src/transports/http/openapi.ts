/**
 * The OpenAPI document at `/openapi.json`, generated from the same Zod schemas as the protocol,
 * and a browsable reference at `/docs`.
 */
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { FastifyInstance } from 'fastify';

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
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** Registered with fastify-plugin so the swagger hooks see routes registered by sibling plugins. */
export const openapiRoutes = fp(openapi, { name: 'parley-openapi' });
