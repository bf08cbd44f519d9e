/**
 * Integrator JWTs end to end, over real HTTP and WebSocket against a real server: the token in the
 * `Authorization` header, in `?token=` and in a first `auth` frame; rooms granted by the token
 * joined without a code and with the granted role; forged and stale tokens refused everywhere; the
 * sender of a message is always the token's user; renewal over the socket, and the 4401 close of a
 * socket whose token expires unrenewed. HS256 with a shared secret, and RS256 / EdDSA against a key
 * set served by a local HTTP server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { decodeJwt } from 'jose';
import { startServer } from '../support/server.ts';
import { RawClient, closeCodeAfter, upgradeStatus } from '../support/ws-client.ts';
import { eventually } from '../support/eventually.ts';
import { call } from '../support/api.ts';
import { ISSUER, SECRET, hmacSigned, mint, registered, serveJwks, tamperSignature, testKey, unsecured } from '../support/integrator-tokens.ts';

const HS256_ENV = { PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: ISSUER };

/** Unix ms at which the server stops accepting `token` (its exp, with PARLEY_JWT_CLOCK_SKEW_MS=0). */
function expiryOf(token: string): number {
  return (decodeJwt(token).exp as number) * 1000;
}

test('an integrator JWT authenticates as jwt:<sub>: over HTTP in the Authorization header, over WebSocket by ?token=, header or first auth frame', async () => {
  await using server = await startServer(HS256_ENV);
  const token = await mint(SECRET, { sub: 'alice', name: 'Alice' });

  const session = await call(server.url, 'GET', '/api/v1/session', token);
  assert.equal(session.status, 200);
  const body = session.json as { user: { id: string; name: string }; role: string; expiresAt: number };
  assert.deepEqual(body.user, { id: 'jwt:alice', name: 'Alice' });
  assert.equal(body.role, 'user');
  assert.equal(body.expiresAt, expiryOf(token) + 30_000, 'exp plus the default 30 s skew');
  assert.equal((await fetch(`${server.url}/api/v1/session?token=${token}`)).status, 401, 'HTTP ignores ?token= (it would end up in access logs)');

  await using byQuery = await RawClient.connect(server.wsUrl, token);
  assert.deepEqual(byQuery.frames[0]?.user, { id: 'jwt:alice', name: 'Alice' });
  await using byHeader = await RawClient.connect(server.wsUrl, undefined, { authorization: `Bearer ${token}` });
  assert.deepEqual(byHeader.frames[0]?.user, { id: 'jwt:alice', name: 'Alice' });
  await using byFrame = await RawClient.connectWithAuthFrame(server.wsUrl, token);
  assert.deepEqual(byFrame.frames.map((f) => f.type), ['reply', 'welcome']);
  assert.deepEqual(byFrame.frames[0]?.result, { user: { id: 'jwt:alice', name: 'Alice' }, expiresAt: expiryOf(token) + 30_000 });
  assert.deepEqual((await byFrame.request({ type: 'ping' })).result, {}, 'the socket serves commands');
});

test('a token\'s rooms are joined without a code with the granted role, over HTTP POST /api/v1/join and WebSocket join; other rooms are refused', async () => {
  await using server = await startServer(HS256_ENV);
  const support = await server.createRoom({ name: 'Support' });
  const sales = await server.createRoom({ name: 'Sales' });
  const other = await server.createRoom({ name: 'Private' });
  const token = await mint(SECRET, { sub: 'alice', name: 'Alice', rooms: [support.room.id, sales.room.id], role: 'moderator' });

  const joined = await call(server.url, 'POST', '/api/v1/join', token, { roomId: support.room.id });
  assert.equal(joined.status, 200);
  const answer = joined.json as { user: { id: string }; role: string; token?: string };
  assert.deepEqual({ user: answer.user.id, role: answer.role, token: answer.token }, { user: 'jwt:alice', role: 'moderator', token: undefined }, 'no join session is issued: the JWT stays the credential');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${support.room.id}/invites`, token, { role: 'guest' })).status, 201, 'the moderator role is in force: it may mint invites');

  await using ws = await RawClient.connect(server.wsUrl, token);
  const reply = await ws.request({ type: 'join', roomId: sales.room.id });
  const members = (reply.result as { members: Array<{ userId: string; role: string }> }).members;
  assert.deepEqual(members.map((m) => [m.userId, m.role]), [['jwt:alice', 'moderator']]);
  assert.equal((await ws.request({ type: 'send', id: 'm1', roomId: sales.room.id, body: 'hello' })).result !== undefined, true);

  assert.equal(((await ws.request({ type: 'join', roomId: other.room.id })).error as { code: string }).code, 'ROOM_NOT_FOUND', 'no grant, no membership: the room is not shown');
  const refused = await call(server.url, 'POST', '/api/v1/join', token, { roomId: other.room.id });
  assert.deepEqual([refused.status, refused.json.error?.code], [403, 'BAD_JOIN_CODE'], 'without a grant the room\'s join rule applies');
  const history = await call(server.url, 'GET', `/api/v1/rooms/${other.room.id}/messages`, token);
  assert.deepEqual([history.status, history.json.error?.code], [404, 'ROOM_NOT_FOUND']);
  const withCode = await call(server.url, 'POST', '/api/v1/join', token, { roomId: other.room.id, code: other.joinCode });
  assert.deepEqual([withCode.status, (withCode.json as { role: string }).role], [200, 'member'], 'with the code it joins like anyone');
});

test('a guest grant reads but cannot send: the granted role decides', async () => {
  await using server = await startServer(HS256_ENV);
  const { room } = await server.createRoom();
  await using ws = await RawClient.connect(server.wsUrl, await mint(SECRET, { sub: 'visitor', rooms: [room.id], role: 'guest' }));
  assert.ok((await ws.request({ type: 'join', roomId: room.id })).result);
  assert.equal(((await ws.request({ type: 'send', id: 'm1', roomId: room.id, body: 'hi' })).error as { code: string }).code, 'FORBIDDEN');
});

test('forged and stale tokens are refused over HTTP (401), at the WebSocket upgrade (401) and in a first auth frame (4401); within the skew they pass', async () => {
  await using server = await startServer(HS256_ENV);
  const claims = { sub: 'alice', name: 'Alice' };
  const good = await mint(SECRET, claims);
  const refused: Array<[string, string]> = [
    ['tampered signature', tamperSignature(good)],
    ['wrong secret', await mint('a-different-key-of-at-least-32-characters', claims)],
    ['alg none', unsecured({ ...registered(), ...claims })],
    ['expired beyond the 30 s skew', await mint(SECRET, claims, { expiresInS: -60 })],
    ['nbf 60 s in the future', await mint(SECRET, claims, { notBeforeInS: 60 })],
    ['wrong issuer', await mint(SECRET, claims, { issuer: 'https://evil.test' })],
    ['wrong audience', await mint(SECRET, claims, { audience: 'another-service' })],
    ['missing sub', await mint(SECRET, { name: 'Alice' })],
  ];
  for (const [what, token] of refused) {
    const response = await call(server.url, 'GET', '/api/v1/session', token);
    assert.deepEqual([response.status, response.json.error?.code], [401, 'UNAUTHENTICATED'], `HTTP: ${what}`);
    assert.equal(await upgradeStatus(`${server.wsUrl}?token=${encodeURIComponent(token)}`), 401, `upgrade: ${what}`);
    assert.equal(await closeCodeAfter(server.wsUrl, { type: 'auth', id: 'a', token }), 4401, `auth frame: ${what}`);
  }
  const withinSkew = await mint(SECRET, claims, { expiresInS: -10 });
  assert.equal((await call(server.url, 'GET', '/api/v1/session', withinSkew)).status, 200, 'expired 10 s ago: within the skew');
  await using ws = await RawClient.connect(server.wsUrl, withinSkew);
  assert.equal((ws.frames[0]?.user as { id: string }).id, 'jwt:alice');
});

test('a token whose exp is in milliseconds, or beyond PARLEY_JWT_MAX_LIFETIME_MS, is refused: 401 UNAUTHENTICATED saying why over HTTP, 401 at the upgrade, 4401 in a first auth frame', async () => {
  await using server = await startServer({ ...HS256_ENV, PARLEY_JWT_MAX_LIFETIME_MS: '3600000' });
  const inMs = await mint(SECRET, { sub: 'alice', exp: Date.now() + 600_000 }, { expiresInS: null });
  const twoHours = await mint(SECRET, { sub: 'alice' }, { expiresInS: 7200 });
  for (const token of [inMs, twoHours]) {
    const answer = await call(server.url, 'GET', '/api/v1/session', token);
    assert.equal(answer.status, 401);
    const error = (answer.json as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.match(error.message, /PARLEY_JWT_MAX_LIFETIME_MS/);
    assert.equal(await upgradeStatus(`${server.wsUrl}?token=${token}`), 401);
    assert.equal(await closeCodeAfter(server.wsUrl, { type: 'auth', token }), 4401);
  }
  assert.equal((await call(server.url, 'GET', '/api/v1/session', await mint(SECRET, { sub: 'alice' }, { expiresInS: 3600 }))).status, 200, 'one hour is within the limit');
});

test('with a key set served over HTTP, RS256 and EdDSA tokens authenticate; an HS256 token keyed with the public key is refused (algorithm confusion)', async () => {
  const rsa = await testKey('RS256');
  const ed = await testKey('EdDSA');
  await using jwks = await serveJwks([rsa, ed]);
  await using server = await startServer({ PARLEY_JWT_JWKS_URL: jwks.url, PARLEY_JWT_ISSUER: ISSUER });
  const { room } = await server.createRoom();
  for (const key of [rsa, ed]) {
    const token = await mint(key.privateKey, { sub: `user-${key.alg}`, rooms: [room.id] }, { alg: key.alg, kid: key.kid });
    const session = await call(server.url, 'GET', '/api/v1/session', token);
    assert.equal((session.json as { user: { id: string } }).user.id, `jwt:user-${key.alg}`, `HTTP, ${key.alg}`);
    await using ws = await RawClient.connectWithAuthFrame(server.wsUrl, token);
    assert.ok((await ws.request({ type: 'join', roomId: room.id })).result, `WebSocket join, ${key.alg}`);
  }
  const confused = hmacSigned(rsa.publicPem, { ...registered(), sub: 'mallory', rooms: [room.id], admin: true }, rsa.kid);
  assert.equal((await call(server.url, 'GET', '/api/v1/session', confused)).status, 401);
  assert.equal(await upgradeStatus(`${server.wsUrl}?token=${encodeURIComponent(confused)}`), 401);
  assert.equal(await closeCodeAfter(server.wsUrl, { type: 'auth', id: 'a', token: confused }), 4401);
  assert.equal((await call(server.url, 'GET', '/api/v1/session', await mint(SECRET, { sub: 'mallory' }, { kid: rsa.kid }))).status, 401, 'any HS256 token');
  assert.equal((await call(server.url, 'GET', '/api/v1/session', unsecured({ ...registered(), sub: 'mallory' }))).status, 401, 'alg none');
});

test('when the key set cannot be fetched, requests answer 503 JWKS_UNAVAILABLE and upgrades 503, not 401', async () => {
  const rsa = await testKey('RS256');
  await using jwks = await serveJwks([rsa]);
  jwks.fail(true);
  await using server = await startServer({ PARLEY_JWT_JWKS_URL: jwks.url, PARLEY_JWT_ISSUER: ISSUER });
  const token = await mint(rsa.privateKey, { sub: 'alice' }, { alg: 'RS256', kid: rsa.kid });
  const response = await call(server.url, 'GET', '/api/v1/session', token);
  const body = response.json as { error: { code: string; retryable: boolean } };
  assert.deepEqual([response.status, body.error.code, body.error.retryable], [503, 'JWKS_UNAVAILABLE', true]);
  assert.equal(await upgradeStatus(`${server.wsUrl}?token=${encodeURIComponent(token)}`), 503);
});

test('the sender is always the principal: senderId and senderName in a send frame or body are dropped by the schema, and the message is the token user\'s', async () => {
  await using server = await startServer(HS256_ENV);
  const { room } = await server.createRoom();
  const grant = { rooms: [room.id] };
  await using alice = await RawClient.connect(server.wsUrl, await mint(SECRET, { sub: 'alice', name: 'Alice', ...grant }));
  const bobToken = await mint(SECRET, { sub: 'bob', name: 'Bob', ...grant });
  await using bob = await RawClient.connect(server.wsUrl, bobToken);
  await alice.request({ type: 'join', roomId: room.id });
  const bobJoin = await bob.request({ type: 'join', roomId: room.id });

  const ack = await alice.request({ type: 'send', id: 'spoof-1', roomId: room.id, body: 'I am Bob', senderId: 'jwt:bob', senderName: 'Bob' });
  assert.equal((ack.result as { seq: number }).seq, (bobJoin.result as { room: { lastSeq: number } }).room.lastSeq + 1, 'accepted as the next event after Bob\'s join');
  await bob.waitForMessages(1, room.id);
  const pushed = bob.messages(room.id)[0];
  assert.deepEqual([pushed?.senderId, pushed?.senderName], ['jwt:alice', 'Alice']);

  const viaHttp = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, await mint(SECRET, { sub: 'alice', name: 'Alice', ...grant }), { clientId: 'spoof-2', body: 'me too', senderId: 'jwt:bob' });
  assert.equal(viaHttp.status, 201);
  const history = (await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, bobToken)).json as { events: Array<{ type: string; senderId: string; senderName: string }> };
  assert.deepEqual(history.events.filter((e) => e.type === 'message').map((m) => [m.senderId, m.senderName]), [['jwt:alice', 'Alice'], ['jwt:alice', 'Alice']]);
});

test('Parley\'s own tokens and integrator tokens do not stand in for each other: an invite is no bearer credential, an integrator JWT is no invite', async () => {
  await using server = await startServer(HS256_ENV);
  const { room } = await server.createRoom();
  const other = await server.createRoom();
  const owner = await mint(SECRET, { sub: 'owner', rooms: [room.id], role: 'owner' });
  const minted = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner, { role: 'member' });
  assert.equal(minted.status, 201);
  const { invite } = minted.json as { invite: string };
  assert.equal((await call(server.url, 'GET', '/api/v1/session', invite)).status, 401, 'an invite as a bearer token');
  assert.equal(await upgradeStatus(`${server.wsUrl}?token=${encodeURIComponent(invite)}`), 401, 'an invite at the upgrade');
  assert.equal(await closeCodeAfter(server.wsUrl, { type: 'auth', id: 'a', token: invite }), 4401, 'an invite in an auth frame');

  const asInvite = await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: other.room.id, invite: owner, name: 'Mallory' });
  assert.deepEqual([asInvite.status, asInvite.json.error?.code], [403, 'INVITE_INVALID']);
});

test('admin: true in a token gives the admin role: it closes a room it is not a member of, which the same token without it may not', async () => {
  await using server = await startServer(HS256_ENV);
  const { room } = await server.createRoom();
  const plain = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, await mint(SECRET, { sub: 'ops' }), {});
  assert.deepEqual([plain.status, plain.json.error?.code], [404, 'ROOM_NOT_FOUND'], 'not a member: the room is not shown');
  const admin = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, await mint(SECRET, { sub: 'ops', admin: true }), {});
  assert.equal(admin.status, 200);
  assert.equal((admin.json as { room: { closedAt: number | null } }).room.closedAt !== null, true);
  assert.equal((await call(server.url, 'GET', '/api/v1/admin/rooms', await mint(SECRET, { sub: 'ops', admin: true }))).status, 403, 'the admin API needs the admin token or an admin account');
});

/** Run examples/integrator/mint-jwt.ts with `args`; resolves with what it printed on stdout, trimmed. */
async function runMintExample(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/integrator/mint-jwt.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  return stdout.trim();
}

test('examples/integrator/mint-jwt.ts mints tokens the server accepts: HS256 with the shared secret, and EdDSA with a generated key whose key set is published', async () => {
  await using server = await startServer(HS256_ENV);
  const { room } = await server.createRoom();
  const hs256 = await runMintExample(['--sub', 'u-42', '--name', 'Grace', '--room', room.id, '--role', 'moderator'], HS256_ENV);
  const joined = await call(server.url, 'POST', '/api/v1/join', hs256, { roomId: room.id });
  assert.deepEqual([(joined.json.user as { id: string }).id, joined.json.role], ['jwt:u-42', 'moderator']);

  const dir = mkdtempSync(join(tmpdir(), 'parley-keys-'));
  try {
    await runMintExample(['--generate-key', 'EdDSA', '--out', dir]);
    const published = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: Array<Record<string, unknown>> };
    assert.equal(published.keys.some((k) => 'd' in k), false, 'the published key set holds no private part');
    await using jwks = await serveJwks(published.keys);
    await using keyed = await startServer({ PARLEY_JWT_JWKS_URL: jwks.url, PARLEY_JWT_ISSUER: ISSUER });
    const eddsa = await runMintExample(['--key', join(dir, 'private.jwk.json'), '--issuer', ISSUER, '--sub', 'u-7', '--admin']);
    const session = (await call(keyed.url, 'GET', '/api/v1/session', eddsa)).json as { user: { id: string }; role: string };
    assert.deepEqual([session.user.id, session.role], ['jwt:u-7', 'admin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const RENEWAL_ENV = { ...HS256_ENV, PARLEY_HEARTBEAT_INTERVAL_MS: '1000', PARLEY_JWT_CLOCK_SKEW_MS: '0' };

test('an auth frame with a fresh token for the same sub renews the socket: it outlives the first token\'s exp, while an unrenewed twin is closed', async () => {
  await using server = await startServer(RENEWAL_ENV);
  const { room } = await server.createRoom();
  const short = await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 2 });
  await using renewed = await RawClient.connect(server.wsUrl, short);
  await using unrenewed = await RawClient.connect(server.wsUrl, short);
  const joined = await renewed.request({ type: 'join', roomId: room.id });
  const pingsAfterExpiry: number[] = [];
  renewed.socket.on('ping', () => Date.now() > expiryOf(short) && pingsAfterExpiry.push(Date.now()));

  const fresh = await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 120 });
  const reply = await renewed.request({ type: 'auth', token: fresh });
  assert.deepEqual(reply.result, { user: { id: 'jwt:alice', name: 'alice' }, expiresAt: expiryOf(fresh) });

  assert.equal((await unrenewed.closeEvent).code, 4401, 'without renewal the same token\'s socket is closed');
  // Two heartbeat sweeps after the first token's expiry pinged the renewed socket instead of closing it.
  await eventually('two heartbeats after the first token expired', 5000, () => pingsAfterExpiry.length >= 2);
  assert.equal(renewed.socket.readyState, WebSocket.OPEN);
  const ack = await renewed.request({ type: 'send', id: 'after-renewal', roomId: room.id, body: 'still here' });
  assert.equal((ack.result as { seq: number }).seq, (joined.result as { room: { lastSeq: number } }).room.lastSeq + 1, 'accepted as the next event after the join');
});

test('a socket whose token expires unrenewed is closed with 4401 within one heartbeat, and a frame sent at expiry is not accepted', async () => {
  await using server = await startServer(RENEWAL_ENV);
  const { room } = await server.createRoom();
  const short = await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 2 });
  const observerToken = await mint(SECRET, { sub: 'bob', rooms: [room.id] }, { expiresInS: 120 });
  await using silent = await RawClient.connect(server.wsUrl, short);
  const silentClosedAt = silent.closeEvent.then((event) => ({ ...event, at: Date.now() }));
  await using talker = await RawClient.connect(server.wsUrl, short);
  await talker.request({ type: 'join', roomId: room.id });
  await using observer = await RawClient.connect(server.wsUrl, observerToken);
  await observer.request({ type: 'join', roomId: room.id });

  const expiresAt = expiryOf(short);
  await eventually('the token expired', 5000, () => Date.now() >= expiresAt);
  const sentAt = talker.frames.length;
  talker.send({ type: 'send', id: 'too-late', roomId: room.id, body: 'after expiry' });

  const closed = await silentClosedAt;
  assert.equal(closed.code, 4401);
  assert.ok(closed.at - expiresAt <= 1000 + 500, `closed ${closed.at - expiresAt} ms after expiry; the heartbeat is 1000 ms`);
  assert.equal((await talker.closeEvent).code, 4401);
  assert.deepEqual(talker.after(sentAt, (f) => f.type === 'reply'), [], 'no ack for the late frame');

  await observer.request({ type: 'send', id: 'on-time', roomId: room.id, body: 'from bob' });
  const history = (await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, observerToken)).json as { events: Array<{ type: string; body?: string }> };
  assert.deepEqual(history.events.filter((e) => e.type === 'message').map((m) => m.body), ['from bob'], 'the late frame was not stored');
  assert.deepEqual(observer.messages(room.id).map((m) => m.body), ['from bob']);
});

test('renewal with a token for another sub is refused with FORBIDDEN, an invalid one with UNAUTHENTICATED, and the socket keeps its user', async () => {
  await using server = await startServer(RENEWAL_ENV);
  const { room } = await server.createRoom();
  const alice = await mint(SECRET, { sub: 'alice', name: 'Alice', rooms: [room.id] }, { expiresInS: 120 });
  await using ws = await RawClient.connect(server.wsUrl, alice);
  await ws.request({ type: 'join', roomId: room.id });

  const asBob = await ws.request({ type: 'auth', token: await mint(SECRET, { sub: 'bob', name: 'Bob', rooms: [room.id] }, { expiresInS: 600 }) });
  assert.equal((asBob.error as { code: string }).code, 'FORBIDDEN');
  const expired = await ws.request({ type: 'auth', token: await mint(SECRET, { sub: 'alice' }, { expiresInS: -5 }) });
  assert.equal((expired.error as { code: string }).code, 'UNAUTHENTICATED');
  const forged = await ws.request({ type: 'auth', token: tamperSignature(await mint(SECRET, { sub: 'alice' }, { expiresInS: 600 })) });
  assert.equal((forged.error as { code: string }).code, 'UNAUTHENTICATED');

  assert.equal(ws.socket.readyState, WebSocket.OPEN);
  await ws.request({ type: 'send', id: 'who', roomId: room.id, body: 'who am I' });
  await ws.waitForMessages(1, room.id);
  assert.equal(ws.messages(room.id)[0]?.senderId, 'jwt:alice');
});
