/**
 * The per-user message rate (issue: abuse resistance; DESIGN.md, Delivery path step 3): each user
 * may send PARLEY_MESSAGES_PER_MINUTE messages per minute in a room, or the room's own
 * `messagesPerMinute`; WebSocket and HTTP sends count together, refused sends get `RATE_LIMITED`
 * with `retryAfterMs` and are not stored. Real server, real sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.ts';
import { call } from '../support/api.ts';

type ErrorBody = { code: string; retryable: boolean; details?: { retryAfterMs?: number; limit?: number } };

/** POST one message over HTTP as the bearer of `token`. */
async function httpSend(server: TestServer, token: string, roomId: string, clientId: string): Promise<{ status: number; retryAfter: string | null; body: { error?: ErrorBody; seq?: number } }> {
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, body: `message ${clientId}` }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: ErrorBody; seq?: number } };
}

/** The newest seq of the room as a member sees it. */
async function lastSeq(server: TestServer, token: string, roomId: string): Promise<number> {
  return ((await call(server.url, 'GET', `/api/v1/rooms/${roomId}`, token)).json.room as { lastSeq: number }).lastSeq;
}

test('by default a user sends 30 messages a minute in a room, WebSocket and HTTP counted together; the next gets RATE_LIMITED and is not stored', async () => {
  await using server = await startServer({ PARLEY_MESSAGES_PER_MINUTE: '' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const before = ada.room.lastSeq;
  for (let i = 0; i < 20; i++) assert.equal((await ada.client.request({ type: 'send', roomId: room.id, body: `ws ${i}` })).error, undefined);
  for (let i = 0; i < 10; i++) assert.equal((await httpSend(server, ada.token, room.id, `h${i}`)).status, 201);

  const overWs = await ada.client.request({ type: 'send', roomId: room.id, body: 'one too many' });
  const wsError = overWs.error as ErrorBody;
  assert.equal(wsError.code, 'RATE_LIMITED');
  assert.equal(wsError.retryable, true);
  assert.ok(wsError.details?.retryAfterMs !== undefined && wsError.details.retryAfterMs > 0 && wsError.details.retryAfterMs <= 60_000, JSON.stringify(wsError));
  assert.equal(wsError.details?.limit, 30);

  const overHttp = await httpSend(server, ada.token, room.id, 'h-over');
  assert.equal(overHttp.status, 429);
  assert.equal(overHttp.body.error?.code, 'RATE_LIMITED');
  assert.equal(overHttp.retryAfter, String(Math.ceil((overHttp.body.error?.details?.retryAfterMs ?? 0) / 1000)));
  assert.equal(await lastSeq(server, ada.token, room.id), before + 30, 'refused sends were not stored');
  await ada.client.close();
});

test('the limit is per user and per room: a neighbour, and the same user elsewhere, still send', async () => {
  await using server = await startServer({ PARLEY_MESSAGES_PER_MINUTE: '3' });
  const one = await server.createRoom({ joinRule: 'open' });
  const two = await server.createRoom({ joinRule: 'open' });
  const ada = await server.member(one.room.id, null, 'Ada');
  const bob = await server.member(one.room.id, null, 'Bob');
  await server.joinRoom(two.room.id, null, 'Ada', ada.token);
  await ada.client.request({ type: 'join', roomId: two.room.id });
  for (let i = 0; i < 3; i++) assert.equal((await ada.client.request({ type: 'send', roomId: one.room.id, body: `${i}` })).error, undefined);
  assert.equal(((await ada.client.request({ type: 'send', roomId: one.room.id, body: 'over' })).error as ErrorBody).code, 'RATE_LIMITED');
  assert.equal((await bob.client.request({ type: 'send', roomId: one.room.id, body: 'hi' })).error, undefined, 'another user in the room');
  assert.equal((await ada.client.request({ type: 'send', roomId: two.room.id, body: 'hi' })).error, undefined, 'the same user in another room');
  await ada.client.close();
  await bob.client.close();
});

test('a room\'s messagesPerMinute replaces the server default, is stored with the room and shown in it', async () => {
  await using server = await startServer({ PARLEY_MESSAGES_PER_MINUTE: '5' });
  const strict = await server.createRoom({ joinRule: 'open', messagesPerMinute: 2 });
  const generous = await server.createRoom({ joinRule: 'open', messagesPerMinute: 8 });
  assert.equal(strict.room.messagesPerMinute, 2);
  const ada = await server.member(strict.room.id, null, 'Ada');
  await server.joinRoom(generous.room.id, null, 'Ada', ada.token);
  assert.equal(((await call(server.url, 'GET', `/api/v1/rooms/${generous.room.id}`, ada.token)).json.room as { messagesPerMinute?: number }).messagesPerMinute, 8);

  const sent = async (roomId: string, count: number) => {
    const codes: string[] = [];
    for (let i = 0; i < count; i++) codes.push((await httpSend(server, ada.token, roomId, `${roomId}-${i}`)).body.error?.code ?? 'ok');
    return codes;
  };
  assert.deepEqual(await sent(strict.room.id, 3), ['ok', 'ok', 'RATE_LIMITED']);
  assert.deepEqual(await sent(generous.room.id, 9), [...Array<string>(8).fill('ok'), 'RATE_LIMITED']);
  await ada.client.close();
});

test('a batch larger than the per-minute limit is refused whole, naming it; one within it past what is left of the minute stores what fits, in order, and answers RATE_LIMITED for the rest', async () => {
  await using server = await startServer({ PARLEY_MESSAGES_PER_MINUTE: '3' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  const ada = await server.joinRoom(room.id, null, 'Ada');
  const base = ada.room.lastSeq;
  const batch = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ clientId: `${tag}${i}`, body: `batch ${tag}${i}` }));
  const tooBig = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages/batch`, ada.token, { messages: batch(4, 'a') });
  assert.equal(tooBig.status, 400);
  assert.deepEqual(tooBig.json.error?.details, { issues: [{ path: 'body.messages', message: 'A batch may hold at most 3 messages in this room: each member may send 3 per minute here' }] });
  assert.equal(await lastSeq(server, ada.token, room.id), base, 'nothing of it was stored');

  await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: 'single', body: 'one first' });
  const { results } = (await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages/batch`, ada.token, { messages: batch(3, 'b') })).json as { results: Array<{ ack?: { seq: number }; error?: ErrorBody }> };
  assert.deepEqual(results.map((r) => r.ack?.seq ?? r.error?.code), [base + 2, base + 3, 'RATE_LIMITED']);
  assert.equal(await lastSeq(server, ada.token, room.id), base + 3, 'the refused rest was not stored');
});
