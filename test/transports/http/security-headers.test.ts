/**
 * Security headers on every page (issue 6): each GET route of the OpenAPI document, the web UI's
 * pages and assets, the API reference, the operator endpoints and error pages carry nosniff, a
 * referrer policy and a CSP without `unsafe-inline` that forbids framing; production adds HSTS.
 * CORS answers the configured origins only, with credentials, and never `*`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../../support/server.ts';

/** Every page a client can GET without parameters it has to know. */
async function pages(server: TestServer): Promise<string[]> {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const api = Object.entries(doc.paths).filter(([, methods]) => 'get' in methods).map(([path]) => path.replace(/\{[^}]+\}/g, 'x'));
  const index = await (await fetch(`${server.url}/`)).text();
  const assets = [...index.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] as string);
  assert.ok(assets.length >= 2, 'the web UI references its script and stylesheet');
  return [...api, ...assets, '/', '/login', '/register', '/rooms/x', '/docs/', '/openapi.json', '/metrics', '/health', '/no-such-page', '/api/v1/no-such-route'];
}

test('every page carries nosniff, no-referrer and a CSP without unsafe-inline that forbids framing; no HSTS outside production', async () => {
  await using server = await startServer();
  const paths = await pages(server);
  assert.ok(paths.length > 20, `only ${paths.length} pages found`);
  for (const path of paths) {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(res.headers.get('strict-transport-security'), null, path);
  }
});

test('in production every page also carries HSTS', async () => {
  await using server = await startServer({ NODE_ENV: 'production', PARLEY_SESSION_SECRET: randomBytes(32).toString('base64url') });
  for (const path of await pages(server)) {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains', path);
  }
});

test('CORS: a configured origin may call the API with credentials; any other origin gets no CORS headers', async () => {
  await using server = await startServer({ PARLEY_ALLOWED_ORIGINS: 'https://app.example.com' });
  const preflight = await fetch(`${server.url}/api/v1/join`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-csrf-token/);
  const read = await fetch(`${server.url}/api/v1/csrf`, { headers: { origin: 'https://app.example.com' } });
  assert.equal(read.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.match(read.headers.get('vary') ?? '', /origin/i);

  for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'null']) {
    const foreign = await fetch(`${server.url}/api/v1/join`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null, origin);
    const get = await fetch(`${server.url}/api/v1/csrf`, { headers: { origin } });
    assert.equal(get.headers.get('access-control-allow-origin'), null, origin);
  }
});
