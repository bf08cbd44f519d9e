/**
 * Engine selection by configuration only (src/engines/from-config.ts): the store is SQLite under
 * DATA_DIR unless DATABASE_URL names a PostgreSQL database. The PostgreSQL case needs the server
 * (test/support/services.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { describeStore, storeFromConfig } from '../../src/engines/from-config.ts';
import { PostgresStore } from '../../src/engines/store/postgres.ts';
import { SqliteStore, sqliteFile } from '../../src/engines/store/sqlite.ts';
import { createPostgresSchema, requirePostgres, withPostgresClient } from '../support/services.ts';

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
      await store.rooms.create({ id: 'cfg', name: 'cfg', kind: 'persistent', maxMembers: 5, joinRule: 'open', joinCodeHash: null, epoch: 'e', createdAt: 1 });
      const rows = await withPostgresClient(url, async (c) => (await c.query(`select id from ${schema.name}.rooms`)).rows);
      assert.deepEqual(rows, [{ id: 'cfg' }], 'the tables live in the schema the URL named');
    } finally {
      await store.close();
    }
  });
}
