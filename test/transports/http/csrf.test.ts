/**
 * CSRF protection (issue: identity; double-submit cookie): a state-changing request authenticated by
 * a Parley cookie must echo the `parley_csrf` cookie in `x-csrf-token`; a bearer-authenticated one
 * needs nothing; every response hands a client without one a fresh, script-readable CSRF cookie.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../support/server.ts';

test('a cookie-authenticated change without x-csrf-token, or with a wrong one, is refused with CSRF_FAILED; the right one passes', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  const csrf = (await (await fetch(`${server.url}/api/v1/csrf`)).json()) as { token: string };
  const send = (headers: Record<string, string>, clientId: string) =>
    fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ clientId, body: 'hello' }) });

  const forged = await send({ cookie: `parley_session=${token}` }, 'c1');
  assert.equal(forged.status, 403);
  assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'CSRF_FAILED');
  const wrong = await send({ cookie: `parley_session=${token}; parley_csrf=${csrf.token}`, 'x-csrf-token': 'guessed' }, 'c2');
  assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'CSRF_FAILED');
  const noCookie = await send({ cookie: `parley_session=${token}`, 'x-csrf-token': csrf.token }, 'c3');
  assert.equal(((await noCookie.json()) as { error: { code: string } }).error.code, 'CSRF_FAILED', 'the header alone proves nothing');
  assert.equal((await send({ cookie: `parley_session=${token}; parley_csrf=${csrf.token}`, 'x-csrf-token': csrf.token }, 'c4')).status, 201);
  assert.equal((await send({ authorization: `Bearer ${token}` }, 'c5')).status, 201, 'a bearer token is not sent by browsers on their own: no CSRF check');
  assert.equal((await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { headers: { cookie: `parley_session=${token}` } })).status, 200, 'reads need no token');
});

test('a client without a CSRF cookie gets one on any response: random, readable by the page, SameSite=Strict', async () => {
  await using server = await startServer();
  const first = await fetch(`${server.url}/healthz`);
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^parley_csrf=[A-Za-z0-9_-]{32};/);
  assert.match(cookie, /SameSite=Strict/i);
  assert.doesNotMatch(cookie, /HttpOnly/i);
  const value = /^parley_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
  const again = await fetch(`${server.url}/api/v1/csrf`, { headers: { cookie: `parley_csrf=${value}` } });
  assert.deepEqual(await again.json(), { token: value });
  assert.equal(again.headers.get('set-cookie'), null, 'a client that has one keeps it');
});
