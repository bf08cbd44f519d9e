/**
 * Conversations and blocks (issue 13) on both engines, with the same Kysely queries
 * (src/core/ports/store.ts, `ConversationStore` and `BlockStore`).
 *
 * Opening a conversation is one write transaction: the room row, then each `member_joined` event
 * committed with its change by the timeline's own {@link commitIn}, so a conversation never exists
 * without its members and its joins take the room's next seqs like any other event. A direct
 * conversation's row is inserted with `ON CONFLICT (direct_key) DO NOTHING`: of two transactions
 * opening one pair at once, the second waits on the unique index (PostgreSQL) or on the write lock
 * (SQLite), then inserts nothing and reads the first one's room, where its joins are duplicates.
 */
import { sql, type Kysely } from 'kysely';
import type { BlockStore, ConversationStore, OpenedConversation } from '../../core/ports/store.ts';
import type { TimelineEvent } from '../../protocol/index.ts';
import { toBlockRecord, toRoomRecord, toRoomRow, type Database } from './schema.ts';
import type { Guard } from './store-errors.ts';
import { commitIn, type CommitDialect } from './timeline/commit.ts';

/** The conversation parts of a Store. */
export interface ConversationStores {
  readonly conversations: ConversationStore;
  readonly blocks: BlockStore;
}

/** Build conversations and blocks over `db`; every call follows the error rules of `store-errors.ts`. */
export function createConversationStores(db: Kysely<Database>, dialect: CommitDialect, guard: Guard): ConversationStores {
  const conversations: ConversationStore = {
    open: (room, joins) =>
      guard(
        async () => {
          dialect.onTransaction();
          return db.transaction().execute(async (trx): Promise<OpenedConversation> => {
            const row = {
              ...toRoomRow(room),
              conversation: room.conversation,
              direct_key: room.conversation === 'direct' ? room.directKey : null,
            };
            let roomId = room.id;
            let created = true;
            if (room.conversation === 'direct') {
              const inserted = await trx.insertInto('rooms').values(row).onConflict((oc) => oc.column('direct_key').doNothing()).returning('id').executeTakeFirst();
              if (inserted === undefined) {
                created = false;
                roomId = (await trx.selectFrom('rooms').select('id').where('direct_key', '=', room.directKey).executeTakeFirstOrThrow()).id;
              }
            } else {
              await trx.insertInto('rooms').values(row).execute();
            }
            const events: TimelineEvent[] = [];
            for (const join of joins) {
              const result = await commitIn(trx, { ...join, roomId }, { authority: 'checked' }, dialect.lockRoomRow);
              if (result.event !== undefined && !result.duplicate) events.push(result.event);
            }
            const stored = await trx.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirstOrThrow();
            return { room: toRoomRecord(stored), created, events };
          });
        },
        { primaryKey: ['id', 'A room with this id already exists'] },
      ),
    sharedName: (viewerId, userId) =>
      guard(async () => {
        const row = await db
          .selectFrom('members as viewer')
          .innerJoin('members as other', 'other.room_id', 'viewer.room_id')
          .select('other.name')
          .where('viewer.user_id', '=', viewerId)
          .where('other.user_id', '=', userId)
          .orderBy('other.joined_at')
          .orderBy('other.room_id')
          .limit(1)
          .executeTakeFirst();
        return row?.name;
      }),
  };

  const blocks: BlockStore = {
    add: (block) =>
      guard(async () => {
        await db
          .insertInto('blocks')
          .values({ blocker_id: block.blockerId, blocked_id: block.blockedId, created_at: block.createdAt })
          .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
          .execute();
        const row = await db.selectFrom('blocks').selectAll().where('blocker_id', '=', block.blockerId).where('blocked_id', '=', block.blockedId).executeTakeFirstOrThrow();
        return toBlockRecord(row);
      }),
    remove: (blockerId, blockedId) =>
      guard(async () => {
        const removed = await db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
        return Number(removed.numDeletedRows) > 0;
      }),
    list: (blockerId) =>
      guard(async () => {
        const rows = await db.selectFrom('blocks').selectAll().where('blocker_id', '=', blockerId).orderBy('created_at').orderBy('blocked_id').execute();
        return rows.map(toBlockRecord);
      }),
    has: (blockerId, blockedId) =>
      guard(async () => {
        const row = await db.selectFrom('blocks').select(sql<number>`1`.as('one')).where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
        return row !== undefined;
      }),
    blockedInRoom: (roomId, userId) =>
      guard(async () => {
        const row = await db
          .selectFrom('blocks')
          .innerJoin('members', (join) => join.onRef('members.user_id', '=', 'blocks.blocker_id').on('members.room_id', '=', roomId))
          .select(sql<number>`1`.as('one'))
          .where('blocks.blocked_id', '=', userId)
          .where('blocks.blocker_id', '<>', userId)
          .limit(1)
          .executeTakeFirst();
        return row !== undefined;
      }),
  };

  return { conversations, blocks };
}
