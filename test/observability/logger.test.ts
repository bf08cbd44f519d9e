/**
 * Logs never carry secrets: a full session (join, WebSocket with ?token=, send) is logged at trace
 * level, as JSON and in the pretty format, and scanned for the session token, the join code, the
 * admin token and the message body; an account's whole life is scanned for its password and every
 * access and refresh token. At info, API requests are logged and static files and probes are not
 * (issue 12).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../src/server.ts';
import { loadConfig } from '../../src/config.ts';
import { chooseLogFormat, createLogger, type LogFormat } from '../../src/observability/logger.ts';
import { RawClient } from '../support/ws-client.ts';

/** A session logged at trace in `format`: join, session request with ?token=, WebSocket sends; what it wrote and the secrets it used. */
async function loggedSession(dataDir: string, format: LogFormat): Promise<{ output: string; secrets: string[] }> {
  let output = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
  const adminToken = 'Adm1n-T0ken-for-the-log-test-xyz-123456';
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'trace' });
  const logger = createLogger('trace', { format, destination: sink });
  const server = await createServer(config, { logger });
  const url = await server.listen();
  try {
    const created = (await (await fetch(`${url}/api/v1/admin/rooms`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Logged' }) })).json()) as {
      room: { id: string };
      joinCode: string;
    };
    const joined = (await (await fetch(`${url}/api/v1/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ roomId: created.room.id, code: created.joinCode, name: 'Ada' }) })).json()) as { token: string };
    await fetch(`${url}/api/v1/session?token=${joined.token}`, { headers: { cookie: `parley_session=${joined.token}` } });
    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, joined.token);
    await client.request({ type: 'join', roomId: created.room.id });
    const body = 'a very private message body 7f3a';
    await client.request({ type: 'send', id: 'c1', roomId: created.room.id, body });
    await client.request({ type: 'send', id: 'c2', roomId: created.room.id, body: '{not json' });
    client.send('{"type":"send","body":"' + body + '"');
    await client.close();
    // Code must not log secrets by value, but a secret under a redacted key is removed in every format.
    logger.info({ token: joined.token, room: { joinCode: created.joinCode } }, 'redaction probe');
    return { output, secrets: [joined.token, created.joinCode, adminToken, body] };
  } finally {
    await server.close();
  }
}

test('a logged session is JSON lines with request ids and contains no token, cookie, join code, admin token or message body', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-log-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { output, secrets } = await loggedSession(dataDir, 'json');
  assert.ok(output.includes('incoming request'), 'requests were logged');
  const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { msg?: string; reqId?: string; token?: string });
  const requests = lines.filter((line) => line.msg === 'incoming request');
  assert.ok(requests.length === 3 && requests.every((line) => typeof line.reqId === 'string' && line.reqId.length > 0), 'every request line is JSON with its request id');
  assert.equal(lines.find((line) => line.msg === 'redaction probe')?.token, '[redacted]');
  for (const secret of secrets) assert.ok(!output.includes(secret), `log contains ${secret.slice(0, 8)}…`);
});

test('LOG_FORMAT=pretty writes one readable line per entry (time, level, message, method, path, status, duration, request id), no JSON braces, and redacts the same secrets', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-log-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { output, secrets } = await loggedSession(dataDir, 'pretty');
  assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed POST \/api\/v1\/join → 200 \d+ ms #[0-9a-f-]{8}$/m);
  assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: redaction probe token=\[redacted\] room\.joinCode=\[redacted\]$/m);
  for (const line of output.trim().split('\n')) assert.doesNotMatch(line, /[{}]/, `a line with JSON braces: ${line}`);
  for (const secret of secrets) assert.ok(!output.includes(secret), `log contains ${secret.slice(0, 8)}…`);
});

// The web UI's files come from dist/web (`npm run build`, which `npm test` runs first).
test('at info, API requests are logged and the web UI\'s files, /docs, the probes and /metrics are not (unless refused); at debug they are', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-log-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const loggedPaths = async (level: string) => {
    let output = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
    const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, PARLEY_ADMIN_TOKEN: 'Adm1n-T0ken-for-the-log-test-xyz-123456', LOG_LEVEL: level });
    const server = await createServer(config, { logger: createLogger(level, { destination: sink }) });
    const url = await server.listen();
    try {
      for (const path of ['/', '/app.js', '/style.css', '/healthz', '/live', '/ready', '/health', '/metrics', '/docs/', '/api/v1/csrf', '/no-such-file.js']) assert.ok((await fetch(`${url}${path}`)).status < 500, path);
    } finally {
      await server.close();
    }
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { msg?: string; level: number; req?: { path?: string } });
    const paths = (msg: string) => new Set(lines.filter((line) => line.msg === msg).map((line) => line.req?.path));
    return { incoming: paths('incoming request'), completed: paths('request completed') };
  };
  const info = await loggedPaths('info');
  assert.deepEqual([...info.incoming], ['/api/v1/csrf']);
  assert.deepEqual([...info.completed], ['/api/v1/csrf', '/no-such-file.js'], 'a refused file request still shows at info');
  const debug = await loggedPaths('debug');
  for (const path of ['/', '/app.js', '/style.css', '/healthz', '/live', '/ready', '/health', '/metrics', '/docs/', '/api/v1/csrf']) assert.ok(debug.incoming.has(path) && debug.completed.has(path), `${path} at debug`);
});

test('LOG_FORMAT unset: pretty only in development on a terminal, JSON otherwise; a set LOG_FORMAT wins', () => {
  assert.equal(chooseLogFormat(undefined, 'development', true), 'pretty');
  assert.equal(chooseLogFormat(undefined, 'development', false), 'json');
  assert.equal(chooseLogFormat(undefined, 'production', true), 'json');
  assert.equal(chooseLogFormat(undefined, 'test', true), 'json');
  assert.equal(chooseLogFormat('json', 'development', true), 'json');
  assert.equal(chooseLogFormat('pretty', 'production', false), 'pretty');
  assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  assert.throws(() => loadConfig({ LOG_FORMAT: 'yaml' }), /LOG_FORMAT/);
});

test('a logged account session (register, failed and good logins, refresh, reuse, WebSocket, logout) contains no password or token', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-log-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let output = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((output += chunk.toString()), done()) });
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, PARLEY_ADMIN_TOKEN: 'Adm1n-T0ken-for-the-log-test-xyz-123456', LOG_LEVEL: 'trace' });
  const server = await createServer(config, { logger: createLogger('trace', { destination: sink }) });
  const url = await server.listen();
  const password = 'my secret passphrase 9c1e';
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    (await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<{ accessToken: string; refreshToken: string }>;
  try {
    const registered = await post('/api/v1/auth/register', { username: 'logged', password, name: 'Logged' });
    await post('/api/v1/auth/register', { username: 'x', password: 'short!' });
    await post('/api/v1/auth/login', { username: 'logged', password: `${password} wrong` });
    await post('/api/v1/auth/login', { username: 'nobody', password });
    const login = await post('/api/v1/auth/login', { username: 'logged', password });
    const refreshed = await post('/api/v1/auth/refresh', { refreshToken: login.refreshToken });
    await post('/api/v1/auth/refresh', { refreshToken: login.refreshToken });
    await fetch(`${url}/api/v1/auth/me`, { headers: { cookie: `parley_access=${registered.accessToken}` } });
    // The replay above ended the login's sign-in, refreshed token included: the socket uses the registration's.
    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, registered.accessToken);
    await client.close();
    await post('/api/v1/auth/logout', { refreshToken: registered.refreshToken });
    assert.ok(output.includes('/api/v1/auth/login'), 'the account requests were logged');
    const secrets = [password, registered.accessToken, registered.refreshToken, login.accessToken, login.refreshToken, refreshed.accessToken, refreshed.refreshToken];
    for (const secret of secrets) assert.ok(secret.length > 8 && !output.includes(secret), `log contains ${secret.slice(0, 6)}…`);
  } finally {
    await server.close();
  }
});
