/**
 * The Store on PostgreSQL (pg through Kysely's PostgresDialect): the scale-out engine. Any number of
 * Parley processes may share one database; the same migrations and table types as SQLite apply.
 *
 * Durability (DESIGN.md rule 11): every connection runs with `synchronous_commit=on`, so an append
 * resolves only after its COMMIT was flushed to the WAL on disk. Appends are group-committed
 * (`group-commit.ts`): each batch is one transaction of four round trips (`postgres/append-batch.ts`).
 *
 * Concurrency across processes: seqs come from `rooms.last_seq`, read and advanced only under that
 * room's row lock (`FOR UPDATE`), which also serialises `timeline.commit` (joins, bans, mutes…), so
 * the member cap and the append's member check hold with many nodes. Locks wait at most `lockTimeoutMs`. Rooms, members, sessions, timeline commits and reads
 * are the queries shared with the SQLite engine (`record-stores.ts`, `timeline/`).
 *
 * Failures: a lost connection, a server restart, a lock timeout or a refused login rejects the
 * calls involved with `STORE_UNAVAILABLE` (retryable); an append that rejected was not acked, and
 * its retry with the same clientId is stored once (or answered as the duplicate it is, if its COMMIT
 * landed just before the connection broke). The pool replaces dead connections on the next call.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { ParleyError } from '../../protocol/errors.ts';
import type { AccountStore, AppendResult, AuditStore, BanStore, BlockStore, ConversationStore, MemberStore, NewMessage, NonceStore, RefreshTokenStore, RoomStore, SearchStore, SessionStore, Store, StoreTimeline } from '../../core/ports/store.ts';
import type { MessageEvent } from '../../protocol/index.ts';
import { GroupCommit, type OnCommit } from './group-commit.ts';
import { migrateToLatest } from './migrate.ts';
import { createRecordStores } from './record-stores.ts';
import { createConversationStores } from './conversation-stores.ts';
import { createSearchStore } from './search.ts';
import type { Database } from './schema.ts';
import { guardWith, unavailable, type ConstraintKind } from './store-errors.ts';
import { createStoreTimeline } from './timeline/store-timeline.ts';
import { postgresAppendBatch } from './postgres/append-batch.ts';
import { createPool } from './postgres/pool.ts';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (config `DATABASE_URL`). */
  readonly url: string;
  /** Most appends per transaction (config `store.groupCommitMaxBatch`). */
  readonly groupCommitMaxBatch: number;
  /** How long the first append of a batch waits for others, in ms; 0 batches one tick (config `store.groupCommitWindowMs`). @default 0 */
  readonly groupCommitWindowMs?: number;
  /** Told of every group-committed batch (metrics). */
  readonly onCommit?: OnCommit | undefined;
  /** Most pooled connections of this process (config `store.pgPoolMax`). Default 10. */
  readonly poolMax?: number;
  /** Schema holding the tables, alone on `search_path`; must exist. Default: the server's search_path. */
  readonly schema?: string;
  /** `application_name` of the connections, as `pg_stat_activity` shows it. Default `parley`. */
  readonly applicationName?: string;
  /** Longest wait for a room row lock, in milliseconds (0: no limit, as in PostgreSQL). Default 5000. */
  readonly lockTimeoutMs?: number;
  /** Longest wait to open a connection, in milliseconds. Default 5000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Connect, check the database answers, and migrate it to the newest schema.
 * @throws ParleyError `STORE_UNAVAILABLE` naming the server and database (never the password) when
 *   it cannot connect, log in or migrate.
 * @throws RangeError for a `schema` that is not a lowercase SQL identifier or a `poolMax` < 1.
 */
export function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(options);
}

/** Counters for tests and metrics. */
export interface PostgresStoreStats {
  /** Write transactions begun: one per append batch, one per `timeline.commit`. */
  readonly transactions: number;
  /** Most appends written in one transaction so far. */
  readonly largestBatch: number;
  /** Connections the server ended outside a query (restart, `pg_terminate_backend`), since open. */
  readonly lostConnections: number;
}

/** Session settings as the server reports them on one of the store's connections. */
export interface PostgresSettings {
  readonly synchronousCommit: string;
  readonly lockTimeout: string;
  readonly idleInTransactionSessionTimeout: string;
  readonly searchPath: string;
  readonly transactionIsolation: string;
}

/** Store on a PostgreSQL database. Create it with {@link openPostgresStore}. */
export class PostgresStore implements Store {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly timeline: StoreTimeline;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly bans: BanStore;
  readonly conversations: ConversationStore;
  readonly blocks: BlockStore;
  readonly audit: AuditStore;
  readonly search: SearchStore;
  /** Resolves when PostgreSQL answers `select 1`. */
  readonly ping: () => Promise<void>;

  readonly #db: Kysely<Database>;
  readonly #appends: GroupCommit<NewMessage, AppendResult<MessageEvent>>;
  readonly #counters: { transactions: number; lostConnections: number };
  #closing: Promise<void> | undefined;

  /** See {@link openPostgresStore}. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const counters = { transactions: 0, lostConnections: 0 };
    const pool = createPool({
      url: options.url,
      poolMax: options.poolMax ?? 10,
      schema: options.schema,
      applicationName: options.applicationName ?? 'parley',
      lockTimeoutMs: options.lockTimeoutMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      onConnectionError: () => {
        counters.lostConnections += 1;
      },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
      const schema = rows[0]?.schema ?? null;
      if (schema === null) throw new Error(`no schema of search_path exists${options.schema === undefined ? '' : ` (${options.schema})`}`);
      await migrateToLatest(db, { schema });
      return new PostgresStore(db, options.groupCommitMaxBatch, options.groupCommitWindowMs ?? 0, counters, options.onCommit);
    } catch (err) {
      await db.destroy().catch(() => {});
      const reason = err instanceof Error ? err.message : String(err);
      throw new ParleyError('STORE_UNAVAILABLE', `Cannot open the PostgreSQL store at ${redact(options.url)}: ${reason}`, { cause: err });
    }
  }

  private constructor(db: Kysely<Database>, maxBatch: number, windowMs: number, counters: { transactions: number; lostConnections: number }, onCommit: OnCommit | undefined) {
    this.#db = db;
    this.#counters = counters;
    const onTransaction = () => {
      counters.transactions += 1;
    };
    this.#appends = new GroupCommit<NewMessage, AppendResult<MessageEvent>>({
      maxBatch,
      windowMs,
      onCommit,
      commit: async (batch) => {
        try {
          return await postgresAppendBatch(db, batch, onTransaction);
        } catch (err) {
          throw unavailable(err);
        }
      },
    });
    const dialect = { classify: classifyPostgresConstraint, lockRoomRow: true, onTransaction };
    const records = createRecordStores(db, dialect, guardWith(dialect.classify));
    this.rooms = records.rooms;
    this.members = records.members;
    this.sessions = records.sessions;
    this.nonces = records.nonces;
    this.accounts = records.accounts;
    this.refreshTokens = records.refreshTokens;
    this.bans = records.bans;
    const conversationStores = createConversationStores(db, dialect, guardWith(dialect.classify));
    this.conversations = conversationStores.conversations;
    this.blocks = conversationStores.blocks;
    this.audit = records.audit;
    this.search = createSearchStore(db, 'postgres', guardWith(dialect.classify));
    this.timeline = createStoreTimeline(db, dialect, (message) => this.#appends.submit(message));
    this.ping = records.ping;
  }

  /** A snapshot of the counters. */
  get stats(): PostgresStoreStats {
    return { transactions: this.#counters.transactions, largestBatch: this.#appends.stats.largestBatch, lostConnections: this.#counters.lostConnections };
  }

  /**
   * The session settings of `postgres/pool.ts` and the default isolation level, as the server
   * reports them on one pooled connection. @throws ParleyError `STORE_UNAVAILABLE` when unreachable.
   */
  async settings(): Promise<PostgresSettings> {
    try {
      const { rows } = await sql<PostgresSettings>`
        select current_setting('synchronous_commit') as "synchronousCommit", current_setting('lock_timeout') as "lockTimeout",
               current_setting('idle_in_transaction_session_timeout') as "idleInTransactionSessionTimeout",
               current_setting('search_path') as "searchPath", current_setting('transaction_isolation') as "transactionIsolation"`.execute(this.#db);
      return rows[0] as PostgresSettings;
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Commit pending appends, then end every connection once its current query finished. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#appends.close();
      await this.#db.destroy();
    })();
    return this.#closing;
  }
}

/**
 * SQLSTATE of the constraint kinds the port reports by field: 23505 on a primary key (`<table>_pkey`,
 * PostgreSQL's default name) and 23503 (foreign key).
 */
function classifyPostgresConstraint(err: unknown): ConstraintKind | undefined {
  const { code, constraint } = (err ?? {}) as Partial<pg.DatabaseError>;
  if (code === '23505' && typeof constraint === 'string' && constraint.endsWith('_pkey')) return 'primaryKey';
  if (code === '23503') return 'foreignKey';
  return undefined;
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : `:${parsed.password}`}@`}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}
