/**
 * Presence pushes are coalesced (issue 11, joining at scale): a node pushes a room's presence
 * changes once per flush window, each member once with their latest state, so a burst of joins
 * costs each member one frame. Over the in-process harness (real core, real SQLite store).
 *
 * The long-window tests end the window with `Chat.close()`, which pushes what is pending: the
 * timer's firing is then not a race with the joins (the last test covers the timer itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreHarness, type ReceivedFrame, type TestClient } from '../support/core-harness.ts';
import { announces, changesOf } from '../support/presence-changes.ts';
import { eventually } from '../support/eventually.ts';
import { PRESENCE_FRAMES_PER_SECOND, presenceWindowMs } from '../../src/core/presence.ts';

/** Longer than any test: only `close()` ends the window. */
const LONG_WINDOW_MS = 600_000;

const presencePushes = (client: TestClient): ReceivedFrame[] => client.peer.frames.filter((f) => f.type === 'presence');

test('50 joins within one window reach every connected member as one presence push carrying every change, in order', async () => {
  await using h = await coreHarness({ chat: { presenceFlushMs: LONG_WINDOW_MS } });
  const owner = h.principal('Owner');
  const room = await h.room(owner);
  const watcher = h.connect(owner);
  await watcher.join(room.id);
  const joiners: TestClient[] = [];
  for (let i = 0; i < 50; i++) {
    const principal = h.principal(`Joiner${i}`);
    await h.admit(principal, room);
    const client = h.connect(principal);
    await client.join(room.id);
    joiners.push(client);
  }
  for (const client of [watcher, ...joiners]) assert.equal(presencePushes(client).length, 0, 'nothing is pushed before the window ends');

  await h.nodes[0]!.close();
  const expected = [owner, ...joiners.map((j) => j.principal)].map((p) => ({ userId: p.userId, name: p.name, online: true }));
  for (const client of [watcher, ...joiners]) {
    const pushes = presencePushes(client);
    assert.equal(pushes.length, 1, `${client.principal.name} gets one presence push`);
    assert.deepEqual(pushes[0], { type: 'presence', roomId: room.id, changes: expected });
  }
});

test('a member who comes online and goes offline within one window is pushed as offline only', async () => {
  await using h = await coreHarness({ chat: { presenceFlushMs: LONG_WINDOW_MS } });
  const owner = h.principal('Owner');
  const bob = h.principal('Bob');
  const room = await h.room(owner);
  await h.admit(bob, room);
  const watcher = h.connect(owner);
  await watcher.join(room.id);
  const b = h.connect(bob);
  await b.join(room.id);
  await h.nodes[0]!.disconnect(b.connection);

  await h.nodes[0]!.close();
  assert.deepEqual(presencePushes(watcher).map(changesOf), [
    [
      { userId: owner.userId, name: 'Owner', online: true },
      { userId: bob.userId, name: 'Bob', online: false },
    ],
  ]);
});

test('a member with two connections, on two nodes, who closes one is not announced offline; closing the last is', async () => {
  await using h = await coreHarness({ nodes: 2, chat: { presenceFlushMs: 0 } });
  const owner = h.principal('Owner');
  const bob = h.principal('Bob');
  const room = await h.room(owner);
  await h.admit(bob, room);
  const watcher = h.connect(owner);
  await watcher.join(room.id);
  const first = h.connect(bob, 0);
  await first.join(room.id);
  const second = h.connect(bob, 1);
  await second.join(room.id);
  assert.equal(watcher.peer.frames.filter(announces(bob.userId, true)).length, 1, 'the second connection is no news');

  // Window 0: a push is published before the disconnect resolves, and the in-process bus delivers at once.
  await h.nodes[0]!.disconnect(first.connection);
  assert.equal(watcher.peer.frames.filter(announces(bob.userId, false)).length, 0, 'still online through the other node');

  await h.nodes[1]!.disconnect(second.connection);
  await eventually('Bob offline', 5000, () => watcher.peer.frames.some(announces(bob.userId, false)));
  assert.deepEqual(changesOf(watcher.peer.frames.find(announces(bob.userId, false))!), [{ userId: bob.userId, name: 'Bob', online: false }]);
});

test('the flush timer pushes a window\'s changes without anything else happening', async () => {
  await using h = await coreHarness({ chat: { presenceFlushMs: 50 } });
  const owner = h.principal('Owner');
  const bob = h.principal('Bob');
  const room = await h.room(owner);
  await h.admit(bob, room);
  const watcher = h.connect(owner);
  await watcher.join(room.id);
  await eventually('the owner\'s own online push', 5000, () => watcher.peer.frames.some(announces(owner.userId, true)));
  await h.connect(bob).join(room.id);
  await eventually('Bob online', 5000, () => watcher.peer.frames.some(announces(bob.userId, true)));
});

test('the join reply lists at most joinMembersMax members, online ones first', async () => {
  await using h = await coreHarness({ chat: { presenceFlushMs: 0, joinMembersMax: 4 } });
  const owner = h.principal('Owner');
  const room = await h.room(owner);
  const others = Array.from({ length: 6 }, (_, i) => h.principal(`M${i}`));
  for (const p of others) await h.admit(p, room);
  for (const p of others.slice(0, 2)) await h.connect(p).join(room.id);
  const joined = await h.connect(owner).join(room.id);
  assert.equal(joined.memberCount, 7);
  assert.equal(joined.members.length, 4);
  const online = new Set([owner.userId, others[0]!.userId, others[1]!.userId]);
  assert.deepEqual(joined.members.slice(0, 3).map((m) => [online.has(m.userId), m.online]), [[true, true], [true, true], [true, true]]);
  assert.deepEqual([online.has(joined.members[3]!.userId), joined.members[3]!.online], [false, false]);
});

test('the window grows with the room\'s connections on the node: about 20 frames per second, at most 30 windows', () => {
  assert.equal(PRESENCE_FRAMES_PER_SECOND, 20);
  assert.deepEqual([0, 1, 2, 3, 10, 40, 60, 10_000].map((n) => presenceWindowMs(100, n)), [100, 100, 100, 150, 500, 2000, 3000, 3000]);
  assert.equal(presenceWindowMs(20, 12), 600);
});

test('a room with many connections on the node gathers changes for longer than a room with few', async () => {
  await using h = await coreHarness({ chat: { presenceFlushMs: 20 } });
  const owner = h.principal('Owner');
  const big = await h.room(owner);
  const small = await h.room(owner);
  const watcher = h.connect(owner);
  await watcher.join(big.id);
  await watcher.join(small.id);
  const members = Array.from({ length: 11 }, (_, i) => h.principal(`M${i}`));
  const clients: TestClient[] = [];
  for (const p of members) {
    await h.admit(p, big);
    const client = h.connect(p);
    await client.join(big.id);
    clients.push(client);
  }
  await eventually('every member shown online in the big room', 10_000, () => members.every((m) => watcher.peer.frames.some(announces(m.userId, true))));
  const bigPushes = () => presencePushes(watcher).filter((f) => f.roomId === big.id).length;
  const before = bigPushes();
  const [x, y] = [clients[0]!, clients[1]!];

  // 12 connections: a 600 ms window. The small room (1 connection, then 2) flushes after 100 ms.
  await h.nodes[0]!.disconnect(x.connection);
  const newcomer = h.principal('Newcomer');
  await h.admit(newcomer, small);
  await h.connect(newcomer).join(small.id);
  await eventually('the small room\'s push', 5000, () => presencePushes(watcher).some((f) => f.roomId === small.id && changesOf(f).some((c) => c.userId === newcomer.userId)));
  await h.nodes[0]!.disconnect(y.connection);

  await eventually('the big room\'s push', 5000, () => bigPushes() > before);
  const pushes = presencePushes(watcher).filter((f) => f.roomId === big.id).slice(before);
  assert.deepEqual(pushes.map(changesOf), [[
    { userId: x.principal.userId, name: x.principal.name, online: false },
    { userId: y.principal.userId, name: y.principal.name, online: false },
  ]]);
});
