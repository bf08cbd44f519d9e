/**
 * The HTTP rate limit per client address (issue: abuse resistance): 429 `RATE_LIMITED` with
 * `Retry-After` past the limit, a stricter limit on the routes that admit people, probes exempt,
 * one budget per address (X-Forwarded-For believed only from PARLEY_TRUST_PROXY), WebSocket
 * upgrades counted as requests. Real sockets; several source addresses from 127.0.0.0/8.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../../support/server.ts';
import { eventually } from '../../support/eventually.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { error?: { code: string; retryable: boolean; details?: { retryAfterMs?: number } } };
}

/** One HTTP request from `from` (a local address, 127.0.0.1 unless given) with `headers`. */
function call(server: TestServer, method: string, path: string, options: { from?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const { hostname, port } = new URL(server.url);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method, path, localAddress: options.from ?? '127.0.0.1', headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as Answer['body']) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Make `count` requests one after another; the statuses in order. */
async function statuses(count: number, make: () => Promise<Answer>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await make()).status);
  return out;
}

/** Assert the answer is the rate limit's: 429, RATE_LIMITED, retryAfterMs within the window and Retry-After in whole seconds. */
function assertLimited(answer: Answer, windowMs: number): void {
  assert.equal(answer.status, 429);
  assert.equal(answer.body.error?.code, 'RATE_LIMITED');
  assert.equal(answer.body.error?.retryable, true);
  const retryAfterMs = answer.body.error?.details?.retryAfterMs;
  assert.ok(typeof retryAfterMs === 'number' && retryAfterMs > 0 && retryAfterMs <= windowMs, `retryAfterMs ${retryAfterMs}`);
  assert.equal(answer.headers['retry-after'], String(Math.ceil(retryAfterMs / 1000)));
}

test('by default an address gets 100 requests a minute, then 429 RATE_LIMITED with Retry-After in seconds and details.retryAfterMs', async () => {
  // An empty value counts as unset: the defaults apply.
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '', PARLEY_HTTP_AUTH_RATE_LIMIT: '', PARLEY_HTTP_RATE_WINDOW_MS: '' });
  const served = await statuses(100, () => call(server, 'GET', '/api/v1/session'));
  assert.deepEqual(new Set(served), new Set([401]), 'the first 100 are answered by the route');
  assertLimited(await call(server, 'GET', '/api/v1/session'), 60_000);
  assertLimited(await call(server, 'GET', '/no/such/route'), 60_000);
});

test('by default the routes that admit people allow 20 requests a minute per address, counted apart from other requests', async () => {
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '', PARLEY_HTTP_AUTH_RATE_LIMIT: '', PARLEY_HTTP_RATE_WINDOW_MS: '' });
  const joins = await statuses(20, () => call(server, 'POST', '/api/v1/join', { body: {} }));
  assert.deepEqual(new Set(joins), new Set([400]));
  assertLimited(await call(server, 'POST', '/api/v1/join', { body: {} }), 60_000);
  assert.equal((await call(server, 'GET', '/api/v1/session')).status, 401, 'other routes keep their own budget');
});

test('joining, signing in or up, refreshing and /embed share the admission limit, and a percent-encoded path counts as the route it reaches', async () => {
  await using server = await startServer({ PARLEY_HTTP_AUTH_RATE_LIMIT: '4', PARLEY_HTTP_RATE_LIMIT: '1000' });
  assert.equal((await call(server, 'POST', '/api/v1/join', { body: {} })).status, 400);
  assert.equal((await call(server, 'GET', '/embed')).status, 403);
  assert.equal((await call(server, 'POST', '/api/v1/auth/login', { body: {} })).status, 400);
  assert.equal((await call(server, 'POST', '/api/v1/%6Aoin', { body: {} })).status, 400, 'reaches the join route');
  assertLimited(await call(server, 'POST', '/api/v1/%6Aoin', { body: {} }), 60_000);
  assertLimited(await call(server, 'GET', '/embed?ticket=x'), 60_000);
  assertLimited(await call(server, 'POST', '/api/v1/auth/register', { body: {} }), 60_000);
  assertLimited(await call(server, 'POST', '/api/v1/auth/refresh', { body: {} }), 60_000);
  assert.equal((await call(server, 'GET', '/api/v1/session')).status, 401);
  assert.equal((await call(server, 'GET', '/api/v1/auth/me')).status, 401, 'reading the signed-in account is an ordinary request');
});

test('probes are never rate limited', async () => {
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '2' });
  await statuses(2, () => call(server, 'GET', '/api/v1/session'));
  assertLimited(await call(server, 'GET', '/api/v1/session'), 60_000);
  for (let i = 0; i < 5; i++) {
    for (const path of ['/healthz', '/live', '/ready', '/health', '/metrics']) assert.equal((await call(server, 'GET', path)).status, 200, path);
  }
});

test('each client address has its own budget, and the window reopens after Retry-After', async () => {
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '3', PARLEY_HTTP_RATE_WINDOW_MS: '1000' });
  assert.deepEqual(await statuses(3, () => call(server, 'GET', '/api/v1/session', { from: '127.0.0.2' })), [401, 401, 401]);
  const limited = await call(server, 'GET', '/api/v1/session', { from: '127.0.0.2' });
  assertLimited(limited, 1000);
  assert.equal((await call(server, 'GET', '/api/v1/session', { from: '127.0.0.3' })).status, 401, 'another address is served');
  const waited = await eventually('127.0.0.2 is served again', 3000, async () => (await call(server, 'GET', '/api/v1/session', { from: '127.0.0.2' })).status === 401);
  assert.ok(waited <= 1000 + 200, `served again after ${waited} ms, within the window`);
});

test('X-Forwarded-For does not buy a fresh budget unless PARLEY_TRUST_PROXY names the proxy', async () => {
  await using direct = await startServer({ PARLEY_HTTP_RATE_LIMIT: '2' });
  await call(direct, 'GET', '/api/v1/session', { headers: { 'x-forwarded-for': '203.0.113.1' } });
  await call(direct, 'GET', '/api/v1/session', { headers: { 'x-forwarded-for': '203.0.113.2' } });
  assertLimited(await call(direct, 'GET', '/api/v1/session', { headers: { 'x-forwarded-for': '203.0.113.3' } }), 60_000);

  await using proxied = await startServer({ PARLEY_HTTP_RATE_LIMIT: '2', PARLEY_TRUST_PROXY: 'loopback' });
  const asClient = (address: string) => call(proxied, 'GET', '/api/v1/session', { headers: { 'x-forwarded-for': address } });
  assert.deepEqual([(await asClient('203.0.113.1')).status, (await asClient('203.0.113.1')).status], [401, 401]);
  assertLimited(await asClient('203.0.113.1'), 60_000);
  assert.equal((await asClient('203.0.113.2')).status, 401, 'behind a trusted proxy each client has its own budget');
  // IPv6 clients count by their /64: another address in the same network shares its budget.
  await asClient('2001:db8:1:2::a');
  await asClient('2001:db8:1:2::b');
  assertLimited(await asClient('2001:db8:1:2:ffff::c'), 60_000);
  assert.equal((await asClient('2001:db8:1:3::a')).status, 401);
});

test('a WebSocket upgrade counts as a request: past the limit it is refused with 429 and Retry-After', async () => {
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '2' });
  await statuses(2, () => call(server, 'GET', '/api/v1/session'));
  const refused = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(server.wsUrl);
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 60, `Retry-After ${refused.retryAfter}`);
});
