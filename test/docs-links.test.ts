/**
 * The docs link only to files and headings that exist (issue 12, "Newcomer polish"): every relative
 * link in README.md, docs/, examples/ and client/ Markdown names a file or folder of the repository,
 * and its `#anchor`, if any, names a heading of the Markdown file it points to (GitHub's slugs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { githubSlug, isRelativeLink, markdownAnchors, markdownLinks } from './support/markdown-links.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);

/** The `.md` files under `folder` (absolute), without node_modules and dist. */
function markdownFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** What is wrong with `target` written in the Markdown file `from`, or undefined when it resolves. */
function brokenReason(from: string, target: string): string | undefined {
  const hashAt = target.indexOf('#');
  const rawPath = (hashAt === -1 ? target : target.slice(0, hashAt)).replace(/\?.*$/, '');
  const anchor = hashAt === -1 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
  const path = rawPath === '' ? from : rawPath.startsWith('/') ? join(ROOT, decodeURIComponent(rawPath)) : resolve(dirname(from), decodeURIComponent(rawPath));
  if (relative(ROOT, path).startsWith('..')) return 'points outside the repository';
  if (!existsSync(path)) return `${relative(ROOT, path)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!path.endsWith('.md') || statSync(path).isDirectory()) return `#${anchor} points into a file that has no headings`;
  if (!markdownAnchors(readFileSync(path, 'utf8')).has(anchor)) return `${relative(ROOT, path)} has no heading #${anchor}`;
  return undefined;
}

/** `file:line → target: reason` for every broken relative link in the given Markdown files. */
function brokenLinks(files: string[]): string[] {
  return files.flatMap((file) =>
    markdownLinks(readFileSync(file, 'utf8'))
      .filter((link) => isRelativeLink(link.target))
      .flatMap((link) => {
        const reason = brokenReason(file, link.target);
        return reason === undefined ? [] : [`${relative(ROOT, file)}:${link.line} → ${link.target}: ${reason}`];
      }),
  );
}

test('every relative link in the README, docs, examples and client Markdown names a file and heading that exist', () => {
  const files = [join(ROOT, 'README.md'), ...['docs', 'examples', 'client'].flatMap((folder) => markdownFiles(join(ROOT, folder)))];
  assert.ok(files.length > 5, `found the Markdown files: ${files.map((f) => relative(ROOT, f)).join(', ')}`);
  assert.deepEqual(brokenLinks(files), []);
});

test('links are read outside code only, and headings get the anchors GitHub gives them', () => {
  const markdown = ['# Title', '', 'See [a](a.md#x), ![shot](shots/a.png "A shot") and `[code](not-a-link.md)`.', '```sh', '# not a heading [b](b.md)', '```', '[ref]: <docs/c.md>', 'Later', '-----', '## Limits', '## Limits'].join('\n');
  assert.deepEqual(markdownLinks(markdown), [{ line: 3, target: 'a.md#x' }, { line: 3, target: 'shots/a.png' }, { line: 7, target: 'docs/c.md' }]);
  assert.deepEqual([...markdownAnchors(markdown)], ['title', 'later', 'limits', 'limits-1']);
  assert.deepEqual([isRelativeLink('docs/a.md'), isRelativeLink('#x'), isRelativeLink('https://x.test/a.md'), isRelativeLink('mailto:a@x.test'), isRelativeLink('//x.test')], [true, true, false, false, false]);
  assert.equal(githubSlug('`auth` command'), 'auth-command');
  assert.equal(githubSlug('Client → server frames'), 'client--server-frames');
  assert.equal(githubSlug('1. Configure the integrator'), '1-configure-the-integrator');
  assert.equal(githubSlug('5. The session, without third-party cookies'), '5-the-session-without-third-party-cookies');
  assert.equal(githubSlug('SDK for **React** ([guide](x.md))'), 'sdk-for-react-guide');
});
