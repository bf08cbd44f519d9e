/**
 * Reading the persistent rooms' timeline, the same Kysely queries on both engines: positions,
 * `since`, history pages, the write check of relay rooms (`authorize`), unread counts and the earlier versions of edited messages (src/core/ports/timeline.ts,
 * src/core/ports/store.ts `StoreTimeline`).
 *
 * Folding: an `events` row of type `message` already holds the message as it stands now (latest
 * body, `edited_at`, tombstone), because `timeline.commit` applies each edit and deletion to it; the
 * reactions are added here with one query per read over the `reactions` rows of the messages read:
 * keys ordered by their first reaction's seq, user ids in the order they reacted, `reactions` left
 * out when a message has none.
 */
import type { Kysely } from 'kysely';
import { ParleyError } from '../../../protocol/errors.ts';
import type { MemberRole, MessageEvent, Reaction, TimelineEvent } from '../../../protocol/index.ts';
import type { MessageVersion, StoreTimeline } from '../../../core/ports/store.ts';
import { toTimelineEvent, type Database, type EventRow } from '../schema.ts';
import { checkLimit, type Guard } from '../store-errors.ts';
import { appendRefusal } from './authority.ts';
import { CompiledRead } from '../compiled-query.ts';

/** Message seqs per reactions query (SQLite's bound-parameter limit). */
const REACTIONS_CHUNK = 500;

/** The read half of {@link StoreTimeline}. */
export type TimelineReads = Pick<StoreTimeline, 'position' | 'since' | 'page' | 'authorize' | 'unread' | 'versions'>;

/** Build the timeline reads over `db`; every call follows the error rules of `store-errors.ts`. */
export function createTimelineReads(db: Kysely<Database>, guard: Guard): TimelineReads {
  const writeCheck = new CompiledRead<'roomId' | 'userId', { closed_at: number | null; role: MemberRole | null; muted_until: number | null }>((p) =>
    db
      .selectFrom('rooms')
      .leftJoin('members', (join) => join.onRef('members.room_id', '=', 'rooms.id').on('members.user_id', '=', p<string>('userId')))
      .select(['rooms.closed_at', 'members.role', 'members.muted_until'])
      .where('rooms.id', '=', p<string>('roomId')),
  );
  const positionRead = new CompiledRead<'roomId', { epoch: string; last_seq: number }>((p) => db.selectFrom('rooms').select(['epoch', 'last_seq']).where('id', '=', p<string>('roomId')));
  const unreadRead = new CompiledRead<'roomId' | 'userId' | 'after' | 'max', { count: number | string }>((p) => {
    const counted = db
      .selectFrom('events')
      .select('seq')
      .where('room_id', '=', p<string>('roomId'))
      .where('seq', '>', p<number>('after'))
      .where('type', '=', 'message')
      .where('sender_id', '<>', p<string>('userId'))
      .where('deleted_at', 'is', null)
      .limit(p<number>('max'))
      .as('counted');
    return db.selectFrom(counted).select((eb) => eb.fn.countAll<number | string>().as('count'));
  });
  /** The room's epoch and newest seq. @throws ParleyError `ROOM_NOT_FOUND`. */
  const position = async (roomId: string) => {
    const [room] = await positionRead.rows(db, { roomId });
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId } });
    return { epoch: room.epoch, lastSeq: room.last_seq };
  };

  /** Rows → events, with each message's reactions folded in. */
  const fold = async (roomId: string, rows: readonly EventRow[]): Promise<TimelineEvent[]> => {
    const events = rows.map(toTimelineEvent);
    const messages = new Map<number, MessageEvent>();
    for (const e of events) if (e.type === 'message' && e.deletedAt === undefined) messages.set(e.seq, e);
    if (messages.size === 0) return events;
    const seqs = [...messages.keys()];
    const byMessage = new Map<number, Map<string, string[]>>();
    for (let i = 0; i < seqs.length; i += REACTIONS_CHUNK) {
      const rows = await db
        .selectFrom('reactions')
        .select(['target_seq', 'key', 'user_id'])
        .where('room_id', '=', roomId)
        .where('target_seq', 'in', seqs.slice(i, i + REACTIONS_CHUNK))
        .orderBy('seq')
        .execute();
      for (const r of rows) {
        let keys = byMessage.get(r.target_seq);
        if (keys === undefined) byMessage.set(r.target_seq, (keys = new Map()));
        let users = keys.get(r.key);
        if (users === undefined) keys.set(r.key, (users = []));
        users.push(r.user_id);
      }
    }
    for (const [seq, keys] of byMessage) {
      const message = messages.get(seq) as MessageEvent;
      message.reactions = [...keys].map(([key, userIds]): Reaction => ({ key, userIds }));
    }
    return events;
  };

  return {
    /** See the port. @throws ParleyError `ROOM_NOT_FOUND` for an unknown room. */
    position: (roomId) => guard(() => position(roomId)),
    /**
     * See the port; the events are read before the position, so `lastSeq` is at least the newest seq
     * read. @throws ParleyError `VALIDATION_FAILED` (limit), `ROOM_NOT_FOUND`.
     */
    since: (roomId, after, limit) =>
      guard(async () => {
        checkLimit(limit);
        const rows = await db.selectFrom('events').selectAll().where('room_id', '=', roomId).where('seq', '>', after).orderBy('seq').limit(limit).execute();
        const events = await fold(roomId, rows);
        return { ...(await position(roomId)), events };
      }),
    /**
     * See the port. With both `after` and `before`, the first `limit` events of the open range
     * (after, before), ascending, `hasMore` meaning more inside the range. An unknown room has an
     * empty page. @throws ParleyError `VALIDATION_FAILED` (details.field = 'limit').
     */
    page: (roomId, { after, before, limit }) =>
      guard(async () => {
        checkLimit(limit);
        let query = db.selectFrom('events').selectAll().where('room_id', '=', roomId);
        if (after !== undefined) query = query.where('seq', '>', after);
        if (before !== undefined) query = query.where('seq', '<', before);
        const ascending = after !== undefined;
        const rows = await query.orderBy('seq', ascending ? 'asc' : 'desc').limit(limit + 1).execute();
        const page = rows.slice(0, limit);
        if (!ascending) page.reverse();
        return { events: await fold(roomId, page), hasMore: rows.length > limit };
      }),
    /** See the port: the refusal `append` would give a message of `userId` at `at` (`authority.ts`). */
    /** See the port: one read of the room and the member, compiled once (every relay send runs it). */
    authorize: (roomId, userId, at) =>
      guard(async () => {
        const [row] = await writeCheck.rows(db, { roomId, userId });
        const member = row?.role === null || row?.role === undefined ? undefined : { role: row.role, muted_until: row.muted_until };
        const refusal = appendRefusal({ roomId, createdAt: at }, row, member, false);
        if (refusal !== undefined) throw refusal;
      }),
    /** See the port; one query that stops counting at `max` (0 when `max` < 1). */
    unread: (roomId, userId, after, max) =>
      guard(async () => {
        if (max < 1) return 0;
        const [row] = await unreadRead.rows(db, { roomId, userId, after, max });
        return Number(row?.count ?? 0);
      }),
    /** See the port: oldest first, by the seq of the edit that replaced each body. */
    versions: (roomId, seq) =>
      guard(async () => {
        const rows = await db.selectFrom('message_versions').select(['body', 'replaced_at']).where('room_id', '=', roomId).where('seq', '=', seq).orderBy('edit_seq').execute();
        return rows.map((r): MessageVersion => ({ body: r.body, replacedAt: r.replaced_at }));
      }),
  };
}
