/**
 * Display names (src/protocol/names.ts, issue 11): trimmed and NFC-normalised; control,
 * bidirectional and zero-width characters are refused with a message that says why; a zero width
 * joiner is allowed between emoji; length is 1–64 code points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisplayName } from '../../src/protocol/index.ts';

/** The single issue message for refusing `name`. */
function refusal(name: string): string {
  const parsed = DisplayName.safeParse(name);
  assert.equal(parsed.success, false, `${JSON.stringify(name)} must be refused`);
  const messages = parsed.error?.issues.map((i) => i.message) ?? [];
  assert.equal(messages.length, 1, JSON.stringify(messages));
  return messages[0] as string;
}

test('a name is trimmed and normalised to NFC: a decomposed é and a composed one give the same name', () => {
  assert.equal(DisplayName.parse('  Ada Lovelace \t'), 'Ada Lovelace');
  const decomposed = 'Rene\u0301e';
  const composed = 'Ren\u00e9e';
  assert.notEqual(decomposed, composed);
  assert.equal(DisplayName.parse(decomposed), composed);
  assert.equal(DisplayName.parse(composed), composed);
});

test('ordinary names in any script, with punctuation and emoji, are accepted as typed', () => {
  for (const name of ['Ada', 'ALEX', 'o\'Brien-Smith Jr.', 'Zoë', '李小龍', 'Дмитрий', 'محمد', 'שרה', '😀', 'Sam 🚀', 'Vec<String>']) assert.equal(DisplayName.parse(name), name);
});

test('control characters (Cc) are refused: line breaks, tabs, NUL, DEL and C1 controls, also the Unicode line and paragraph separators', () => {
  for (const c of ['\n', '\r', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029']) {
    assert.match(refusal(`Ada${c}Admin`), /control characters/, JSON.stringify(c));
  }
  assert.match(refusal('Ada\nAdmin'), /U\+000A/, 'the message names the character');
});

test('bidirectional overrides, embeddings, isolates and marks are refused', () => {
  for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
    const message = refusal(`Ada${String.fromCodePoint(code)}nimda`);
    assert.match(message, /bidirectional/);
    assert.ok(message.includes(`U+${code.toString(16).toUpperCase().padStart(4, '0')}`), message);
  }
});

test('zero-width characters are refused, and so is a zero width joiner that does not join two emoji', () => {
  for (const code of [0x200b, 0x200c, 0x2060, 0xfeff, 0x180e]) {
    assert.match(refusal(`Ad${String.fromCodePoint(code)}a`), /zero-width/, code.toString(16));
  }
  for (const name of ['Ad\u200Da', '\u{1F468}\u200Da', 'a\u200D\u{1F469}', '\u{1F468}\u200D', '\u200D\u{1F469}', '\u{1F468}\u200D\u200D\u{1F469}']) {
    assert.match(refusal(name), /U\+200D/, JSON.stringify(name));
  }
});

test('a zero width joiner between emoji is accepted: family, skin tone and presentation-selector sequences', () => {
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 👨‍👩‍👧
  const coder = '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}'; // 👩🏽‍💻
  const heartOnFire = '\u2764\uFE0F\u200D\u{1F525}'; // ❤️‍🔥
  const rainbowFlag = '\u{1F3F3}\uFE0F\u200D\u{1F308}'; // 🏳️‍🌈
  for (const name of [family, coder, heartOnFire, rainbowFlag, `Sam ${family}`]) assert.equal(DisplayName.parse(name), name);
});

test('length is 1–64 characters counted in code points after normalisation: an emoji counts 1', () => {
  assert.match(refusal(''), /must not be empty/);
  assert.match(refusal(' \t '), /must not be empty/);
  assert.equal(DisplayName.parse('x'), 'x');
  assert.equal(DisplayName.parse('a'.repeat(64)), 'a'.repeat(64));
  assert.match(refusal('a'.repeat(65)), /at most 64 characters/);
  const emoji = '\u{1F600}'.repeat(64); // 128 UTF-16 code units, 64 code points
  assert.equal(DisplayName.parse(emoji), emoji);
  assert.match(refusal('\u{1F600}'.repeat(65)), /at most 64 characters \(it has 65\)/);
  const decomposed = 'e\u0301'.repeat(64); // 128 code points as typed, 64 once composed
  assert.equal(DisplayName.parse(decomposed), '\u00e9'.repeat(64));
});
