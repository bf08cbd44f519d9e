/**
 * Moderation (issue: abuse resistance — moderation): the room's `e2ee` flag, member mutes, message
 * tombstones, bans, and the audit log. Portable column types only, so SQLite and PostgreSQL run the
 * same file; booleans are integers 0/1. Added columns are nullable or defaulted, so existing rows
 * read as "not e2ee, not muted, not deleted".
 */
import { sql, type Kysely } from 'kysely';

/** Add the columns and create `bans` and `audit_log`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('e2ee', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('members').addColumn('muted_until', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('deleted_at', 'bigint').execute();

  await db.schema
    .createTable('bans')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('bans_pk', ['room_id', 'user_id'])
    .execute();

  // No foreign key to rooms: the log outlives whatever it describes. Ids are fixed-width digit
  // strings chosen by the core, so their order is the same under every collation.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addCheckConstraint('audit_log_action_check', sql`action in ('message_deleted', 'member_muted', 'member_unmuted', 'member_kicked', 'member_banned', 'member_unbanned', 'role_changed', 'room_closed', 'message_refused', 'join_refused')`)
    .execute();
  await db.schema.createIndex('audit_log_room_id_idx').on('audit_log').columns(['room_id', 'id']).execute();
}

/** Drop what `up` added. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('bans').execute();
  await db.schema.alterTable('messages').dropColumn('deleted_at').execute();
  await db.schema.alterTable('members').dropColumn('muted_until').execute();
  await db.schema.alterTable('rooms').dropColumn('e2ee').execute();
}
