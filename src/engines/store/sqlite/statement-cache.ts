/**
 * Prepared statements kept per SQL text for Kysely's SQLite driver (DESIGN.md, fast path: prepared
 * statements). Kysely's driver prepares every query it runs; preparing is most of the cost of a
 * small read on better-sqlite3, and the store runs the same few reads over and over (a member
 * check per relay send, a room and a member per join). A bounded cache of the most recently used
 * statements turns each repeat into a bind and a step.
 *
 * Safe because the connection is one and synchronous: a statement runs to completion before the
 * next query starts, so sharing it between queries never interleaves.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many distinct statements are kept; SQL built with a varying number of parameters (IN lists) pushes the oldest out. */
const CACHED_STATEMENTS = 500;

/** `database` as Kysely's SQLite dialect sees it, with prepared statements reused by SQL text. */
export function cachingStatements(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string);
      } else {
        cache.delete(sql);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
