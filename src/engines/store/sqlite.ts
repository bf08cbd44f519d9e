/**
 * The Store on SQLite (better-sqlite3 through Kysely): the default engine, one file under DATA_DIR.
 * Limit: one process writes the file; scale-out uses the PostgreSQL engine.
 *
 * Durability (DESIGN.md rule 11): WAL journal; `synchronous=FULL` survives power loss, `NORMAL`
 * survives process crashes only. Appends are group-committed (`group-commit.ts`): each batch is one
 * synchronous better-sqlite3 transaction over statements compiled once by Kysely and prepared once.
 *
 * Concurrency: better-sqlite3 is one synchronous connection, and Kysely serialises its users with a
 * mutex. Append batches run while holding that same mutex (`kysely.connection()`), so they never land
 * inside a Kysely transaction that is awaiting between statements. Every write transaction begins
 * IMMEDIATE, so a read-then-write transaction takes the write lock first and cannot fail halfway
 * with SQLITE_BUSY if another process (an admin CLI) writes the file meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, sql, type Compilable, type DatabaseConnection, type Driver } from 'kysely';
import { ParleyError } from '../../protocol/errors.ts';
import type { Message } from '../../protocol/index.ts';
import type { AppendResult, MemberStore, MessageStore, NewMessage, RoomStore, SessionStore, Store } from '../../core/ports/store.ts';
import { GroupCommit, type ItemOutcome } from './group-commit.ts';
import { migrateToLatest } from './migrate.ts';
import { toMemberRecord, toMessage, toRoomRecord, toUserRecord, type Database, type MessageRow } from './schema.ts';

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; missing parent directories are created. `:memory:` for a throwaway store. */
  readonly file: string;
  /** WAL `synchronous` mode (config `store.sqliteSynchronous`). */
  readonly synchronous: 'NORMAL' | 'FULL';
  /** Most appends per transaction (config `store.groupCommitMaxBatch`). */
  readonly groupCommitMaxBatch: number;
}

/** The SQLite file inside a data directory: `<dataDir>/parley.db`. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'parley.db');
}

/**
 * Open (creating if needed) and migrate a SQLite store.
 * @throws ParleyError `STORE_UNAVAILABLE` naming the file when it cannot be created, opened or migrated.
 * @throws RangeError for a `synchronous` mode other than NORMAL or FULL.
 */
export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}

/** Counters for tests and metrics. */
export interface SqliteStoreStats {
  /** Write transactions committed or attempted: one per append batch, one per `members.add`. */
  readonly transactions: number;
  /** Most appends written in one transaction so far. */
  readonly largestBatch: number;
}

/** Connection settings as SQLite reports them now. */
export interface SqliteSettings {
  readonly journalMode: string;
  readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
}

/** Store on one SQLite file. Create it with {@link openSqliteStore}. */
export class SqliteStore implements Store {
  readonly #raw: BetterSqlite3.Database;
  readonly #db: Kysely<Database>;
  readonly #appends: GroupCommit<NewMessage, AppendResult>;
  readonly #appendBatch: BetterSqlite3.Transaction<(batch: readonly NewMessage[]) => ItemOutcome<AppendResult>[]>;
  readonly #statements: AppendStatements;
  #transactions = 0;
  #closing: Promise<void> | undefined;

  /** See {@link openSqliteStore}. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    if (options.synchronous !== 'NORMAL' && options.synchronous !== 'FULL') {
      throw new RangeError(`synchronous must be NORMAL or FULL, got ${String(options.synchronous)}`);
    }
    let raw: BetterSqlite3.Database | undefined;
    try {
      if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
      raw = new BetterSqlite3(options.file, { timeout: BUSY_TIMEOUT_MS });
      raw.pragma('journal_mode = WAL');
      raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      raw.pragma('foreign_keys = ON');
      raw.pragma(`synchronous = ${options.synchronous}`);
      const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(raw) });
      await migrateToLatest(db);
      return new SqliteStore(raw, db, options.groupCommitMaxBatch);
    } catch (err) {
      raw?.close();
      const reason = err instanceof Error ? err.message : String(err);
      throw new ParleyError('STORE_UNAVAILABLE', `Cannot open the SQLite store at ${options.file}: ${reason}`, { cause: err });
    }
  }

  private constructor(raw: BetterSqlite3.Database, db: Kysely<Database>, maxBatch: number) {
    this.#raw = raw;
    this.#db = db;
    this.#statements = prepareAppendStatements(raw, db);
    this.#appendBatch = raw.transaction((batch: readonly NewMessage[]) => batch.map((m) => this.#appendOne(m)));
    this.#appends = new GroupCommit<NewMessage, AppendResult>({
      maxBatch,
      commit: (batch) =>
        this.#db.connection().execute(async () => {
          this.#transactions += 1;
          try {
            return this.#appendBatch.immediate(batch);
          } catch (err) {
            throw unavailable(err);
          }
        }),
    });
  }

  /** A snapshot of the write counters. */
  get stats(): SqliteStoreStats {
    return { transactions: this.#transactions, largestBatch: this.#appends.stats.largestBatch };
  }

  /** The connection's journal mode, synchronous mode, foreign keys and busy timeout, read from SQLite. */
  settings(): SqliteSettings {
    const modes = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
    return {
      journalMode: String(this.#raw.pragma('journal_mode', { simple: true })),
      synchronous: modes[Number(this.#raw.pragma('synchronous', { simple: true }))] ?? 'OFF',
      foreignKeys: Number(this.#raw.pragma('foreign_keys', { simple: true })) === 1,
      busyTimeoutMs: Number(this.#raw.pragma('busy_timeout', { simple: true })),
    };
  }

  readonly rooms: RoomStore = {
    create: (room) =>
      guard(async () => {
        const row = await this.#db
          .insertInto('rooms')
          .values({
            id: room.id,
            name: room.name,
            kind: room.kind,
            max_members: room.maxMembers,
            join_rule: room.joinRule,
            join_code_hash: room.joinCodeHash,
            epoch: room.epoch,
            created_at: room.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRoomRecord(row);
      }, { SQLITE_CONSTRAINT_PRIMARYKEY: ['id', 'A room with this id already exists'] }),
    get: (id) =>
      guard(async () => {
        const row = await this.#db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    list: ({ limit, offset }) =>
      guard(async () => {
        const rows = await this.#db.selectFrom('rooms').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
        return rows.map(toRoomRecord);
      }),
    close: (id, at) =>
      guard(async () => {
        const row = await this.#db
          .updateTable('rooms')
          .set((eb) => ({ closed_at: eb.fn.coalesce('closed_at', eb.val(at)) }))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    setJoinCodeHash: (id, hash) =>
      guard(async () => {
        const row = await this.#db.updateTable('rooms').set({ join_code_hash: hash }).where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
  };

  readonly members: MemberStore = {
    add: (member, maxMembers) =>
      guard(async () => {
        this.#transactions += 1;
        return this.#db.transaction().execute(async (trx) => {
          const room = await trx.selectFrom('rooms').select('closed_at').where('id', '=', member.roomId).executeTakeFirst();
          if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId: member.roomId } });
          const existing = await trx.selectFrom('members').selectAll().where('room_id', '=', member.roomId).where('user_id', '=', member.userId).executeTakeFirst();
          if (existing !== undefined) return { member: toMemberRecord(existing), created: false };
          if (room.closed_at !== null) throw new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: member.roomId } });
          const { count } = await trx
            .selectFrom('members')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('room_id', '=', member.roomId)
            .executeTakeFirstOrThrow();
          if (Number(count) >= maxMembers) throw new ParleyError('ROOM_FULL', undefined, { details: { roomId: member.roomId, maxMembers } });
          const row = await trx
            .insertInto('members')
            .values({ room_id: member.roomId, user_id: member.userId, name: member.name, role: member.role, joined_at: member.joinedAt })
            .returningAll()
            .executeTakeFirstOrThrow();
          return { member: toMemberRecord(row), created: true };
        });
      }),
    get: (roomId, userId) =>
      guard(async () => {
        const row = await this.#db.selectFrom('members').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
        return row === undefined ? undefined : toMemberRecord(row);
      }),
    list: (roomId) =>
      guard(async () => {
        const rows = await this.#db.selectFrom('members').selectAll().where('room_id', '=', roomId).orderBy('joined_at').orderBy('user_id').execute();
        return rows.map(toMemberRecord);
      }),
    markRead: (roomId, userId, seq) =>
      guard(async () => {
        // One statement, so two racing markers can only move it forward.
        const row = await this.#db
          .updateTable('members')
          .set((eb) => ({ last_read_seq: eb.case().when('last_read_seq', '<', seq).then(seq).else(eb.ref('last_read_seq')).end() }))
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .returning('last_read_seq')
          .executeTakeFirst();
        return row?.last_read_seq;
      }),
    roomsOf: (userId) =>
      guard(async () => {
        const rows = await this.#db.selectFrom('members').select('room_id').where('user_id', '=', userId).orderBy('joined_at').orderBy('room_id').execute();
        return rows.map((r) => r.room_id);
      }),
  };

  readonly messages: MessageStore = {
    append: (message) => this.#appends.submit(message),
    /**
     * See the port. With both `after` and `before`, the first `limit` messages of the open range
     * (after, before), ascending, `hasMore` meaning more inside the range.
     * @throws ParleyError `VALIDATION_FAILED` (details.field = 'limit') unless limit is an integer ≥ 1.
     */
    page: (roomId, { after, before, limit }) =>
      guard(async () => {
        if (!Number.isInteger(limit) || limit < 1) {
          throw new ParleyError('VALIDATION_FAILED', 'limit must be an integer ≥ 1', { details: { field: 'limit' } });
        }
        let query = this.#db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
        if (after !== undefined) query = query.where('seq', '>', after);
        if (before !== undefined) query = query.where('seq', '<', before);
        const ascending = after !== undefined;
        const rows = await query.orderBy('seq', ascending ? 'asc' : 'desc').limit(limit + 1).execute();
        const page = rows.slice(0, limit).map(toMessage);
        if (!ascending) page.reverse();
        return { messages: page, hasMore: rows.length > limit };
      }),
  };

  readonly sessions: SessionStore = {
    createUser: (user) =>
      guard(async () => {
        const row = await this.#db.insertInto('users').values({ id: user.id, name: user.name, created_at: user.createdAt }).returningAll().executeTakeFirstOrThrow();
        return toUserRecord(row);
      }, { SQLITE_CONSTRAINT_PRIMARYKEY: ['id', 'A user with this id already exists'] }),
    create: (session) =>
      guard(
        async () => {
          await this.#db
            .insertInto('sessions')
            .values({ token_hash: session.tokenHash, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
            .execute();
        },
        {
          SQLITE_CONSTRAINT_PRIMARYKEY: ['tokenHash', 'A session with this token already exists'],
          SQLITE_CONSTRAINT_FOREIGNKEY: ['userId', 'No user has this id'],
        },
      ),
    resolve: (tokenHash, now) =>
      guard(async () => {
        const row = await this.#db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select(['users.id', 'users.name', 'users.created_at', 'sessions.expires_at'])
          .where('sessions.token_hash', '=', tokenHash)
          .where('sessions.expires_at', '>', now)
          .executeTakeFirst();
        return row === undefined ? undefined : { user: toUserRecord(row), expiresAt: row.expires_at };
      }),
    revoke: (tokenHash) =>
      guard(async () => {
        await this.#db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
      }),
  };

  /** Resolves when SQLite answers `select 1`. */
  ping(): Promise<void> {
    return guard(async () => {
      await sql`select 1`.execute(this.#db);
    });
  }

  /** Commit pending appends, then close the file once no query holds the connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#appends.close();
      await this.#db.connection().execute(async () => {
        this.#raw.close();
      });
      await this.#db.destroy();
    })();
    return this.#closing;
  }

  /**
   * One append inside the batch transaction. The insert takes `last_seq + 1` from an open room and
   * does nothing on a (room, sender, clientId) conflict, so a repeat — even one earlier in the same
   * batch — finds the stored row instead. A failed insert is undone by SQLite at statement level; if
   * the transaction survived, only this item fails and the batch goes on with no seq consumed.
   */
  #appendOne(m: NewMessage): ItemOutcome<AppendResult> {
    const s = this.#statements;
    let inserted: { seq: number } | undefined;
    try {
      inserted = s.insert.get(m) as { seq: number } | undefined;
    } catch (err) {
      if (this.#raw.inTransaction) return { ok: false, error: unavailable(err) };
      throw err;
    }
    if (inserted !== undefined) {
      s.bumpSeq.run(m);
      const message: Message = { id: m.id, roomId: m.roomId, seq: inserted.seq, senderId: m.senderId, senderName: m.senderName, clientId: m.clientId, type: m.type, body: m.body, createdAt: m.createdAt };
      return { ok: true, value: { message, duplicate: false } };
    }
    const existing = s.findByClient.get(m) as MessageRow | undefined;
    if (existing !== undefined) return { ok: true, value: { message: toMessage(existing), duplicate: true } };
    const room = s.roomState.get(m) as { closed_at: number | null } | undefined;
    if (room === undefined) return { ok: false, error: new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId: m.roomId } }) };
    if (room.closed_at !== null) return { ok: false, error: new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: m.roomId } }) };
    throw new Error(`append to open room ${m.roomId} inserted nothing and found no duplicate`);
  }
}

/** The hot-path statements, each written once with Kysely and bound by NewMessage field names. */
interface AppendStatements {
  readonly insert: NamedStatement<keyof NewMessage>;
  readonly bumpSeq: NamedStatement<keyof NewMessage>;
  readonly findByClient: NamedStatement<keyof NewMessage>;
  readonly roomState: NamedStatement<keyof NewMessage>;
}

function prepareAppendStatements(raw: BetterSqlite3.Database, db: Kysely<Database>): AppendStatements {
  type K = keyof NewMessage;
  return {
    insert: new NamedStatement<K>(raw, (p) =>
      db
        .insertInto('messages')
        .columns(['id', 'room_id', 'seq', 'sender_id', 'sender_name', 'client_id', 'type', 'body', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('rooms')
            .select((s) => [
              s.val(p<string>('id')).as('id'),
              'rooms.id as room_id',
              s('rooms.last_seq', '+', 1).as('seq'),
              s.val(p<string>('senderId')).as('sender_id'),
              s.val(p<string>('senderName')).as('sender_name'),
              s.val(p<string>('clientId')).as('client_id'),
              s.val(p<string>('type')).as('type'),
              s.val(p<string>('body')).as('body'),
              s.val(p<number>('createdAt')).as('created_at'),
            ])
            .where('rooms.id', '=', p<string>('roomId'))
            .where('rooms.closed_at', 'is', null),
        )
        .onConflict((oc) => oc.columns(['room_id', 'sender_id', 'client_id']).doNothing())
        .returning('seq'),
    ),
    bumpSeq: new NamedStatement<K>(raw, (p) =>
      db.updateTable('rooms').set((eb) => ({ last_seq: eb('last_seq', '+', 1) })).where('id', '=', p<string>('roomId')),
    ),
    findByClient: new NamedStatement<K>(raw, (p) =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('room_id', '=', p<string>('roomId'))
        .where('sender_id', '=', p<string>('senderId'))
        .where('client_id', '=', p<string>('clientId')),
    ),
    roomState: new NamedStatement<K>(raw, (p) => db.selectFrom('rooms').select('closed_at').where('id', '=', p<string>('roomId'))),
  };
}

const PARAM_MARK = '\u0000param:';

/**
 * A query built once with Kysely, compiled once and prepared once on the raw connection, so the SQL is
 * defined in one place and the hot path skips Kysely's per-call compile and prepare. `build` receives
 * `p(name)`, a marker standing for a named parameter; every other compiled parameter is a constant.
 */
class NamedStatement<N extends string> {
  readonly #stmt: BetterSqlite3.Statement;
  readonly #slots: readonly ({ readonly name: N } | { readonly value: unknown })[];

  constructor(raw: BetterSqlite3.Database, build: (p: <V>(name: N) => V) => Compilable) {
    const compiled = build(<V>(name: N) => `${PARAM_MARK}${name}` as V).compile();
    this.#slots = compiled.parameters.map((v) =>
      typeof v === 'string' && v.startsWith(PARAM_MARK) ? { name: v.slice(PARAM_MARK.length) as N } : { value: v },
    );
    this.#stmt = raw.prepare(compiled.sql);
  }

  get(values: Readonly<Record<N, unknown>>): unknown {
    return this.#stmt.get(this.#bind(values));
  }

  run(values: Readonly<Record<N, unknown>>): BetterSqlite3.RunResult {
    return this.#stmt.run(this.#bind(values));
  }

  #bind(values: Readonly<Record<N, unknown>>): unknown[] {
    return this.#slots.map((s) => ('name' in s ? values[s.name] : s.value));
  }
}

/** A Kysely SQLite dialect whose transactions begin IMMEDIATE (see the module comment). */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: BetterSqlite3.Database;

  constructor(database: BetterSqlite3.Database) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

type ConstraintFields = Partial<Record<'SQLITE_CONSTRAINT_PRIMARYKEY' | 'SQLITE_CONSTRAINT_FOREIGNKEY', readonly [field: string, message: string]>>;

/**
 * Run a store call: ParleyErrors pass through; the listed constraint violations become
 * `VALIDATION_FAILED` naming the field; every other failure becomes `STORE_UNAVAILABLE`.
 */
async function guard<T>(fn: () => Promise<T>, constraints: ConstraintFields = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ParleyError) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    const known = typeof code === 'string' ? constraints[code as keyof ConstraintFields] : undefined;
    if (known !== undefined) throw new ParleyError('VALIDATION_FAILED', known[1], { details: { field: known[0] }, cause: err });
    throw unavailable(err);
  }
}

/** Wrap a driver failure. The catalog message is kept: clients see it; the driver error stays in `cause` for the log. */
function unavailable(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('STORE_UNAVAILABLE', undefined, { cause: err });
}
