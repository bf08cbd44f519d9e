/** Secrets: generated and kept in development, refused when weak or missing in production. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecrets, WeakSecretError } from '../../src/auth/secrets.ts';

function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('in development a missing admin token is generated once, stored with mode 0600, reused, and the notice never contains it', (t) => {
  const dataDir = tempDataDir(t);
  const notices: string[] = [];
  const first = loadSecrets({ env: 'development', dataDir, adminToken: undefined }, (m) => notices.push(m));
  assert.ok(first.adminToken.length >= 32);
  assert.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o777, 0o600);
  assert.match(notices[0] ?? '', /generated a development PARLEY_ADMIN_TOKEN/);
  const second = loadSecrets({ env: 'development', dataDir, adminToken: undefined }, (m) => notices.push(m));
  assert.equal(second.adminToken, first.adminToken);
  assert.equal(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).adminToken, first.adminToken);
  for (const notice of notices) assert.ok(!notice.includes(first.adminToken));
});

test('in production a missing or weak admin token stops the start, naming the variable', (t) => {
  const dataDir = tempDataDir(t);
  for (const adminToken of [undefined, 'short', 'changeme-changeme-changeme-changeme', 'a'.repeat(40)]) {
    assert.throws(() => loadSecrets({ env: 'production', dataDir, adminToken }, () => undefined), (err: unknown) => err instanceof WeakSecretError && /PARLEY_ADMIN_TOKEN/.test(err.message));
  }
  const strong = 'Zq8x1Lw0Pp3Rt7Yu5Ii2Oo9Aa4Ss6Dd8Ff1Gg3';
  assert.equal(loadSecrets({ env: 'production', dataDir, adminToken: strong }, () => undefined).adminToken, strong);
});
