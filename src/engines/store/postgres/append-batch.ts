/**
 * One group-commit batch of appends on PostgreSQL: one transaction, four round trips whatever the
 * batch size (BEGIN, lock, write, COMMIT).
 *
 * 1. Lock: `SELECT … FROM rooms WHERE id = ANY(…) ORDER BY id FOR UPDATE` takes the row lock of
 *    every room in the batch, in id order, so two nodes whose batches share rooms queue behind
 *    each other instead of deadlocking. Every writer of a room's messages holds this lock from here
 *    to COMMIT, which is what makes seqs gap-free and strictly increasing across processes.
 * 2. Write: one statement that takes the batch as arrays (`unnest … WITH ORDINALITY`, eight
 *    parameters whatever the batch size), finds the keys already stored, keeps the first
 *    occurrence of each new (room, sender, clientId) in an open room, numbers them
 *    `last_seq + row_number()` per room in submission order, inserts them (`ON CONFLICT DO NOTHING
 *    RETURNING`) and moves each room's `last_seq` to its highest new seq. Under READ COMMITTED this
 *    statement's snapshot is taken after the lock was granted, so it sees every message committed by
 *    the writer it waited for: a retry is found as stored, not numbered again.
 *
 * Outcomes follow the port: a stored key answers `duplicate: true` (even in a closed room), then a
 * missing room `ROOM_NOT_FOUND`, a closed one `ROOM_CLOSED`. If any new item was not inserted (which
 * the lock rules out), the whole batch is rolled back rather than leave a gap.
 *
 * Item isolation: unlike SQLite, a failed statement aborts the whole transaction, so any database
 * error fails every item of the batch (`STORE_UNAVAILABLE`, nothing stored). The one input
 * PostgreSQL refuses that SQLite takes, a NUL character in a text field, is therefore refused per
 * item before the transaction (`VALIDATION_FAILED`, `details.field`), so it cannot fail its batch.
 */
import { sql, type Kysely } from 'kysely';
import { ParleyError } from '../../../protocol/errors.ts';
import type { Message } from '../../../protocol/index.ts';
import type { AppendResult, NewMessage } from '../../../core/ports/store.ts';
import type { ItemOutcome } from '../group-commit.ts';
import { toMessage, type Database, type MessageRow } from '../schema.ts';

/** A messages row returned by the write statement: `is_new` when this batch inserted it. */
type WrittenRow = MessageRow & { readonly is_new: boolean };

/**
 * Write `batch` in one transaction on `db` and return one outcome per item, in order.
 * `onTransaction` is called when the transaction begins (for the engine's counters).
 * @throws the driver's error (the transaction rolled back, nothing of the batch stored), or an
 *   Error when a new item was not inserted.
 */
export async function postgresAppendBatch(db: Kysely<Database>, batch: readonly NewMessage[], onTransaction: () => void): Promise<ItemOutcome<AppendResult>[]> {
  const outcomes: (ItemOutcome<AppendResult> | undefined)[] = batch.map(refuseNul);
  const valid = batch.filter((_, i) => outcomes[i] === undefined);
  if (valid.length === 0) return outcomes as ItemOutcome<AppendResult>[];

  onTransaction();
  const { rooms, rows } = await db.transaction().execute(async (trx) => {
    const roomIds = [...new Set(valid.map((m) => m.roomId))].sort();
    const locked = await trx
      .selectFrom('rooms')
      .select(['id', 'closed_at'])
      .where((eb) => eb('id', '=', eb.fn.any(eb.val(roomIds))))
      .orderBy('id')
      .forUpdate()
      .execute();
    const written = await writeStatement(valid).execute(trx);
    return { rooms: new Map(locked.map((r) => [r.id, r.closed_at])), rows: written.rows };
  });

  const stored = new Map<string, Message>();
  const inserted = new Map<string, Message>();
  for (const row of rows) (row.is_new ? inserted : stored).set(keyOf(row.room_id, row.sender_id, row.client_id), toMessage(row));
  const answered = new Set<string>();
  let next = 0;
  return outcomes.map((outcome) => {
    if (outcome !== undefined) return outcome;
    const m = valid[next++] as NewMessage;
    const key = keyOf(m.roomId, m.senderId, m.clientId);
    const before = stored.get(key);
    if (before !== undefined) return { ok: true, value: { message: before, duplicate: true } };
    if (!rooms.has(m.roomId)) return { ok: false, error: new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId: m.roomId } }) };
    if (rooms.get(m.roomId) !== null) return { ok: false, error: new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: m.roomId } }) };
    const message = inserted.get(key);
    // Unreachable while every writer holds the room lock; rejecting the batch is what undoes it.
    if (message === undefined) throw new Error(`append to open room ${m.roomId} inserted nothing and found no stored message`);
    const duplicate = answered.has(key);
    answered.add(key);
    return { ok: true, value: { message, duplicate } };
  });
}

/** The write statement of step 2 (see the module comment), over the batch as eight arrays. */
function writeStatement(batch: readonly NewMessage[]) {
  const column = <K extends keyof NewMessage>(k: K) => batch.map((m) => m[k]);
  return sql<WrittenRow>`
    with input as (
      select *
      from unnest(
        ${column('id')}::text[], ${column('roomId')}::text[], ${column('senderId')}::text[], ${column('senderName')}::text[],
        ${column('clientId')}::text[], ${column('type')}::text[], ${column('body')}::text[], ${column('createdAt')}::int8[]
      ) with ordinality as i(id, room_id, sender_id, sender_name, client_id, type, body, created_at, ord)
    ),
    existing as (
      select m.*
      from messages m
      where (m.room_id, m.sender_id, m.client_id) in (select room_id, sender_id, client_id from input)
    ),
    fresh as (
      select distinct on (i.room_id, i.sender_id, i.client_id) i.*
      from input i
      where not exists (
        select 1 from existing e where e.room_id = i.room_id and e.sender_id = i.sender_id and e.client_id = i.client_id
      )
      order by i.room_id, i.sender_id, i.client_id, i.ord
    ),
    numbered as (
      select f.*, r.last_seq + row_number() over (partition by f.room_id order by f.ord) as seq
      from fresh f
      join rooms r on r.id = f.room_id and r.closed_at is null
    ),
    stored as (
      insert into messages (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at)
      select id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at
      from numbered
      order by room_id, seq
      on conflict (room_id, sender_id, client_id) do nothing
      returning *
    ),
    bumped as (
      update rooms r
      set last_seq = n.last_seq
      from (select room_id, max(seq) as last_seq from numbered group by room_id) n
      where r.id = n.room_id
      returning r.id
    )
    select true as is_new, stored.* from stored
    union all
    select false as is_new, existing.* from existing`;
}

/** The dedupe key (room, sender, clientId) as one string. */
function keyOf(roomId: string, senderId: string, clientId: string): string {
  return JSON.stringify([roomId, senderId, clientId]);
}

/** PostgreSQL text cannot hold U+0000: refuse such an item alone (undefined: the item may go on). */
function refuseNul(m: NewMessage): ItemOutcome<AppendResult> | undefined {
  for (const field of ['id', 'roomId', 'senderId', 'senderName', 'clientId', 'type', 'body'] as const) {
    if (m[field].includes('\u0000')) {
      return { ok: false, error: new ParleyError('VALIDATION_FAILED', `${field} contains a NUL character`, { details: { field } }) };
    }
  }
  return undefined;
}
