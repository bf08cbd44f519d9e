/**
 * History pages by seq over HTTP and WebSocket: ascending order, `before`/`after` cursors, `hasMore`,
 * the page cap, and that only members may read a room's history. Pages carry every timeline event
 * type (the members' joins share the seqs with the messages).
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
    const body = (await res.json()) as { events: Array<{ seq: number; type: string; body?: string }>; hasMore: boolean };
    return { seqs: body.events.map((e) => e.seq), hasMore: body.hasMore, events: body.events };
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  // The room's events before the batch (Ada's join); the 45 messages take the next seqs.
  const base = ada.room.lastSeq;
  assert.ok(base >= 1, 'the join is on the timeline');
  const last = base + 45;
  const seqsOf = async (query: string) => {
    const { seqs, hasMore } = await page(query);
    return { seqs, hasMore };
  };

  const all: Array<{ seq: number; type: string; body?: string }> = [];
  for (let after = 0, more = true; more; ) {
    const next = await page(`?after=${after}&limit=20`);
    all.push(...next.events);
    more = next.hasMore;
    after = next.seqs.at(-1) ?? after;
  }
  assert.deepEqual(all.map((e) => e.seq), range(1, last), 'every seq once, in order, across pages');
  assert.deepEqual(
    all.filter((e) => e.seq > base).map((e) => [e.type, e.body]),
    Array.from({ length: 45 }, (_, i) => ['message', `m${i + 1}`]),
    'the batch is the room\'s next 45 events, in order',
  );

  assert.deepEqual(await seqsOf('?limit=10'), { seqs: range(last - 9, last), hasMore: true });
  assert.deepEqual(await seqsOf(`?before=${last - 9}&limit=10`), { seqs: range(last - 19, last - 10), hasMore: true });
  assert.deepEqual(await seqsOf('?before=6&limit=10'), { seqs: range(1, 5), hasMore: false });
  assert.deepEqual(await seqsOf('?after=0&limit=10'), { seqs: range(1, 10), hasMore: true });
  assert.deepEqual(await seqsOf(`?after=${last - 5}&limit=10`), { seqs: range(last - 4, last), hasMore: false });
  assert.deepEqual((await page('?after=0&limit=500')).seqs, range(1, 20), 'capped at PARLEY_HISTORY_PAGE_MAX');

  const bad = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages?before=5&after=1`, { headers: { authorization: `Bearer ${ada.token}` } });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');

  await using client = await RawClient.connect(server.wsUrl, ada.token);
  await client.request({ type: 'join', roomId: room.id });
  const ws = (await client.request({ type: 'history', roomId: room.id, before: 11, limit: 5 })).result as { events: Array<{ seq: number }>; hasMore: boolean };
  assert.deepEqual({ seqs: ws.events.map((e) => e.seq), hasMore: ws.hasMore }, { seqs: range(6, 10), hasMore: true });
});

test('only members may read a room: 401 without a session, 404 ROOM_NOT_FOUND for another room, the same as for an unknown room', async () => {
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
  assert.equal(await get(b.room.id, { authorization: `Bearer ${ada.token}` }), '404 ROOM_NOT_FOUND', 'a room the principal is not in cannot be told apart from one that does not exist');
  assert.equal(await get('no-such-room', { authorization: `Bearer ${ada.token}` }), '404 ROOM_NOT_FOUND');
  assert.equal(await get(a.room.id, { authorization: `Bearer ${ada.token}` }), '200 ok');
  assert.equal(await get(a.room.id, { cookie: `parley_session=${ada.token}` }), '200 ok');
});
