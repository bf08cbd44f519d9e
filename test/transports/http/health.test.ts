/** `/healthz`, the generated OpenAPI document, the API reference at `/docs`, security headers and 404s. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../support/server.ts';

test('GET /healthz answers 200 {"status":"ok"}', async () => {
  await using server = await startServer();
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('the OpenAPI document lists every API route with the protocol\'s schemas, and /docs serves the reference', async () => {
  await using server = await startServer();
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
    components: { schemas: Record<string, unknown> };
  };
  assert.match(doc.openapi, /^3\./);
  for (const path of ['/api/v1/join', '/api/v1/session', '/api/v1/rooms/{roomId}', '/api/v1/rooms/{roomId}/messages', '/api/v1/rooms/{roomId}/messages/batch', '/api/v1/rooms/{roomId}/members', '/api/v1/admin/rooms', '/api/v1/admin/rooms/{roomId}/close', '/healthz']) {
    assert.ok(doc.paths[path], `missing ${path}`);
  }
  const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
  for (const name of new Set(refs)) assert.ok(doc.components.schemas[name], `dangling $ref ${name}`);
  const ref = /"#\/components\/schemas\/([^"]+)"/.exec(JSON.stringify(doc.paths['/api/v1/join']?.post?.requestBody))?.[1] ?? '';
  const join = doc.components.schemas[ref] as { properties: Record<string, unknown>; required: string[] };
  assert.deepEqual(Object.keys(join.properties).sort(), ['code', 'name', 'roomId']);
  assert.deepEqual(join.required.sort(), ['name', 'roomId']);
  const docs = await fetch(`${server.url}/docs/`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
});

test('unknown routes answer 404 with the NOT_FOUND code', async () => {
  await using server = await startServer();
  const res = await fetch(`${server.url}/api/v1/nothing-here`);
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
});
