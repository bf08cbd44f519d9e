/**
 * Plaintext body cleaning (src/core/sanitize.ts): markup as a browser's HTML tokenizer sees it is
 * removed, everything else — text, `<` that starts no tag, whitespace, entities — stays byte for
 * byte, and no input can leave markup behind. Over the wire: test/transports/http/moderation.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripHtml } from '../../src/core/sanitize.ts';

/** [input, expected] pairs, checked one by one so a failure names its case. */
function check(cases: ReadonlyArray<readonly [string, string]>): void {
  for (const [input, expected] of cases) assert.equal(stripHtml(input), expected, JSON.stringify(input));
}

test('tags are removed and the visible text between them is kept; script and style lose their contents too', () => {
  check([
    ['<b>hi</b> & <script>x</script>', 'hi & '],
    ['<p>one</p><p>two</p>', 'onetwo'],
    ['<a href="https://example.com" title=\'x\'>link</a>', 'link'],
    ['<IMG SRC=x ONERROR=alert(1)>after', 'after'],
    ['<br/>line<hr />', 'line'],
    ['<SCRIPT>alert(1)</ScRiPt>visible', 'visible'],
    ['<style>p { color: red }</style >text', 'text'],
    ['<textarea>shown text</textarea>', 'shown text'],
  ]);
});

test('text that starts no tag stays exactly as typed: comparisons, hearts, emoji, whitespace and every entity', () => {
  check([
    ['1 < 2 and 3 > 2', '1 < 2 and 3 > 2'],
    ['I <3 you <-- arrow', 'I <3 you <-- arrow'],
    ['&amp; &lt;b&gt; &nbsp; &#60;script&#62; &unknown;', '&amp; &lt;b&gt; &nbsp; &#60;script&#62; &unknown;'],
    ['  indented\n\ttabbed  ', '  indented\n\ttabbed  '],
    ['héllo 👋 世界', 'héllo 👋 世界'],
    ['a <', 'a <'],
    ['x <= y', 'x <= y'],
  ]);
  const plain = 'no markup at all';
  assert.equal(stripHtml(plain), plain);
});

test('a > inside a quoted attribute value does not end the tag', () => {
  check([
    ['<a title="a>b">text</a>', 'text'],
    ["<a title='a>b' href = \"c>d\">text</a>", 'text'],
    ['<i onclick="a>b">3</i>', '3'],
  ]);
});

test('comments, doctypes, processing instructions and other bogus comments are removed whole', () => {
  check([
    ['a<!-- hidden -->b', 'ab'],
    ['a<!-- x --!>b', 'ab'],
    ['a<!-->b<!--->c', 'abc'],
    ['<!DOCTYPE html>text', 'text'],
    ['<?xml version="1.0"?>text', 'text'],
    ['a<![CDATA[x]]>b', 'ab'],
    ['a</ x>b', 'ab'],
    ['a</>b', 'ab'],
  ]);
});

test('markup left open at the end is dropped to the end, as a browser drops it', () => {
  check([
    ['hello <b', 'hello '],
    ['hello <a href="x', 'hello '],
    ['hello <!-- never closed', 'hello '],
    ['hello <script>alert(1)', 'hello '],
  ]);
});

test('removing markup never leaves markup behind, however the pieces are nested', () => {
  check([
    ['<<b>script>alert(1)<</b>/script>', ''],
    ['<scr<b>ipt>x', 'ipt>x'],
    ['<<<b>b>i>>text', '>text'],
    ['<sc<!-- -->ript>x</script>', 'ript>x'],
  ]);
  for (const input of ['<<b>i>x', '<<<a>a>a>', '<</b>b>', '<!<!-- -->-- x -->y', '<<script>script>alert(1)</script>']) {
    const output = stripHtml(input);
    assert.doesNotMatch(output, /<[A-Za-z/!?]/, `${JSON.stringify(input)} → ${JSON.stringify(output)}`);
  }
});
