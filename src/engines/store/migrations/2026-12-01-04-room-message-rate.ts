/**
 * A room's own message rate: `messages_per_minute`, the most messages one member may send per
 * minute in the room (RoomPolicy `messagesPerMinute`; issue: abuse resistance). Nullable: existing
 * rooms and rooms created without it use the server's PARLEY_MESSAGES_PER_MINUTE.
 */
import type { Kysely } from 'kysely';

/** Add `rooms.messages_per_minute` (nullable integer). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('messages_per_minute', 'integer').execute();
}

/** Drop `rooms.messages_per_minute`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('messages_per_minute').execute();
}
