/**
 * The generated reference docs match the code they describe (STYLE C5, C7, C9): a changed error
 * code, close code, setting or frame schema fails here until `npm run docs` is run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkDocs, renderDocs, writeDocs } from '../scripts/generate-docs.ts';
import { CLIENT_FRAMES, CLOSE_CODE_CATALOG, CLOSE_CODE_LIST, CLOSE_CODES, ERROR_CODES, SERVER_FRAMES, shouldReconnect } from '../src/protocol/index.ts';

const root = resolve(import.meta.dirname, '..');

test('every generated doc is identical to what `npm run docs` produces now', async () => {
  for (const [path, expected] of await renderDocs(root)) {
    const actual = await readFile(join(root, path), 'utf8').catch(() => '(missing)');
    assert.ok(actual === expected, `${path} is out of date with the code: run \`npm run docs\` and commit the result`);
  }
});

test('every close code has one unique name and a meaning; CLOSE_CODES and shouldReconnect follow the catalog', () => {
  const names = CLOSE_CODE_LIST.map((code) => CLOSE_CODE_CATALOG[code].name);
  assert.equal(new Set(names).size, names.length, 'names are unique');
  assert.deepEqual(CLOSE_CODE_LIST.filter((code) => CLOSE_CODE_CATALOG[code].meaning.trim() === ''), [], 'every code has a meaning');
  assert.deepEqual(Object.entries(CLOSE_CODES), CLOSE_CODE_LIST.map((code) => [CLOSE_CODE_CATALOG[code].name, code]));
  for (const code of CLOSE_CODE_LIST) assert.equal(shouldReconnect(code), CLOSE_CODE_CATALOG[code].reconnect, String(code));
});

test('docs/errors.md and docs/protocol.md list every error code and every close code', async () => {
  const docs = await renderDocs(root);
  for (const path of ['docs/errors.md', 'docs/protocol.md']) {
    const text = docs.get(path) ?? '';
    for (const code of ERROR_CODES) assert.match(text, new RegExp(`\\| \`${code}\` \\|`), `${path} lacks error code ${code}`);
    for (const [name, code] of Object.entries(CLOSE_CODES)) assert.match(text, new RegExp(`\\| ${code} \\| \`${name}\` \\|`), `${path} lacks close code ${code}`);
  }
});

test('docs/protocol.md has a section for every client and server frame', async () => {
  const protocol = (await renderDocs(root)).get('docs/protocol.md') ?? '';
  for (const type of Object.keys(CLIENT_FRAMES)) assert.match(protocol, new RegExp(`^### \`${type}\` command$`, 'm'));
  for (const type of Object.keys(SERVER_FRAMES)) assert.match(protocol, new RegExp(`^### \`${type}\`( push)?$`, 'm'));
});

test('--check reports exactly the generated docs that are missing or edited by hand', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-docs-'));
  try {
    await cp(join(root, 'docs/protocol.template.md'), join(dir, 'docs/protocol.template.md'));
    assert.deepEqual(await checkDocs(dir), ['docs/errors.md', 'docs/configuration.md', 'docs/protocol.md']);
    await writeDocs(dir);
    assert.deepEqual(await checkDocs(dir), []);
    await writeFile(join(dir, 'docs/errors.md'), (await readFile(join(dir, 'docs/errors.md'), 'utf8')).replace('ROOM_FULL', 'ROOM_FUL'));
    assert.deepEqual(await checkDocs(dir), ['docs/errors.md']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown placeholder in the protocol template fails the generation', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-docs-'));
  try {
    const template = await readFile(join(root, 'docs/protocol.template.md'), 'utf8');
    await mkdir(join(dir, 'docs'));
    await writeFile(join(dir, 'docs/protocol.template.md'), `${template}\n{{close:NO_SUCH_CODE}}\n`);
    await assert.rejects(renderDocs(dir), /unknown token \{\{close:NO_SUCH_CODE\}\}/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
