/**
 * One group-commit batch of appends on SQLite: a synchronous better-sqlite3 transaction over four
 * statements compiled once by Kysely and prepared once ({@link NamedStatement}).
 *
 * Per item: the insert takes `last_seq + 1` from an open room and does nothing on a (room, sender,
 * clientId) conflict, so a repeat — even one earlier in the same batch — finds the stored row
 * instead. Seqs stay gap-free because SQLite has one writer: the transaction holds the database
 * write lock from its first statement (BEGIN IMMEDIATE) to its commit.
 *
 * Item isolation: a failed insert is undone by SQLite at statement level; if the transaction
 * survived, only that item fails (`STORE_UNAVAILABLE`) and the batch goes on with no seq consumed.
 * If the transaction itself was rolled back, the whole batch throws.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { ParleyError } from '../../../protocol/errors.ts';
import type { Message } from '../../../protocol/index.ts';
import type { AppendResult, NewMessage } from '../../../core/ports/store.ts';
import type { ItemOutcome } from '../group-commit.ts';
import { toMessage, type Database, type MessageRow } from '../schema.ts';
import { unavailable } from '../store-errors.ts';
import { NamedStatement } from './named-statement.ts';

/** Writes one batch in one IMMEDIATE transaction and returns one outcome per item, in order. */
export type SqliteAppendBatch = (batch: readonly NewMessage[]) => ItemOutcome<AppendResult>[];

/**
 * Prepare the append statements on `raw` and return the batch writer. Call it while holding the
 * connection (Kysely's `connection()`), never inside a Kysely transaction.
 * @throws the driver's error when a statement cannot be prepared (schema not migrated).
 */
export function sqliteAppendBatch(raw: BetterSqlite3.Database, db: Kysely<Database>): SqliteAppendBatch {
  const s = prepareAppendStatements(raw, db);

  const appendOne = (m: NewMessage): ItemOutcome<AppendResult> => {
    let inserted: { seq: number } | undefined;
    try {
      inserted = s.insert.get(m) as { seq: number } | undefined;
    } catch (err) {
      if (raw.inTransaction) return { ok: false, error: unavailable(err) };
      throw err;
    }
    if (inserted !== undefined) {
      s.bumpSeq.run(m);
      const message: Message = { id: m.id, roomId: m.roomId, seq: inserted.seq, senderId: m.senderId, senderName: m.senderName, clientId: m.clientId, type: m.type, body: m.body, createdAt: m.createdAt };
      return { ok: true, value: { message, duplicate: false } };
    }
    const existing = s.findByClient.get(m) as MessageRow | undefined;
    if (existing !== undefined) return { ok: true, value: { message: toMessage(existing), duplicate: true } };
    const room = s.roomState.get(m) as { closed_at: number | null } | undefined;
    if (room === undefined) return { ok: false, error: new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId: m.roomId } }) };
    if (room.closed_at !== null) return { ok: false, error: new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: m.roomId } }) };
    throw new Error(`append to open room ${m.roomId} inserted nothing and found no duplicate`);
  };

  const transaction = raw.transaction((batch: readonly NewMessage[]) => batch.map(appendOne));
  return (batch) => transaction.immediate(batch);
}

/** The hot-path statements, each written once with Kysely and bound by NewMessage field names. */
interface AppendStatements {
  readonly insert: NamedStatement<keyof NewMessage>;
  readonly bumpSeq: NamedStatement<keyof NewMessage>;
  readonly findByClient: NamedStatement<keyof NewMessage>;
  readonly roomState: NamedStatement<keyof NewMessage>;
}

function prepareAppendStatements(raw: BetterSqlite3.Database, db: Kysely<Database>): AppendStatements {
  type K = keyof NewMessage;
  return {
    insert: new NamedStatement<K>(raw, (p) =>
      db
        .insertInto('messages')
        .columns(['id', 'room_id', 'seq', 'sender_id', 'sender_name', 'client_id', 'type', 'body', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('rooms')
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
            ])
            .where('rooms.id', '=', p<string>('roomId'))
            .where('rooms.closed_at', 'is', null),
        )
        .onConflict((oc) => oc.columns(['room_id', 'sender_id', 'client_id']).doNothing())
        .returning('seq'),
    ),
    bumpSeq: new NamedStatement<K>(raw, (p) =>
      db.updateTable('rooms').set((eb) => ({ last_seq: eb('last_seq', '+', 1) })).where('id', '=', p<string>('roomId')),
    ),
    findByClient: new NamedStatement<K>(raw, (p) =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('room_id', '=', p<string>('roomId'))
        .where('sender_id', '=', p<string>('senderId'))
        .where('client_id', '=', p<string>('clientId')),
    ),
    roomState: new NamedStatement<K>(raw, (p) => db.selectFrom('rooms').select('closed_at').where('id', '=', p<string>('roomId'))),
  };
}
