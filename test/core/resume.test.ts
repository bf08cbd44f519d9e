/**
 * Resume by seq (DESIGN.md, Resume; rules 4–5): a member who rejoins with since=N receives N+1…
 * in order, then live messages, with no gap and no duplicate — also while others keep sending.
 * Seqs are shared by every timeline event (the members' joins come first), so the tests count from
 * the room's position after the joins.
 * Outcomes other than replay are explicit: resync, and for relay rooms a gap notice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';

test('a member who rejoins with since=N receives N+1… in order, then live, with no duplicate', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  const bob = await server.member(room.id, joinCode, 'Bob', { join: false });
  await ada.client.request({ type: 'join', roomId: room.id });
  await bob.client.request({ type: 'join', roomId: room.id });
  const base = bob.room.lastSeq;
  for (let i = 1; i <= 5; i++) await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `m${i}` });
  await bob.client.waitForMessages(5);
  const lastSeen = Math.max(...bob.client.messages().map((m) => m.seq));
  bob.client.socket.terminate(); // dropped without a goodbye

  for (let i = 6; i <= 12; i++) await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `m${i}` });

  await using again = await RawClient.connect(server.wsUrl, bob.token);
  const reply = await again.request({ type: 'join', roomId: room.id, since: lastSeen, epoch: room.epoch });
  const result = reply.result as { resume: string; replayed: number; room: { lastSeq: number } };
  assert.equal(result.resume, 'replay');
  assert.equal(lastSeen, base + 5);
  assert.equal(result.replayed, 7);
  assert.equal(result.room.lastSeq, base + 12);
  await again.waitForMessages(7);
  await ada.client.request({ type: 'send', id: 'a13', roomId: room.id, body: 'm13' });
  await again.waitForMessages(8);
  const expected = Array.from({ length: 8 }, (_, i) => base + 6 + i);
  assert.deepEqual(again.events().map((e) => e.seq), expected, 'every event after since, once, in order');
  assert.deepEqual(again.messages().map((m) => m.body), ['m6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12', 'm13']);
  // the reply precedes the replayed messages
  const replyIndex = again.frames.indexOf(reply);
  const firstMessage = again.frames.findIndex((f) => f.type === 'event');
  assert.ok(replyIndex < firstMessage);
  await ada.client.close();
});

test('resuming while another member keeps sending yields a contiguous sequence with no duplicate', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const sender = await server.member(room.id, joinCode, 'Sender', { join: false });
  const reader = await server.member(room.id, joinCode, 'Reader', { join: false });
  await sender.client.request({ type: 'join', roomId: room.id });
  await reader.client.request({ type: 'join', roomId: room.id });
  const base = reader.room.lastSeq;
  const total = 300;
  let sent = 0;
  const sending = (async () => {
    while (sent < total) {
      const batch = Array.from({ length: 10 }, () => ++sent).map((n) => sender.client.request({ type: 'send', id: `m${n}`, roomId: room.id, body: `m${n}` }, 20_000));
      await Promise.all(batch);
    }
  })();
  // drop and resume the reader three times while messages flow
  let client = reader.client;
  const seen: number[] = [];
  for (let round = 0; round < 3; round++) {
    const have = seen.length === 0 ? base : Math.max(...seen);
    await client.waitForMessages(Math.min(40, total - (have - base)), room.id, 20_000);
    seen.push(...client.events(room.id).map((e) => e.seq));
    client.socket.terminate();
    client = await RawClient.connect(server.wsUrl, reader.token);
    await client.request({ type: 'join', roomId: room.id, since: Math.max(base, ...seen) });
  }
  await sending;
  const remaining = total - (Math.max(...seen) - base);
  await client.waitForMessages(remaining, room.id, 20_000);
  seen.push(...client.events(room.id).map((e) => e.seq));
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => base + i + 1));
  await client.close();
  await sender.client.close();
});

test('resume answers resync when the epoch differs, since is beyond the newest seq, or the gap exceeds the bound', async () => {
  await using server = await startServer({ PARLEY_RESUME_MAX_MESSAGES: '5' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  await ada.client.request({ type: 'join', roomId: room.id });
  for (let i = 1; i <= 8; i++) await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `m${i}` });
  const last = ada.room.lastSeq + 8;
  const outcome = async (join: Record<string, unknown>) => {
    const result = (await ada.client.request({ type: 'join', roomId: room.id, ...join })).result as { resume: string; replayed: number; room: { lastSeq: number } };
    return `${result.resume}:${result.replayed}`;
  };
  assert.equal(await outcome({ since: last, epoch: 'another-epoch' }), 'resync:0');
  assert.equal(await outcome({ since: last }), 'replay:0');
  assert.equal(await outcome({ since: last + 1 }), 'resync:0');
  assert.equal(await outcome({ since: 99 }), 'resync:0');
  assert.equal(await outcome({ since: last - 6 }), 'resync:0');
  assert.equal(await outcome({ since: last - 5 }), 'replay:5');
  assert.equal(await outcome({}), 'fresh:0');
  const malformed = await ada.client.request({ type: 'join', roomId: room.id, since: -1 });
  assert.equal((malformed.error as { code: string }).code, 'VALIDATION_FAILED');
  await ada.client.close();
});

test('relay rooms replay from their bounded buffer and announce what fell out of it as a gap', async () => {
  await using server = await startServer({ PARLEY_RELAY_BUFFER_SIZE: '5' });
  const { room, joinCode } = await server.createRoom({ kind: 'relay' });
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  const bob = await server.member(room.id, joinCode, 'Bob', { join: false });
  await ada.client.request({ type: 'join', roomId: room.id });
  const joinBob = (await bob.client.request({ type: 'join', roomId: room.id })).result as { room: { epoch: string } };
  const first = ((await ada.client.request({ type: 'send', id: 'r1', roomId: room.id, body: 'r1' })).result as { seq: number }).seq;
  await bob.client.waitForMessages(1);
  assert.equal(bob.client.messages()[0]?.seq, first);
  bob.client.socket.terminate();
  for (let i = 2; i <= 9; i++) await ada.client.request({ type: 'send', id: `r${i}`, roomId: room.id, body: `r${i}` });

  await using again = await RawClient.connect(server.wsUrl, bob.token);
  const reply = await again.request({ type: 'join', roomId: room.id, since: first, epoch: joinBob.room.epoch });
  assert.equal((reply.result as { resume: string }).resume, 'gap');
  const gap = await again.next((f) => f.type === 'gap');
  assert.deepEqual({ from: gap.from, to: gap.to }, { from: first + 1, to: first + 3 });
  await again.waitForMessages(5);
  const kept = Array.from({ length: 5 }, (_, i) => first + 4 + i);
  assert.deepEqual(again.events().map((e) => e.seq), kept);
  assert.deepEqual(again.messages().map((m) => m.body), ['r5', 'r6', 'r7', 'r8', 'r9']);
  const dup = (await ada.client.request({ type: 'send', id: 'r9', roomId: room.id, body: 'r9' })).result as { seq: number; duplicate: boolean };
  assert.deepEqual({ seq: dup.seq, duplicate: dup.duplicate }, { seq: first + 8, duplicate: true });

  const history = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { headers: { authorization: `Bearer ${ada.token}` } });
  assert.deepEqual(((await history.json()) as { events: Array<{ seq: number }> }).events.map((e) => e.seq), kept);
  await ada.client.close();
});

test('restarting the server on the same data directory keeps history and seq numbering', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  await ada.client.request({ type: 'join', roomId: room.id });
  for (let i = 1; i <= 3; i++) await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `before restart ${i}` });
  await ada.client.close();
  await server.restart();

  await using client = await RawClient.connect(server.wsUrl, ada.token);
  const base = ada.room.lastSeq;
  const join = (await client.request({ type: 'join', roomId: room.id, since: 0, epoch: room.epoch })).result as { resume: string; replayed: number };
  assert.deepEqual(join, { ...join, resume: 'replay', replayed: base + 3 });
  const ack = (await client.request({ type: 'send', id: 'a4', roomId: room.id, body: 'after restart' })).result as { seq: number };
  assert.equal(ack.seq, base + 4);
  await client.waitForMessages(4);
  assert.deepEqual(client.events().map((e) => e.seq), Array.from({ length: base + 4 }, (_, i) => i + 1));
  assert.deepEqual(client.messages().map((m) => m.body), ['before restart 1', 'before restart 2', 'before restart 3', 'after restart']);
});

test('joins of the same room sent back to back on one connection leave exactly one subscription', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  const bob = await server.member(room.id, joinCode, 'Bob');
  ada.client.send({ type: 'join', roomId: room.id });
  ada.client.send({ type: 'join', roomId: room.id });
  ada.client.send({ type: 'join', roomId: room.id, since: 0 });
  await ada.client.request({ type: 'join', roomId: room.id });
  await bob.client.request({ type: 'send', id: 'once', roomId: room.id, body: 'delivered once' });
  await ada.client.waitForMessages(1);
  await ada.client.request({ type: 'ping' });
  await bob.client.request({ type: 'send', id: 'twice', roomId: room.id, body: 'second' });
  await ada.client.waitForMessages(2);
  await ada.client.request({ type: 'ping' });
  assert.deepEqual(ada.client.messages().map((m) => m.clientId), ['once', 'twice']);
  await ada.client.close();
  await bob.client.close();
});
