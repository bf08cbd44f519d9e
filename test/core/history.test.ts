/**
 * History pages by seq over HTTP and WebSocket: ascending order, `before`/`after` cursors, `hasMore`,
 * the page cap, and that only members may read a room's history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';

test('history pages newest-first by before and oldest-first by after, always ascending inside a page', async () => {
  await using server = await startServer({ PARLEY_HISTORY_PAGE_MAX: '20' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  const post = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: Array.from({ length: 45 }, (_, i) => ({ clientId: `c${i + 1}`, body: `m${i + 1}` })) }),
  });
  assert.equal(post.status, 200);
  const page = async (query: string) => {
    const res = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages${query}`, { headers: { authorization: `Bearer ${ada.token}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { messages: Array<{ seq: number }>; hasMore: boolean };
    return { seqs: body.messages.map((m) => m.seq), hasMore: body.hasMore };
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  assert.deepEqual(await page('?limit=10'), { seqs: range(36, 45), hasMore: true });
  assert.deepEqual(await page('?before=36&limit=10'), { seqs: range(26, 35), hasMore: true });
  assert.deepEqual(await page('?before=6&limit=10'), { seqs: range(1, 5), hasMore: false });
  assert.deepEqual(await page('?after=0&limit=10'), { seqs: range(1, 10), hasMore: true });
  assert.deepEqual(await page('?after=40&limit=10'), { seqs: range(41, 45), hasMore: false });
  assert.deepEqual((await page('?after=0&limit=500')).seqs, range(1, 20), 'capped at PARLEY_HISTORY_PAGE_MAX');

  const bad = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages?before=5&after=1`, { headers: { authorization: `Bearer ${ada.token}` } });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');

  await using client = await RawClient.connect(server.wsUrl, ada.token);
  await client.request({ type: 'join', roomId: room.id });
  const ws = (await client.request({ type: 'history', roomId: room.id, before: 11, limit: 5 })).result as { messages: Array<{ seq: number }>; hasMore: boolean };
  assert.deepEqual({ seqs: ws.messages.map((m) => m.seq), hasMore: ws.hasMore }, { seqs: range(6, 10), hasMore: true });
});

test('only members may read a room: 401 without a session, 403 NOT_MEMBER for another room, 404 for unknown rooms', async () => {
  await using server = await startServer();
  const a = await server.createRoom();
  const b = await server.createRoom();
  const ada = await server.joinRoom(a.room.id, a.joinCode, 'Ada');
  const get = async (roomId: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/messages`, { headers });
    return `${res.status} ${((await res.json()) as { error?: { code: string } }).error?.code ?? 'ok'}`;
  };
  assert.equal(await get(a.room.id), '401 UNAUTHENTICATED');
  assert.equal(await get(a.room.id, { authorization: 'Bearer forged' }), '401 UNAUTHENTICATED');
  assert.equal(await get(b.room.id, { authorization: `Bearer ${ada.token}` }), '403 NOT_MEMBER');
  assert.equal(await get('no-such-room', { authorization: `Bearer ${ada.token}` }), '404 ROOM_NOT_FOUND');
  assert.equal(await get(a.room.id, { authorization: `Bearer ${ada.token}` }), '200 ok');
  assert.equal(await get(a.room.id, { cookie: `parley_session=${ada.token}` }), '200 ok');
});
