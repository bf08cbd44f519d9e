/**
 * Connection guarantees: membership changes run one at a time in arrival order, and what a change
 * returned is not kept alive by the connection afterwards (a join's result holds the member list:
 * kept, it cost every connection of a 100-member room about 20 KB).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Connection } from '../../src/core/connection.ts';
import type { Peer } from '../../src/core/ports/peer.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const peer: Peer = { id: 'p1', principal: { userId: 'u1', name: 'U', role: 'user' }, bufferedBytes: 0, send: () => undefined, coalesce: () => undefined, close: () => undefined };

test('membership changes run one at a time, in arrival order, even when one fails', async () => {
  const connection = new Connection(peer);
  const order: string[] = [];
  let release!: () => void;
  const first = connection.serially(async () => {
    await new Promise<void>((resolve) => (release = resolve));
    order.push('first');
    throw new Error('first failed');
  });
  const second = connection.serially(async () => {
    order.push('second');
    return 2;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], 'the second change waits for the first');
  release();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
  assert.deepEqual(order, ['first', 'second']);
});

test('the result of a finished change is not retained by the connection', async () => {
  const connection = new Connection(peer);
  let ref: WeakRef<object> | undefined;
  await connection.serially(async () => {
    const result = { members: Array.from({ length: 100 }, (_, i) => ({ userId: `user-${i}` })) };
    ref = new WeakRef(result);
    return result;
  });
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(ref?.deref(), undefined);
  assert.ok(connection.rooms instanceof Map, 'the connection itself is still alive');
});
