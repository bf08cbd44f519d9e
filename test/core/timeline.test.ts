/**
 * Guarantees of the room timeline (src/core/timeline/, issue 11; DESIGN.md rule 12), through the
 * core's in-process harness: two nodes on one store, with a bus that loses chosen events.
 * - A member removed, banned, muted or demoted — or a room closed — can no longer write on any
 *   node, even when the broker lost that event: the store refuses the write (persistent rooms) or
 *   the durable check before the relay buffer does (relay rooms), and nothing is stored; the node
 *   that missed the event repairs it from the timeline and acts on it within the position check.
 * - Every room change is a typed event with the room's next seq, gap-free across event types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreHarness, type CoreHarness, type TestClient } from '../support/core-harness.ts';
import { eventually } from '../support/eventually.ts';
import type { RoomRecord } from '../../src/core/ports/store.ts';
import type { Principal } from '../../src/core/principal.ts';
import type { RoomKind, TimelineEventType } from '../../src/protocol/index.ts';

/** A lost change: what the owner does on node 0, the event type the bus loses on its way to node 1, and the error code Bob's next send meets. */
interface LostChange {
  readonly name: string;
  readonly type: TimelineEventType;
  readonly act: (h: CoreHarness, owner: Principal, room: RoomRecord, bob: Principal) => Promise<unknown>;
  readonly refusal: string;
  /** How node 1 shows it acted on the repaired event. */
  readonly acted: (bob: TestClient, room: RoomRecord) => boolean;
}

const CHANGES: readonly LostChange[] = [
  {
    name: 'a ban',
    type: 'member_banned',
    act: (h, owner, room, bob) => (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).ban(owner, room.id, bob.userId, 'spam'),
    refusal: 'ROOM_NOT_FOUND',
    acted: (bob, room) => !bob.connection.rooms.has(room.id),
  },
  {
    name: 'a removal',
    type: 'member_removed',
    act: (h, owner, room, bob) => (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).kick(owner, room.id, bob.userId),
    refusal: 'ROOM_NOT_FOUND',
    acted: (bob, room) => !bob.connection.rooms.has(room.id),
  },
  {
    name: 'a mute',
    type: 'member_muted',
    act: (h, owner, room, bob) => (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).setMute(owner, room.id, bob.userId, Date.now() + 3_600_000),
    refusal: 'MEMBER_MUTED',
    acted: (bob, room) => (bob.connection.rooms.get(room.id)?.mutedUntil ?? null) !== null,
  },
  {
    name: 'a demotion to guest',
    type: 'member_role_changed',
    act: (h, owner, room, bob) => (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).setRole(owner, room.id, bob.userId, 'guest'),
    refusal: 'FORBIDDEN',
    acted: (bob, room) => bob.connection.rooms.get(room.id)?.role === 'guest',
  },
  {
    name: 'closing the room',
    type: 'room_closed',
    act: (h, owner, room) => (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).closeRoom(owner, room.id),
    refusal: 'ROOM_CLOSED',
    acted: (bob, room) => bob.connection.rooms.get(room.id)?.room.closedAt !== null,
  },
];

/** The error code a rejected harness request carried. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { body: { code: string } }).body.code;
  }
  return 'accepted';
}

for (const kind of ['persistent', 'relay'] as const satisfies readonly RoomKind[]) {
  for (const change of CHANGES) {
    test(`${kind} room: after ${change.name} whose broker event the member's node never got, their next send there is refused with ${change.refusal} and stores nothing; the node acts on the repaired event`, async () => {
      await using h = await coreHarness({ nodes: 2 });
      const owner = h.principal('Owner');
      const bob = h.principal('Bob');
      const room = await h.room(owner, { kind });
      await h.admit(bob, room);
      const client = h.connect(bob, 1);
      await client.join(room.id);
      await client.send(room.id, 'before');

      h.bus.drop = (event, node) => node === 1 && event.kind === change.type;
      await change.act(h, owner, room, bob);
      assert.equal(h.bus.lost, 1, 'the event was lost on its way to node 1');

      const code = await refusal(client.send(room.id, 'after', { id: 'after-1' }));
      assert.equal(code, change.refusal);
      const source = kind === 'relay' ? h.relayLog : h.store.timeline;
      const { events } = await source.page(room.id, { limit: 100 });
      assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => (e.type === 'message' ? e.body : '')), ['before'], 'nothing after the change was stored');

      await eventually(`node 1 acting on the repaired ${change.type}`, 3000, () => change.acted(client, room));
      assert.ok(client.peer.events(room.id).some((e) => e.type === change.type), 'the member was sent the repaired event');
    });
  }
}

test('every room change takes the room\'s next seq: membership, messages, edits, reactions, deletions and moderation share one gap-free sequence', async () => {
  await using h = await coreHarness();
  const owner = h.principal('Owner');
  const ada = h.principal('Ada');
  const room = await h.room(owner);
  await h.admit(ada, room);
  const a = h.connect(ada);
  await a.join(room.id);
  const sent = await a.send(room.id, 'hello');
  await a.request({ type: 'edit', roomId: room.id, target: sent.seq, body: 'hello, all' });
  await a.request({ type: 'react', roomId: room.id, target: sent.seq, key: '👍', active: true });
  await a.request({ type: 'delete', roomId: room.id, target: sent.seq });
  const chat = h.nodes[0];
  assert.ok(chat !== undefined);
  await chat.setMute(owner, room.id, ada.userId, Date.now() + 60_000);

  const { events } = await h.store.timeline.page(room.id, { limit: 100 });
  assert.deepEqual(
    events.map((e) => e.type),
    ['member_joined', 'member_joined', 'message', 'message_edited', 'reaction_added', 'message_deleted', 'member_muted'],
  );
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
  );
  await eventually('Ada receiving every event after her join', 3000, () => a.peer.events(room.id).length === 5);
  assert.deepEqual(
    a.peer.events(room.id).map((e) => e.seq),
    [3, 4, 5, 6, 7],
  );
});

test('unread counts count only messages by others: not reactions, edits, membership events, or your own messages', async () => {
  await using h = await coreHarness();
  const owner = h.principal('Owner');
  const ada = h.principal('Ada');
  const room = await h.room(owner);
  await h.admit(ada, room);
  const o = h.connect(owner);
  await o.join(room.id);
  const first = await o.send(room.id, 'one');
  await o.send(room.id, 'two');
  const a = h.connect(ada);
  await a.join(room.id);
  await a.send(room.id, 'mine');
  await o.request({ type: 'react', roomId: room.id, target: first.seq, key: '🎉', active: true });
  await o.request({ type: 'edit', roomId: room.id, target: first.seq, body: 'one!' });
  const again = h.connect(ada);
  const joined = await again.join(room.id);
  assert.equal(joined.unread, 2);
  assert.ok(joined.memberCount === 2 && joined.members.length === 2);
});

test('a message in a relay room retried after 600 other messages is answered as a duplicate with its original seq', async () => {
  await using h = await coreHarness();
  const owner = h.principal('Owner');
  const room = await h.room(owner, { kind: 'relay' });
  const o = h.connect(owner);
  await o.join(room.id);
  const first = await o.send(room.id, 'first', { id: 'retried' });
  for (let i = 0; i < 600; i++) await o.send(room.id, `filler ${i}`);
  const retry = await o.send(room.id, 'first', { id: 'retried' });
  assert.equal(retry.duplicate, true);
  assert.equal(retry.seq, first.seq);
  assert.equal(retry.id, first.id);
});

test('relay room: a sender is authorized from the store once, then by the room\'s authority stamp, until a change of the room begins on any node', async () => {
  await using h = await coreHarness({ nodes: 2 });
  const owner = h.principal('Owner');
  const bob = h.principal('Bob');
  const carol = h.principal('Carol');
  const room = await h.room(owner, { kind: 'relay' });
  await h.admit(bob, room);
  await h.admit(carol, room);
  const timeline = h.store.timeline as { authorize: typeof h.store.timeline.authorize };
  const authorize = timeline.authorize.bind(timeline);
  let reads = 0;
  timeline.authorize = (...args) => ((reads += 1), authorize(...args));
  const client = h.connect(bob, 1);
  await client.join(room.id);

  for (const body of ['one', 'two', 'three']) await client.send(room.id, body);
  assert.equal(reads, 1, 'one store read for three messages');
  await (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).setMute(owner, room.id, carol.userId, Date.now() + 60_000);
  await client.send(room.id, 'four');
  await client.send(room.id, 'five');
  assert.equal(reads, 2, 'a change on the other node voids the stamp once');
  const { events } = await h.relayLog.page(room.id, { limit: 100 });
  assert.deepEqual(
    events.filter((e) => e.type === 'message' || e.type === 'member_muted').map((e) => (e.type === 'message' ? e.body : e.type)),
    ['one', 'two', 'three', 'member_muted', 'four', 'five'],
    'every message stored once, in order around the mute',
  );
});

test('relay room: a ban committed on another node between a send\'s store check and its append refuses the send instead of storing it after the ban', async () => {
  await using h = await coreHarness({ nodes: 2 });
  const owner = h.principal('Owner');
  const bob = h.principal('Bob');
  const room = await h.room(owner, { kind: 'relay' });
  await h.admit(bob, room);
  const timeline = h.store.timeline as { authorize: typeof h.store.timeline.authorize };
  const authorize = timeline.authorize.bind(timeline);
  let banned = false;
  timeline.authorize = async (...args) => {
    await authorize(...args);
    if (!banned && args[1] === bob.userId) {
      banned = true;
      await (h.nodes[0] as NonNullable<(typeof h.nodes)[0]>).ban(owner, room.id, bob.userId, 'spam');
    }
  };
  const client = h.connect(bob, 1);
  await client.join(room.id);

  assert.equal(await refusal(client.send(room.id, 'raced')), 'ROOM_NOT_FOUND');
  assert.ok(banned);
  const { events } = await h.relayLog.page(room.id, { limit: 100 });
  assert.deepEqual(events.filter((e) => e.type === 'message'), [], 'nothing stored after the ban');
});
