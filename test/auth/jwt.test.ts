/**
 * Integrator JWTs (src/auth/jwt.ts): what a valid token makes of its bearer, and every forged,
 * stale or foreign token the authenticator refuses — with a shared secret (HS256) and with a key
 * set served over real HTTP (RS256, ES256, EdDSA). Also the configuration rules that keep
 * integrator tokens and Parley's own tokens apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegratorJwtAuthenticator, type IntegratorJwtOptions } from '../../src/auth/jwt.ts';
import { Tokens, type TokenKind } from '../../src/auth/tokens.ts';
import { loadSecrets, WeakSecretError } from '../../src/auth/secrets.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ParleyError } from '../../src/protocol/index.ts';
import { AUDIENCE, ISSUER, SECRET, hmacSigned, mint, registered, serveJwks, tamperPayload, tamperSignature, testKey, unsecured } from '../support/integrator-tokens.ts';

const SKEW_MS = 30_000;
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const DAY_MS = 24 * 3600_000;

function hs256(options: Partial<IntegratorJwtOptions> = {}, now = NOW): IntegratorJwtAuthenticator {
  return new IntegratorJwtAuthenticator({ secret: SECRET, jwksUrl: undefined, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS, ...options }, () => now);
}

const bearer = (token: string) => ({ bearer: token });

test('integrator JWTs are off unless a secret or a key set URL is configured', () => {
  assert.equal(IntegratorJwtAuthenticator.fromOptions({ secret: undefined, jwksUrl: undefined, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS }), undefined);
  assert.ok(IntegratorJwtAuthenticator.fromOptions({ secret: SECRET, jwksUrl: undefined, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS }) instanceof IntegratorJwtAuthenticator);
});

test('a valid HS256 token yields the principal jwt:<sub> with its name, room grants, admin flag and expiry (exp plus the skew)', async () => {
  const auth = hs256();
  const token = await mint(SECRET, { sub: 'u-42', name: 'Grace', rooms: ['support', 'sales', 'support'], role: 'moderator' }, { nowMs: NOW, expiresInS: 600 });
  assert.deepEqual(await auth.authenticate(bearer(token)), {
    userId: 'jwt:u-42',
    name: 'Grace',
    role: 'user',
    grants: [{ roomId: 'support', role: 'moderator' }, { roomId: 'sales', role: 'moderator' }],
    expiresAt: (Math.floor(NOW / 1000) + 600) * 1000 + SKEW_MS,
  });
  // Accepted in `?token=` too (WebSocket upgrades).
  assert.equal((await auth.authenticate({ queryToken: token }))?.userId, 'jwt:u-42');

  const minimal = await auth.authenticate(bearer(await mint(SECRET, { sub: 'u-7' }, { nowMs: NOW })));
  assert.deepEqual({ name: minimal?.name, role: minimal?.role, grants: minimal?.grants }, { name: 'u-7', role: 'user', grants: [] }, 'name defaults to sub, no rooms');
  const withRooms = await auth.authenticate(bearer(await mint(SECRET, { sub: 'u-7', rooms: ['a'] }, { nowMs: NOW })));
  assert.deepEqual(withRooms?.grants, [{ roomId: 'a', role: 'member' }], 'role defaults to member');
  const admin = await auth.authenticate(bearer(await mint(SECRET, { sub: 'ops', admin: true }, { nowMs: NOW })));
  assert.equal(admin?.role, 'admin');
  const notAdmin = await auth.authenticate(bearer(await mint(SECRET, { sub: 'ops', admin: false }, { nowMs: NOW })));
  assert.equal(notAdmin?.role, 'user');
});

test('a user id from a token never equals one Parley issues: it is always namespaced jwt:', async () => {
  const auth = hs256();
  for (const sub of ['admin', '3b241101-e2bb-4255-8caf-4136c566a962', 'jwt:x']) {
    assert.equal((await auth.authenticate(bearer(await mint(SECRET, { sub }, { nowMs: NOW }))))?.userId, `jwt:${sub}`);
  }
});

test('a token with claims of the wrong shape is refused as a whole', async () => {
  const auth = hs256();
  const cases: Array<[string, Record<string, unknown>]> = [
    ['rooms not an array', { sub: 'u', rooms: 'support' }],
    ['an invalid room id', { sub: 'u', rooms: ['no spaces allowed'] }],
    ['an unknown role', { sub: 'u', rooms: ['a'], role: 'superuser' }],
    ['an empty sub', { sub: '' }],
    ['a sub that is not a string', { sub: 42 }],
    ['admin not a boolean', { sub: 'u', admin: 'yes' }],
  ];
  for (const [what, claims] of cases) assert.equal(await auth.authenticate(bearer(await mint(SECRET, claims, { nowMs: NOW }))), undefined, what);
});

test('a signed token whose display name is refused answers VALIDATION_FAILED naming name and why: a bad name claim, or a sub that cannot stand in for a missing one (issue 11)', async () => {
  const auth = hs256();
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ sub: 'u', name: 'x'.repeat(65) }, /at most 64 characters/],
    [{ sub: 'u', name: 'Ada\u202Enimda' }, /bidirectional/],
    [{ sub: 'u', name: 'Ada\nAdmin' }, /control characters/],
    [{ sub: 'u', name: 'Ad\u2060a' }, /zero-width/],
    [{ sub: 'user\u200B1' }, /no name claim and its sub cannot serve as one: .*zero-width/],
  ];
  for (const [claims, reason] of cases) {
    await assert.rejects(auth.authenticate(bearer(await mint(SECRET, claims, { nowMs: NOW }))), (err: unknown) => {
      assert.ok(err instanceof ParleyError, String(err));
      assert.equal(err.code, 'VALIDATION_FAILED');
      const issues = err.details?.issues as Array<{ path: string; message: string }>;
      assert.deepEqual(issues.map((i) => i.path), ['name'], JSON.stringify(claims));
      assert.match(issues[0]?.message ?? '', reason);
      return true;
    });
  }
  const composed = await auth.authenticate(bearer(await mint(SECRET, { sub: 'u', name: ' Rene\u0301e \u{1F469}\u{1F3FD}\u200D\u{1F4BB}' }, { nowMs: NOW })));
  assert.equal(composed?.name, 'Ren\u00e9e \u{1F469}\u{1F3FD}\u200D\u{1F4BB}');
  const forged = await mint('another secret of enough length for hs256!', { sub: 'u', name: 'Ada\u202Enimda' }, { nowMs: NOW });
  assert.equal(await auth.authenticate(bearer(forged)), undefined, 'an unsigned claim is never judged: a forged token stays simply invalid');
});

test('forged HS256 tokens are refused: tampered signature or payload, wrong secret, alg none, an asymmetric algorithm', async () => {
  const auth = hs256();
  const good = await mint(SECRET, { sub: 'alice', rooms: ['a'] }, { nowMs: NOW });
  assert.ok(await auth.authenticate(bearer(good)), 'the untampered token passes');
  assert.equal(await auth.authenticate(bearer(tamperSignature(good))), undefined, 'tampered signature');
  assert.equal(await auth.authenticate(bearer(tamperPayload(good, { ...registered(NOW), sub: 'mallory', admin: true }))), undefined, 'tampered payload');
  assert.equal(await auth.authenticate(bearer(await mint('another-secret-of-32-characters-or-more!!', { sub: 'alice' }, { nowMs: NOW }))), undefined, 'wrong secret');
  assert.equal(await auth.authenticate(bearer(unsecured({ ...registered(NOW), sub: 'alice' }))), undefined, 'alg none');
  assert.equal(await auth.authenticate(bearer(unsecured({ ...registered(NOW), sub: 'alice' }).slice(0, -1) + '.c2ln')), undefined, 'alg none with a signature');
  const rsa = await testKey('RS256');
  assert.equal(await auth.authenticate(bearer(await mint(rsa.privateKey, { sub: 'alice' }, { alg: 'RS256', nowMs: NOW }))), undefined, 'RS256 against a shared secret');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { alg: 'HS512', nowMs: NOW }))), undefined, 'HS512: not in the allow-list');
});

test('time: expired beyond the skew is refused and within it accepted; nbf in the future beyond the skew is refused', async () => {
  const auth = hs256();
  const at = (expiresInS: number | null, notBeforeInS?: number) => mint(SECRET, { sub: 'alice' }, { nowMs: NOW, expiresInS, ...(notBeforeInS === undefined ? {} : { notBeforeInS }) });
  assert.equal(await auth.authenticate(bearer(await at(-31))), undefined, 'expired 31 s ago, skew 30 s');
  assert.ok(await auth.authenticate(bearer(await at(-20))), 'expired 20 s ago, within the skew');
  assert.equal(await auth.authenticate(bearer(await at(300, 60))), undefined, 'nbf 60 s ahead');
  assert.ok(await auth.authenticate(bearer(await at(300, 20))), 'nbf 20 s ahead, within the skew');
  assert.equal(await auth.authenticate(bearer(await at(null))), undefined, 'no exp at all');
  const strict = hs256({ clockSkewMs: 0 });
  assert.equal(await strict.authenticate(bearer(await at(-1))), undefined, 'no skew: expired 1 s ago');
  assert.equal(await strict.authenticate(bearer(await at(300, 1))), undefined, 'no skew: nbf 1 s ahead');
});

test('a token whose exp lies beyond PARLEY_JWT_MAX_LIFETIME_MS, e.g. written in milliseconds, is refused with UNAUTHENTICATED saying why', async () => {
  const auth = hs256();
  assert.ok(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, expiresInS: 24 * 3600 }))), 'exactly the longest lifetime');
  const refusal = async (token: string) => {
    const err = await auth.authenticate(bearer(token)).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ParleyError && err.code === 'UNAUTHENTICATED', String(err));
    assert.match(err.message, /PARLEY_JWT_MAX_LIFETIME_MS.*seconds/);
  };
  await refusal(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, expiresInS: 24 * 3600 + 31 }));
  await refusal(await mint(SECRET, { sub: 'alice', exp: NOW + 600_000 }, { nowMs: NOW, expiresInS: null }));
  const short = hs256({ maxLifetimeMs: 60_000 });
  assert.ok(await short.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, expiresInS: 60 }))));
  assert.equal(await short.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, expiresInS: 120 }))).catch((e: unknown) => (e as ParleyError).code), 'UNAUTHENTICATED');
  assert.equal(loadConfig({ PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: ISSUER }).jwt.maxLifetimeMs, DAY_MS, 'the default is 24 h');
});

test('wrong issuer, wrong or missing audience, missing issuer and missing sub are refused', async () => {
  const auth = hs256();
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, issuer: 'https://evil.test' }))), undefined, 'wrong issuer');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, issuer: null }))), undefined, 'no issuer');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, audience: 'someone-else' }))), undefined, 'wrong audience');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, audience: null }))), undefined, 'no audience');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { name: 'Alice' }, { nowMs: NOW }))), undefined, 'no sub');
  assert.ok(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice', aud: ['other', AUDIENCE] }, { nowMs: NOW, audience: null }))), 'an audience list that contains ours passes');
});

test('Parley\'s own access, embed and invite tokens are never integrator tokens, and integrator tokens are never Parley\'s, even under one secret', async () => {
  const auth = hs256();
  const own = new Tokens(SECRET, () => NOW);
  const kinds: TokenKind[] = ['access', 'embed', 'invite'];
  for (const kind of kinds) {
    const { token } = await own.sign(kind, 'user-1', { sub: 'alice', rooms: ['a'], role: 'owner', admin: true, iss: ISSUER, aud: AUDIENCE }, 60_000);
    assert.equal(await auth.authenticate(bearer(token)), undefined, `a Parley ${kind} token`);
  }
  const integrator = await mint(SECRET, { sub: 'alice', rooms: ['a'] }, { nowMs: NOW });
  for (const kind of kinds) {
    await assert.rejects(own.verify(kind, integrator), (err: unknown) => err instanceof ParleyError && err.code === 'UNAUTHENTICATED', `as a Parley ${kind} token`);
  }
  // Even an integrator token that claims Parley's issuer and audience is refused by both.
  const mimic = await mint(SECRET, { sub: 'alice' }, { nowMs: NOW, issuer: 'parley', audience: 'parley:access' });
  assert.equal(await auth.authenticate(bearer(mimic)), undefined);
});

test('configuration keeps the two kinds apart: issuer parley, audiences parley:…, both key kinds, no issuer, and a plain-HTTP key set in production are refused', () => {
  const base = { PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: ISSUER };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.join('\n');
    }
  };
  assert.equal(problems(base), '');
  assert.match(problems({ ...base, PARLEY_JWT_ISSUER: 'parley' }), /reserved|Parley's own tokens/);
  assert.match(problems({ ...base, PARLEY_JWT_AUDIENCE: 'parley:access' }), /Parley's own tokens/);
  assert.match(problems({ PARLEY_JWT_SECRET: SECRET }), /PARLEY_JWT_ISSUER: required/);
  assert.match(problems({ ...base, PARLEY_JWT_JWKS_URL: 'https://acme.test/jwks.json' }), /set one, not both/);
  const jwks = { PARLEY_JWT_JWKS_URL: 'http://acme.test/jwks.json', PARLEY_JWT_ISSUER: ISSUER };
  assert.match(problems({ ...jwks, NODE_ENV: 'production' }), /https:\/\/ URL in production/);
  assert.equal(problems(jwks), '', 'plain HTTP is allowed outside production (local tests)');
  assert.equal(problems({ ...jwks, PARLEY_JWT_JWKS_URL: 'https://acme.test/jwks.json', NODE_ENV: 'production' }), '');
});

test('a shared JWT secret equal to the session secret or the admin token stops the start, in every environment', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-jwt-'));
  try {
    const adminToken = randomBytes(32).toString('base64url');
    const sessionSecret = randomBytes(32).toString('base64url');
    for (const env of ['development', 'production'] as const) {
      for (const reused of [adminToken, sessionSecret]) {
        assert.throws(() => loadSecrets({ env, dataDir, adminToken, sessionSecret, shared: { PARLEY_JWT_SECRET: reused } }, () => undefined), (err: unknown) => err instanceof WeakSecretError && /PARLEY_JWT_SECRET must differ/.test(err.message));
      }
    }
    // A generated development session secret is checked too.
    const generated = loadSecrets({ env: 'development', dataDir, adminToken }, () => undefined).sessionSecret;
    assert.throws(() => loadSecrets({ env: 'development', dataDir, adminToken, shared: { PARLEY_JWT_SECRET: generated } }, () => undefined), WeakSecretError);
    assert.doesNotThrow(() => loadSecrets({ env: 'production', dataDir, adminToken, sessionSecret, shared: { PARLEY_JWT_SECRET: SECRET } }, () => undefined));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with a key set, RS256, ES256 and EdDSA tokens signed by its keys pass, and the key set is fetched once', async () => {
  const keys = await Promise.all([testKey('RS256'), testKey('ES256'), testKey('EdDSA')]);
  await using jwks = await serveJwks(keys);
  const auth = new IntegratorJwtAuthenticator({ secret: undefined, jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS });
  for (const key of keys) {
    const principal = await auth.authenticate(bearer(await mint(key.privateKey, { sub: `by-${key.alg}`, rooms: ['r1'], role: 'guest' }, { alg: key.alg, kid: key.kid })));
    assert.equal(principal?.userId, `jwt:by-${key.alg}`, key.alg);
    assert.deepEqual(principal?.grants, [{ roomId: 'r1', role: 'guest' }]);
  }
  assert.equal(jwks.fetches, 1);
});

test('with a key set, algorithm confusion and other forgeries are refused: HS256 keyed with the public key, alg none, a foreign key, a tampered signature', async () => {
  const rsa = await testKey('RS256');
  const ed = await testKey('EdDSA');
  await using jwks = await serveJwks([rsa, ed]);
  const auth = new IntegratorJwtAuthenticator({ secret: undefined, jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS });
  const claims = { ...registered(), sub: 'alice', admin: true };
  assert.ok(await auth.authenticate(bearer(await mint(rsa.privateKey, { sub: 'alice' }, { alg: 'RS256', kid: rsa.kid }))), 'a genuine token passes');
  assert.equal(await auth.authenticate(bearer(hmacSigned(rsa.publicPem, claims, rsa.kid))), undefined, 'HS256 keyed with the RSA public key (PEM)');
  assert.equal(await auth.authenticate(bearer(hmacSigned(JSON.stringify(rsa.jwk), claims, rsa.kid))), undefined, 'HS256 keyed with the public JWK');
  assert.equal(await auth.authenticate(bearer(await mint(SECRET, { sub: 'alice' }, { kid: rsa.kid }))), undefined, 'HS256 with any secret');
  assert.equal(await auth.authenticate(bearer(unsecured(claims))), undefined, 'alg none');
  const foreign = await testKey('RS256', rsa.kid);
  assert.equal(await auth.authenticate(bearer(await mint(foreign.privateKey, { sub: 'alice' }, { alg: 'RS256', kid: rsa.kid }))), undefined, 'signed by a key outside the set, claiming its kid');
  assert.equal(await auth.authenticate(bearer(tamperSignature(await mint(ed.privateKey, { sub: 'alice' }, { alg: 'EdDSA', kid: ed.kid })))), undefined, 'tampered EdDSA signature');
  assert.equal(await auth.authenticate(bearer(await mint(ed.privateKey, { sub: 'alice' }, { alg: 'EdDSA', kid: ed.kid, issuer: 'https://evil.test' }))), undefined, 'wrong issuer');
});

test('a key set that cannot be fetched fails with JWKS_UNAVAILABLE (503, retryable), not as an invalid token; other JWTs are not affected', async () => {
  const rsa = await testKey('RS256');
  await using jwks = await serveJwks([rsa]);
  jwks.fail(true);
  const auth = new IntegratorJwtAuthenticator({ secret: undefined, jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, clockSkewMs: SKEW_MS, maxLifetimeMs: DAY_MS });
  const token = await mint(rsa.privateKey, { sub: 'alice' }, { alg: 'RS256', kid: rsa.kid });
  await assert.rejects(auth.authenticate(bearer(token)), (err: unknown) => err instanceof ParleyError && err.code === 'JWKS_UNAVAILABLE' && err.retryable && err.status === 503);
  const fetches = jwks.fetches;
  const parleyToken = (await new Tokens(SECRET).sign('access', 'user-1', {}, 60_000)).token;
  assert.equal(await auth.authenticate(bearer(parleyToken)), undefined, 'a JWT of another issuer is left to its own authenticator');
  assert.equal(jwks.fetches, fetches, 'without fetching the key set');
  jwks.fail(false);
  assert.equal((await auth.authenticate(bearer(token)))?.userId, 'jwt:alice', 'works again once the key set is back');
});
