/**
 * One group-commit batch of message appends on PostgreSQL: one transaction, four round trips whatever
 * the batch size (BEGIN, lock, write, COMMIT), plus one read on the refusal path only.
 *
 * 1. Lock: `SELECT … FROM rooms WHERE id = ANY(…) ORDER BY id FOR UPDATE` takes the row lock of
 *    every room in the batch, in id order, so two nodes whose batches share rooms queue behind
 *    each other instead of deadlocking. Every writer of a room's timeline (these batches and
 *    `timeline.commit`, which also changes members) holds this lock from here to COMMIT, which is
 *    what makes seqs gap-free and strictly increasing across processes, and the member check below
 *    exact: no removal, ban, mute or demotion can commit between the check and the insert.
 * 2. Write: one statement that takes the batch as arrays (`unnest … WITH ORDINALITY`, nine
 *    parameters whatever the batch size), finds the keys already stored, keeps the items the member
 *    rule (`timeline/authority.ts`) and `replyTo` admit in an open room, then the first occurrence of
 *    each new (room, sender, clientId) among them, numbers them `last_seq + row_number()` per room in
 *    submission order, inserts them (`ON CONFLICT DO NOTHING RETURNING`) and moves each room's
 *    `last_seq` to its highest new seq. Under READ COMMITTED this statement's snapshot is taken after
 *    the lock was granted, so it sees every event and membership committed by the writer it waited
 *    for: a retry is found as stored, not numbered again.
 * 3. Refusals: an item neither stored before nor inserted reads, in the same transaction, why
 *    (`appendRefusal`: room, sender, replyTo) and fails alone, consuming no seq. If every check
 *    passes for such an item (which the lock rules out), the whole batch is rolled back rather than
 *    leave a gap.
 *
 * Outcomes follow the port: a stored key answers `duplicate: true` (even in a closed room or after
 * the sender left), then the refusal.
 *
 * Item isolation: unlike SQLite, a failed statement aborts the whole transaction, so any database
 * error fails every item of the batch (`STORE_UNAVAILABLE`, nothing stored). The one input
 * PostgreSQL refuses that SQLite takes, a NUL character in a text field, is therefore refused per
 * item before the transaction (`VALIDATION_FAILED`, `details.field`), so it cannot fail its batch.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { ParleyError } from '../../../protocol/errors.ts';
import type { MessageEvent } from '../../../protocol/index.ts';
import type { AppendResult, NewMessage } from '../../../core/ports/store.ts';
import type { ItemOutcome } from '../group-commit.ts';
import { toTimelineEvent, type Database, type EventRow } from '../schema.ts';
import { appendRefusal, SENDING_ROLES, type SenderState } from '../timeline/authority.ts';

/**
 * An events row returned by the write statement: `is_new` when this batch inserted it, then `ord`
 * is the 1-based position of the inserting item in the batch (null for rows stored before).
 */
type WrittenRow = EventRow & { readonly is_new: boolean; readonly ord: number | string | null };

type Outcome = ItemOutcome<AppendResult<MessageEvent>>;

/**
 * Write `batch` in one transaction on `db` and return one outcome per item, in order.
 * `onTransaction` is called when the transaction begins (for the engine's counters).
 * @throws the driver's error (the transaction rolled back, nothing of the batch stored), or an
 *   Error when an admitted item was not inserted.
 */
export async function postgresAppendBatch(db: Kysely<Database>, batch: readonly NewMessage[], onTransaction: () => void): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = batch.map(refuseNul);
  const valid = batch.filter((_, i) => outcomes[i] === undefined);
  if (valid.length === 0) return outcomes as Outcome[];

  onTransaction();
  const answers = await db.transaction().execute(async (trx) => {
    const roomIds = [...new Set(valid.map((m) => m.roomId))].sort();
    const locked = await trx
      .selectFrom('rooms')
      .select(['id', 'closed_at'])
      .where((eb) => eb('id', '=', eb.fn.any(eb.val(roomIds))))
      .orderBy('id')
      .forUpdate()
      .execute();
    const { rows } = await writeStatement(valid).execute(trx);
    const stored = new Map<string, MessageEvent>();
    const inserted = new Map<string, { event: MessageEvent; index: number }>();
    for (const row of rows) {
      const key = keyOf(row.room_id, row.sender_id, row.client_id);
      const event = toTimelineEvent(row) as MessageEvent;
      if (row.is_new) inserted.set(key, { event, index: Number(row.ord) - 1 });
      else stored.set(key, event);
    }
    // As on SQLite, where items run one after another: an item after the one that inserted its key
    // is a duplicate of it; an item before it (or with no insert) was refused for its own reason.
    const answer = (m: NewMessage, index: number): Outcome | undefined => {
      const key = keyOf(m.roomId, m.senderId, m.clientId);
      const before = stored.get(key);
      if (before !== undefined) return { ok: true, value: { event: before, duplicate: true } };
      const first = inserted.get(key);
      if (first !== undefined && first.index <= index) return { ok: true, value: { event: first.event, duplicate: first.index < index } };
      return undefined;
    };
    const refused = valid.filter((m, i) => answer(m, i) === undefined);
    const refusals = refused.length === 0 ? new Map<NewMessage, ParleyError>() : await readRefusals(trx, refused, new Map(locked.map((r) => [r.id, r])));
    return valid.map((m, i): Outcome => {
      const answered = answer(m, i);
      if (answered !== undefined) return answered;
      const refusal = refusals.get(m);
      // Unreachable while every writer holds the room lock; rejecting the batch is what undoes it.
      if (refusal === undefined) throw new Error(`append to room ${m.roomId} inserted nothing, found nothing stored and no refusal`);
      return { ok: false, error: refusal };
    });
  });

  let next = 0;
  return outcomes.map((outcome) => outcome ?? (answers[next++] as Outcome));
}

/** Why each of `refused` was not inserted, read in the batch's transaction (`appendRefusal`). */
async function readRefusals(trx: Transaction<Database>, refused: readonly NewMessage[], rooms: ReadonlyMap<string, { closed_at: number | null }>): Promise<Map<NewMessage, ParleyError>> {
  const members = await trx
    .selectFrom('members')
    .select(['room_id', 'user_id', 'role', 'muted_until'])
    .where((eb) => eb.or(refused.map((m) => eb.and([eb('room_id', '=', m.roomId), eb('user_id', '=', m.senderId)]))))
    .execute();
  const replies = refused.filter((m) => m.replyTo !== undefined);
  const targets =
    replies.length === 0
      ? []
      : await trx
          .selectFrom('events')
          .select(['room_id', 'seq'])
          .where('type', '=', 'message')
          .where((eb) => eb.or(replies.map((m) => eb.and([eb('room_id', '=', m.roomId), eb('seq', '=', m.replyTo as number)]))))
          .execute();
  const memberOf = new Map<string, SenderState>(members.map((r) => [JSON.stringify([r.room_id, r.user_id]), r]));
  const found = new Set(targets.map((t) => JSON.stringify([t.room_id, t.seq])));
  const refusals = new Map<NewMessage, ParleyError>();
  for (const m of refused) {
    const member = memberOf.get(JSON.stringify([m.roomId, m.senderId]));
    const refusal = appendRefusal(m, rooms.get(m.roomId), member, found.has(JSON.stringify([m.roomId, m.replyTo])));
    if (refusal !== undefined) refusals.set(m, refusal);
  }
  return refusals;
}

/** The write statement of step 2 (see the module comment), over the batch as nine arrays. */
function writeStatement(batch: readonly NewMessage[]) {
  const column = <K extends keyof NewMessage>(k: K) => batch.map((m) => m[k] ?? null);
  return sql<WrittenRow>`
    with input as (
      select *
      from unnest(
        ${column('id')}::text[], ${column('roomId')}::text[], ${column('senderId')}::text[], ${column('senderName')}::text[],
        ${column('clientId')}::text[], ${column('type')}::text[], ${column('body')}::text[], ${column('createdAt')}::int8[],
        ${column('replyTo')}::int8[]
      ) with ordinality as i(id, room_id, sender_id, sender_name, client_id, type, body, created_at, reply_to, ord)
    ),
    existing as (
      select e.*
      from events e
      where (e.room_id, e.sender_id, e.client_id) in (select room_id, sender_id, client_id from input)
    ),
    admitted as (
      select i.*
      from input i
      join rooms r on r.id = i.room_id and r.closed_at is null
      join members mb on mb.room_id = i.room_id and mb.user_id = i.sender_id
      where mb.role = any(${[...SENDING_ROLES]}::text[])
        and (mb.muted_until is null or mb.muted_until <= i.created_at)
        and (i.reply_to is null or exists (select 1 from events t where t.room_id = i.room_id and t.seq = i.reply_to and t.type = 'message'))
    ),
    fresh as (
      select distinct on (a.room_id, a.sender_id, a.client_id) a.*
      from admitted a
      where not exists (
        select 1 from existing e where e.room_id = a.room_id and e.sender_id = a.sender_id and e.client_id = a.client_id
      )
      order by a.room_id, a.sender_id, a.client_id, a.ord
    ),
    numbered as (
      select f.*, r.last_seq + row_number() over (partition by f.room_id order by f.ord) as seq
      from fresh f
      join rooms r on r.id = f.room_id
    ),
    stored as (
      insert into events (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at, reply_to)
      select id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at, reply_to
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
    select true as is_new, stored.*, numbered.ord from stored join numbered on numbered.room_id = stored.room_id and numbered.seq = stored.seq
    union all
    select false as is_new, existing.*, null as ord from existing`;
}

/** The dedupe key (room, sender, clientId) as one string. */
function keyOf(roomId: string, senderId: string, clientId: string): string {
  return JSON.stringify([roomId, senderId, clientId]);
}

/** PostgreSQL text cannot hold U+0000: refuse such an item alone (undefined: the item may go on). */
function refuseNul(m: NewMessage): Outcome | undefined {
  for (const field of ['id', 'roomId', 'senderId', 'senderName', 'clientId', 'type', 'body'] as const) {
    if (m[field].includes('\u0000')) {
      return { ok: false, error: new ParleyError('VALIDATION_FAILED', `${field} contains a NUL character`, { details: { field } }) };
    }
  }
  return undefined;
}
