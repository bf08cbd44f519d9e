/**
 * examples/react-chat builds (issue 12): its esbuild script bundles the app on
 * @parley/client/react into one browser module, so the example cannot rot unnoticed. Its types are
 * checked with the repo's (`tsc`, which includes examples/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the React chat example bundles into one self-contained browser module and its page', async () => {
  const out = mkdtempSync(join(tmpdir(), 'parley-react-chat-'));
  try {
    await run(process.execPath, [join(ROOT, 'examples/react-chat/build.js'), out], { cwd: ROOT });
    const app = readFileSync(join(out, 'app.js'), 'utf8');
    // Not preceded by a quote or a dot, so a string or property named "from" (a search filter) is no import.
    assert.doesNotMatch(app, /(?<!["'.\w])import\s*["'{*]|(?<!["'.\w])from\s*["']|\brequire\(["']/, 'every import is bundled');
    assert.match(app, /useSyncExternalStore/, 'React and the hooks are in the bundle');
    assert.match(app, /\/api\/v1\/join/);
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /<script type="module" src="app\.js">/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
