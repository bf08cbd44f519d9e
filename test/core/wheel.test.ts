/**
 * The sliced sweep (issue 11): each tick visits only its slot, every item comes up exactly once per
 * turn of the wheel (the documented period), and items added or removed mid-turn are handled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Wheel, wheelTiming } from '../../src/core/wheel.ts';

test('each tick visits one slot of about size/slots items, and a whole turn visits every item exactly once', () => {
  const wheel = new Wheel<number>(10);
  for (let i = 0; i < 2000; i++) wheel.add(i);
  const seen = new Map<number, number>();
  for (let tick = 0; tick < 10; tick++) {
    const slice = wheel.turn();
    assert.equal(slice.length, 200, 'one tenth per tick');
    for (const item of slice) seen.set(item, (seen.get(item) ?? 0) + 1);
  }
  assert.equal(seen.size, 2000);
  assert.ok([...seen.values()].every((n) => n === 1), 'once per turn');
  const again = wheel.turn();
  assert.deepEqual(new Set(again), new Set([...seen.keys()].filter((i) => i % 10 === 0)), 'the next turn starts over with the same slot');
});

test('removed items are never visited again; an item added twice is held once', () => {
  const wheel = new Wheel<string>(3);
  for (const item of ['a', 'b', 'c', 'd']) wheel.add(item);
  wheel.add('a');
  assert.equal(wheel.size, 4);
  assert.equal(wheel.delete('b'), true);
  assert.equal(wheel.delete('b'), false);
  const visited = [wheel.turn(), wheel.turn(), wheel.turn()].flat();
  assert.deepEqual(visited.sort(), ['a', 'c', 'd']);
});

test('wheel timing keeps the period: slots × tick = period, ticks about every 250 ms, at least one slot', () => {
  assert.deepEqual(wheelTiming(25_000), { slots: 100, tickMs: 250 });
  assert.deepEqual(wheelTiming(1000), { slots: 4, tickMs: 250 });
  assert.deepEqual(wheelTiming(100), { slots: 1, tickMs: 100 });
  assert.equal(wheelTiming(600_000).slots, 200);
  assert.equal(wheelTiming(600_000).tickMs * 200, 600_000);
});
