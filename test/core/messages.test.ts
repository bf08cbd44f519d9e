/**
 * Guarantees of the send pipeline over real sockets: ack only with seq, per-room seq gap-free and
 * strictly increasing under concurrent senders, every member receives every message once and in
 * order, and a retried clientId returns the first ack without a copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';

test('an ack carries clientId, id, seq and createdAt, and every member gets the message once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using a = ada.client;
  await using b = bob.client;
  // Both joins are timeline events: the message takes the room's next seq after them.
  const base = bob.room.lastSeq;

  const before = Date.now();
  const reply = await a.request({ type: 'send', id: 'hello-1', roomId: room.id, body: 'Hello, Bob' });
  const ack = reply.result as { clientId: string; id: string; seq: number; createdAt: number; duplicate: boolean; roomId: string };
  assert.equal(ack.clientId, 'hello-1');
  assert.equal(ack.seq, base + 1);
  assert.equal(ack.duplicate, false);
  assert.equal(ack.roomId, room.id);
  assert.match(ack.id, /^[0-9a-f-]{36}$/);
  assert.ok(ack.createdAt >= before - 5 && ack.createdAt <= Date.now() + 5);

  await b.waitForMessages(1);
  await a.waitForMessages(1);
  const [received] = b.messages();
  assert.deepEqual(received, { ...received, type: 'message', id: ack.id, roomId: room.id, seq: base + 1, clientId: 'hello-1', body: 'Hello, Bob', senderId: ada.user.id, senderName: 'Ada', createdAt: ack.createdAt });
  assert.deepEqual(b.messages().map((m) => m.seq), [base + 1], 'Bob got the message once');
  assert.deepEqual(a.messages().map((m) => m.seq), [base + 1], 'the sender got it once too');
});

test('seq is gap-free and strictly increasing under 6 concurrent senders, and every member sees the same order', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const senders = 6;
  const perSender = 60;
  const clients: RawClient[] = [];
  let base = 0;
  for (let i = 0; i < senders; i++) {
    const member = await server.member(room.id, joinCode, `sender-${i}`);
    clients.push(member.client);
    base = member.room.lastSeq;
  }
  const acks = await Promise.all(
    clients.flatMap((client, i) =>
      Array.from({ length: perSender }, (_, n) => client.request({ type: 'send', id: `s${i}-${n}`, roomId: room.id, body: `message ${n} from ${i}` }, 20_000)),
    ),
  );
  const seqs = acks.map((r) => (r.result as { seq: number }).seq).sort((x, y) => x - y);
  // The joins came first; the messages take the next seqs after the last join, with no gap.
  assert.deepEqual(seqs, Array.from({ length: senders * perSender }, (_, i) => base + i + 1));

  for (const client of clients) {
    await client.waitForMessages(senders * perSender, room.id, 20_000);
    const received = client.messages(room.id).map((m) => m.seq);
    assert.deepEqual(received, seqs, 'each member receives every seq once, in order');
  }
  // each sender's own messages keep their send order
  const order = clients[0]?.messages(room.id) ?? [];
  for (let i = 0; i < senders; i++) {
    const mine = order.filter((m) => m.clientId.startsWith(`s${i}-`)).map((m) => Number(m.clientId.split('-')[1]));
    assert.deepEqual(mine, [...mine].sort((x, y) => x - y));
  }
  await Promise.all(clients.map((c) => c.close()));
});

test('a retried clientId returns the first ack with duplicate=true and stores and delivers one message', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  await using a = ada.client;
  const base = ada.room.lastSeq;
  const first = (await a.request({ type: 'send', id: 'once', roomId: room.id, body: 'only once' })).result as { id: string; seq: number };
  const again = (await a.request({ type: 'send', id: 'once', roomId: room.id, body: 'only once' })).result as { id: string; seq: number; duplicate: boolean };
  assert.equal(again.id, first.id);
  assert.equal(again.seq, first.seq);
  assert.equal(again.duplicate, true);

  // the same clientId over HTTP and from a second connection of the same user is the same message
  const http = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'once', body: 'only once' }),
  });
  assert.equal(http.status, 200);
  assert.equal(((await http.json()) as { id: string }).id, first.id);

  const next = (await a.request({ type: 'send', id: 'twice', roomId: room.id, body: 'next' })).result as { seq: number };
  assert.equal(first.seq, base + 1);
  assert.equal(next.seq, base + 2, 'no seq was consumed by the duplicates');
  await a.waitForMessages(2);
  assert.deepEqual(a.messages().map((m) => m.clientId), ['once', 'twice']);

  const history = (await (await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { headers: { authorization: `Bearer ${ada.token}` } })).json()) as { events: Array<{ seq: number; type: string; clientId: string }> };
  assert.deepEqual(history.events.map((e) => e.seq), Array.from({ length: base + 2 }, (_, i) => i + 1), 'the room holds its joins and two messages, nothing more');
  assert.deepEqual(history.events.filter((e) => e.type === 'message').map((e) => e.clientId), ['once', 'twice']);
});

test('HTTP send and batch send are stored in order and delivered live to sockets', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using b = bob.client;
  const base = bob.room.lastSeq;
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}/api/v1/rooms/${room.id}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const single = await post('/messages', { clientId: 'h1', body: 'over http' });
  assert.equal(single.status, 201);
  assert.equal(((await single.json()) as { seq: number }).seq, base + 1);
  const batch = await post('/messages/batch', { messages: Array.from({ length: 20 }, (_, i) => ({ clientId: `b${i}`, body: `batch ${i}` })) });
  assert.equal(batch.status, 200);
  const { results } = (await batch.json()) as { results: Array<{ ack: { seq: number; clientId: string } }> };
  assert.deepEqual(results.map((r) => r.ack.seq), Array.from({ length: 20 }, (_, i) => base + i + 2));
  assert.deepEqual(results.map((r) => r.ack.clientId), Array.from({ length: 20 }, (_, i) => `b${i}`));

  const tooBig = await post('/messages/batch', { messages: Array.from({ length: 101 }, (_, i) => ({ clientId: `x${i}`, body: 'x' })) });
  assert.equal(tooBig.status, 400);

  await b.waitForMessages(21);
  assert.deepEqual(b.messages().map((m) => m.body), ['over http', ...Array.from({ length: 20 }, (_, i) => `batch ${i}`)]);
  assert.deepEqual(b.messages().map((m) => m.seq), Array.from({ length: 21 }, (_, i) => base + i + 1));
});
