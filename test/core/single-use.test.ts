/**
 * Single-use values (DESIGN.md rule 9): a ticket nonce or token id is accepted once across nodes and
 * restarts. The fast claim lives in Counters; the Store's record decides, so forgetting the fast
 * claims (a Redis restart) cannot reopen a replay window, and an unreachable Redis does not stop
 * first uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleUse } from '../../src/core/single-use.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { RedisCounters } from '../../src/engines/counters/redis.ts';
import { openSqliteStore, sqliteFile } from '../../src/engines/store/sqlite.ts';
import { requireRedis } from '../support/services.ts';
import { startPrivateRedis, testRedis } from '../support/redis.ts';

async function withStore(fn: (store: Awaited<ReturnType<typeof openSqliteStore>>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-single-use-'));
  const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 16 });
  try {
    await fn(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('a value is accepted once; a replay is refused, and an expired value is refused outright', () =>
  withStore(async (store) => {
    const counters = new MemoryCounters();
    const once = new SingleUse(counters, store.nonces);
    assert.equal(await once.claim('ticket:a', Date.now() + 60_000), true);
    assert.equal(await once.claim('ticket:a', Date.now() + 60_000), false);
    assert.equal(await once.claim('ticket:b', Date.now() - 1), false);
    await counters.close();
  }));

test('forgetting the fast claims (as a Redis restart does) does not reopen the replay window', () =>
  withStore(async (store) => {
    const before = new MemoryCounters();
    assert.equal(await new SingleUse(before, store.nonces).claim('jti:1', Date.now() + 60_000), true);
    await before.close();
    const afterRestart = new MemoryCounters();
    assert.equal(await new SingleUse(afterRestart, store.nonces).claim('jti:1', Date.now() + 60_000), false);
    await afterRestart.close();
  }));

const url = await requireRedis();
if (url !== undefined) {
  test('with Redis restarted between two uses, or down at the first one, the store still refuses the replay', () =>
    withStore(async (store) => {
      await using server = await startPrivateRedis();
      await using redis = await testRedis(server.url);
      const once = new SingleUse(new RedisCounters(await redis.connect({ heartbeatMs: 200 })), store.nonces);
      assert.equal(await once.claim('nonce:restart', Date.now() + 60_000), true);
      await server.stop();
      assert.equal(await once.claim('nonce:down', Date.now() + 60_000), true, 'a first use is accepted while Redis is down');
      await server.start();
      assert.equal(await once.claim('nonce:restart', Date.now() + 60_000), false);
      assert.equal(await once.claim('nonce:down', Date.now() + 60_000), false);
    }));
}
