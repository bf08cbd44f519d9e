/**
 * A room's feed on one node (src/core/room-feed.ts; DESIGN.md rule 3): whatever order and whatever
 * losses the broker delivers with, the node hands its sockets every timeline event once, in seq
 * order, reading what is missing from the room's timeline — a real SQLite store, a real relay log —
 * and announcing what a relay buffer no longer holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomFeed, type Delivery } from '../../src/core/room-feed.ts';
import { encodeEvent } from '../../src/core/timeline/frames.ts';
import { MemoryRelayLog } from '../../src/engines/broker/memory-relay-log.ts';
import { openSqliteStore, sqliteFile, type SqliteStore } from '../../src/engines/store/sqlite.ts';
import type { EventPush, TimelineEvent } from '../../src/protocol/index.ts';
import { roomWithAlice, sampleMessage } from '../support/store-records.ts';
import { eventually } from '../support/eventually.ts';

/**
 * A store with room `r` whose timeline holds `count` events — Alice's `member_joined` at seq 1,
 * then messages — the events by seq (`timeline[seq - 1]`), and a relay log keeping 3 events per room.
 */
async function withSources(count: number, fn: (store: SqliteStore, timeline: TimelineEvent[], relayLog: MemoryRelayLog) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-feed-'));
  const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 64 });
  try {
    await roomWithAlice(store, 'r');
    for (let i = 2; i <= count; i++) await store.timeline.append(sampleMessage('r', i));
    const timeline = (await store.timeline.since('r', 0, 1000)).events;
    assert.deepEqual(timeline.map((e) => e.seq), Array.from({ length: Math.max(count, 1) }, (_, i) => i + 1));
    await fn(store, timeline.slice(0, count), new MemoryRelayLog({ bufferSize: 3, ttlMs: 60_000, dedupeWindowMs: 600_000 }));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The event of room `r` with `seq` (it must exist). */
function at(timeline: TimelineEvent[], seq: number): TimelineEvent {
  const event = timeline[seq - 1];
  assert.equal(event?.seq, seq);
  return event as TimelineEvent;
}

/**
 * A feed of room `r` reading from the store's timeline (persistent) or the relay log (relay),
 * recording what it delivers: event seqs, gaps, resyncs (in `delivered`), and the `event` push
 * each delivered event carries (in `pushes`, by seq).
 */
function feedOf(kind: 'persistent' | 'relay', store: SqliteStore, relayLog: MemoryRelayLog) {
  const delivered: Array<number | string> = [];
  const pushes = new Map<number, EventPush>();
  const errors: unknown[] = [];
  const repaired = { events: 0 };
  const feed = new RoomFeed('r', kind, {
    source: kind === 'relay' ? relayLog : store.timeline,
    deliver: (roomId, d: Delivery) => {
      assert.equal(roomId, 'r');
      if ('gap' in d) delivered.push(`gap ${d.gap.from}-${d.gap.to}`);
      else if ('resync' in d) delivered.push('resync');
      else if ('ephemeral' in d) delivered.push('ephemeral');
      else {
        delivered.push(d.seq);
        pushes.set(d.seq, JSON.parse(d.bytes.toString('utf8')) as EventPush);
      }
    },
    onError: (err) => errors.push(err),
    onRepaired: (repairedKind, events) => {
      assert.equal(repairedKind, kind);
      repaired.events += events;
    },
  });
  return { feed, delivered, pushes, errors, repaired };
}

test('events arriving out of order are delivered in seq order, each once; repeats and old seqs are dropped', () =>
  withSources(6, async (store, timeline, relayLog) => {
    const { feed, delivered, pushes, errors } = feedOf('persistent', store, relayLog);
    feed.start(1, undefined);
    for (const seq of [4, 2, 1, 3, 3, 6, 5]) feed.receive(seq, undefined, encodeEvent(at(timeline, seq)));
    assert.deepEqual(delivered, [2, 3, 4, 5, 6]);
    for (const seq of [2, 3, 4, 5, 6]) assert.deepEqual(pushes.get(seq), { type: 'event', event: at(timeline, seq) });
    assert.deepEqual(errors, []);
    feed.close();
  }));

test('events received before the feed knows its position wait for it, and those at or below it are dropped', () =>
  withSources(4, async (store, timeline, relayLog) => {
    const { feed, delivered } = feedOf('persistent', store, relayLog);
    for (const seq of [4, 3, 2]) feed.receive(seq, undefined, encodeEvent(at(timeline, seq)));
    assert.deepEqual(delivered, []);
    feed.start(2, undefined);
    assert.deepEqual(delivered, [3, 4]);
    feed.close();
  }));

test('an event that never arrives is read from the store once the reorder grace has passed, and the rest follow in order', () =>
  withSources(5, async (store, timeline, relayLog) => {
    const { feed, delivered, pushes, errors, repaired } = feedOf('persistent', store, relayLog);
    feed.start(0, undefined);
    for (const seq of [1, 4, 5]) feed.receive(seq, undefined, encodeEvent(at(timeline, seq)));
    assert.deepEqual(delivered, [1]);
    assert.equal(at(timeline, 1).type, 'member_joined', 'every event type goes through the feed');
    await eventually('the repair', 3000, () => delivered.length === 5);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5]);
    for (const seq of [2, 3]) assert.deepEqual(pushes.get(seq), { type: 'event', event: at(timeline, seq) }, 'a repaired event is the stored one');
    assert.ok(repaired.events >= 2, `the two missing events were read back (reported ${repaired.events})`);
    assert.deepEqual(errors, []);
    feed.close();
  }));

test('a position ahead of the feed (events committed, never published) is repaired from the store', () =>
  withSources(3, async (store, timeline, relayLog) => {
    const { feed, delivered, pushes, repaired } = feedOf('persistent', store, relayLog);
    feed.start(1, undefined);
    feed.repairTo(3, undefined);
    await eventually('the repair', 3000, () => delivered.length === 2);
    assert.deepEqual(delivered, [2, 3]);
    for (const seq of [2, 3]) assert.deepEqual(pushes.get(seq), { type: 'event', event: at(timeline, seq) });
    assert.equal(repaired.events, 2, 'reported as repaired');
    feed.close();
  }));

test('what a relay buffer no longer holds is announced as a gap before the rest is delivered', () =>
  withSources(0, async (store, _timeline, relayLog) => {
    const appended: TimelineEvent[] = [];
    for (let i = 1; i <= 5; i++) appended.push((await relayLog.append(sampleMessage('r', i))).event);
    assert.deepEqual(appended.map((e) => e.seq), [1, 2, 3, 4, 5]);
    const { epoch } = await relayLog.position('r');
    const { feed, delivered, pushes, repaired } = feedOf('relay', store, relayLog);
    feed.start(0, epoch);
    feed.receive(5, epoch, encodeEvent(appended[4] as TimelineEvent));
    await eventually('the repair', 3000, () => delivered.length === 4);
    assert.deepEqual(delivered, ['gap 1-2', 3, 4, 5]);
    for (const seq of [3, 4, 5]) assert.deepEqual(pushes.get(seq), { type: 'event', event: appended[seq - 1] });
    assert.ok(repaired.events >= 2, `seqs 3 and 4 were read back from the relay buffer (reported ${repaired.events})`);
    feed.close();
  }));

test('a relay room that started over in a new epoch resets the feed, tells the subscriptions, and goes on from seq 1', () =>
  withSources(0, async (store, _timeline, relayLog) => {
    const first = await relayLog.append(sampleMessage('r', 1));
    const { feed, delivered, pushes } = feedOf('relay', store, relayLog);
    feed.start(0, first.epoch);
    feed.receive(1, first.epoch, encodeEvent(first.event));
    await relayLog.drop('r');
    const restarted = await relayLog.append(sampleMessage('r', 2));
    assert.notEqual(restarted.epoch, first.epoch);
    assert.equal(restarted.event.seq, 1);
    feed.receive(1, restarted.epoch, encodeEvent(restarted.event));
    assert.deepEqual(delivered, [1, 'resync', 1]);
    assert.deepEqual(pushes.get(1), { type: 'event', event: restarted.event }, 'seq 1 of the new epoch is the new event');
    feed.close();
  }));
