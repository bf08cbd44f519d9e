/**
 * The group-commit batcher on its own (src/engines/store/group-commit.ts), with an in-test `commit`
 * that records each batch and settles when the test says so: batching rule, in-flight rule,
 * whole-batch and per-item failures, batch size cap, and close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit, type ItemOutcome } from '../../../src/engines/store/group-commit.ts';
import { ParleyError } from '../../../src/protocol/errors.ts';

/** A promise with its settle functions exposed. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A commit function that records every batch and holds it until `release(n)` settles it (each item
 * answered `item * 10`, or the batch failed with `fail(n, error)`). `started(n)` resolves once
 * batch n (0-based) was handed to commit.
 */
function heldCommits() {
  const batches: number[][] = [];
  const gates: { done: ReturnType<typeof deferred<readonly ItemOutcome<number>[]>>; started: ReturnType<typeof deferred> }[] = [];
  const gate = (n: number) => (gates[n] ??= { done: deferred(), started: deferred() });
  return {
    batches,
    commit: (items: readonly number[]) => {
      const g = gate(batches.length);
      batches.push([...items]);
      g.started.resolve(undefined);
      return g.done.promise;
    },
    started: (n: number) => gate(n).started.promise,
    release: (n: number) => gate(n).done.resolve((batches[n] ?? []).map((i) => ({ ok: true as const, value: i * 10 }))),
    fail: (n: number, error: unknown) => gate(n).done.reject(error),
  };
}

/** A commit that answers at once, recording batch sizes. */
function immediateCommits() {
  const batches: number[][] = [];
  return {
    batches,
    commit: (items: readonly number[]): ItemOutcome<number>[] => {
      batches.push([...items]);
      return items.map((i) => ({ ok: true, value: i * 10 }));
    },
  };
}

test('items submitted in the same tick share one batch, and each caller gets its own outcome', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 100, commit: c.commit });
  const results = await Promise.all([1, 2, 3, 4, 5].map((i) => gc.submit(i)));
  assert.deepEqual(results, [10, 20, 30, 40, 50]);
  assert.deepEqual(c.batches, [[1, 2, 3, 4, 5]]);
  assert.deepEqual(gc.stats, { batches: 1, items: 5, largestBatch: 5 });
});

test('under load (submits closer than half the window), items of different ticks within the window share one batch', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 100, windowMs: 50, commit: c.commit });
  const results: Promise<number>[] = [];
  for (const i of [1, 2, 3, 4, 5]) {
    results.push(gc.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(results), [10, 20, 30, 40, 50]);
  assert.deepEqual(c.batches, [[1], [2, 3, 4, 5]], 'the first submit after idle found no load and went alone; the rest waited together');
  await gc.close();
});

test('at low load (submits further apart than the window), each item commits on the next tick without waiting', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 100, windowMs: 20, commit: c.commit });
  for (const i of [1, 2, 3]) {
    const result = gc.submit(i);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(c.batches.length, i, `item ${i} was committed in the tick after its submit, not after the 20 ms window`);
    assert.equal(await result, i * 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(c.batches, [[1], [2], [3]]);
  await gc.close();
});

test('without a window, each tick is its own batch', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 100, windowMs: 0, commit: c.commit });
  const results: Promise<number>[] = [];
  for (const i of [1, 2, 3]) {
    results.push(gc.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(results), [10, 20, 30]);
  assert.deepEqual(c.batches, [[1], [2], [3]]);
  await gc.close();
});

test('a batch that fills up (fullBatch items) while waiting for company is committed at once', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 100, fullBatch: 3, windowMs: 60_000, commit: c.commit });
  await gc.submit(0);
  await new Promise((resolve) => setImmediate(resolve));
  const results = [1, 2, 3].map((i) => gc.submit(i));
  assert.deepEqual(await Promise.all(results), [10, 20, 30], 'answered long before the 60 s window');
  assert.deepEqual(c.batches, [[0], [1, 2, 3]]);
  await gc.close();
});

test('items submitted while a commit is in flight wait, then form the next batch together, in submission order', async () => {
  const c = heldCommits();
  const gc = new GroupCommit({ maxBatch: 100, commit: c.commit });
  const first = [gc.submit(1), gc.submit(2)];
  await c.started(0);
  const second = [3, 4, 5].map((i) => gc.submit(i));
  assert.equal(gc.pending, 3, 'the newcomers wait for the in-flight commit');
  assert.equal(c.batches.length, 1);
  c.release(0);
  assert.deepEqual(await Promise.all(first), [10, 20]);
  await c.started(1);
  assert.deepEqual(c.batches, [[1, 2], [3, 4, 5]]);
  c.release(1);
  assert.deepEqual(await Promise.all(second), [30, 40, 50]);
});

test('a caller is answered only after its batch commit settled', async () => {
  const c = heldCommits();
  const gc = new GroupCommit({ maxBatch: 100, commit: c.commit });
  let answered = false;
  const pending = gc.submit(7).then((v) => {
    answered = true;
    return v;
  });
  await c.started(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(answered, false, 'no answer while the transaction is open');
  c.release(0);
  assert.equal(await pending, 70);
});

test('a commit that throws rejects every item of its batch with that error, and the next batch still commits', async () => {
  const c = heldCommits();
  const gc = new GroupCommit({ maxBatch: 100, commit: c.commit });
  const doomed = [1, 2, 3].map((i) => gc.submit(i));
  await c.started(0);
  const later = [4, 5].map((i) => gc.submit(i));
  const failure = new ParleyError('STORE_UNAVAILABLE');
  c.fail(0, failure);
  const settled = await Promise.allSettled(doomed);
  assert.deepEqual(settled, [1, 2, 3].map(() => ({ status: 'rejected', reason: failure })));
  await c.started(1);
  c.release(1);
  assert.deepEqual(await Promise.all(later), [40, 50]);
});

test('a synchronous commit that throws rejects the whole batch too', async () => {
  const gc = new GroupCommit<number, number>({
    maxBatch: 10,
    commit: () => {
      throw new Error('disk full');
    },
  });
  const settled = await Promise.allSettled([1, 2].map((i) => gc.submit(i)));
  assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'disk full'));
});

test('an item-level failure rejects that caller alone; the others of its batch resolve', async () => {
  const gc = new GroupCommit<number, number>({
    maxBatch: 10,
    commit: (items) => items.map((i) => (i === 2 ? { ok: false, error: new ParleyError('ROOM_CLOSED') } : { ok: true, value: i })),
  });
  const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(((settled[1] as PromiseRejectedResult).reason as ParleyError).code, 'ROOM_CLOSED');
});

test('a commit that answers the wrong number of outcomes fails its whole batch rather than misassign them', async () => {
  const gc = new GroupCommit<number, number>({ maxBatch: 10, commit: (items) => items.slice(1).map((i) => ({ ok: true, value: i })) });
  const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
  for (const s of settled) {
    assert.equal(s.status, 'rejected');
    if (s.status === 'rejected') assert.match((s.reason as Error).message, /2 outcomes for a batch of 3/);
  }
});

test('no batch holds more than maxBatch items; the rest follow in submission order', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 4, commit: c.commit });
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gc.submit(i + 1)));
  assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => (i + 1) * 10));
  assert.deepEqual(c.batches, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
  assert.equal(gc.stats.largestBatch, 4);
});

test('close commits everything already submitted, then refuses new items with STORE_UNAVAILABLE; closing twice is harmless', async () => {
  const c = heldCommits();
  const gc = new GroupCommit({ maxBatch: 2, commit: c.commit });
  const inFlight = [gc.submit(1), gc.submit(2)];
  await c.started(0);
  const queued = [gc.submit(3), gc.submit(4), gc.submit(5)];
  const closed = gc.close();
  await assert.rejects(gc.submit(6), (err) => err instanceof ParleyError && err.code === 'STORE_UNAVAILABLE');
  c.release(0);
  await c.started(1);
  c.release(1);
  await c.started(2);
  c.release(2);
  await closed;
  await gc.close();
  assert.deepEqual(await Promise.all([...inFlight, ...queued]), [10, 20, 30, 40, 50]);
  assert.deepEqual(c.batches, [[1, 2], [3, 4], [5]]);
});

test('close right after a submit in the same tick still commits that item', async () => {
  const c = immediateCommits();
  const gc = new GroupCommit({ maxBatch: 10, commit: c.commit });
  const pending = gc.submit(9);
  await gc.close();
  assert.equal(await pending, 90);
});

test('maxBatch must be a positive integer', () => {
  for (const maxBatch of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new GroupCommit({ maxBatch, commit: () => [] }), RangeError);
  }
});
