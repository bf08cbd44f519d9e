/**
 * The relative links of a Markdown file and the anchors its headings get on GitHub, for the check
 * that the docs link only to files and headings that exist (issue 12, "Newcomer polish").
 */

/** A link as written in a Markdown file: `[text](target)`, `![alt](target)` or `[label]: target`. */
export interface MarkdownLink {
  /** 1-based line of the link in its file. */
  readonly line: number;
  /** The target as written, e.g. `../docs/operations.md#limits` or `#embed-tickets`. */
  readonly target: string;
}

/**
 * The lines of `markdown` with fenced code blocks blanked, so that a `# comment` or `[x](y)` in a
 * code block does not count as Markdown. Line numbers are kept.
 */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    }
    return line;
  });
}

/** Every inline link, image and link reference definition of `markdown`, outside code blocks and code spans. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(markdown).forEach((prose, index) => {
    const line = index + 1;
    const text = prose.replace(/(`+)(?!`).*?(?<!`)\1(?!`)/g, (span) => span.replace(/[[\]()]/g, ' '));
    for (const match of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
      links.push({ line, target: (match[1] ?? '').replace(/^<(.*)>$/, '$1') });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
    if (definition !== null) links.push({ line, target: (definition[1] ?? '').replace(/^<(.*)>$/, '$1') });
  });
  return links;
}

/** Whether `target` points into the repository: not a URL with a scheme, not `//host`, not `mailto:`. */
export function isRelativeLink(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');
}

/**
 * GitHub's anchor for a heading's text (github-slugger): the rendered text lower-cased, punctuation
 * and symbols dropped (letters, marks, digits, `_`, `-` and spaces stay), each space a `-`.
 */
export function githubSlug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/**
 * Every anchor a link can name in `markdown` rendered on GitHub: each ATX or setext heading's slug,
 * with `-1`, `-2`… for repeats as GitHub numbers them, and every `id`/`name` of an HTML element.
 */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (text: string) => {
    const slug = githubSlug(text);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  };
  const lines = proseLines(markdown);
  lines.forEach((text, index) => {
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (atx !== null) add(atx[1] ?? '');
    else if (/^ {0,3}(=+|-+)\s*$/.test(text) && index > 0 && (lines[index - 1] ?? '').trim() !== '' && !/^\s*[|>-]/.test(lines[index - 1] ?? '')) add(lines[index - 1] ?? '');
    for (const match of text.matchAll(/<[a-z][^>]*\s(?:id|name)="([^"]+)"/gi)) anchors.add(match[1] ?? '');
  });
  return anchors;
}
