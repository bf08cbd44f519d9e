/**
 * Clickable links in message text (issue 12): every `http://` or `https://` address in a body becomes
 * an `<a>` that opens in a new tab without handing the page to it (`rel="noopener noreferrer"`); the
 * rest stays plain text. Other schemes (`javascript:`, `data:`, `file:`…) are never linked. Nothing
 * is parsed as HTML: the link text is the address as typed, set as text.
 */
import { el } from './elements.ts';

/** An address: a scheme we link, then anything up to whitespace or a character that cannot end a URL here. */
const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the address it follows. */
const TRAILING = '.,;:!?\'")]}';

/** `text` as nodes: text nodes, and links for its http(s) addresses. */
export function linkify(text: string): Node[] {
  const nodes: Node[] = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = withoutTrailing(match[0]);
    const href = safeHref(address);
    if (href === undefined) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, address));
    from = match.index + address.length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}

/**
 * `address` without the punctuation that follows it in the sentence; a `)` that closes a `(` opened
 * inside the address stays (`https://en.wikipedia.org/wiki/Tea_(meal)`).
 */
function withoutTrailing(address: string): string {
  let end = address.length;
  const count = (c: string) => address.slice(0, end).split(c).length - 1;
  while (end > 0 && TRAILING.includes(address[end - 1] as string)) {
    if (address[end - 1] === ')' && count('(') >= count(')')) break;
    end -= 1;
  }
  return address.slice(0, end);
}

/** The address as an href when it parses as an http or https URL, else undefined. */
function safeHref(address: string): string | undefined {
  try {
    const url = new URL(address);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
