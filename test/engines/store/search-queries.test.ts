/**
 * Search text is never query syntax (issue 13, Search proof): 1,000 generated hostile texts — FTS5
 * and tsquery operators (AND, OR, NOT, NEAR, `&`, `|`, `!`, `<->`, `:*`), quotes, `*`, `^`, `:`,
 * parentheses, column filters, backslashes, NUL and other control characters, combining marks,
 * emoji, CJK, very long words, empty and blank texts — against the SQLite and the PostgreSQL store
 * (src/engines/store/search.ts). Each search either answers or fails with VALIDATION_FAILED, and
 * never with anything else. Needs PostgreSQL (test/support/services.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openSqliteStore, sqliteFile } from '../../../src/engines/store/sqlite.ts';
import { openPostgresStore } from '../../../src/engines/store/postgres.ts';
import { ParleyError } from '../../../src/protocol/errors.ts';
import type { Store } from '../../../src/core/ports/store.ts';
import { createPostgresSchema, requirePostgres } from '../../support/services.ts';
import { roomWithAlice, sampleMessage } from '../../support/store-records.ts';

/** Pieces that mean something to FTS5, tsquery or SQL, and awkward Unicode. */
const PIECES = [
  'AND', 'OR', 'NOT', 'NEAR', 'NEAR(', 'near/2', '"', '""', "'", "''", '*', '^', ':', '::', '(', ')', '{', '}', '[', ']',
  'body:', '{body}:', 'message_search', '-', '+', '\\', '\\"', '&', '|', '!', '<->', '<2>', ':*', ':A', '%', '_', ';', '--', '/*',
  '\u0000', '\u0001', '\u007f', ' ', '\t', '\n', '\r\n', '\u00a0', '\u200b', '\u200d', '\ufeff', '\u202e', '\u2028',
  'é', 'e\u0301', '\u0301', '\u0301\u0301', 'ß', 'İ', 'ǅ', '½', 'Ⅻ', '①', '٣', '東京', 'タワー', 'ελλη', 'привет', 'עברית', 'ﷺ',
  '😀', '👨‍👩‍👧', '🏳️‍🌈', '\ud83d', '\udc00', 'hello', 'wor', 'x'.repeat(300), 'ab'.repeat(60),
];

/** A hostile search text: pieces and arbitrary strings, joined with or without spaces. */
const hostileText = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 24 }).chain((parts) =>
    fc.constantFrom(parts.join(''), parts.join(' ')),
  ),
  fc.string({ unit: 'binary', maxLength: 260 }),
  fc.constantFrom('', ' ', '\t\n', '""', '"*"', '*', 'NEAR(a b, 2)', 'body:hello', 'hello OR wor*', '(hello)', "'hello':*", 'hello & !wor', 'a'.repeat(201)),
);

/** Search `text` 1,000 times over a store holding messages that look like query syntax. */
async function hostileSearches(store: Store): Promise<void> {
  await roomWithAlice(store, 'r');
  const bodies = ['hello world', 'NEAR OR AND NOT', '"quoted" *star* ^caret body:col (paren)', 'Grüße 東京タワー 😀 e\u0301', "it's a back\\slash"];
  for (const [i, body] of bodies.entries()) await store.timeline.append(sampleMessage('r', i + 1, { body }));
  let answered = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(hostileText, async (text) => {
      try {
        const page = await store.search.messages({ userId: 'alice', text, limit: 5 });
        assert.ok(page.hits.every((h) => h.roomId === 'r'));
        answered += 1;
      } catch (err) {
        assert.ok(err instanceof ParleyError, `not a ParleyError for ${JSON.stringify(text)}: ${String(err)}`);
        assert.equal(err.code, 'VALIDATION_FAILED', `${JSON.stringify(text)}: ${err.message} ${String(err.cause ?? '')}`);
        refused += 1;
      }
    }),
    { numRuns: 1000 },
  );
  assert.equal(answered + refused, 1000);
  assert.ok(answered > 100 && refused > 100, `both outcomes occur (answered ${answered}, refused ${refused})`);
}

const url = await requirePostgres();

describe('hostile search texts', () => {
  test('SQLite: 1,000 generated texts each answer or fail with VALIDATION_FAILED', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-search-'));
    const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 64 });
    try {
      await hostileSearches(store);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  if (url !== undefined) {
    test('PostgreSQL: 1,000 generated texts each answer or fail with VALIDATION_FAILED', async () => {
      await using schema = await createPostgresSchema(url);
      const store = await openPostgresStore({ url, schema: schema.name, groupCommitMaxBatch: 64 });
      try {
        await hostileSearches(store);
      } finally {
        await store.close();
      }
    });
  }
});
