/**
 * Accounts and their rotating refresh tokens (issue: identity — accounts):
 * - `accounts`: one row per account; `username` is unique and stored lowercase (a check keeps it
 *   so), which makes names unique case-insensitively on both dialects;
 * - `refresh_families`: one row per sign-in; revoking it revokes every token it holds at once, and
 *   its row is the lock that serialises rotations and revocation of the family;
 * - `refresh_tokens`: keyed by the SHA-256 hex of the token (tokens are never stored), each with
 *   its family, the token it replaced (`parent`), its expiry and when it was used.
 * Portable column types only (`text`, `bigint`), so SQLite and PostgreSQL run the same file.
 */
import { sql, type Kysely } from 'kysely';

/** Create `accounts`, `refresh_families` and `refresh_tokens`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Registrations name this constraint's column as their ON CONFLICT target.
    .addUniqueConstraint('accounts_username_key', ['username'])
    .addCheckConstraint('accounts_username_lowercase', sql`username = lower(username)`)
    .addCheckConstraint('accounts_role_check', sql`role in ('user', 'admin')`)
    .execute();

  await db.schema
    .createTable('refresh_families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_families_account_id_idx').on('refresh_families').column('account_id').execute();
  await db.schema.createIndex('refresh_families_expires_at_idx').on('refresh_families').column('expires_at').execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('refresh_families.id').onDelete('cascade'))
    .addColumn('parent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_tokens_family_id_idx').on('refresh_tokens').column('family_id').execute();
}

/** Drop the three tables, dependants first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['refresh_tokens', 'refresh_families', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
