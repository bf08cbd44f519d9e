/**
 * Plaintext body cleaning (DESIGN.md, delivery path step 3; issue: abuse resistance — moderation):
 * HTML markup is removed, the text around it is kept exactly as typed. Never applied to e2ee rooms,
 * whose bodies are ciphertext.
 *
 * What counts as markup follows the HTML tokenizer (WHATWG HTML §13.2.5), so that what a browser
 * would take for a tag is exactly what is removed:
 * - a tag: `<` directly followed by an ASCII letter, or `</` followed by one, up to its `>`;
 *   a `>` inside a quoted attribute value does not end it;
 * - a comment `<!-- … -->` (also `--!>`, and the abrupt `<!-->`, `<!--->`), and the "bogus
 *   comments" `<!…>`, `<?…>` and `</` + non-letter `…>`; `</>` is dropped;
 * - `<script>` and `<style>` with their contents (raw text, never visible);
 * - markup left open at the end of the body (`hello <b`) is dropped to the end, as a browser does.
 *
 * Everything else is text and is kept byte for byte: a `<` not followed by a letter, `/`, `!` or
 * `?` (`1 < 2`, `<3`), whitespace, and entities. No entity is decoded: `&amp;` stays `&amp;` and
 * `&lt;b&gt;` stays as typed, because clients show bodies as text (a decoded `&lt;` would turn
 * text into markup for a client that did not). Removing one tag can join two pieces of text into
 * a new tag (`<<b>i>`), so stripping repeats until nothing changes: the result holds no markup.
 */

/** Elements whose contents are raw text that a browser never shows. */
const HIDDEN_RAW_TEXT = ['script', 'style'] as const;

/** The start of each one's end tag, found from `lastIndex` on. */
const RAW_TEXT_CLOSE: Readonly<Record<(typeof HIDDEN_RAW_TEXT)[number], RegExp>> = { script: /<\/script/gi, style: /<\/style/gi };

/**
 * `text` without HTML markup (see the module comment for the exact rules). Returns `text` itself
 * when it has no `<`. Runs in time linear in the length per pass; a pass that removes nothing ends.
 */
export function stripHtml(text: string): string {
  let current = text;
  for (;;) {
    if (!current.includes('<')) return current;
    const next = stripOnce(current);
    if (next === current) return current;
    current = next;
  }
}

function stripOnce(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt === -1) return out + text.slice(i);
    out += text.slice(i, lt);
    const end = markupEnd(text, lt);
    if (end === lt) {
      out += '<';
      i = lt + 1;
    } else {
      i = end;
    }
  }
  return out;
}

/** Index just past the markup starting at `lt` (`text.length` when it runs to the end), or `lt` when `<` is text. */
function markupEnd(text: string, lt: number): number {
  const c1 = text.charCodeAt(lt + 1);
  if (isAsciiLetter(c1)) {
    const end = tagEnd(text, lt + 1);
    const name = tagName(text, lt + 1);
    const hidden = HIDDEN_RAW_TEXT.find((n) => n === name);
    return hidden === undefined || end >= text.length ? end : rawTextEnd(text, end, hidden);
  }
  if (c1 === 0x2f /* / */) {
    const c2 = text.charCodeAt(lt + 2);
    if (isAsciiLetter(c2)) return tagEnd(text, lt + 2);
    if (c2 === 0x3e /* > */) return lt + 3;
    return bogusCommentEnd(text, lt + 2);
  }
  if (c1 === 0x21 /* ! */) {
    if (text.startsWith('<!--', lt)) return commentEnd(text, lt + 4);
    return bogusCommentEnd(text, lt + 2);
  }
  if (c1 === 0x3f /* ? */) return bogusCommentEnd(text, lt + 1);
  return lt;
}

/** The lowercased tag name starting at `start`. */
function tagName(text: string, start: number): string {
  let end = start;
  while (end < text.length && !isNameEnd(text.charCodeAt(end))) end++;
  return text.slice(start, end).toLowerCase();
}

/**
 * Past the `>` that ends a tag whose name starts at `start`, honouring quoted attribute values
 * (a value is quoted when `"` or `'` follows the `=` after an attribute name, spaces allowed).
 */
function tagEnd(text: string, start: number): number {
  let i = start;
  let afterEquals = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x3e /* > */) return i + 1;
    if (afterEquals && (c === 0x22 /* " */ || c === 0x27) /* ' */) {
      const close = text.indexOf(text[i] as string, i + 1);
      if (close === -1) return text.length;
      i = close + 1;
      afterEquals = false;
      continue;
    }
    if (c === 0x3d /* = */) afterEquals = true;
    else if (!isSpace(c)) afterEquals = false;
    i++;
  }
  return text.length;
}

/** Past the end tag `</name` (followed by space, `/` or `>`) that closes raw text starting at `from`. */
function rawTextEnd(text: string, from: number, name: (typeof HIDDEN_RAW_TEXT)[number]): number {
  // ASCII case-insensitive, as the tokenizer compares tag names (no `u` flag: `ſ` is not an `s`).
  const closing = RAW_TEXT_CLOSE[name];
  closing.lastIndex = from;
  for (let match = closing.exec(text); match !== null; match = closing.exec(text)) {
    const after = match.index + match[0].length;
    if (after >= text.length || isNameEnd(text.charCodeAt(after))) return tagEnd(text, match.index + 2);
  }
  return text.length;
}

/** Past the end of a comment whose text starts at `from` (just after `<!--`). */
function commentEnd(text: string, from: number): number {
  if (text.startsWith('>', from)) return from + 1;
  if (text.startsWith('->', from)) return from + 2;
  const dashes = text.indexOf('--', from);
  for (let i = dashes; i !== -1; i = text.indexOf('--', i + 1)) {
    if (text.startsWith('-->', i)) return i + 3;
    if (text.startsWith('--!>', i)) return i + 4;
  }
  return text.length;
}

/** Past the first `>` from `from` (a bogus comment), or the end. */
function bogusCommentEnd(text: string, from: number): number {
  const gt = text.indexOf('>', from);
  return gt === -1 ? text.length : gt + 1;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Tab, line feed, form feed, carriage return, space: the tokenizer's whitespace. */
function isSpace(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

/** Characters that end a tag name: whitespace, `/`, `>`. */
function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x2f || c === 0x3e;
}
