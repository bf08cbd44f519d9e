/**
 * The room timeline (issue 11; DESIGN.md, Timeline): every change to a room is one typed event.
 * - `messages` is renamed `events` (both dialects rename in place; on PostgreSQL its constraints keep
 *   their `messages_*` names, which nothing refers to). It gains `data` (JSON text of the
 *   type-specific fields: target, key, userId, name, role, reason, until), `reply_to` and
 *   `edited_at`; the old message type `text` becomes `message`.
 *   A partial index finds a message's edits (`data` = {"target":seq}) when it is deleted.
 * - `reactions`: one row per (message, member, key), with the seq of the event that added it.
 * - `message_versions`: the earlier bodies of edited messages, for moderators, each with the seq of
 *   the edit that replaced it (`edit_seq`, which orders them).
 * - `bans.seq`: the `member_banned` event that recorded the ban (null for bans made before it, or in
 *   relay rooms), so a repeated ban can answer the event that made it.
 * Portable column types only (`text`, `bigint`), so SQLite and PostgreSQL run the same file.
 */
import { sql, type Kysely } from 'kysely';

/** Rename, add the columns and create the two tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').renameTo('events').execute();
  await db.schema.alterTable('events').addColumn('data', 'text').execute();
  await db.schema.alterTable('events').addColumn('reply_to', 'bigint').execute();
  await db.schema.alterTable('events').addColumn('edited_at', 'bigint').execute();
  await sql`update events set type = 'message' where type = 'text'`.execute(db);
  // Deleting a message erases the bodies of its edits, found by their `data`; partial, so that
  // appends of other events pay nothing for it.
  await db.schema
    .createIndex('events_edits_idx')
    .on('events')
    .columns(['room_id', 'data'])
    .where(sql.ref('type'), '=', 'message_edited')
    .execute();
  await db.schema.alterTable('bans').addColumn('seq', 'bigint').execute();

  await db.schema
    .createTable('reactions')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('target_seq', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['room_id', 'target_seq', 'user_id', 'key'])
    .execute();

  await db.schema
    .createTable('message_versions')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('edit_seq', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('replaced_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_versions_pk', ['room_id', 'seq', 'edit_seq'])
    .execute();
}

/** Restore the layout of 2026-12-01-05-moderation (events other than messages are dropped). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('message_versions').execute();
  await db.schema.dropTable('reactions').execute();
  await db.schema.alterTable('bans').dropColumn('seq').execute();
  await db.schema.dropIndex('events_edits_idx').execute();
  await sql`delete from events where type <> 'message'`.execute(db);
  await sql`update events set type = 'text'`.execute(db);
  await db.schema.alterTable('events').dropColumn('edited_at').execute();
  await db.schema.alterTable('events').dropColumn('reply_to').execute();
  await db.schema.alterTable('events').dropColumn('data').execute();
  await db.schema.alterTable('events').renameTo('messages').execute();
}
