/**
 * The word filter (src/core/word-filter.ts): whole words, any case, Unicode-aware, phrases; block
 * refuses, mask stars out each match; no listed word, no change. Over the wire:
 * test/transports/http/moderation.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordFilter } from '../../src/core/word-filter.ts';

const mask = (words: string[], text: string) => {
  const result = new WordFilter(words, 'mask').apply(text);
  assert.equal(result.blocked, false);
  return result.blocked ? '' : result.text;
};

test('only whole words match: not inside longer words, not next to digits or underscores', () => {
  assert.equal(mask(['ass'], 'class ass assassin ass!'), 'class *** assassin ***!');
  assert.equal(mask(['idiot'], 'idiots idiot1 _idiot idiot. (idiot)'), 'idiots idiot1 _idiot *****. (*****)');
  assert.equal(mask(['straße'], 'Straßenbahn straße'), 'Straßenbahn ******');
});

test('matching ignores case by Unicode case folding and compares in NFC', () => {
  assert.equal(mask(['darn'], 'DARN Darn dArN'), '**** **** ****');
  assert.equal(mask(['ärger'], 'ÄRGER'), '*****');
  assert.equal(mask(['café'], 'CAFE\u0301!'), '****!');
  assert.equal(mask(['cafe\u0301'], 'café'), '****');
  assert.equal(mask(['ΣΟΦΊΑ'], 'σοφία'), '*****');
});

test('a mask has one star per character (code point), and phrases and entries with symbols match literally', () => {
  assert.equal(mask(['😀bad'], 'so 😀bad'), 'so ****');
  assert.equal(mask(['bad word'], 'a bad word, a bad  word'), 'a ********, a bad  word');
  assert.equal(mask(['c++', 'a.b'], 'c++ and aXb and a.b'), '*** and aXb and ***');
  assert.equal(mask(['darn', 'darn it'], 'darn it'), '*******', 'the longest entry wins');
});

test('block mode refuses any match and passes text without one unchanged', () => {
  const filter = new WordFilter(['darn'], 'block');
  assert.deepEqual(filter.apply('oh DARN'), { blocked: true });
  assert.deepEqual(filter.apply('darning'), { blocked: false, text: 'darning' });
  const decomposed = 'cafe\u0301 darning';
  assert.equal((filter.apply(decomposed) as { text: string }).text, decomposed, 'text without a match is returned as given, not normalised');
});

test('an empty list or blank entries filter nothing', () => {
  for (const words of [[], ['', '  ']]) {
    const filter = new WordFilter(words, 'block');
    assert.equal(filter.enabled, false);
    assert.deepEqual(filter.apply('anything at all'), { blocked: false, text: 'anything at all' });
  }
});
