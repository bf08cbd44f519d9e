/**
 * The Store on SQLite (better-sqlite3 through Kysely): the default engine, one file under DATA_DIR.
 * Limit: one process writes the file; scale-out uses the PostgreSQL engine.
 *
 * Durability (DESIGN.md rule 11): WAL journal; `synchronous=FULL` survives power loss, `NORMAL`
 * survives process crashes only. Appends are group-committed (`group-commit.ts`): each batch is one
 * synchronous better-sqlite3 transaction over statements compiled once by Kysely and prepared once
 * (`sqlite/append-batch.ts`). Rooms, members, sessions, timeline commits and reads are the queries
 * shared with the PostgreSQL engine (`record-stores.ts`, `timeline/`).
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
import { Kysely } from 'kysely';
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
import { sqliteAppendBatch } from './sqlite/append-batch.ts';
import { ImmediateSqliteDialect } from './sqlite/immediate-dialect.ts';

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
  /** How long the first append of a batch waits for others, in ms; 0 batches one tick (config `store.groupCommitWindowMs`). @default 0 */
  readonly groupCommitWindowMs?: number;
  /** Told of every group-committed batch (metrics). */
  readonly onCommit?: OnCommit | undefined;
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
  /** Write transactions committed or attempted: one per append batch, one per `timeline.commit`. */
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
  /** Resolves when SQLite answers `select 1`. */
  readonly ping: () => Promise<void>;

  readonly #raw: BetterSqlite3.Database;
  readonly #db: Kysely<Database>;
  readonly #appends: GroupCommit<NewMessage, AppendResult<MessageEvent>>;
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
      return new SqliteStore(raw, db, options.groupCommitMaxBatch, options.groupCommitWindowMs ?? 0, options.onCommit);
    } catch (err) {
      raw?.close();
      const reason = err instanceof Error ? err.message : String(err);
      throw new ParleyError('STORE_UNAVAILABLE', `Cannot open the SQLite store at ${options.file}: ${reason}`, { cause: err });
    }
  }

  private constructor(raw: BetterSqlite3.Database, db: Kysely<Database>, maxBatch: number, windowMs: number, onCommit: OnCommit | undefined) {
    this.#raw = raw;
    this.#db = db;
    const appendBatch = sqliteAppendBatch(raw, db);
    this.#appends = new GroupCommit<NewMessage, AppendResult<MessageEvent>>({
      maxBatch,
      windowMs,
      onCommit,
      commit: (batch) =>
        this.#db.connection().execute(async () => {
          this.#transactions += 1;
          try {
            return appendBatch(batch);
          } catch (err) {
            throw unavailable(err);
          }
        }),
    });
    const dialect = { classify: classifySqliteConstraint, lockRoomRow: false, onTransaction: () => void (this.#transactions += 1) };
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
    this.search = createSearchStore(db, 'sqlite', guardWith(dialect.classify));
    this.timeline = createStoreTimeline(db, dialect, (message) => this.#appends.submit(message));
    this.ping = records.ping;
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
}

/** better-sqlite3's extended result codes for the constraint kinds the port reports by field. */
function classifySqliteConstraint(err: unknown): ConstraintKind | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'primaryKey';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreignKey';
  return undefined;
}
