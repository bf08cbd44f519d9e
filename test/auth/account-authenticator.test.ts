/**
 * The account authenticator (src/auth/account-authenticator.ts): only live access tokens signed
 * with the session secret make a principal; an explicitly presented token decides over the cookie.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountAuthenticator } from '../../src/auth/account-authenticator.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { tamperPayload, unsecured } from '../support/integrator-tokens.ts';

const SECRET = 'a-test-secret-with-enough-distinct-characters-0123456789';
const tokens = new Tokens(SECRET);
const authenticator = new AccountAuthenticator(tokens);
const sign = (subject: string, claims: Record<string, unknown> = { name: 'Ada', role: 'user' }, ttlMs = 60_000, t = tokens) => t.sign('access', subject, claims, ttlMs).then((s) => s.token);

test('a live access token from the cookie, bearer or ?token= makes the account\'s principal with its expiry', async () => {
  const signed = await tokens.sign('access', 'acc-1', { name: 'Ada', role: 'admin' }, 60_000);
  const principal = { userId: 'acc-1', name: 'Ada', role: 'admin', expiresAt: signed.expiresAt };
  assert.deepEqual(await authenticator.authenticate({ accessCookie: signed.token }), principal);
  assert.deepEqual(await authenticator.authenticate({ bearer: signed.token }), principal);
  assert.deepEqual(await authenticator.authenticate({ queryToken: signed.token }), principal);
});

test('expired tokens, other secrets, other kinds, altered payloads and bad claims make no principal', async () => {
  const expired = await sign('acc-1', undefined, 60_000, new Tokens(SECRET, () => Date.now() - 61_000));
  const otherSecret = await sign('acc-1', undefined, 60_000, new Tokens('another-secret-with-enough-distinct-characters-987654'));
  const invite = (await tokens.sign('invite', 'acc-1', { name: 'Ada', role: 'user' }, 60_000)).token;
  const raised = { sub: 'acc-1', name: 'Ada', role: 'admin', iss: 'parley', aud: 'parley:access', jti: 'x', exp: Math.floor(Date.now() / 1000) + 60 };
  const altered = tamperPayload(await sign('acc-1'), raised);
  const unsigned = unsecured(raised);
  const badRole = await sign('acc-1', { name: 'Ada', role: 'owner' });
  const noName = await sign('acc-1', { role: 'user' });
  for (const [label, token] of Object.entries({ expired, otherSecret, invite, altered, unsigned, badRole, noName, opaque: 'an-opaque-session-token' })) {
    assert.equal(await authenticator.authenticate({ bearer: token }), undefined, label);
    assert.equal(await authenticator.authenticate({ accessCookie: token }), undefined, label);
  }
});

test('an explicitly presented token decides: the cookie is not used when a bearer or ?token= is there, even one of another kind', async () => {
  const cookie = await sign('cookie-account');
  const bearer = await sign('bearer-account');
  assert.equal((await authenticator.authenticate({ accessCookie: cookie, bearer }))?.userId, 'bearer-account');
  assert.equal((await authenticator.authenticate({ accessCookie: cookie, queryToken: bearer }))?.userId, 'bearer-account');
  assert.equal(await authenticator.authenticate({ accessCookie: cookie, bearer: 'opaque-join-session-token' }), undefined);
  assert.equal((await authenticator.authenticate({ accessCookie: cookie, cookie: 'join-session' }))?.userId, 'cookie-account');
});
