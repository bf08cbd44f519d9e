/**
 * A room's feed on one node (src/core/room-feed.ts; DESIGN.md rule 3): whatever order and whatever
 * losses the broker delivers with, the node hands its sockets every message once, in seq order,
 * reading what is missing from the source of truth — a real SQLite store, a real relay log — and
 * announcing what a relay buffer no longer holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomFeed, encodeMessage, type Delivery } from '../../src/core/room-feed.ts';
import { MemoryRelayLog } from '../../src/engines/broker/memory-relay-log.ts';
import { openSqliteStore, sqliteFile, type SqliteStore } from '../../src/engines/store/sqlite.ts';
import type { Message } from '../../src/protocol/index.ts';
import { sampleMessage, sampleRoom } from '../support/store-records.ts';
import { eventually } from '../support/eventually.ts';

/** A store with room `r` holding `count` messages, the messages, and a relay log. */
async function withSources(count: number, fn: (store: SqliteStore, stored: Message[], relayLog: MemoryRelayLog) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-feed-'));
  const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 64 });
  try {
    await store.rooms.create(sampleRoom('r'));
    const stored: Message[] = [];
    for (let i = 1; i <= count; i++) stored.push((await store.messages.append(sampleMessage('r', i))).message);
    await fn(store, stored, new MemoryRelayLog(3, 60_000));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A feed of room `r` recording what it delivers (message seqs, gaps, resyncs). */
function feedOf(kind: 'persistent' | 'relay', store: SqliteStore, relayLog: MemoryRelayLog) {
  const delivered: Array<number | string> = [];
  const errors: unknown[] = [];
  const repaired = { messages: 0 };
  const feed = new RoomFeed('r', kind, {
    store,
    relayLog,
    deliver: (_roomId, d: Delivery) => delivered.push('gap' in d ? `gap ${d.gap.from}-${d.gap.to}` : 'resync' in d ? 'resync' : (d.seq as number)),
    onError: (err) => errors.push(err),
    onRepaired: (_kind, messages) => (repaired.messages += messages),
  });
  return { feed, delivered, errors, repaired };
}

test('events arriving out of order are delivered in seq order, each once; repeats and old seqs are dropped', () =>
  withSources(6, async (store, stored, relayLog) => {
    const { feed, delivered } = feedOf('persistent', store, relayLog);
    feed.start(1, undefined);
    for (const seq of [4, 2, 1, 3, 3, 6, 5]) feed.receive(seq, undefined, encodeMessage(stored[seq - 1] as Message));
    assert.deepEqual(delivered, [2, 3, 4, 5, 6]);
    feed.close();
  }));

test('events received before the feed knows its position wait for it, and those at or below it are dropped', () =>
  withSources(4, async (store, stored, relayLog) => {
    const { feed, delivered } = feedOf('persistent', store, relayLog);
    for (const seq of [4, 3, 2]) feed.receive(seq, undefined, encodeMessage(stored[seq - 1] as Message));
    assert.deepEqual(delivered, []);
    feed.start(2, undefined);
    assert.deepEqual(delivered, [3, 4]);
    feed.close();
  }));

test('an event that never arrives is read from the store once the reorder grace has passed, and the rest follow in order', () =>
  withSources(5, async (store, stored, relayLog) => {
    const { feed, delivered } = feedOf('persistent', store, relayLog);
    feed.start(0, undefined);
    for (const seq of [1, 4, 5]) feed.receive(seq, undefined, encodeMessage(stored[seq - 1] as Message));
    assert.deepEqual(delivered, [1]);
    await eventually('the repair', 3000, () => delivered.length === 5);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5]);
    feed.close();
  }));

test('a position ahead of the feed (messages committed, never published) is repaired from the store', () =>
  withSources(3, async (store, _stored, relayLog) => {
    const { feed, delivered, repaired } = feedOf('persistent', store, relayLog);
    feed.start(1, undefined);
    feed.repairTo(3, undefined);
    await eventually('the repair', 3000, () => delivered.length === 2);
    assert.deepEqual(delivered, [2, 3]);
    assert.equal(repaired.messages, 2, 'reported as repaired');
    feed.close();
  }));

test('what a relay buffer no longer holds is announced as a gap before the rest is delivered', () =>
  withSources(0, async (store, _stored, relayLog) => {
    const appended: Message[] = [];
    for (let i = 1; i <= 5; i++) appended.push((await relayLog.append(sampleMessage('r', i))).message);
    const { epoch } = await relayLog.position('r');
    const { feed, delivered } = feedOf('relay', store, relayLog);
    feed.start(0, epoch);
    feed.receive(5, epoch, encodeMessage(appended[4] as Message));
    await eventually('the repair', 3000, () => delivered.length === 4);
    assert.deepEqual(delivered, ['gap 1-2', 3, 4, 5]);
    feed.close();
  }));

test('a relay room that started over in a new epoch resets the feed, tells the subscriptions, and goes on from seq 1', () =>
  withSources(0, async (store, _stored, relayLog) => {
    const first = await relayLog.append(sampleMessage('r', 1));
    const { feed, delivered } = feedOf('relay', store, relayLog);
    feed.start(0, first.epoch);
    feed.receive(1, first.epoch, encodeMessage(first.message));
    await relayLog.drop('r');
    const restarted = await relayLog.append(sampleMessage('r', 2));
    feed.receive(1, restarted.epoch, encodeMessage(restarted.message));
    assert.deepEqual(delivered, [1, 'resync', 1]);
    feed.close();
  }));
