/**
 * Display names people can trust (issue 11): the one rule for every way a display name enters
 * Parley — `POST /api/v1/join`, account registration, `parley accounts create --name`, an
 * integrator token's `name` claim and an embed ticket's `displayName`.
 *
 * A name is trimmed, normalised to NFC (so a decomposed `é` and a composed one are the same name),
 * and then refused when it holds a character that can make it look like something it is not:
 * - control characters (Unicode category Cc: line breaks, tabs, …) and the line and paragraph
 *   separators U+2028 and U+2029;
 * - bidirectional overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069,
 *   U+200E, U+200F, U+061C), which reorder what is shown (Unicode TR #9; CVE-2021-42574);
 * - zero-width characters (U+200B, U+200C, U+2060, U+FEFF, U+180E), which make two names that
 *   look alike differ. U+200D ZERO WIDTH JOINER is allowed only between two emoji (as in the family
 *   emoji 👨‍👩‍👧, Unicode TS #51 ZWJ sequences), where it is part of the picture.
 * Its length is 1–64 characters counted as Unicode code points after normalisation: an emoji such
 * as 😀 counts 1, the family emoji above counts 5.
 */
import { z } from 'zod';

/** Most code points in a display name. */
export const DISPLAY_NAME_MAX_CHARS = 64;

/** Control characters (Cc) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
/** Bidirectional formatting characters (TR #9 §2): embeddings, overrides, isolates and marks. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/** Zero-width characters, but not U+200D (see {@link EMOJI_JOINER}). */
const ZERO_WIDTH = /[\u200B\u200C\u2060\uFEFF\u180E]/u;
/**
 * A U+200D that joins two emoji: after an emoji (optionally with its presentation selector U+FE0F
 * or a skin tone modifier) and before another.
 */
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)\u200D(?=\p{Extended_Pictographic})/gu;

/** `U+XXXX` for the first code point of `match`. */
function codePoint(match: string): string {
  return `U+${(match.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The reason `name` (trimmed, NFC) is refused, or undefined when it is a valid display name. */
export function displayNameProblem(name: string): string | undefined {
  const length = [...name].length;
  if (length === 0) return 'name must not be empty';
  if (length > DISPLAY_NAME_MAX_CHARS) return `name must be at most ${DISPLAY_NAME_MAX_CHARS} characters (it has ${length})`;
  const control = CONTROL.exec(name);
  if (control !== null) return `name must not contain control characters such as line breaks or tabs (found ${codePoint(control[0])})`;
  const bidi = BIDI.exec(name);
  if (bidi !== null) return `name must not contain bidirectional text controls, which reorder how it is shown (found ${codePoint(bidi[0])})`;
  const zeroWidth = ZERO_WIDTH.exec(name) ?? /\u200D/u.exec(name.replace(EMOJI_JOINER, ''));
  if (zeroWidth !== null) return `name must not contain invisible zero-width characters (found ${codePoint(zeroWidth[0])}); a zero width joiner is allowed only between two emoji`;
  return undefined;
}

/**
 * A display name: trimmed, NFC, 1–64 code points, without control, bidirectional or zero-width
 * characters (a zero width joiner only between emoji); see the module comment. Parses to the
 * trimmed NFC form; a refusal's issue message says why.
 */
export const DisplayName = z
  .string()
  .trim()
  .normalize('NFC')
  .superRefine((name, ctx) => {
    const problem = displayNameProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    id: 'DisplayName',
    description: 'A display name: surrounding whitespace is trimmed and it is normalised to NFC; then 1–64 characters (Unicode code points), without control characters (line breaks, tabs), bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) or zero-width characters (U+200B, U+200C, U+2060, U+FEFF, U+180E; U+200D only between two emoji).',
  });
export type DisplayName = z.infer<typeof DisplayName>;

/**
 * The key under which display names are unique among a room's current members (issue 11):
 * `name.normalize('NFC').toLowerCase()`. A simple case fold: "Alex", "ALEX" and "alex" share a key,
 * as do a composed and a decomposed "é". It uses JavaScript's locale-independent full lowercase
 * mapping (Unicode `Lowercase_Mapping`), the same on every server, rather than a locale's rules
 * (Turkish dotless i) or full case folding (ß stays distinct from "ss"). Look-alike letters from
 * other scripts (Cyrillic "а" for Latin "a") are not folded together. Stored by the Store as
 * `members.name_key`; the migration that backfilled existing rows spells the same fold out.
 */
export function displayNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
