/**
 * Engine selection by configuration only (src/engines/from-config.ts): the store is SQLite under
 * DATA_DIR unless DATABASE_URL names a PostgreSQL database; the other ports are in-process unless
 * REDIS_URL names a Redis. The PostgreSQL and Redis cases need those servers (test/support/services.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { Redis } from 'ioredis';
import { describeStore, enginesFromConfig, storeFromConfig } from '../../src/engines/from-config.ts';
import { MemoryBroker } from '../../src/engines/broker/memory.ts';
import { MemoryRelayLog } from '../../src/engines/broker/memory-relay-log.ts';
import { MemoryPresence } from '../../src/engines/presence/memory.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { RedisBroker } from '../../src/engines/broker/redis.ts';
import { RedisRelayLog } from '../../src/engines/broker/redis-relay-log.ts';
import { RedisPresence } from '../../src/engines/presence/redis.ts';
import { RedisCounters } from '../../src/engines/counters/redis.ts';
import { testRedis } from '../support/redis.ts';
import { PostgresStore } from '../../src/engines/store/postgres.ts';
import { SqliteStore, sqliteFile } from '../../src/engines/store/sqlite.ts';
import { createPostgresSchema, requirePostgres, requireRedis, withPostgresClient } from '../support/services.ts';

test('without DATABASE_URL the store is the SQLite file in DATA_DIR', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-from-config-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir });
    const store = await storeFromConfig(config);
    try {
      assert.ok(store instanceof SqliteStore);
      assert.ok(existsSync(sqliteFile(dataDir)));
      assert.equal(describeStore(config), `SQLite database ${sqliteFile(dataDir)}`);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('describeStore names the PostgreSQL server and database, never the password', () => {
  const config = loadConfig({ DATABASE_URL: 'postgres://parley:topsecret@db.internal:6543/chat?sslmode=require' });
  assert.equal(describeStore(config), 'PostgreSQL database chat on db.internal:6543');
});

test('without REDIS_URL every other port is in-process, and /ready checks only the store', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-from-config-'));
  const engines = await enginesFromConfig(loadConfig({ DATA_DIR: dataDir }));
  try {
    assert.ok(engines.broker instanceof MemoryBroker);
    assert.ok(engines.presence instanceof MemoryPresence);
    assert.ok(engines.relayLog instanceof MemoryRelayLog);
    assert.ok(engines.counters instanceof MemoryCounters);
    assert.deepEqual(Object.keys(engines.checks), ['store']);
  } finally {
    await engines.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

const redisUrl = await requireRedis();
if (redisUrl !== undefined) {
  test('a redis:// REDIS_URL puts the broker, presence, relay log and counters on Redis, under the prefix, with a redis readiness check', async () => {
    await using keys = await testRedis(redisUrl);
    const { prefix } = keys;
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-from-config-'));
    const engines = await enginesFromConfig(loadConfig({ DATA_DIR: dataDir, REDIS_URL: redisUrl, PARLEY_REDIS_PREFIX: prefix }));
    try {
      assert.ok(engines.broker instanceof RedisBroker);
      assert.ok(engines.presence instanceof RedisPresence);
      assert.ok(engines.relayLog instanceof RedisRelayLog);
      assert.ok(engines.counters instanceof RedisCounters);
      await engines.checks.redis?.();
      await engines.presence.touch('r', { memberId: 'k', connectionId: '1', value: 'v' }, 60_000);
      const redis = new Redis(redisUrl);
      try {
        assert.deepEqual(await redis.keys(`${prefix}*`).then((keys) => keys.sort()), [`${prefix}presence:r`, `${prefix}presence:r:member:k`, `${prefix}presence:r:members`, `${prefix}presence:r:values`]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await engines.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('an unreachable REDIS_URL stops the start with BROKER_UNAVAILABLE naming the server, never the password', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-from-config-'));
    try {
      await assert.rejects(enginesFromConfig(loadConfig({ DATA_DIR: dataDir, REDIS_URL: 'redis://:topsecret@127.0.0.1:1', PARLEY_REDIS_HEARTBEAT_MS: '200' })), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BROKER_UNAVAILABLE');
        assert.match(err.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(err.message, /topsecret/);
        return true;
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

const url = await requirePostgres();

if (url !== undefined) {
  test("a postgres:// DATABASE_URL opens the PostgreSQL store there, keeping the URL's own options but never its synchronous_commit=off", async () => {
    await using schema = await createPostgresSchema(url);
    const databaseUrl = new URL(url);
    databaseUrl.searchParams.set('options', `-c search_path=${schema.name} -c synchronous_commit=off`);
    const store = await storeFromConfig(loadConfig({ DATABASE_URL: databaseUrl.toString(), PARLEY_PG_POOL_MAX: '3' }));
    try {
      assert.ok(store instanceof PostgresStore);
      const settings = await store.settings();
      assert.deepEqual([settings.synchronousCommit, settings.searchPath], ['on', schema.name]);
      await store.rooms.create({ id: 'cfg', name: 'cfg', kind: 'persistent', maxMembers: 5, joinRule: 'open', messagesPerMinute: null, joinCodeHash: null, epoch: 'e', createdAt: 1 });
      const rows = await withPostgresClient(url, async (c) => (await c.query(`select id from ${schema.name}.rooms`)).rows);
      assert.deepEqual(rows, [{ id: 'cfg' }], 'the tables live in the schema the URL named');
    } finally {
      await store.close();
    }
  });
}
