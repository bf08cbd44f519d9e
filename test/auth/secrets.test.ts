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
  const sessionSecret = 'Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc5Vb7Nm';
  for (const adminToken of [undefined, 'short', 'changeme-changeme-changeme-changeme', 'a'.repeat(40)]) {
    assert.throws(() => loadSecrets({ env: 'production', dataDir, adminToken, sessionSecret }, () => undefined), (err: unknown) => err instanceof WeakSecretError && /PARLEY_ADMIN_TOKEN/.test(err.message));
  }
  const strong = 'Zq8x1Lw0Pp3Rt7Yu5Ii2Oo9Aa4Ss6Dd8Ff1Gg3';
  assert.equal(loadSecrets({ env: 'production', dataDir, adminToken: strong, sessionSecret }, () => undefined).adminToken, strong);
});

test('the session secret is generated and kept like the admin token in development, and required in production', (t) => {
  const dataDir = tempDataDir(t);
  const notices: string[] = [];
  const first = loadSecrets({ env: 'development', dataDir, adminToken: undefined }, (m) => notices.push(m));
  assert.ok(first.sessionSecret.length >= 32);
  assert.notEqual(first.sessionSecret, first.adminToken);
  assert.equal(loadSecrets({ env: 'development', dataDir, adminToken: undefined }, () => undefined).sessionSecret, first.sessionSecret);
  assert.ok(notices.some((n) => /PARLEY_SESSION_SECRET/.test(n)));
  for (const notice of notices) assert.ok(!notice.includes(first.sessionSecret));
  const strong = 'Zq8x1Lw0Pp3Rt7Yu5Ii2Oo9Aa4Ss6Dd8Ff1Gg3';
  assert.throws(() => loadSecrets({ env: 'production', dataDir, adminToken: strong }, () => undefined), (err: unknown) => err instanceof WeakSecretError && /PARLEY_SESSION_SECRET is missing/.test(err.message));
  assert.throws(() => loadSecrets({ env: 'production', dataDir, adminToken: strong, sessionSecret: 'short' }, () => undefined), /PARLEY_SESSION_SECRET is weak/);
});

test('secrets shared with integrators are never generated, and refused when weak in production', (t) => {
  const dataDir = tempDataDir(t);
  const strong = 'Zq8x1Lw0Pp3Rt7Yu5Ii2Oo9Aa4Ss6Dd8Ff1Gg3';
  const sources = { env: 'production' as const, dataDir, adminToken: strong, sessionSecret: `${strong}x` };
  assert.doesNotThrow(() => loadSecrets({ ...sources, shared: { PARLEY_JWT_SECRET: undefined } }, () => undefined));
  assert.throws(() => loadSecrets({ ...sources, shared: { 'PARLEY_EMBED_INTEGRATORS (acme)': 'a'.repeat(40) } }, () => undefined), /PARLEY_EMBED_INTEGRATORS \(acme\) is weak/);
});
