/**
 * Direct and group conversations, and blocking (issue 13). A conversation is a room:
 * - `rooms.conversation`: null for an ordinary room, `direct` or `group` for a conversation;
 * - `rooms.direct_key`: for a direct conversation, its two user ids sorted and written as a JSON
 *   array (null otherwise), unique, so that two people opening a conversation with each other at
 *   once insert one room (the second insert does nothing and reads the first's);
 * - `blocks`: who blocks whom (primary key blocker, blocked; indexed by the blocked person too).
 * Portable column types only (`text`, `bigint`), so SQLite and PostgreSQL run the same file.
 */
import { sql, type Kysely } from 'kysely';

/** Add the two room columns and their unique index, and create `blocks`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('conversation', 'text', (c) => c.check(sql`conversation in ('direct', 'group')`)).execute();
  await db.schema.alterTable('rooms').addColumn('direct_key', 'text').execute();
  await db.schema.createIndex('rooms_direct_key').on('rooms').column('direct_key').unique().execute();

  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', 'text', (c) => c.notNull())
    .addColumn('blocked_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
    .execute();
  await db.schema.createIndex('blocks_blocked_idx').on('blocks').columns(['blocked_id', 'blocker_id']).execute();
}

/** Drop `blocks`, the index and the two columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('blocks').execute();
  await db.schema.dropIndex('rooms_direct_key').execute();
  await db.schema.alterTable('rooms').dropColumn('direct_key').execute();
  await db.schema.alterTable('rooms').dropColumn('conversation').execute();
}
