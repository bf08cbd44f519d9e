/**
 * One group-commit batch of message appends on SQLite: a synchronous better-sqlite3 transaction over
 * statements compiled once by Kysely and prepared once ({@link NamedStatement}).
 *
 * Per item: the insert takes `last_seq + 1` from an open room, only when the sender passes the member
 * rule (`timeline/authority.ts`: a current member with a sending role, not muted at `createdAt`) and
 * `replyTo`, when given, names a message of the room; it does nothing on a (room, sender, clientId)
 * conflict, so a repeat — even one earlier in the same batch — finds the stored row instead. An item
 * inserted nowhere and found nowhere is refused alone (the reason read by three more statements, on
 * that path only) and consumes no seq. Seqs stay gap-free because SQLite has one writer: the
 * transaction holds the database write lock from its first statement (BEGIN IMMEDIATE) to its commit,
 * so no membership change can land between the check and the insert.
 *
 * Item isolation: a failed insert is undone by SQLite at statement level; if the transaction
 * survived, only that item fails (`STORE_UNAVAILABLE`) and the batch goes on with no seq consumed.
 * If the transaction itself was rolled back, the whole batch throws.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { MessageEvent } from '../../../protocol/index.ts';
import type { AppendResult, NewMessage } from '../../../core/ports/store.ts';
import type { ItemOutcome } from '../group-commit.ts';
import { toTimelineEvent, type Database, type EventRow } from '../schema.ts';
import { unavailable } from '../store-errors.ts';
import { appendRefusal, SENDING_ROLES, type SenderState } from '../timeline/authority.ts';
import { NamedStatement } from './named-statement.ts';

/** Writes one batch in one IMMEDIATE transaction and returns one outcome per item, in order. */
export type SqliteAppendBatch = (batch: readonly NewMessage[]) => ItemOutcome<AppendResult<MessageEvent>>[];

/** A message's statement parameters: every field present, `replyTo` null when absent. */
type Params = Omit<Required<NewMessage>, 'replyTo'> & { readonly replyTo: number | null };

/**
 * Prepare the append statements on `raw` and return the batch writer. Call it while holding the
 * connection (Kysely's `connection()`), never inside a Kysely transaction.
 * @throws the driver's error when a statement cannot be prepared (schema not migrated).
 */
export function sqliteAppendBatch(raw: BetterSqlite3.Database, db: Kysely<Database>): SqliteAppendBatch {
  const s = prepareAppendStatements(raw, db);

  const appendOne = (m: NewMessage): ItemOutcome<AppendResult<MessageEvent>> => {
    const params: Params = { ...m, replyTo: m.replyTo ?? null };
    let inserted: { seq: number } | undefined;
    try {
      inserted = s.insert.get(params) as { seq: number } | undefined;
    } catch (err) {
      if (raw.inTransaction) return { ok: false, error: unavailable(err) };
      throw err;
    }
    if (inserted !== undefined) {
      s.bumpSeq.run(params);
      const event: MessageEvent = { id: m.id, roomId: m.roomId, seq: inserted.seq, senderId: m.senderId, senderName: m.senderName, clientId: m.clientId, type: 'message', body: m.body, createdAt: m.createdAt };
      if (m.replyTo !== undefined) event.replyTo = m.replyTo;
      return { ok: true, value: { event, duplicate: false } };
    }
    const existing = s.findByClient.get(params) as EventRow | undefined;
    if (existing !== undefined) return { ok: true, value: { event: toTimelineEvent(existing) as MessageEvent, duplicate: true } };
    const room = s.roomState.get(params) as { closed_at: number | null } | undefined;
    const member = s.senderState.get(params) as SenderState | undefined;
    const replyFound = m.replyTo !== undefined && s.replyTarget.get(params) !== undefined;
    const refusal = appendRefusal(m, room, member, replyFound);
    if (refusal !== undefined) return { ok: false, error: refusal };
    throw new Error(`append to room ${m.roomId} inserted nothing, found no duplicate and no refusal`);
  };

  const transaction = raw.transaction((batch: readonly NewMessage[]) => batch.map(appendOne));
  return (batch) => transaction.immediate(batch);
}

/** The hot-path statements, each written once with Kysely and bound by NewMessage field names. */
interface AppendStatements {
  readonly insert: NamedStatement<keyof Params>;
  readonly bumpSeq: NamedStatement<keyof Params>;
  readonly findByClient: NamedStatement<keyof Params>;
  readonly roomState: NamedStatement<keyof Params>;
  readonly senderState: NamedStatement<keyof Params>;
  readonly replyTarget: NamedStatement<keyof Params>;
}

function prepareAppendStatements(raw: BetterSqlite3.Database, db: Kysely<Database>): AppendStatements {
  type K = keyof Params;
  return {
    insert: new NamedStatement<K>(raw, (p) =>
      db
        .insertInto('events')
        .columns(['id', 'room_id', 'seq', 'sender_id', 'sender_name', 'client_id', 'type', 'body', 'created_at', 'reply_to'])
        .expression((eb) =>
          eb
            .selectFrom('rooms')
            .innerJoin('members', (j) => j.onRef('members.room_id', '=', 'rooms.id').on('members.user_id', '=', p<string>('senderId')))
            .select((s) => [
              s.val(p<string>('id')).as('id'),
              'rooms.id as room_id',
              s('rooms.last_seq', '+', 1).as('seq'),
              s.val(p<string>('senderId')).as('sender_id'),
              s.val(p<string>('senderName')).as('sender_name'),
              s.val(p<string>('clientId')).as('client_id'),
              s.val(p<string>('type')).as('type'),
              s.val(p<string>('body')).as('body'),
              s.val(p<number>('createdAt')).as('created_at'),
              s.val(p<number | null>('replyTo')).as('reply_to'),
            ])
            .where('rooms.id', '=', p<string>('roomId'))
            .where('rooms.closed_at', 'is', null)
            .where('members.role', 'in', SENDING_ROLES)
            .where((w) => w.or([w('members.muted_until', 'is', null), w('members.muted_until', '<=', p<number>('createdAt'))]))
            .where((w) =>
              w.or([
                w(sql<number | null>`${p<number | null>('replyTo')}`, 'is', null),
                w.exists(
                  w
                    .selectFrom('events as target')
                    .select('target.seq')
                    .where('target.room_id', '=', p<string>('roomId'))
                    .where('target.seq', '=', p<number>('replyTo'))
                    .where('target.type', '=', 'message'),
                ),
              ]),
            ),
        )
        .onConflict((oc) => oc.columns(['room_id', 'sender_id', 'client_id']).doNothing())
        .returning('seq'),
    ),
    bumpSeq: new NamedStatement<K>(raw, (p) =>
      db.updateTable('rooms').set((eb) => ({ last_seq: eb('last_seq', '+', 1) })).where('id', '=', p<string>('roomId')),
    ),
    findByClient: new NamedStatement<K>(raw, (p) =>
      db
        .selectFrom('events')
        .selectAll()
        .where('room_id', '=', p<string>('roomId'))
        .where('sender_id', '=', p<string>('senderId'))
        .where('client_id', '=', p<string>('clientId')),
    ),
    roomState: new NamedStatement<K>(raw, (p) => db.selectFrom('rooms').select('closed_at').where('id', '=', p<string>('roomId'))),
    senderState: new NamedStatement<K>(raw, (p) =>
      db.selectFrom('members').select(['role', 'muted_until']).where('room_id', '=', p<string>('roomId')).where('user_id', '=', p<string>('senderId')),
    ),
    replyTarget: new NamedStatement<K>(raw, (p) =>
      db.selectFrom('events').select('seq').where('room_id', '=', p<string>('roomId')).where('seq', '=', p<number>('replyTo')).where('type', '=', 'message'),
    ),
  };
}
