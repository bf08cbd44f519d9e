/**
 * Messages keyed by `(room_id, seq)`: the table is rebuilt with that pair as its primary key and
 * without the unique index on the random `id`, so each append updates two B-trees fewer than
 * before (a random-key index touches a different page for nearly every message, which made up
 * about a third of an append's cost; see docs/performance.md). `id` stays a stored, unique-by-
 * construction UUID; messages are addressed by room and seq.
 *
 * Portable (SQLite and PostgreSQL): create the new table under a temporary name, copy, drop the
 * old one, rename. Constraint names differ from the old ones, which PostgreSQL keeps per schema.
 */
import { sql, type Kysely } from 'kysely';

/** Rebuild `messages` with primary key (room_id, seq). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages_next')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull())
    .addColumn('sender_name', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('messages_room_seq_pk', ['room_id', 'seq'])
    // The dedupe rule (DESIGN.md rule 1): appends name these columns as their ON CONFLICT target.
    .addUniqueConstraint('messages_room_sender_client_key', ['room_id', 'sender_id', 'client_id'])
    .addCheckConstraint('messages_seq_positive', sql`seq >= 1`)
    .execute();
  await sql`insert into messages_next (room_id, seq, id, sender_id, sender_name, client_id, type, body, created_at)
    select room_id, seq, id, sender_id, sender_name, client_id, type, body, created_at from messages`.execute(db);
  await db.schema.dropTable('messages').execute();
  await db.schema.alterTable('messages_next').renameTo('messages').execute();
}

/** Restore the layout of 2026-11-22-01-initial. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages_prev')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull())
    .addColumn('sender_name', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('messages_room_seq_uq', ['room_id', 'seq'])
    .addUniqueConstraint('messages_room_sender_client_uq', ['room_id', 'sender_id', 'client_id'])
    .addCheckConstraint('messages_seq_check', sql`seq >= 1`)
    .execute();
  await sql`insert into messages_prev (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at)
    select id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at from messages`.execute(db);
  await db.schema.dropTable('messages').execute();
  await db.schema.alterTable('messages_prev').renameTo('messages').execute();
}
