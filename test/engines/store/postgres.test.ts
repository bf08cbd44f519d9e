/**
 * The PostgreSQL Store engine: the Store contract against the machine's real PostgreSQL, each test
 * in a fresh schema (dropped afterwards, so runs never collide), then what only PostgreSQL promises:
 * several processes sharing one database, session settings, group commit measured by the server
 * itself, and connections cut from under the store.
 * Needs PostgreSQL (see test/support/services.ts: PARLEY_TEST_DATABASE_URL, PARLEY_SKIP_SERVICES).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../../../src/engines/store/postgres.ts';
import { ParleyError, type ErrorCode } from '../../../src/protocol/errors.ts';
import type { MessageEvent } from '../../../src/protocol/index.ts';
import type { NewMessage } from '../../../src/core/ports/store.ts';
import { storeContract } from '../../contracts/store.contract.ts';
import { MIGRATIONS, migrationProvider } from '../../../src/engines/store/migrations/index.ts';
import { createPostgresSchema, requirePostgres, withPostgresClient } from '../../support/services.ts';
import { T0, afterJoin, range, roomWithAlice, roomWithMembers, sampleJoin, sampleMessage, sampleRoom, seedBeforeSearch } from '../../support/store-records.ts';

const url = await requirePostgres();

if (url !== undefined) {
  storeContract('postgres', async () => {
    const schema = await createPostgresSchema(url);
    const store = await openPostgresStore({ url, schema: schema.name, groupCommitMaxBatch: 256 });
    return {
      store,
      async dispose() {
        await store.close();
        await schema[Symbol.asyncDispose]();
      },
    };
  });
  describe('PostgreSQL store specifics', () => specifics(url));
}

const room = sampleRoom;
const message = sampleMessage;
const sortedSeqs = (messages: readonly { seq: number }[]) => messages.map((m) => m.seq).sort((a, b) => a - b);

/** Asserts a ParleyError with this code; for `assert.rejects` and settled results. */
function isParley(err: unknown, code: ErrorCode): true {
  assert.ok(err instanceof ParleyError, `expected ParleyError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, String(err.cause ?? err.message));
  return true;
}

/**
 * Poll `probe` until it returns a value other than undefined. Each probe is a round trip to the
 * server, so this waits for a state, never for a fixed time. @throws after `timeoutMs`, naming `what`.
 */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function specifics(url: string): void {
  /** Run `fn` with a fresh schema and a store factory on it; every store opened is closed, then the schema dropped. */
  async function withSchema(fn: (open: (overrides?: Partial<PostgresStoreOptions>) => Promise<PostgresStore>, schema: string) => Promise<void>): Promise<void> {
    await using schema = await createPostgresSchema(url);
    const opened: PostgresStore[] = [];
    const open = async (overrides: Partial<PostgresStoreOptions> = {}) => {
      const store = await openPostgresStore({ url, schema: schema.name, groupCommitMaxBatch: 256, ...overrides });
      opened.push(store);
      return store;
    };
    try {
      await fn(open, schema.name);
    } finally {
      await Promise.all(opened.map((s) => s.close()));
    }
  }

  /** One query on a separate admin connection. */
  const admin = <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => withPostgresClient(url, async (c) => (await c.query<R>(text, values)).rows);

  test('every connection runs READ COMMITTED with synchronous_commit=on, the lock and idle-in-transaction timeouts and the schema as search_path', () =>
    withSchema(async (open, schema) => {
      const store = await open({ lockTimeoutMs: 1500 });
      assert.deepEqual(await store.settings(), {
        synchronousCommit: 'on',
        lockTimeout: '1500ms',
        idleInTransactionSessionTimeout: '10s',
        searchPath: schema,
        transactionIsolation: 'read committed',
      });
    }));

  test('text with quotes, backslashes, braces, commas and the word NULL round-trips unchanged through the batch arrays', () =>
    withSchema(async (open) => {
      const store = await open();
      await roomWithAlice(store, 'esc');
      const awkward = ['NULL', '', '"quoted", {braced}', 'back\\slash \\" end\\', "it's", '  spaced  ', 'émoji 👋\n\ttab'];
      const sent = awkward.map((body, i) => message('esc', i, { body, senderName: body, clientId: body === '' ? 'empty' : body }));
      const results = await Promise.all(sent.map((m) => store.timeline.append(m)));
      const stored = await store.timeline.page('esc', { after: 1, limit: 20 });
      assert.deepEqual(stored.events, results.map((r) => r.event));
      assert.deepEqual(stored.events.map((m) => [m.type === 'message' ? m.body : m.type, m.senderName]), awkward.map((b) => [b, b]));
    }));

  test('int8 columns (seq, lastSeq, times) come back as JS numbers, up to 2^53 - 1', () =>
    withSchema(async (open) => {
      const store = await open();
      const big = Number.MAX_SAFE_INTEGER;
      const created = await store.rooms.create({ ...room('n'), createdAt: big });
      await store.timeline.commit(sampleJoin('n', 'alice'), { authority: 'checked' });
      const appended = await store.timeline.append(message('n', 1, { createdAt: big - 1 }));
      const [fetched, page] = [await store.rooms.get('n'), await store.timeline.page('n', { after: 1, limit: 5 })];
      for (const value of [created.createdAt, created.lastSeq, appended.event.seq, fetched?.lastSeq, fetched?.createdAt, page.events[0]?.createdAt, page.events[0]?.seq]) {
        assert.equal(typeof value, 'number');
      }
      assert.equal(fetched?.createdAt, big);
      assert.equal(page.events[0]?.createdAt, big - 1);
    }));

  test('upgrading a schema written before the timeline keeps its messages (as `message` events), seqs and dedupe keys', () =>
    withSchema(async (open, schema) => {
      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` }) }) });
      try {
        const migrated = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo('2026-12-01-05-moderation');
        assert.equal(migrated.error, undefined);
        await sql`insert into rooms (id, name, kind, max_members, join_rule, epoch, last_seq, created_at) values ('old', 'Old', 'persistent', 10, 'open', 'e', 2, ${T0})`.execute(db);
        for (const seq of [1, 2]) {
          await sql`insert into messages (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at)
            values (${`m${seq}`}, 'old', ${seq}, 'alice', 'Alice', ${`c${seq}`}, 'text', ${`body ${seq}`}, ${T0 + seq})`.execute(db);
        }
      } finally {
        await db.destroy();
      }
      const store = await open();
      const page = await store.timeline.page('old', { after: 0, limit: 10 });
      assert.deepEqual(page.events.map((m) => [m.type, m.id, m.seq, m.type === 'message' ? m.body : '']), [['message', 'm1', 1, 'body 1'], ['message', 'm2', 2, 'body 2']]);
      const again = await store.timeline.append(sampleMessage('old', 1, { id: 'retry' }));
      assert.deepEqual([again.duplicate, again.event.id], [true, 'm1'], 'a retry of a message stored before the upgrade is still a duplicate');
      await store.timeline.commit(sampleJoin('old', 'alice'), { authority: 'checked' });
      assert.equal((await store.timeline.append(sampleMessage('old', 3))).event.seq, 4);
    }));

  test('upgrading to message search indexes the existing messages of plaintext rooms only: not deleted ones, not e2ee rooms\' nor other events', () =>
    withSchema(async (open, schema) => {
      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` }) }) });
      try {
        const migrated = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo('2026-12-03-02-member-name-key');
        assert.equal(migrated.error, undefined);
        await seedBeforeSearch(db);
      } finally {
        await db.destroy();
      }
      const store = await open();
      const { hits } = await store.search.messages({ userId: 'alice', text: 'old', limit: 10 });
      assert.deepEqual(hits.map((h) => [h.roomId, h.seq, h.body]), [['plain', 2, 'old words'], ['plain', 1, 'old plain words']]);
      const indexed = await admin<{ room_id: string; seq: string }>(`select room_id, seq from ${schema}.message_search order by room_id, seq`);
      assert.deepEqual(indexed.map((r) => [r.room_id, Number(r.seq)]), [['plain', 1], ['plain', 2]], 'only the plaintext room\'s live messages');
    }));

  test('two stores opening the same empty schema at once (two nodes starting) both work and migrate it once', () =>
    withSchema(async (open, schema) => {
      const [a, b] = await Promise.all([open(), open()]);
      await a.rooms.create(room('both'));
      assert.equal((await b.rooms.get('both'))?.id, 'both');
      const applied = await admin<{ name: string }>(`select name from ${schema}.kysely_migration`);
      assert.deepEqual(applied.map((r) => r.name), Object.keys(MIGRATIONS));
    }));

  test('stores open and migrate while other schemas of the database are created and dropped around them (other nodes, other tenants, parallel tests)', async () => {
    let churning = true;
    const churn = (async () => {
      while (churning) await (await createPostgresSchema(url))[Symbol.asyncDispose]();
    })();
    try {
      for (let i = 0; i < 6; i++) {
        await using schema = await createPostgresSchema(url);
        const store = await openPostgresStore({ url, schema: schema.name, groupCommitMaxBatch: 16 });
        await store.close();
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  test('the member name key migration backfills existing members, keeps two whose names differ only in case, and refuses a new member under either name', () =>
    withSchema(async (open, schema) => {
      // Back to the schema before the migration (the later ones undone too), with members that fold alike, then forward again.
      const first = await open();
      await first.rooms.create(room('old'));
      await first.close();
      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` }) }) });
      try {
        const undone = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo('2026-12-03-01-timeline');
        assert.equal(undone.error, undefined);
      } finally {
        await db.destroy();
      }
      const before = [['u1', 'Alex', T0], ['u2', 'alex', T0 + 1], ['u3', 'Rene\u0301e', T0 + 2]] as const;
      for (const [userId, name, joinedAt] of before) await admin(`insert into ${schema}.members (room_id, user_id, name, role, joined_at) values ('old', $1, $2, 'member', $3)`, [userId, name, joinedAt]);

      const store = await open();
      assert.deepEqual((await store.members.page('old', { limit: 10 })).members.map((m) => [m.userId, m.name]), before.map(([userId, name]) => [userId, name]));
      const join = (userId: string, name: string) =>
        store.timeline.commit({ id: `j-${userId}-${name}`, roomId: 'old', type: 'member_joined', userId, name, role: 'member', senderId: userId, senderName: name, clientId: `join-${userId}-${name}`, createdAt: T0 + 10 }, { authority: 'checked' });
      for (const name of ['ALEX', 'alex', 'Ren\u00e9e']) await assert.rejects(join('u9', name), (err: unknown) => isParley(err, 'NAME_TAKEN'));
      assert.equal((await join('u1', 'Alex')).duplicate, true);
      assert.equal((await join('u4', 'Carol')).duplicate, false);
    }));

  test('two stores (two pools, as two nodes) appending concurrently to the same rooms give gap-free, strictly increasing seqs', () =>
    withSchema(async (open) => {
      const [a, b] = await Promise.all([open({ groupCommitMaxBatch: 16 }), open({ groupCommitMaxBatch: 16 })]);
      const rooms = ['r1', 'r2', 'r3'];
      const senders = range(11).map((i) => `user-${i - 1}`);
      for (const id of rooms) await roomWithMembers(a, id, senders);
      const sends = range(900).map((i) => message(rooms[i % 3] as string, i, { senderId: `user-${i % 11}` }));
      const results = await Promise.all(sends.map((m, i) => (i % 2 === 0 ? a : b).timeline.append(m)));
      assert.ok(a.stats.transactions > 1 && b.stats.transactions > 1, 'both nodes wrote batches');
      for (const id of rooms) {
        const mine = results.filter((r) => r.event.roomId === id);
        assert.ok(mine.every((r) => !r.duplicate));
        const expected = range(300).map((i) => i + 11);
        assert.deepEqual(sortedSeqs(mine.map((r) => r.event)), expected, `acked seqs of ${id} are 12..311, after the 11 joins`);
        const stored = await b.timeline.page(id, { after: 11, limit: 500 });
        assert.deepEqual(stored.events.map((m) => m.seq), expected, `stored seqs of ${id} are 12..311`);
        assert.deepEqual(new Set(stored.events.map((m) => m.id)), new Set(mine.map((r) => r.event.id)));
        assert.equal((await a.rooms.get(id))?.lastSeq, 311);
      }
      for (const [node, parity] of [['a', 0], ['b', 1]] as const) {
        for (const id of rooms) {
          const inSubmissionOrder = results.filter((r, i) => i % 2 === parity && r.event.roomId === id).map((r) => r.event.seq);
          assert.ok(inSubmissionOrder.every((seq, i) => i === 0 || seq > (inSubmissionOrder[i - 1] as number)), `node ${node}: seqs of ${id} follow submission order`);
        }
      }
    }));

  test('the same clientId sent through two nodes at once is stored once: one append is new, the other returns it as duplicate', () =>
    withSchema(async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await roomWithAlice(a, 'd');
      const keys = range(40);
      const results = await Promise.all(keys.flatMap((i) => [a.timeline.append(message('d', i, { id: `a-${i}` })), b.timeline.append(message('d', i, { id: `b-${i}` }))]));
      for (const i of keys) {
        const pair = results.filter((r) => r.event.clientId === `c${i}`);
        assert.equal(pair.length, 2);
        assert.equal(pair.filter((r) => !r.duplicate).length, 1, `c${i} is new exactly once`);
        assert.deepEqual(pair[0]?.event, pair[1]?.event);
      }
      const stored = await a.timeline.page('d', { after: 1, limit: 100 });
      assert.deepEqual(stored.events.map((m) => m.seq), afterJoin(40));
    }));

  test('joins committed on two nodes at once admit exactly maxMembers, the rest get ROOM_FULL, and their seqs are gap-free', () =>
    withSchema(async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await a.rooms.create(room('cap', 7));
      const settled = await Promise.allSettled(range(30).map((i) => (i % 2 === 0 ? a : b).timeline.commit(sampleJoin('cap', `u${i}`), { authority: 'checked' })));
      assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 7);
      for (const s of settled) if (s.status === 'rejected') isParley(s.reason, 'ROOM_FULL');
      assert.equal((await b.members.joinView('cap', 'nobody'))?.memberCount, 7);
      assert.deepEqual((await a.timeline.page('cap', { after: 0, limit: 50 })).events.map((e) => e.seq), range(7));
    }));

  test('group commit writes 200 concurrent appends in far fewer transactions than messages, as the server records them', () =>
    withSchema(async (open, schema) => {
      const store = await open();
      await roomWithAlice(store, 'g');
      const before = store.stats.transactions;
      const results = await Promise.all(range(200).map((i) => store.timeline.append(message('g', i))));
      const used = store.stats.transactions - before;
      assert.ok(used <= 4, `200 appends used ${used} transactions`);
      assert.ok(store.stats.largestBatch >= 50, `largest batch was ${store.stats.largestBatch}`);
      assert.deepEqual(sortedSeqs(results.map((r) => r.event)), afterJoin(200));
      // xmin is the id of the transaction that inserted each row.
      const [row] = await admin<{ transactions: number }>(`select count(distinct xmin::text)::int as transactions from ${schema}.events where room_id = 'g' and type = 'message'`);
      assert.ok(row !== undefined && row.transactions <= 4, `the rows were inserted by ${row?.transactions} transactions`);
    }));

  test('no transaction holds more than groupCommitMaxBatch appends', () =>
    withSchema(async (open, schema) => {
      const store = await open({ groupCommitMaxBatch: 16 });
      await roomWithAlice(store, 'g');
      const results = await Promise.all(range(100).map((i) => store.timeline.append(message('g', i))));
      assert.equal(store.stats.largestBatch, 16);
      assert.deepEqual(sortedSeqs(results.map((r) => r.event)), afterJoin(100));
      const perTransaction = await admin<{ n: number }>(`select count(*)::int as n from ${schema}.events where type = 'message' group by xmin::text`);
      assert.ok(perTransaction.length >= Math.ceil(100 / 16), `${perTransaction.length} transactions`);
      assert.ok(perTransaction.every((r) => r.n <= 16));
    }));

  test('an append with a NUL character is refused alone with VALIDATION_FAILED; the rest of its batch commits gap-free', () =>
    withSchema(async (open) => {
      const store = await open();
      await roomWithAlice(store, 'nul');
      const before = store.stats.transactions;
      const settled = await Promise.allSettled(range(10).map((i) => store.timeline.append(message('nul', i, i === 5 ? { body: 'a\u0000b' } : {}))));
      assert.equal(store.stats.transactions - before, 1, 'all ten shared one transaction');
      const failed = settled[4];
      assert.equal(failed?.status, 'rejected');
      if (failed?.status === 'rejected') {
        isParley(failed.reason, 'VALIDATION_FAILED');
        assert.equal((failed.reason as ParleyError).details?.field, 'body');
      }
      assert.deepEqual(sortedSeqs(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.event] : []))), afterJoin(9));
    }));

  test('a failed transaction rejects every append of its batch with STORE_UNAVAILABLE, acks none and stores none', () =>
    withSchema(async (open, schema) => {
      const store = await open();
      await roomWithAlice(store, 'tx');
      await admin(`create function ${schema}.refuse() returns trigger language plpgsql as $$ begin raise exception 'batch refused'; end $$`);
      await admin(`create trigger refuse before insert on ${schema}.events for each row when (new.body = 'rollback') execute function ${schema}.refuse()`);
      const sends = range(10).map((i) => message('tx', i, i === 7 ? { body: 'rollback' } : {}));
      const settled = await Promise.allSettled(sends.map((m) => store.timeline.append(m)));
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        if (s.status === 'rejected') {
          isParley(s.reason, 'STORE_UNAVAILABLE');
          assert.match(String((s.reason as ParleyError).cause), /batch refused/);
        }
      }
      assert.equal((await store.rooms.get('tx'))?.lastSeq, 1);
      assert.deepEqual((await store.timeline.page('tx', { after: 1, limit: 20 })).events, []);

      await admin(`drop trigger refuse on ${schema}.events`);
      const retried = await Promise.all(sends.filter((m) => m.body !== 'rollback').map((m) => store.timeline.append(m)));
      assert.ok(retried.every((r) => !r.duplicate), 'a retry after a failed batch is stored, not a duplicate');
      assert.deepEqual(sortedSeqs(retried.map((r) => r.event)), afterJoin(9));
    }));

  test('a batch waiting on a room row lock longer than lockTimeoutMs rejects with STORE_UNAVAILABLE and stores nothing', () =>
    withSchema(async (open, schema) => {
      const store = await open({ lockTimeoutMs: 100 });
      await roomWithAlice(store, 'held');
      await withPostgresClient(url, async (holder) => {
        await holder.query('begin');
        await holder.query(`select 1 from ${schema}.rooms where id = 'held' for update`);
        await assert.rejects(store.timeline.append(message('held', 1)), (err) => {
          isParley(err, 'STORE_UNAVAILABLE');
          assert.equal((err as ParleyError & { cause: { code?: string } }).cause.code, '55P03', 'lock_not_available');
          return true;
        });
        await holder.query('rollback');
      });
      assert.equal((await store.timeline.append(message('held', 1))).event.seq, 2);
    }));

  test("terminating the store's connections while a batch waits for its room lock rejects every append (STORE_UNAVAILABLE, retryable); retries with the same clientIds are stored once", () =>
    withSchema(async (open, schema) => {
      const app = `parley-test-${randomBytes(4).toString('hex')}`;
      const store = await open({ applicationName: app });
      await roomWithAlice(store, 'cut');
      const sends = range(20).map((i) => message('cut', i));
      let settled: PromiseSettledResult<unknown>[] = [];
      await withPostgresClient(url, async (holder) => {
        await holder.query('begin');
        await holder.query(`select 1 from ${schema}.rooms where id = 'cut' for update`);
        const pending = Promise.allSettled(sends.map((m) => store.timeline.append(m)));
        await until('the batch to wait for the room lock', async () => {
          const waiting = await admin(`select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [app]);
          return waiting.length > 0 ? true : undefined;
        });
        const terminated = await admin<{ done: boolean }>(`select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1`, [app]);
        assert.ok(terminated.length >= 1 && terminated.every((r) => r.done));
        settled = await pending;
        await holder.query('rollback');
      });
      for (const s of settled) {
        assert.equal(s.status, 'rejected', 'no append of the cut batch is acked');
        if (s.status === 'rejected') {
          isParley(s.reason, 'STORE_UNAVAILABLE');
          assert.equal((s.reason as ParleyError).retryable, true);
        }
      }
      await until('the store to answer again', () => store.ping().then(() => true, () => undefined));
      assert.equal((await store.rooms.get('cut'))?.lastSeq, 1, 'the cut batch stored nothing');
      const retried = await Promise.all(sends.map((m) => store.timeline.append(m)));
      assert.ok(retried.every((r) => !r.duplicate));
      assert.deepEqual(sortedSeqs(retried.map((r) => r.event)), afterJoin(20));
      const again = await Promise.all(sends.map((m) => store.timeline.append(m)));
      assert.deepEqual(again, retried.map((r) => ({ event: r.event, duplicate: true })), 'a second retry answers the stored message');
      assert.equal((await store.timeline.page('cut', { after: 1, limit: 100 })).events.length, 20);
    }));

  test("terminating the store's connections again and again during appends never acks an unstored message, and retries store each clientId once", (t) =>
    withSchema(async (open, schema) => {
      const app = `parley-test-${randomBytes(4).toString('hex')}`;
      const store = await open({ applicationName: app, groupCommitMaxBatch: 8 });
      await roomWithAlice(store, 's1');
      await roomWithAlice(store, 's2');
      const sends = range(240).map((i) => message(i % 2 === 0 ? 's1' : 's2', i));
      const acked = new Map<string, MessageEvent>();
      const cut: NewMessage[] = [];
      await withPostgresClient(url, async (killer) => {
        for (let wave = 0; wave < 8; wave += 1) {
          const appends = sends.slice(wave * 30, wave * 30 + 30).map((m) =>
            store.timeline.append(m).then(
              (r) => void acked.set(m.clientId, r.event),
              (err: unknown) => {
                isParley(err, 'STORE_UNAVAILABLE');
                cut.push(m);
              },
            ),
          );
          await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
          await Promise.all(appends);
        }
      });
      for (const m of cut) {
        const r = await until(`a retry of ${m.clientId} to be stored`, () => store.timeline.append(m).catch(() => undefined));
        const first = acked.get(m.clientId);
        if (first !== undefined) assert.deepEqual(r.event, first);
        acked.set(m.clientId, r.event);
      }
      t.diagnostic(`${cut.length} of 240 appends were cut off and retried`);
      const rows = await admin<{ client_id: string; id: string; room_id: string; seq: number }>(`select client_id, id, room_id, seq::int from ${schema}.events where type = 'message'`);
      assert.equal(rows.length, 240, 'each clientId stored once');
      assert.equal(new Set(rows.map((r) => r.client_id)).size, 240);
      for (const id of ['s1', 's2']) {
        assert.deepEqual(rows.filter((r) => r.room_id === id).map((r) => r.seq).sort((a, b) => a - b), afterJoin(120), `seqs of ${id} are gap-free`);
      }
      for (const row of rows) {
        const ack = acked.get(row.client_id);
        assert.deepEqual([ack?.id, ack?.seq], [row.id, row.seq], `the ack of ${row.client_id} names the stored message`);
      }
    }));

  test('an unreachable server fails open with STORE_UNAVAILABLE naming host and database, never the password', async () => {
    const target = new URL(url);
    target.port = '1';
    target.password = 'hunter2-secret';
    await assert.rejects(openPostgresStore({ url: target.toString(), groupCommitMaxBatch: 8, connectTimeoutMs: 2000 }), (err) => {
      isParley(err, 'STORE_UNAVAILABLE');
      assert.ok((err as Error).message.includes(`${target.hostname}:1${target.pathname}`), (err as Error).message);
      assert.doesNotMatch((err as Error).message, /hunter2/);
      return true;
    });
  });
}
