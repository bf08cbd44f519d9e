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
  assert.deepEqual(Object.keys(join.properties).sort(), ['code', 'invite', 'name', 'roomId']);
  assert.deepEqual(join.required.sort(), ['roomId']);
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

test('a browser asking for a page that does not exist gets an HTML 404 page; API clients and API paths keep the JSON error', async () => {
  await using server = await startServer();
  const page = await fetch(`${server.url}/no/such/page`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.equal(page.status, 404);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  assert.match(html, /<title>Page not found · Parley<\/title>/);
  assert.match(html, /<a href="\/">/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'served under the same CSP as every page');
  for (const [path, accept] of [['/no/such/page', 'application/json'], ['/api/v1/nothing-here', 'text/html']] as const) {
    const res = await fetch(`${server.url}${path}`, { headers: { accept } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND', `${path} with accept ${accept}`);
  }
});

test('GET /live answers 200; GET /ready answers 200 with one passing check per dependency', async () => {
  await using server = await startServer();
  assert.equal((await fetch(`${server.url}/live`)).status, 200);
  const res = await fetch(`${server.url}/ready`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { ready: boolean; draining: boolean; checks: Record<string, { ok: boolean; latencyMs: number }> };
  assert.deepEqual(Object.keys(body.checks), ['store']);
  assert.equal(body.checks.store?.ok, true);
  assert.ok((body.checks.store?.latencyMs ?? -1) >= 0);
  assert.deepEqual({ ready: body.ready, draining: body.draining }, { ready: true, draining: false });
});

test('once a graceful shutdown begins, /ready answers 503 with draining: true and /health status draining while sockets are still closing', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { client } = await server.member(room.id, joinCode, 'Slow to leave');
  // A client that stops reading does not answer the close frame: the drain waits for it.
  (client.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const stopping = server.stop();
  type Ready = { ready: boolean; draining: boolean; checks: Record<string, { ok: boolean }> };
  let body: Ready | undefined;
  for (let i = 0; i < 100 && body?.draining !== true; i++) {
    const res = await fetch(`${server.url}/ready`).catch(() => undefined);
    if (res === undefined) break;
    const ready = (await res.json()) as Ready;
    body = ready;
    if (ready.draining) {
      assert.equal(res.status, 503);
      const health = await fetch(`${server.url}/health`).catch(() => undefined);
      if (health !== undefined) assert.deepEqual([health.status, ((await health.json()) as { status: string }).status], [503, 'draining']);
    }
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual({ ready: body?.ready, draining: body?.draining, store: body?.checks.store?.ok }, { ready: false, draining: true, store: true });
  client.socket.terminate();
  await stopping;
});

test('GET /health reports a top-level status ok, version, uptime, open connections, memory and each dependency with its latency', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { client } = await server.member(room.id, joinCode, 'Ada');
  const res = await fetch(`${server.url}/health`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; ready: boolean; version: string; uptimeMs: number; connections: number; memory: Record<string, number>; checks: Record<string, { ok: boolean; latencyMs: number }> };
  assert.equal(body.ready, true);
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.ok(body.uptimeMs > 0);
  assert.equal(body.connections, 1);
  assert.ok((body.memory.rssBytes ?? 0) > 1024 * 1024 && (body.memory.heapUsedBytes ?? 0) > 0);
  assert.equal(body.checks.store?.ok, true);
  await client.close();
});

test('PARLEY_HEALTH=off and PARLEY_DOCS=off remove /health, /docs and /openapi.json; the probes stay', async () => {
  await using server = await startServer({ PARLEY_HEALTH: 'off', PARLEY_DOCS: 'off' });
  for (const path of ['/health', '/docs/', '/openapi.json']) assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
  for (const path of ['/live', '/healthz', '/ready', '/metrics']) assert.equal((await fetch(`${server.url}${path}`)).status, 200, path);
});
