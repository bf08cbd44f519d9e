/**
 * The picker's emoji set (web/src/emoji-data.ts, issue 12): small, each emoji once under one name,
 * and holding the quick reactions, so a person can find those by name too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMOJI_CATEGORIES } from '../../web/src/emoji-data.ts';
import { QUICK_REACTIONS } from '../../web/src/reaction-bar.ts';

const all = EMOJI_CATEGORIES.flatMap((category) => category.emoji);

test('the set is a few hundred emoji, each once, each with its own name', () => {
  assert.ok(all.length >= 200 && all.length <= 400, `${all.length} emoji`);
  assert.deepEqual(all.map((e) => e.char).filter((char, i, chars) => chars.indexOf(char) !== i), [], 'no emoji twice');
  assert.deepEqual(all.map((e) => e.name).filter((name, i, names) => names.indexOf(name) !== i), [], 'no name twice');
  for (const emoji of all) assert.match(emoji.name, /^\S.*\S$/, `the name of ${emoji.char}`);
  for (const emoji of all) assert.doesNotMatch(emoji.char, /[\s\u200d]|[\u{1f1e6}-\u{1f1ff}]/u, `${emoji.name} is one glyph: no space, joiner or flag`);
});

test('every category is named and shows one of its own emoji on its tab; the quick reactions are all in the set', () => {
  for (const category of EMOJI_CATEGORIES) {
    assert.ok(category.name !== '' && category.emoji.length > 0);
    assert.ok(category.emoji.some((e) => e.char === category.icon), `${category.name}'s tab`);
  }
  for (const key of QUICK_REACTIONS) assert.ok(all.some((e) => e.char === key), `${key} is in the set`);
});
