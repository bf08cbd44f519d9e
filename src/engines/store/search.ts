/**
 * The Store's full-text search (src/core/ports/store.ts, `SearchStore`) on both engines: one query
 * shape — the index's matches, joined to the message, the searcher's membership and the room, then
 * filtered, ordered newest first and cut to a page — around a match that each dialect writes its
 * own way over the index of migration 2026-12-04-01:
 * - SQLite: FTS5 `MATCH` of each word as an FTS5 string (`"word"`, quotes doubled), the last one
 *   with `*` (prefix), joined by spaces (AND).
 * - PostgreSQL: `to_tsquery('simple', $1)` of each word as a quoted lexeme (`'word'`, quotes
 *   doubled, backslashes escaped), the last one with `:*` (prefix), joined by `&`, bound as one
 *   parameter.
 * The words come from `searchTerms` (letters, digits and marks only), so the quoting is a second
 * fence: no input reaches either engine as query syntax.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ParleyError } from '../../protocol/errors.ts';
import { searchTerms } from '../../protocol/search.ts';
import type { MessageSearch, SearchHit, SearchStore } from '../../core/ports/store.ts';
import type { Database } from './schema.ts';
import { checkLimit, type Guard } from './store-errors.ts';

/** Which engine's index to query. */
export type SearchDialect = 'sqlite' | 'postgres';

/** A row of the search query. */
interface HitRow {
  readonly room_id: string;
  readonly room_name: string;
  readonly seq: number | string;
  readonly sender_id: string;
  readonly sender_name: string;
  readonly created_at: number | string;
  readonly body: string;
}

/** `terms` as one FTS5 query: each an FTS5 string, the last a prefix, all required. */
export function fts5Query(terms: readonly string[]): string {
  return terms.map((t, i) => `"${t.replaceAll('"', '""')}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
}

/** `terms` as one `to_tsquery` text: each a quoted lexeme, the last a prefix, all required. */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t, i) => `'${t.replaceAll('\\', '\\\\').replaceAll("'", "''")}'${i === terms.length - 1 ? ':*' : ''}`).join(' & ');
}

/** Each dialect's matches for `terms`: the index joined to the message as `events e`, and the match condition. */
function matches(dialect: SearchDialect, terms: readonly string[]): { from: RawBuilder<unknown>; match: RawBuilder<unknown> } {
  return dialect === 'sqlite'
    ? { from: sql`message_search s join message_search_docs d on d.id = s.rowid join events e on e.room_id = d.room_id and e.seq = d.seq`, match: sql`message_search match ${fts5Query(terms)}` }
    : { from: sql`message_search s join events e on e.room_id = s.room_id and e.seq = s.seq`, match: sql`s.vector @@ to_tsquery('simple', ${tsQuery(terms)})` };
}

/** Refuse a NUL character in a text parameter (PostgreSQL text cannot hold one; no id has one). */
function refuseNul(field: string, value: string | undefined): void {
  if (value?.includes('\u0000')) throw new ParleyError('VALIDATION_FAILED', `${field} contains a NUL character`, { details: { field } });
}

/** Build the search over `db`; every call follows the error rules of `store-errors.ts`. */
export function createSearchStore(db: Kysely<Database>, dialect: SearchDialect, guard: Guard): SearchStore {
  return {
    /** See the port. */
    messages: (query: MessageSearch) =>
      guard(async () => {
        checkLimit(query.limit);
        const terms = searchTerms(query.text);
        refuseNul('userId', query.userId);
        refuseNul('roomId', query.roomId);
        refuseNul('senderId', query.senderId);
        if (query.before !== undefined) refuseNul('before', query.before.roomId);
        const filters: RawBuilder<unknown>[] = [];
        if (query.roomId !== undefined) filters.push(sql`and e.room_id = ${query.roomId}`);
        if (query.senderId !== undefined) filters.push(sql`and e.sender_id = ${query.senderId}`);
        if (query.from !== undefined) filters.push(sql`and e.created_at >= ${query.from}`);
        if (query.to !== undefined) filters.push(sql`and e.created_at <= ${query.to}`);
        const { before } = query;
        if (before !== undefined) filters.push(sql`and (e.created_at, e.room_id, e.seq) < (${before.createdAt}, ${before.roomId}, ${before.seq})`);
        const { from, match } = matches(dialect, terms);
        const { rows } = await sql<HitRow>`
          select e.room_id, r.name as room_name, e.seq, e.sender_id, e.sender_name, e.created_at, e.body
          from ${from}
          join rooms r on r.id = e.room_id and r.e2ee = 0
          where ${match}
            and e.type = 'message' and e.deleted_at is null
            and exists (select 1 from members m where m.room_id = e.room_id and m.user_id = ${query.userId})
            ${filters.reduce((all, f) => sql`${all} ${f}`, sql``)}
          order by e.created_at desc, e.room_id desc, e.seq desc
          limit ${query.limit + 1}`.execute(db);
        return { hits: rows.slice(0, query.limit).map(toHit), hasMore: rows.length > query.limit };
      }),
  };
}

/** Row → port record (PostgreSQL may answer `bigint` columns as strings in raw queries). */
function toHit(row: HitRow): SearchHit {
  return { roomId: row.room_id, roomName: row.room_name, seq: Number(row.seq), senderId: row.sender_id, senderName: row.sender_name, createdAt: Number(row.created_at), body: row.body };
}
