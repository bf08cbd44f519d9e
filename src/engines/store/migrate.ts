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
 * @returns the names of the migrations applied by this call (empty when already up to date).
 * @throws ParleyError `STORE_UNAVAILABLE` naming the failed migration, with the driver error as
 *   `cause`. Kysely runs each migration in its own transaction where the dialect allows it, and
 *   stops at the first failure, so earlier migrations stay applied.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
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
