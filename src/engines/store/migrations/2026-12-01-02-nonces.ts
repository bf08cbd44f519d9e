/**
 * Used single-use values (ticket nonces, token `jti`s) with their expiry: the durable half of the
 * replay rule (DESIGN.md rule 9). The expiry index lets expired rows be purged cheaply.
 */
import type { Kysely } from 'kysely';

/** Create `nonces`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nonces')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nonces_expires_at_idx').on('nonces').column('expires_at').execute();
}

/** Drop `nonces`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('nonces').execute();
}
