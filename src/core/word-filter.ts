/**
 * The word filter of plaintext rooms (issue: abuse resistance — moderation; settings
 * `PARLEY_WORD_FILTER` and `PARLEY_WORD_FILTER_MODE`). Never applied to e2ee rooms.
 *
 * Matching rules:
 * - whole words: a listed word matches where it is not preceded or followed by a letter, a
 *   combining mark, a digit or `_` (Unicode categories L, M, N), so `ass` does not match `class`
 *   and `idiot` matches in `idiot!` and `(idiot)`. Scripts written without spaces (Chinese,
 *   Japanese, Thai) therefore match a listed word only where it stands apart;
 * - case-insensitive by Unicode simple case folding (`É` matches `é`, `K` matches `k`);
 * - both the list and the body are compared in Unicode NFC, so a precomposed `é` and `e` + U+0301
 *   match each other;
 * - a listed entry may hold spaces (a phrase); the longest entry wins where entries overlap.
 * It is a list, not a classifier: spellings not listed (`1d10t`, `i d i o t`) pass.
 *
 * Modes: `block` refuses a message with any match; `mask` replaces each match with as many `*`
 * as it has characters (code points). A body without matches is returned unchanged.
 */

/** `block` refuses a matching message; `mask` stars out each match. */
export type WordFilterMode = 'block' | 'mask';

/** What the filter made of a body. */
export type WordFilterResult = { readonly blocked: false; readonly text: string } | { readonly blocked: true };

/** Word characters around which a match may not sit (see the module comment). */
const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}_]`;

/** A word list and its mode, compiled once into one Unicode-aware pattern (see the module comment). */
export class WordFilter {
  readonly #pattern: RegExp | undefined;
  readonly #mode: WordFilterMode;

  /**
   * @param words the listed words or phrases (empty entries are ignored; an empty list filters nothing).
   * @param mode what a match does.
   */
  constructor(words: readonly string[], mode: WordFilterMode) {
    this.#mode = mode;
    const entries = [...new Set(words.map((w) => w.trim().normalize('NFC')).filter((w) => w !== ''))].sort((a, b) => b.length - a.length);
    this.#pattern = entries.length === 0 ? undefined : new RegExp(`(?<!${WORD_CHAR})(?:${entries.map(escapeRegExp).join('|')})(?!${WORD_CHAR})`, 'giu');
  }

  /** Whether any word is listed. */
  get enabled(): boolean {
    return this.#pattern !== undefined;
  }

  /** Apply the filter to `text`: unchanged when nothing matches, else blocked or masked (in NFC). */
  apply(text: string): WordFilterResult {
    const pattern = this.#pattern;
    if (pattern === undefined) return { blocked: false, text };
    const normalized = text.normalize('NFC');
    pattern.lastIndex = 0;
    if (!pattern.test(normalized)) return { blocked: false, text };
    if (this.#mode === 'block') return { blocked: true };
    return { blocked: false, text: normalized.replace(pattern, (match) => '*'.repeat(Array.from(match).length)) };
  }
}

/** `text` as a literal in a `u`-mode pattern (which allows escaping only syntax characters and `/`). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
