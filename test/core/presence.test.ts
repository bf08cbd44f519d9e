/**
 * Presence, typing and read markers: ephemeral state pushed to the room, never stored (presence,
 * typing) or stored as a per-member marker (reads), over real sockets. How presence changes are
 * coalesced into one push per room and window: presence-coalescing.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';
import { announces, changesOf } from '../support/presence-changes.ts';

test('members see each other come online and go offline; a second tab keeps a member online', async () => {
  // Pushed at once, so a wrong offline would already be there when the pings come back.
  await using server = await startServer({ PARLEY_PRESENCE_FLUSH_MS: '0' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  await using a = ada.client;

  const b1 = await RawClient.connect(server.wsUrl, bob.token);
  const join = (await b1.request({ type: 'join', roomId: room.id })).result as { members: Array<{ name: string; online: boolean }> };
  assert.deepEqual(join.members.map((m) => `${m.name}:${m.online}`).sort(), ['Ada:true', 'Bob:true']);
  const online = await a.next((f) => changesOf(f).some((c) => c.userId === bob.user.id));
  assert.deepEqual(online, { type: 'presence', roomId: room.id, changes: [{ userId: bob.user.id, name: 'Bob', online: true }] });

  const b2 = await RawClient.connect(server.wsUrl, bob.token);
  await b2.request({ type: 'join', roomId: room.id });
  const mark = a.frames.length;
  await b1.close();
  await b2.request({ type: 'ping' });
  await a.request({ type: 'ping' });
  assert.equal(a.after(mark, announces(bob.user.id, false)).length, 0, 'still online through the second tab');

  await b2.close();
  const offline = await a.next(announces(bob.user.id, false), 5000, mark);
  assert.deepEqual(changesOf(offline), [{ userId: bob.user.id, name: 'Bob', online: false }]);
  const members = (await (await fetch(`${server.url}/api/v1/rooms/${room.id}/members`, { headers: { authorization: `Bearer ${ada.token}` } })).json()) as {
    members: Array<{ name: string; online: boolean }>;
  };
  assert.deepEqual(members.members.map((m) => `${m.name}:${m.online}`).sort(), ['Ada:true', 'Bob:false']);
});

test('typing starts are throttled per member, stops always pass, and each push carries ttlMs', async () => {
  await using server = await startServer({ PARLEY_TYPING_THROTTLE_MS: '60000', PARLEY_TYPING_TTL_MS: '4000' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using a = ada.client;
  await using b = bob.client;
  const mark = b.frames.length;
  for (let i = 0; i < 5; i++) await a.request({ type: 'typing', roomId: room.id, active: true });
  await a.request({ type: 'typing', roomId: room.id, active: false });
  await a.request({ type: 'typing', roomId: room.id, active: true });
  await b.next(() => b.after(mark, (f) => f.type === 'typing').length >= 3, 5000, mark);
  await b.request({ type: 'ping' });
  const typing = b.after(mark, (f) => f.type === 'typing');
  assert.deepEqual(typing.map((f) => f.active), [true, false, true]);
  assert.deepEqual(typing[0], { type: 'typing', roomId: room.id, userId: ada.user.id, name: 'Ada', active: true, ttlMs: 4000 });
});

test('sending a message clears the sender\'s typing indicator', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using a = ada.client;
  await using b = bob.client;
  await a.request({ type: 'typing', roomId: room.id, active: true });
  await b.next((f) => f.type === 'typing' && f.active === true);
  await a.request({ type: 'send', id: 'm1', roomId: room.id, body: 'done typing' });
  await b.next((f) => f.type === 'typing' && f.active === false);
});

test('read markers move forward only, are pushed to the room, and give unread counts', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  await using a = ada.client;
  // The joins are timeline events too: Ada's six messages take the seqs after Bob's join.
  const base = bob.room.lastSeq;
  for (let i = 1; i <= 6; i++) await a.request({ type: 'send', id: `m${i}`, roomId: room.id, body: `m${i}` });

  await using b = await RawClient.connect(server.wsUrl, bob.token);
  const join = (await b.request({ type: 'join', roomId: room.id })).result as { unread: number; lastReadSeq: number };
  assert.deepEqual({ unread: join.unread, lastReadSeq: join.lastReadSeq }, { unread: 6, lastReadSeq: base }, 'his marker starts at his own join');

  const roomFor = async () => (await (await fetch(`${server.url}/api/v1/rooms/${room.id}`, { headers: { authorization: `Bearer ${bob.token}` } })).json()) as { unread: number; lastReadSeq: number };
  assert.deepEqual((await b.request({ type: 'read', roomId: room.id, seq: base + 4 })).result, { seq: base + 4 });
  const push = await a.next((f) => f.type === 'read' && f.userId === bob.user.id);
  assert.equal(push.seq, base + 4);
  const partly = await roomFor();
  assert.deepEqual({ unread: partly.unread, lastReadSeq: partly.lastReadSeq }, { unread: 2, lastReadSeq: base + 4 });
  assert.deepEqual((await b.request({ type: 'read', roomId: room.id, seq: base + 2 })).result, { seq: base + 4 }, 'never backwards');
  assert.deepEqual((await b.request({ type: 'read', roomId: room.id, seq: 1000 })).result, { seq: base + 6 }, 'capped at the newest seq');

  const info = await roomFor();
  assert.deepEqual({ unread: info.unread, lastReadSeq: info.lastReadSeq }, { unread: 0, lastReadSeq: base + 6 });
  const members = (await (await fetch(`${server.url}/api/v1/rooms/${room.id}/members`, { headers: { authorization: `Bearer ${ada.token}` } })).json()) as {
    members: Array<{ name: string; lastReadSeq: number }>;
  };
  assert.equal(members.members.find((m) => m.name === 'Bob')?.lastReadSeq, base + 6);
});
