/**
 * Initial schema: rooms, members, messages, users, sessions (types in `../schema.ts`).
 * Portable column types only (`text`, `integer`, `bigint`), so SQLite and PostgreSQL run the same file.
 * Takes `Kysely<unknown>` on purpose: a migration describes the schema of its own date, not today's.
 */
import { sql, type Kysely } from 'kysely';

/** Create every table and index. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('max_members', 'integer', (c) => c.notNull())
    .addColumn('join_rule', 'text', (c) => c.notNull())
    .addColumn('join_code_hash', 'text')
    .addColumn('epoch', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addCheckConstraint('rooms_kind_check', sql`kind in ('persistent', 'relay')`)
    .addCheckConstraint('rooms_join_rule_check', sql`join_rule in ('code', 'open')`)
    .addCheckConstraint('rooms_last_seq_check', sql`last_seq >= 0`)
    .execute();
  await db.schema.createIndex('rooms_created_at_idx').on('rooms').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('members')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pk', ['room_id', 'user_id'])
    .addCheckConstraint('members_role_check', sql`role in ('owner', 'moderator', 'member', 'guest')`)
    .execute();
  await db.schema.createIndex('members_user_id_idx').on('members').column('user_id').execute();

  // The (room_id, sender_id, client_id) unique constraint IS the dedupe rule (DESIGN.md rule 1):
  // appends name it as their ON CONFLICT target.
  await db.schema
    .createTable('messages')
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

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
}

/** Drop every table, dependants first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sessions', 'users', 'messages', 'members', 'rooms']) {
    await db.schema.dropTable(table).execute();
  }
}
