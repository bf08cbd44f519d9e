/**
 * Search text into words (src/protocol/search.ts, issue 13): runs of letters, digits and combining
 * marks holding a letter or digit, NFKC-normalised and lowercased; everything else separates words;
 * no word, too many words or too long a text is VALIDATION_FAILED naming `q`. Positions round-trip
 * through the core's encoding and anything else is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyError, SEARCH_TERMS_MAX, SEARCH_TEXT_MAX_CHARS, searchTerms } from '../../src/protocol/index.ts';
import { decodePosition, encodePosition } from '../../src/core/search.ts';

/** Matcher: VALIDATION_FAILED naming `field`. */
const invalid = (field: string) => (err: unknown) => err instanceof ParleyError && err.code === 'VALIDATION_FAILED' && err.details?.field === field;

test('words are runs of letters and digits, lowercased and NFKC-normalised; operators and punctuation are separators or plain words', () => {
  assert.deepEqual(searchTerms('Hello, "World"!'), ['hello', 'world']);
  assert.deepEqual(searchTerms('body:near* AND (x OR y) NOT ^z'), ['body', 'near', 'and', 'x', 'or', 'y', 'not', 'z']);
  assert.deepEqual(searchTerms('Ｆｕｌｌｗｉｄｔｈ ﬁle'), ['fullwidth', 'file'], 'compatibility forms fold to their plain letters');
  assert.deepEqual(searchTerms('cafe\u0301 naïve'), ['café', 'naïve'], 'a decomposed accent joins its letter');
  assert.deepEqual(searchTerms('hindi हिन्दी 東京タワー 2026'), ['hindi', 'हिन्दी', '東京タワー', '2026'], 'marks stay inside words; CJK runs are one word');
  assert.deepEqual(searchTerms('😀 ship 🎉it'), ['ship', 'it']);
});

test('a text without a word, longer than the limit or with too many words is VALIDATION_FAILED naming q', () => {
  for (const text of ['', '   ', '"*()^:', '😀🎉', '\u0301\u0301', '\u0000']) assert.throws(() => searchTerms(text), invalid('q'), JSON.stringify(text));
  assert.throws(() => searchTerms('a'.repeat(SEARCH_TEXT_MAX_CHARS + 1)), invalid('q'));
  assert.equal(searchTerms('a'.repeat(SEARCH_TEXT_MAX_CHARS)).length, 1);
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
  assert.equal(searchTerms(words(SEARCH_TERMS_MAX)).length, SEARCH_TERMS_MAX);
  assert.throws(() => searchTerms(words(SEARCH_TERMS_MAX + 1)), invalid('q'));
});

test('a position round-trips; anything else is VALIDATION_FAILED naming before', () => {
  const position = { createdAt: 1_700_000_000_123, roomId: 'room_1-a', seq: 42 };
  assert.deepEqual(decodePosition(encodePosition(position)), position);
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const text of ['', 'not base64 json', forged({ createdAt: 1, roomId: 'r', seq: 1 }), forged([1, 'r']), forged([1.5, 'r', 1]), forged([1, 'bad id!', 1]), forged([1, 'r', '1'])]) {
    assert.throws(() => decodePosition(text), invalid('before'), text);
  }
});
