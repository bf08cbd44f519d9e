/**
 * A join into a room its node already serves resumes from the node's feed of the room instead of
 * reading the room's position (issue 11, joining at scale). The feed may not have heard of the
 * newest events yet (the broker lost them, or they are on their way): such a join must still
 * resume without a resync, a gap or a duplicate. Over the in-process harness, with a bus that loses
 * the message's event on its way to the joiner's node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomKind } from '../../src/protocol/index.ts';
import { coreHarness } from '../support/core-harness.ts';
import { eventually } from '../support/eventually.ts';

for (const kind of ['persistent', 'relay'] as const satisfies readonly RoomKind[]) {
  test(`${kind} room: joins on a node whose feed missed the newest message resume from it without resync, gap or duplicate`, async () => {
    await using h = await coreHarness({ nodes: 2 });
    const owner = h.principal('Owner');
    const bob = h.principal('Bob');
    const room = await h.room(owner, { kind });
    await h.admit(bob, room);
    const sender = h.connect(owner, 0);
    await sender.join(room.id);
    const watcher = h.connect(bob, 1);
    await watcher.join(room.id);

    h.bus.drop = (event, node) => node === 1 && event.kind === 'message';
    const lost = await sender.send(room.id, 'lost on its way to node 1');
    assert.equal(h.bus.lost, 1);

    // Seen on node 0 already: since is the lost message's seq, beyond what node 1's feed delivered.
    const caughtUp = h.connect(bob, 1);
    const atLost = await caughtUp.join(room.id, lost.seq);
    assert.equal(atLost.resume, 'replay', 'a since beyond the feed is no resync');
    assert.equal(atLost.room.lastSeq, lost.seq, 'the position was asked of the source');
    // One behind it: the feed's position, so the message comes through the feed's repair.
    const behind = h.connect(bob, 1);
    const beforeLost = await behind.join(room.id, lost.seq - 1);
    assert.equal(beforeLost.resume, 'replay');

    await eventually('node 1 repairing the lost message', 3000, () => watcher.peer.events(room.id).some((e) => e.seq === lost.seq));
    await eventually('the lagging joiner receiving it', 3000, () => behind.peer.events(room.id).some((e) => e.seq === lost.seq));
    h.bus.drop = () => false;
    const next = await sender.send(room.id, 'after');
    for (const client of [watcher, caughtUp, behind]) await eventually(`${client.connection.peer.id} live again`, 3000, () => client.peer.events(room.id).some((e) => e.seq === next.seq));

    const seqs = (client: typeof behind) => client.peer.events(room.id).map((e) => e.seq);
    assert.deepEqual(seqs(caughtUp), [next.seq], 'nothing at or below its since again');
    assert.deepEqual(seqs(behind), [lost.seq, next.seq], 'the lost message once, then live');
    for (const client of [caughtUp, behind]) assert.equal(client.peer.frames.filter((f) => f.type === 'gap' || f.type === 'resync').length, 0);
  });
}
