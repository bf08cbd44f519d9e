/**
 * `StoreTimeline.commit` on both engines (src/core/ports/store.ts): one Kysely transaction per event
 * that applies the event's change (`effects.ts`) and appends the event with the room's next seq.
 *
 * Order of the checks, each in the transaction: the room (`ROOM_NOT_FOUND`), the sender's clientId
 * (seen before: the original event, `duplicate: true`), the sender under `authority: 'member'`
 * (`timeline/authority.ts`), a closed room (`ROOM_CLOSED`, except for `room_closed`, the
 * membership-ending events, and `member_joined`, which checks it after finding an existing member),
 * then the event's own checks and change.
 *
 * Seqs: the event takes `rooms.last_seq + 1` and moves `last_seq` to it. On PostgreSQL the room row
 * is locked first (`FOR UPDATE`), as the append batches lock it, so every writer of a room's seqs
 * and members queues on that one lock and seqs stay gap-free across processes; on SQLite every
 * write transaction begins IMMEDIATE and holds the database's one write lock. In a relay room the
 * change is applied and nothing is appended (`event: undefined`): the relay timeline numbers it.
 */
import type { Kysely, Transaction } from 'kysely';
import { ParleyError } from '../../../protocol/errors.ts';
import type { CommitResult, StoreTimeline } from '../../../core/ports/store.ts';
import { eventData, toTimelineEvent, type Database } from '../schema.ts';
import type { Guard } from '../store-errors.ts';
import { senderRefusal } from './authority.ts';
import { applyEffect, type CommitEvent } from './effects.ts';

/** What a dialect tells {@link createCommit}. */
export interface CommitDialect {
  /** True when the room row must be locked (`FOR UPDATE`): other connections write concurrently. */
  readonly lockRoomRow: boolean;
  /** Called each time a write transaction begins (for the engine's `stats.transactions`). */
  readonly onTransaction: () => void;
}

/** Event types a closed room still takes. `member_joined` checks the closure itself (an existing member is a duplicate first). */
const ALLOWED_WHEN_CLOSED: ReadonlySet<CommitEvent['type']> = new Set(['room_closed', 'member_left', 'member_removed', 'member_banned', 'member_joined']);

/** Build `timeline.commit` over `db`; every call follows the error rules of `store-errors.ts`. */
export function createCommit(db: Kysely<Database>, dialect: CommitDialect, guard: Guard): StoreTimeline['commit'] {
  return (event, options) =>
    guard(async () => {
      dialect.onTransaction();
      return db.transaction().execute((trx) => commitIn(trx, event, options, dialect.lockRoomRow));
    });
}

/**
 * Commit `event` inside `trx`, a write transaction the caller began (`commit` above, or a
 * conversation opened with its joins: `conversation-stores.ts`): the checks, the change and the
 * event row, in the order of the module comment. `lockRoomRow` as in {@link CommitDialect}.
 */
export async function commitIn(trx: Transaction<Database>, event: CommitEvent, options: Parameters<StoreTimeline['commit']>[1], lockRoomRow: boolean): Promise<CommitResult> {
  const { roomId } = event;
  const room = await trx
    .selectFrom('rooms')
    .select(['id', 'kind', 'closed_at', 'max_members', 'last_seq', 'conversation'])
    .where('id', '=', roomId)
    .$if(lockRoomRow, (q) => q.forUpdate())
    .executeTakeFirst();
  if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId } });
  const relay = room.kind === 'relay';

  if (!relay) {
    const before = await trx
      .selectFrom('events')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('sender_id', '=', event.senderId)
      .where('client_id', '=', event.clientId)
      .executeTakeFirst();
    if (before !== undefined) return { event: toTimelineEvent(before), duplicate: true };
  }
  if (options.authority === 'member') {
    const member = await trx.selectFrom('members').select(['role', 'muted_until']).where('room_id', '=', roomId).where('user_id', '=', event.senderId).executeTakeFirst();
    const refusal = senderRefusal(roomId, member, event.createdAt);
    if (refusal !== undefined) throw refusal;
  }
  if (room.closed_at !== null && !ALLOWED_WHEN_CLOSED.has(event.type)) throw new ParleyError('ROOM_CLOSED', undefined, { details: { roomId } });

  const seq = relay ? null : room.last_seq + 1;
  const duplicate = await applyEffect({ trx, room, seq, authority: options.authority, editWindowMs: options.editWindowMs }, event);
  if (duplicate !== undefined) return duplicate;
  if (seq === null) return { event: undefined, duplicate: false };

  const row = await trx
    .insertInto('events')
    .values({
      id: event.id,
      room_id: roomId,
      seq,
      sender_id: event.senderId,
      sender_name: event.senderName,
      client_id: event.clientId,
      type: event.type,
      body: event.type === 'message_edited' || event.type === 'system' ? event.body : '',
      created_at: event.createdAt,
      data: eventData(event),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx.updateTable('rooms').set({ last_seq: seq }).where('id', '=', roomId).execute();
  return { event: toTimelineEvent(row), duplicate: false };
}
