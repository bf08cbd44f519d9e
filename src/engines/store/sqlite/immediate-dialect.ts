/**
 * A Kysely SQLite dialect whose transactions begin IMMEDIATE: a read-then-write transaction takes
 * the database write lock first, so it cannot fail halfway with SQLITE_BUSY when another process
 * (an admin CLI) writes the same file meanwhile. Statements are prepared once per SQL text
 * (`statement-cache.ts`).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase } from 'kysely';
import { cachingStatements } from './statement-cache.ts';

/** {@link SqliteDialect} over one better-sqlite3 connection, with `begin immediate` transactions. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  constructor(database: BetterSqlite3.Database) {
    const caching = cachingStatements(database);
    super({ database: caching });
    this.#database = caching;
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
