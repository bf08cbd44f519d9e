/**
 * Bring a Store database to the newest schema with Kysely's Migrator and the static migration list.
 * Used by every Store engine at open and by `parley migrate`.
 */
import { Migrator, type Kysely } from 'kysely';
import { ParleyError } from '../../protocol/errors.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

/**
 * Apply every pending migration, in name order; already applied ones are skipped.
 * @param options.schema PostgreSQL: the schema that holds Kysely's migration tables (the store's
 *   own schema, first on its search_path). Without it Kysely looks for them in any schema and would
 *   take another schema's bookkeeping for this one's. Must exist. Unused on SQLite.
 * @returns the names of the migrations applied by this call (empty when already up to date).
 * @throws ParleyError `STORE_UNAVAILABLE` naming the failed migration, with the driver error as
 *   `cause`. On PostgreSQL every pending migration runs in one transaction under a session advisory
 *   lock, so nodes starting together migrate once and a failure applies none. On SQLite (no
 *   transactional DDL in Kysely) they run one by one and stop at the first failure, so earlier
 *   migrations stay applied.
 */
export async function migrateToLatest(db: Kysely<Database>, options: { schema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }) });
  let { error, results = [] } = await migrator.migrateToLatest();
  // Kysely's start-up check lists the tables of every schema; another schema dropped during that
  // read fails it, before any migration ran. Read again: the dropped schema is then gone.
  for (let attempt = 1; attempt < OTHER_SCHEMA_RETRIES && droppedElsewhere(error, options.schema); attempt++) {
    ({ error, results = [] } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    const where = failed === undefined ? 'migration failed' : `migration "${failed}" failed`;
    throw new ParleyError('STORE_UNAVAILABLE', `Store ${where}: ${reason}`, {
      cause: error,
      ...(failed === undefined ? {} : { details: { migration: failed } }),
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Attempts at a migration whose start-up check met a schema dropped by someone else. */
const OTHER_SCHEMA_RETRIES = 10;

/** Whether `error` is PostgreSQL's `3F000` (invalid schema name) about a schema other than `own`. */
function droppedElsewhere(error: unknown, own: string | undefined): boolean {
  if (own === undefined || (error as { code?: unknown } | undefined)?.code !== '3F000') return false;
  const named = /schema "([^"]+)" does not exist/.exec(error instanceof Error ? error.message : '')?.[1];
  return named !== undefined && named !== own;
}
