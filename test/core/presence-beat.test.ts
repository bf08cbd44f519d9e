/**
 * The presence beat is sliced (issue 11): each tick refreshes one slice of this node's entries, and
 * every entry is still refreshed once per third of the ttl, over the real in-process engines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { RoomPresence } from '../../src/core/presence.ts';
import { MemoryPresence } from '../../src/engines/presence/memory.ts';
import { MemoryBroker } from '../../src/engines/broker/memory.ts';
import { eventually } from '../support/eventually.ts';

const ENTRIES = 400;
const TTL_MS = 3000; // a beat period of 1 s: 4 ticks of 250 ms

test('each presence tick refreshes one slice of the entries; each entry is refreshed once per period', async () => {
  const engine = new MemoryPresence();
  const touches = new Map<string, number[]>();
  let counting = false;
  const touch = engine.touch.bind(engine);
  engine.touch = async (roomId, entry, ttlMs) => {
    const key = `${entry.memberId}/${entry.connectionId}`;
    if (counting) touches.set(key, [...(touches.get(key) ?? []), performance.now()]);
    return touch(roomId, entry, ttlMs);
  };
  const presence = new RoomPresence({ presence: engine, broker: new MemoryBroker(), ttlMs: TTL_MS, flushMs: 100, onError: (err) => assert.fail(String(err)) });
  try {
    for (let i = 0; i < ENTRIES; i++) await presence.enter(`room-${i % 10}`, `user-${i}`, `User ${i}`, `c${i}`);
    counting = true;
    await eventually('every entry refreshed twice', 5000, () => touches.size === ENTRIES && [...touches.values()].every((t) => t.length >= 2));
    counting = false;
    const all = [...touches.values()].flat().sort((a, b) => a - b);
    let burst = 0;
    for (let lo = 0, hi = 0; hi < all.length; hi++) {
      while (all[hi]! - all[lo]! > 100) lo++;
      burst = Math.max(burst, hi - lo + 1);
    }
    assert.ok(burst <= ENTRIES / 2, `at most half the entries refreshed within 100 ms (got ${burst}; a slice is ${ENTRIES / 4})`);
    for (const times of touches.values()) {
      const gap = times[1]! - times[0]!;
      assert.ok(gap > 750 && gap < 1500, `each entry is refreshed once per period (gap ${gap.toFixed(0)} ms)`);
    }
  } finally {
    await presence.close();
    await engine.close();
  }
});
