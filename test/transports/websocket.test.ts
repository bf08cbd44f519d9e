/**
 * Raw-wire guarantees of `/ws`: authentication at the upgrade or by a first `auth` frame, the Origin
 * check, the welcome frame, and that bad
 * input gets an error with a stable code while the socket stays open (or closes with 1009 when
 * oversized). Spoken with a bare `ws` client so the protocol stays pinned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.ts';
import { RawClient, closeCodeAfter, upgradeStatus } from '../support/ws-client.ts';
import type { TimelineEvent } from '../../src/protocol/index.ts';

test('an upgrade with an invalid credential is refused with 401 before a socket exists', async () => {
  await using server = await startServer();
  assert.equal(await upgradeStatus(`${server.wsUrl}?token=not-a-session`), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { authorization: 'Bearer nope' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { authorization: 'Bearer a.b.c' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { cookie: 'parley_session=not-a-session' }), 401);
  assert.equal(await upgradeStatus(`${server.url.replace('http', 'ws')}/elsewhere`), 404);
});

test('a malformed session or access cookie, or an empty Authorization: Bearer, is refused with 401 at the upgrade', async () => {
  await using server = await startServer();
  assert.equal(await upgradeStatus(server.wsUrl, { cookie: 'parley_session=%E0%A4%A' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { cookie: 'other=1; parley_access=%ZZ' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { cookie: 'parley_session=' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { authorization: 'Bearer' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { authorization: 'Bearer   ' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl, { cookie: 'unrelated=%ZZ' }), 101, 'only Parley\'s own cookies count; no credential still opens a socket that must send auth');
});

test('a socket opened without a credential gets in with an auth frame as its first frame, and the welcome follows the reply', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const joined = await server.joinRoom(room.id, joinCode, 'Ada');
  await using client = await RawClient.connectWithAuthFrame(server.wsUrl, joined.token);
  assert.deepEqual(client.frames.map((f) => f.type), ['reply', 'welcome']);
  assert.deepEqual((client.frames[0]?.result as { user: { id: string } }).user.id, joined.user.id);
  assert.equal((client.frames[1]?.user as { name: string }).name, 'Ada');
});

test('a socket that sends anything but a valid auth frame first, or nothing in time, is closed with 4401', async () => {
  await using server = await startServer({ PARLEY_WS_AUTH_TIMEOUT_MS: '300' });
  assert.equal(await closeCodeAfter(server.wsUrl), 4401, 'no auth frame before the deadline');
  assert.equal(await closeCodeAfter(server.wsUrl, { type: 'ping', id: 'p' }), 4401, 'another command first');
  assert.equal(await closeCodeAfter(server.wsUrl, { type: 'auth', token: 'forged' }), 4401, 'an invalid token');
  assert.equal(await closeCodeAfter(server.wsUrl, 'not json'), 4401, 'garbage');
});

test('a browser upgrade from a foreign Origin is refused with 403; the own host and configured origins pass', async () => {
  await using server = await startServer({ PARLEY_ALLOWED_ORIGINS: 'https://app.example.com' });
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  const url = `${server.wsUrl}?token=${token}`;
  assert.equal(await upgradeStatus(url, { origin: 'https://evil.example' }), 403);
  assert.equal(await upgradeStatus(url, { origin: 'null' }), 403);
  assert.equal(await upgradeStatus(url, { origin: new URL(server.url).origin }), 101);
  assert.equal(await upgradeStatus(url, { origin: 'https://app.example.com' }), 101);
  assert.equal(await upgradeStatus(url), 101, 'non-browser clients send no Origin');
});

test('an Origin is compared as a string: another scheme or another spelling of the own host and port is refused with 403', async () => {
  await using server = await startServer({ PARLEY_ALLOWED_ORIGINS: 'https://app.example.com' });
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  const { port, hostname } = new URL(server.url);
  assert.equal(hostname, '127.0.0.1', 'the spellings below are of 127.0.0.1');
  const url = `${server.wsUrl}?token=${token}`;
  for (const origin of [`https://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`, `ftp://127.0.0.1:${port}`, `http://127.1:${port}`, `http://0x7f.0.0.1:${port}`, `http://2130706433:${port}`, `http://127.0.0.1:${port}/`, 'https://APP.example.com', 'https://app.example.com:443']) {
    assert.equal(await upgradeStatus(url, { origin }), 403, origin);
  }
  assert.equal(await upgradeStatus(url, { origin: `http://127.0.0.1:${port}` }), 101, 'the own origin');
});

test('behind a trusted proxy that says https, the own origin is https; the header from an untrusted peer is ignored', async () => {
  await using trusted = await startServer({ PARLEY_TRUST_PROXY: 'loopback' });
  const { room, joinCode } = await trusted.createRoom();
  const { token } = await trusted.joinRoom(room.id, joinCode, 'Ada');
  const host = new URL(trusted.url).host;
  const url = `${trusted.wsUrl}?token=${token}`;
  assert.equal(await upgradeStatus(url, { origin: `https://${host}`, 'x-forwarded-proto': 'https' }), 101);
  assert.equal(await upgradeStatus(url, { origin: `http://${host}`, 'x-forwarded-proto': 'https' }), 403);
  assert.equal(await upgradeStatus(url, { origin: `http://${host}` }), 101);

  await using untrusted = await startServer();
  const other = await untrusted.createRoom();
  const joined = await untrusted.joinRoom(other.room.id, other.joinCode, 'Ada');
  const otherHost = new URL(untrusted.url).host;
  const otherUrl = `${untrusted.wsUrl}?token=${joined.token}`;
  assert.equal(await upgradeStatus(otherUrl, { origin: `https://${otherHost}`, 'x-forwarded-proto': 'https' }), 403);
  assert.equal(await upgradeStatus(otherUrl, { origin: `http://${otherHost}`, 'x-forwarded-proto': 'https' }), 101);
});

test('a session token authenticates by query, bearer header or cookie, and welcome names the principal', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const joined = await server.joinRoom(room.id, joinCode, 'Ada');
  for (const client of [
    await RawClient.connect(server.wsUrl, joined.token),
    await RawClient.connect(server.wsUrl, undefined, { authorization: `Bearer ${joined.token}` }),
    await RawClient.connect(server.wsUrl, undefined, { cookie: `parley_session=${joined.token}` }),
  ]) {
    const welcome = client.frames[0] as { type: string; version: number; user: { id: string; name: string }; heartbeatIntervalMs: number };
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.version, 1);
    assert.deepEqual(welcome.user, { id: joined.user.id, name: 'Ada' });
    assert.ok(welcome.heartbeatIntervalMs > 0);
    await client.close();
  }
});

test('malformed JSON, non-objects, unknown types, invalid fields and binary frames get error codes and the socket stays open', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const joined = await server.joinRoom(room.id, joinCode, 'Ada');
  await using client = await RawClient.connect(server.wsUrl, joined.token);

  client.send('{not json');
  assert.equal(((await client.next((f) => f.type === 'error')).error as { code: string }).code, 'MALFORMED_FRAME');

  let from = client.frames.length;
  client.send('[1,2,3]');
  assert.equal(((await client.next((f) => f.type === 'error', 5000, from)).error as { code: string }).code, 'MALFORMED_FRAME');

  const unknown = await client.request({ type: 'teleport' });
  assert.equal((unknown.error as { code: string }).code, 'UNKNOWN_FRAME_TYPE');

  const invalid = await client.request({ type: 'send', roomId: room.id, body: 42 });
  const error = invalid.error as { code: string; message: string; details: { issues: Array<{ path: string }> } };
  assert.equal(error.code, 'VALIDATION_FAILED');
  assert.ok(error.details.issues.some((i) => i.path === 'body'), JSON.stringify(error));

  from = client.frames.length;
  client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal(((await client.next((f) => f.type === 'error', 5000, from)).error as { code: string }).code, 'MALFORMED_FRAME');

  const pong = await client.request({ type: 'ping' });
  assert.deepEqual(pong.result, {});
});

test('a frame larger than PARLEY_WS_MAX_FRAME_BYTES closes the socket with 1009', async () => {
  await using server = await startServer({ PARLEY_WS_MAX_FRAME_BYTES: '2048' });
  const { room, joinCode } = await server.createRoom();
  const joined = await server.joinRoom(room.id, joinCode, 'Ada');
  const client = await RawClient.connect(server.wsUrl, joined.token);
  client.send({ type: 'send', id: 'big', roomId: room.id, body: 'x'.repeat(4096) });
  const closed = await client.closeEvent;
  assert.equal(closed.code, 1009);
  const other = await RawClient.connect(server.wsUrl, joined.token);
  assert.deepEqual((await other.request({ type: 'ping' })).result, {});
  await other.close();
});

test('room errors have their own codes: unknown room (also a room one is not in), not joined, closed room, message too large', async () => {
  await using server = await startServer({ PARLEY_MESSAGE_MAX_BYTES: '100' });
  const a = await server.createRoom();
  const b = await server.createRoom();
  const joined = await server.joinRoom(a.room.id, a.joinCode, 'Ada');
  await using client = await RawClient.connect(server.wsUrl, joined.token);
  const code = async (frame: Record<string, unknown>) => ((await client.request(frame)).error as { code: string } | undefined)?.code;

  assert.equal(await code({ type: 'join', roomId: 'no-such-room' }), 'ROOM_NOT_FOUND');
  const unknown = (await client.request({ type: 'join', roomId: 'no-such-room' })).error;
  const notIn = (await client.request({ type: 'join', roomId: b.room.id })).error;
  assert.equal((notIn as { code: string }).code, 'ROOM_NOT_FOUND');
  assert.deepEqual(JSON.parse(JSON.stringify(notIn).replaceAll(b.room.id, 'no-such-room')), unknown, 'a room one is not in cannot be told apart from one that does not exist');
  assert.equal(await code({ type: 'send', id: 'c1', roomId: a.room.id, body: 'hi' }), 'NOT_JOINED');
  assert.equal(await code({ type: 'join', roomId: a.room.id }), undefined);
  assert.equal(await code({ type: 'send', id: 'c2', roomId: a.room.id, body: 'é'.repeat(51) }), 'MESSAGE_TOO_LARGE');

  const closedAt = client.frames.length;
  assert.equal((await server.admin(`/api/v1/admin/rooms/${a.room.id}/close`, { method: 'POST' })).status, 200);
  const push = await client.next((f) => f.type === 'event' && (f.event as TimelineEvent).type === 'room_closed', 5000, closedAt);
  assert.equal((push.event as TimelineEvent).roomId, a.room.id);
  assert.equal(await code({ type: 'send', id: 'c3', roomId: a.room.id, body: 'after close' }), 'ROOM_CLOSED');
  assert.equal(await code({ type: 'join', roomId: a.room.id }), 'ROOM_CLOSED');
  assert.equal(client.messages().length, 0, 'nothing was stored or delivered');
});

test('a command without an id that fails gets an error push, and one that succeeds gets no reply', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const joined = await server.joinRoom(room.id, joinCode, 'Ada');
  await using client = await RawClient.connect(server.wsUrl, joined.token);
  const from = client.frames.length;
  client.send({ type: 'typing', roomId: room.id, active: true });
  const error = await client.next((f) => f.type === 'error', 5000, from);
  assert.equal((error.error as { code: string }).code, 'NOT_JOINED');
  await client.request({ type: 'join', roomId: room.id });
  await client.request({ type: 'ping' });
  assert.equal(client.after(from, (f) => f.type === 'reply' && f.id === undefined).length, 0);
});
