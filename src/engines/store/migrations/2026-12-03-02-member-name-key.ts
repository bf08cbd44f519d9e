/**
 * Display names unique among a room's current members, case-insensitively (issue 11): `members`
 * gets `name_key`, the member's display name case-folded as `name.normalize('NFC').toLowerCase()`,
 * and a unique index on `(room_id, name_key)` that `members.add` relies on (ON CONFLICT target), so
 * two concurrent joins under names that differ only in case cannot both succeed.
 *
 * Existing rows are backfilled here in TypeScript, because neither dialect's SQL `lower()` folds
 * like JavaScript's (SQLite's is ASCII-only). Rooms that already hold two members whose names fold
 * alike keep both: the earliest joiner (by `joined_at`, then `user_id`) gets the plain key, each
 * later one the key plus a line feed and its user id — a key no display name can produce (line
 * feeds are refused), so nobody is removed and nobody new can take either name.
 *
 * The column is nullable because SQLite cannot add a NOT NULL column without a default; every
 * insert sets it, and NULLs never collide in a unique index on either dialect. The fold is written
 * out here rather than imported: a migration must keep doing what it did when it was released.
 */
import { sql, type Kysely } from 'kysely';

/** Add `members.name_key`, backfill it, and index `(room_id, name_key)` as unique. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('members').addColumn('name_key', 'text').execute();
  const rows = await sql<{ room_id: string; user_id: string; name: string }>`select room_id, user_id, name from members order by room_id, joined_at, user_id`.execute(db);
  const taken = new Set<string>();
  for (const { room_id: roomId, user_id: userId, name } of rows.rows) {
    const folded = name.normalize('NFC').toLowerCase();
    const first = !taken.has(`${roomId}\n${folded}`);
    taken.add(`${roomId}\n${folded}`);
    const key = first ? folded : `${folded}\n${userId}`;
    await sql`update members set name_key = ${key} where room_id = ${roomId} and user_id = ${userId}`.execute(db);
  }
  await db.schema.createIndex('members_room_name_key').on('members').columns(['room_id', 'name_key']).unique().execute();
}

/** Drop the index and the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('members_room_name_key').execute();
  await db.schema.alterTable('members').dropColumn('name_key').execute();
}
