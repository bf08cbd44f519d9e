/**
 * Full-text message search (issue 13, Search; src/core/ports/store.ts, `SearchStore`): an index of
 * the messages of plaintext rooms, kept in step with `events` by triggers inside the writing
 * transaction, so the append hot path (`sqlite/append-batch.ts`, `postgres/append-batch.ts`) runs
 * no extra statement of its own. A message is indexed when inserted, re-indexed when its body
 * changes (an edit), and dropped when deleted (tombstone: `deleted_at` set) or removed. Messages of
 * e2ee rooms are never indexed (`rooms.e2ee` is fixed at creation); relay rooms store no events.
 * Existing messages are indexed here.
 *
 * The two dialects differ, so this is the one migration with a branch per dialect:
 * - SQLite: `message_search`, a contentless FTS5 table (`contentless_delete=1`: rows can be
 *   deleted without their text; tokenizer `unicode61`, case-folded, diacritics kept as on
 *   PostgreSQL), whose rowid is the `id` of a `message_search_docs` row naming the message by
 *   (room_id, seq). An INTEGER PRIMARY KEY of our own rather than `events`' implicit rowid, which
 *   VACUUM may renumber.
 * - PostgreSQL: `message_search` (room_id, seq, vector) with `vector = to_tsvector('simple', body)`
 *   ('simple': no stemming, no stop words, every language alike) and a GIN index on it. Appends
 *   fill it with one statement per append batch (a statement-level trigger over the inserted
 *   rows); edits and deletions update it row by row (a row trigger that fires only for messages).
 *   A separate table rather than a generated column on `events`, so that e2ee rooms stay out and
 *   every `select *` of the timeline does not carry the vector.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

/** Create the index, its triggers, and index the existing messages of plaintext rooms. */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await upSqlite(db);
  else await upPostgres(db);
}

/** Drop the triggers and the index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const trigger of ['message_search_added', 'message_search_changed', 'message_search_removed']) await sql`drop trigger ${sql.id(trigger)}`.execute(db);
    await sql`drop table message_search`.execute(db);
    await sql`drop table message_search_docs`.execute(db);
    return;
  }
  for (const trigger of ['message_search_added', 'message_search_changed', 'message_search_removed']) await sql`drop trigger ${sql.id(trigger)} on events`.execute(db);
  for (const fn of ['message_search_added', 'message_search_changed', 'message_search_removed']) await sql`drop function ${sql.id(fn)}()`.execute(db);
  await sql`drop table message_search`.execute(db);
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`create table message_search_docs (id integer primary key, room_id text not null, seq integer not null, unique (room_id, seq))`.execute(db);
  await sql`create virtual table message_search using fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db);
  await sql`
    create trigger message_search_added after insert on events
    when new.type = 'message' and new.deleted_at is null and (select e2ee from rooms where id = new.room_id) = 0
    begin
      insert into message_search_docs (room_id, seq) values (new.room_id, new.seq);
      insert into message_search (rowid, body) select id, new.body from message_search_docs where room_id = new.room_id and seq = new.seq;
    end`.execute(db);
  // Messages of e2ee rooms have no doc, so every statement here finds nothing for them.
  await sql`
    create trigger message_search_changed after update of body, deleted_at on events
    when new.type = 'message'
    begin
      delete from message_search where rowid = (select id from message_search_docs where room_id = new.room_id and seq = new.seq);
      insert into message_search (rowid, body) select id, new.body from message_search_docs where room_id = new.room_id and seq = new.seq and new.deleted_at is null;
      delete from message_search_docs where room_id = new.room_id and seq = new.seq and new.deleted_at is not null;
    end`.execute(db);
  await sql`
    create trigger message_search_removed after delete on events
    when old.type = 'message'
    begin
      delete from message_search where rowid = (select id from message_search_docs where room_id = old.room_id and seq = old.seq);
      delete from message_search_docs where room_id = old.room_id and seq = old.seq;
    end`.execute(db);
  await sql`
    insert into message_search_docs (room_id, seq)
    select e.room_id, e.seq from events e join rooms r on r.id = e.room_id
    where e.type = 'message' and e.deleted_at is null and r.e2ee = 0
    order by e.created_at, e.room_id, e.seq`.execute(db);
  await sql`insert into message_search (rowid, body) select d.id, e.body from message_search_docs d join events e on e.room_id = d.room_id and e.seq = d.seq`.execute(db);
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`create table message_search (room_id text not null, seq bigint not null, vector tsvector not null, primary key (room_id, seq))`.execute(db);
  await sql`create index message_search_vector on message_search using gin (vector)`.execute(db);
  await sql`
    create function message_search_added() returns trigger language plpgsql as $$
    begin
      insert into message_search (room_id, seq, vector)
      select a.room_id, a.seq, to_tsvector('simple', a.body) from added a join rooms r on r.id = a.room_id
      where a.type = 'message' and a.deleted_at is null and r.e2ee = 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger message_search_added after insert on events referencing new table as added for each statement execute function message_search_added()`.execute(db);
  // Messages of e2ee rooms have no row, so the update and the delete find nothing for them.
  await sql`
    create function message_search_changed() returns trigger language plpgsql as $$
    begin
      if new.deleted_at is null then
        update message_search set vector = to_tsvector('simple', new.body) where room_id = new.room_id and seq = new.seq;
      else
        delete from message_search where room_id = new.room_id and seq = new.seq;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger message_search_changed after update of body, deleted_at on events for each row when (new.type = 'message') execute function message_search_changed()`.execute(db);
  await sql`
    create function message_search_removed() returns trigger language plpgsql as $$
    begin
      delete from message_search where room_id = old.room_id and seq = old.seq;
      return null;
    end $$`.execute(db);
  await sql`create trigger message_search_removed after delete on events for each row when (old.type = 'message') execute function message_search_removed()`.execute(db);
  await sql`
    insert into message_search (room_id, seq, vector)
    select e.room_id, e.seq, to_tsvector('simple', e.body) from events e join rooms r on r.id = e.room_id
    where e.type = 'message' and e.deleted_at is null and r.e2ee = 0`.execute(db);
}
