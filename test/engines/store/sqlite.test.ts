/**
 * The SQLite Store engine: the Store contract on a fresh temp-dir database per test, then what only
 * SQLite promises (file lifecycle, group commit batching, WAL/synchronous, transaction failure).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { openSqliteStore, sqliteFile, type SqliteStore, type SqliteStoreOptions } from '../../../src/engines/store/sqlite.ts';
import { ParleyError } from '../../../src/protocol/errors.ts';
import { storeContract } from '../../contracts/store.contract.ts';
import { MIGRATIONS, migrationProvider } from '../../../src/engines/store/migrations/index.ts';
import { T0, afterJoin, range, roomWithAlice, sampleMessage, seedBeforeSearch } from '../../support/store-records.ts';
import type { Database } from '../../../src/engines/store/schema.ts';

/** Run `fn` with a fresh temp directory, removed afterwards. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-sqlite-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Open a store in `dir` with test defaults; override any option. */
function open(dir: string, overrides: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> {
  return openSqliteStore({ file: sqliteFile(dir), synchronous: 'FULL', groupCommitMaxBatch: 256, ...overrides });
}

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-sqlite-'));
  const store = await open(dir);
  return {
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const message = sampleMessage;

describe('SQLite store specifics', () => {
  test('sqliteFile is parley.db inside the data directory', () => {
    assert.equal(sqliteFile(join('data', 'dir')), join('data', 'dir', 'parley.db'));
  });

  test('opening creates missing parent directories', () =>
    withDir(async (dir) => {
      const file = join(dir, 'a', 'b', 'parley.db');
      const store = await openSqliteStore({ file, synchronous: 'NORMAL', groupCommitMaxBatch: 8 });
      await store.close();
      assert.ok(existsSync(file));
    }));

  test('data survives close and reopen of the same file, and seq continues where it stopped', () =>
    withDir(async (dir) => {
      const first = await open(dir);
      await roomWithAlice(first, 'keep');
      await first.members.markRead('keep', 'alice', 2);
      await first.sessions.createUser({ id: 'alice', name: 'Alice', createdAt: T0 });
      await first.sessions.create({ tokenHash: 'tok', userId: 'alice', createdAt: T0, expiresAt: T0 + 60_000 });
      const sent = await Promise.all(range(3).map((i) => first.timeline.append(message('keep', i))));
      await first.close();

      const second = await open(dir);
      try {
        assert.equal((await second.rooms.get('keep'))?.lastSeq, 4);
        assert.equal((await second.members.get('keep', 'alice'))?.lastReadSeq, 2);
        assert.equal((await second.sessions.resolve('tok', T0))?.user.name, 'Alice');
        assert.deepEqual((await second.timeline.page('keep', { after: 1, limit: 10 })).events, sent.map((r) => r.event).sort((a, b) => a.seq - b.seq));
        assert.equal((await second.timeline.append(message('keep', 4))).event.seq, 5);
        assert.deepEqual(await second.timeline.append(message('keep', 1)), { event: sent.find((r) => r.event.clientId === 'c1')?.event, duplicate: true });
      } finally {
        await second.close();
      }
      const raw = new BetterSqlite3(sqliteFile(dir), { readonly: true });
      try {
        const applied = raw.prepare('select name from kysely_migration').pluck().all();
        assert.deepEqual(applied, Object.keys(MIGRATIONS), 'reopening applies no migration twice');
      } finally {
        raw.close();
      }
    }));

  test('upgrading a database written by the first schema keeps its messages (as `message` events), seqs and dedupe keys', () =>
    withDir(async (dir) => {
      const raw = new BetterSqlite3(sqliteFile(dir));
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
      const migrated = await new Migrator({ db, provider: migrationProvider }).migrateTo('2026-11-22-01-initial');
      assert.equal(migrated.error, undefined);
      await sql`insert into rooms (id, name, kind, max_members, join_rule, join_code_hash, epoch, last_seq, created_at) values ('old', 'Old', 'persistent', 10, 'open', null, 'e', 2, ${T0})`.execute(db);
      for (const seq of [1, 2]) {
        await sql`insert into messages (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at)
          values (${`m${seq}`}, 'old', ${seq}, 'alice', 'Alice', ${`c${seq}`}, 'text', ${`body ${seq}`}, ${T0 + seq})`.execute(db);
      }
      await db.destroy();

      const store = await open(dir);
      try {
        const page = await store.timeline.page('old', { after: 0, limit: 10 });
        assert.deepEqual(page.events.map((m) => [m.type, m.id, m.seq, m.type === 'message' ? m.body : '']), [['message', 'm1', 1, 'body 1'], ['message', 'm2', 2, 'body 2']]);
        const again = await store.timeline.append(sampleMessage('old', 1, { id: 'retry' }));
        assert.deepEqual([again.duplicate, again.event.id], [true, 'm1'], 'a retry of a message stored before the upgrade is still a duplicate');
        await store.timeline.commit({ id: 'j', roomId: 'old', type: 'member_joined', userId: 'alice', name: 'Alice', role: 'member', senderId: 'alice', senderName: 'Alice', clientId: 'join', createdAt: T0 }, { authority: 'checked' });
        assert.equal((await store.timeline.append(sampleMessage('old', 3))).event.seq, 4);
      } finally {
        await store.close();
      }
    }));

  test('upgrading to member name keys keeps every member, also two whose names differ only in case, and refuses a new member under either name', () =>
    withDir(async (dir) => {
      const raw = new BetterSqlite3(sqliteFile(dir));
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
      const migrated = await new Migrator({ db, provider: migrationProvider }).migrateTo('2026-12-01-05-moderation');
      assert.equal(migrated.error, undefined);
      await db.insertInto('rooms').values({ id: 'old', name: 'Old', kind: 'persistent', max_members: 10, join_rule: 'open', join_code_hash: null, epoch: 'e', last_seq: 0, created_at: T0 }).execute();
      const before = [['u1', 'Alex', T0], ['u2', 'alex', T0 + 1], ['u3', 'Rene\u0301e', T0 + 2]] as const;
      for (const [userId, name, joinedAt] of before) {
        await sql`insert into members (room_id, user_id, name, role, joined_at) values ('old', ${userId}, ${name}, 'member', ${joinedAt})`.execute(db);
      }
      await db.destroy();

      const store = await open(dir);
      try {
        assert.deepEqual((await store.members.page('old', { limit: 10 })).members.map((m) => [m.userId, m.name]), before.map(([userId, name]) => [userId, name]));
        const join = (userId: string, name: string) =>
        store.timeline.commit({ id: `j-${userId}-${name}`, roomId: 'old', type: 'member_joined', userId, name, role: 'member', senderId: userId, senderName: name, clientId: `join-${userId}-${name}`, createdAt: T0 + 10 }, { authority: 'checked' });
        for (const name of ['ALEX', 'alex', 'Ren\u00e9e']) await assert.rejects(join('u9', name), (err: unknown) => err instanceof ParleyError && err.code === 'NAME_TAKEN');
        assert.equal((await join('u1', 'Alex')).duplicate, true);
        assert.equal((await join('u4', 'Carol')).duplicate, false);
      } finally {
        await store.close();
      }
    }));

  test('upgrading to message search indexes the existing messages of plaintext rooms only: not deleted ones, not e2ee rooms\' nor other events', () =>
    withDir(async (dir) => {
      const raw = new BetterSqlite3(sqliteFile(dir));
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
      const migrated = await new Migrator({ db, provider: migrationProvider }).migrateTo('2026-12-03-02-member-name-key');
      assert.equal(migrated.error, undefined);
      await seedBeforeSearch(db);
      await db.destroy();

      const store = await open(dir);
      try {
        const { hits } = await store.search.messages({ userId: 'alice', text: 'old', limit: 10 });
        assert.deepEqual(hits.map((h) => [h.roomId, h.seq, h.body]), [['plain', 2, 'old words'], ['plain', 1, 'old plain words']]);
        const indexed = new BetterSqlite3(sqliteFile(dir), { readonly: true });
        try {
          assert.deepEqual(indexed.prepare('select room_id, seq from message_search_docs order by id').raw().all(), [['plain', 1], ['plain', 2]], 'only the plaintext room\'s live messages, oldest first');
          assert.equal(indexed.prepare('select count(*) from message_search').pluck().get(), 2);
        } finally {
          indexed.close();
        }
      } finally {
        await store.close();
      }
    }));

  test('group commit writes 200 concurrent appends in far fewer transactions than messages', () =>
    withDir(async (dir) => {
      const store = await open(dir);
      try {
        await roomWithAlice(store, 'g');
        const before = store.stats.transactions;
        const results = await Promise.all(range(200).map((i) => store.timeline.append(message('g', i))));
        const used = store.stats.transactions - before;
        assert.ok(used <= 4, `200 appends used ${used} transactions`);
        assert.ok(store.stats.largestBatch >= 50, `largest batch was ${store.stats.largestBatch}`);
        assert.deepEqual(results.map((r) => r.event.seq).sort((a, b) => a - b), afterJoin(200));
      } finally {
        await store.close();
      }
    }));

  test('no transaction holds more than groupCommitMaxBatch appends', () =>
    withDir(async (dir) => {
      const store = await open(dir, { groupCommitMaxBatch: 16 });
      try {
        await roomWithAlice(store, 'g');
        const before = store.stats.transactions;
        const results = await Promise.all(range(100).map((i) => store.timeline.append(message('g', i))));
        assert.ok(store.stats.transactions - before >= Math.ceil(100 / 16));
        assert.equal(store.stats.largestBatch, 16);
        assert.deepEqual(results.map((r) => r.event.seq).sort((a, b) => a - b), afterJoin(100));
      } finally {
        await store.close();
      }
    }));

  test('the connection runs in WAL mode with foreign keys, a busy timeout and the requested synchronous mode', () =>
    withDir(async (dir) => {
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        const store = await open(dir, { synchronous });
        try {
          assert.deepEqual(store.settings(), { journalMode: 'wal', synchronous, foreignKeys: true, busyTimeoutMs: 5000 });
        } finally {
          await store.close();
        }
      }
      const raw = new BetterSqlite3(sqliteFile(dir), { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal', 'WAL is recorded in the file itself');
      } finally {
        raw.close();
      }
    }));

  test('an append whose insert fails rejects alone with STORE_UNAVAILABLE; the rest of its batch commits gap-free', () =>
    withDir(async (dir) => {
      const store = await open(dir);
      const other = new BetterSqlite3(sqliteFile(dir));
      try {
        await roomWithAlice(store, 'iso');
        other.exec(`create trigger refuse_poison before insert on events when new.body = 'poison' begin select raise(abort, 'poison refused'); end`);
        const before = store.stats.transactions;
        const sends = range(10).map((i) => message('iso', i, i === 5 ? { body: 'poison' } : {}));
        const settled = await Promise.allSettled(sends.map((m) => store.timeline.append(m)));
        assert.equal(store.stats.transactions - before, 1, 'all ten shared one transaction');
        const failed = settled[4];
        assert.equal(failed?.status, 'rejected');
        if (failed?.status === 'rejected') {
          assert.ok(failed.reason instanceof ParleyError && failed.reason.code === 'STORE_UNAVAILABLE');
          assert.match(String((failed.reason.cause as Error).message), /poison refused/);
        }
        const seqs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.event.seq] : []));
        assert.deepEqual(seqs.sort((a, b) => a - b), afterJoin(9));
        assert.equal((await store.rooms.get('iso'))?.lastSeq, 10);
        assert.equal((await store.timeline.page('iso', { after: 1, limit: 20 })).events.length, 9);
      } finally {
        other.close();
        await store.close();
      }
    }));

  test('a failed transaction rejects every append of its batch, acks none and stores none', () =>
    withDir(async (dir) => {
      const store = await open(dir);
      const other = new BetterSqlite3(sqliteFile(dir));
      try {
        await roomWithAlice(store, 'tx');
        other.exec(`create trigger abort_batch before insert on events when new.body = 'rollback' begin select raise(rollback, 'batch aborted'); end`);
        const sends = range(10).map((i) => message('tx', i, i === 7 ? { body: 'rollback' } : {}));
        const settled = await Promise.allSettled(sends.map((m) => store.timeline.append(m)));
        for (const s of settled) {
          assert.equal(s.status, 'rejected');
          if (s.status === 'rejected') assert.ok(s.reason instanceof ParleyError && s.reason.code === 'STORE_UNAVAILABLE');
        }
        assert.equal((await store.rooms.get('tx'))?.lastSeq, 1);
        assert.deepEqual((await store.timeline.page('tx', { after: 1, limit: 20 })).events, []);

        other.exec('drop trigger abort_batch');
        const retried = await Promise.all(sends.filter((m) => m.body !== 'rollback').map((m) => store.timeline.append(m)));
        assert.ok(retried.every((r) => !r.duplicate), 'a retry after a failed batch is stored, not a duplicate');
        assert.deepEqual(retried.map((r) => r.event.seq).sort((a, b) => a - b), afterJoin(9));
      } finally {
        other.close();
        await store.close();
      }
    }));

  test('a file that is not a SQLite database fails to open with STORE_UNAVAILABLE naming the file', () =>
    withDir(async (dir) => {
      await writeFile(sqliteFile(dir), 'this is not a database, just some bytes that are long enough '.repeat(20));
      await assert.rejects(open(dir), (err) => {
        assert.ok(err instanceof ParleyError && err.code === 'STORE_UNAVAILABLE');
        assert.ok(err.message.includes(sqliteFile(dir)));
        return true;
      });
    }));
});
