/**
 * Full-text message search (issue 13, Search): `GET /api/v1/search` over the plaintext rooms the
 * caller is a member of, and the one rule turning what a person typed into search terms.
 *
 * Typed text is never handed to a search engine as query syntax: {@link searchTerms} keeps only
 * words — runs of Unicode letters, digits and combining marks holding at least one letter or digit —
 * NFKC-normalised and lowercased. Everything else (quotes, `*`, `^`, `:`, parentheses, `-`, emoji,
 * punctuation) separates words, so operators such as AND, OR, NOT and NEAR are plain words. Every
 * word must occur in a message; the last one also matches as a prefix (`hel` finds "hello").
 */
import { z } from 'zod';
import { ParleyError } from './errors.ts';
import { RoomId } from './ids.ts';

/** Longest search text, in characters. */
export const SEARCH_TEXT_MAX_CHARS = 200;

/** Most words one search may hold. */
export const SEARCH_TERMS_MAX = 16;

/** A word: letters, digits and combining marks, holding at least one letter or digit. */
const WORD = /[\p{L}\p{N}\p{M}]*[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/**
 * The words of `text`, in order, NFKC-normalised and lowercased (duplicates kept: the last word is
 * the prefix). @throws ParleyError `VALIDATION_FAILED` (details.field = 'q') when `text` is longer
 * than {@link SEARCH_TEXT_MAX_CHARS}, holds no word, or more than {@link SEARCH_TERMS_MAX} words.
 */
export function searchTerms(text: string): string[] {
  if (text.length > SEARCH_TEXT_MAX_CHARS) throw invalid(`Search text may have at most ${SEARCH_TEXT_MAX_CHARS} characters`);
  const terms = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
  if (terms.length === 0) throw invalid('Search for at least one word of letters or digits');
  if (terms.length > SEARCH_TERMS_MAX) throw invalid(`Search for at most ${SEARCH_TERMS_MAX} words`);
  return terms;
}

/** A `VALIDATION_FAILED` naming the search text. */
function invalid(message: string): ParleyError {
  return new ParleyError('VALIDATION_FAILED', message, { details: { field: 'q', issues: [{ path: 'querystring.q', message }] } });
}

/** A search result's place in the newest-first order: send it back as `before` for the next page. Opaque. */
export const SearchPosition = z.string().min(1).max(200).describe('Opaque place of a result in the newest-first order; pass a result\'s `position` as `before` to get the results after it.');

/** `GET /api/v1/search` query. */
export const SearchQuery = z
  .object({
    q: z.string().min(1, 'q must not be empty').max(SEARCH_TEXT_MAX_CHARS).describe(`Words to find (every word must occur; the last also as a prefix), at most ${SEARCH_TEXT_MAX_CHARS} characters and ${SEARCH_TERMS_MAX} words. Punctuation and operators are plain separators.`),
    roomId: RoomId.optional().describe('Only this room (you must be a member; an end-to-end encrypted or relay room answers NOT_SEARCHABLE).'),
    senderId: z.string().min(1).max(200).optional().describe('Only messages from this user id.'),
    from: z.coerce.number().int().min(0).optional().describe('Only messages sent at or after this time (Unix ms).'),
    to: z.coerce.number().int().min(0).optional().describe('Only messages sent at or before this time (Unix ms).'),
    before: SearchPosition.optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20).describe('Page size.'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type SearchQuery = z.infer<typeof SearchQuery>;

/** One message found: where it is (room and seq, to open it in context) and the body as it stands now. */
export const SearchResult = z
  .object({
    roomId: z.string(),
    roomName: z.string(),
    seq: z.number().int().describe('The message\'s seq in its room: open the room\'s history around it.'),
    senderId: z.string(),
    senderName: z.string(),
    createdAt: z.number().int().describe('Unix ms.'),
    body: z.string().describe('The text as it stands now (after edits); show it as text, never HTML.'),
    position: SearchPosition,
  })
  .meta({ id: 'SearchResult' });
export type SearchResult = z.infer<typeof SearchResult>;

/** `GET /api/v1/search`: matching messages, newest first (by `createdAt`, then room id and seq). */
export const SearchResponse = z
  .object({
    results: z.array(SearchResult),
    hasMore: z.boolean().describe('True when more results follow; ask again with `before` = the last result\'s `position`.'),
  })
  .meta({ id: 'SearchResponse' });
export type SearchResponse = z.infer<typeof SearchResponse>;
