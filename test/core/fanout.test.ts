/**
 * Fan-out guarantees: a socket that stops reading is closed with the resumable 4500 code once its
 * send buffer passes the limit (instead of growing server memory), its neighbours keep receiving,
 * and it resumes by seq afterwards with nothing lost (DESIGN.md rule 6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';

test('a reader that stops reading is closed with 4500, others are unaffected, and it resumes by seq without loss', async () => {
  await using server = await startServer({ PARLEY_WS_MAX_BUFFERED_BYTES: '65536' });
  const { room, joinCode } = await server.createRoom();
  const tokens = await Promise.all(['Sender', 'Slow', 'Fast'].map(async (name) => (await server.joinRoom(room.id, joinCode, name)).token));
  const [sender, slow, fast] = await Promise.all(tokens.map((t) => RawClient.connect(server.wsUrl, t))) as [RawClient, RawClient, RawClient];
  const joined = await Promise.all([sender, slow, fast].map((client) => client.request({ type: 'join', roomId: room.id })));
  // Every member's join is a timeline event before the first message: seqs continue from there.
  const base = Math.max(...joined.map((reply) => (reply.result as { room: { lastSeq: number } }).room.lastSeq));
  const seqs = (count: number, from = base + 1) => Array.from({ length: count }, (_, i) => from + i);

  const tcp = (slow.socket as unknown as { _socket: Socket })._socket;
  tcp.pause();
  const total = 600;
  const body = 'x'.repeat(15_000);
  for (let i = 0; i < total; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, n) => sender.request({ type: 'send', id: `m${i + n}`, roomId: room.id, body }, 20_000)));
  }
  await fast.waitForMessages(total, room.id, 30_000);
  assert.deepEqual(fast.messages().map((m) => m.seq), seqs(total));
  assert.deepEqual(fast.events(room.id).map((e) => e.seq), seqs(total), 'no other event interleaved: the messages are the room\'s next seqs');

  tcp.resume();
  const closed = await slow.closeEvent;
  assert.equal(closed.code, 4500);
  const got = slow.messages().map((m) => m.seq);
  assert.ok(got.length < total, `the slow reader was cut off (got ${got.length})`);
  assert.deepEqual(got, seqs(got.length), 'what it got was in order with no gap');

  await using again = await RawClient.connect(server.wsUrl, tokens[1]);
  await again.request({ type: 'join', roomId: room.id, since: got.at(-1) ?? base });
  await again.waitForMessages(total - got.length, room.id, 30_000);
  assert.deepEqual([...got, ...again.messages().map((m) => m.seq)], seqs(total));
  await sender.close();
  await fast.close();
});
