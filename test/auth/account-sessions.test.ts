/**
 * Account sessions (src/auth/account-sessions.ts) on a real SQLite store with a test clock: the
 * access token carries the account's current name and role, refresh tokens rotate, expire after
 * their lifetime without use, and a replay ends the family.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Accounts } from '../../src/auth/accounts.ts';
import { AccountSessions } from '../../src/auth/account-sessions.ts';
import { AccountAuthenticator } from '../../src/auth/account-authenticator.ts';
import { Passwords } from '../../src/auth/passwords.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { openSqliteStore } from '../../src/engines/store/sqlite.ts';
import { ParleyError, type ErrorCode } from '../../src/protocol/errors.ts';

const SECRET = 'a-test-secret-with-enough-distinct-characters-0123456789';
const TTLS = { accessTokenTtlMs: 15 * 60_000, refreshTokenTtlMs: 24 * 3600_000 };

/** Sessions, accounts and an authenticator sharing one store and one movable clock. */
async function setup() {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const store = await openSqliteStore({ file: ':memory:', synchronous: 'NORMAL', groupCommitMaxBatch: 8 });
  const tokens = new Tokens(SECRET, clock);
  const accounts = new Accounts(store.accounts, new Passwords(), clock);
  const account = await accounts.register({ username: 'ada', password: 'analytical engine', name: 'Ada' });
  return {
    accounts,
    account,
    sessions: new AccountSessions({ tokens, accounts: store.accounts, refreshTokens: store.refreshTokens, ttls: TTLS, now: clock }),
    authenticator: new AccountAuthenticator(tokens),
    advance: (ms: number) => void (now += ms),
    now: clock,
    [Symbol.asyncDispose]: () => store.close(),
  };
}

const isParley = (code: ErrorCode) => (err: unknown) => err instanceof ParleyError && err.code === code;

test('start issues an access token for the account and a refresh token that expires after the refresh lifetime', async () => {
  await using s = await setup();
  const issued = await s.sessions.start(s.account);
  assert.deepEqual(issued.account, { id: s.account.id, username: 'ada', name: 'Ada', role: 'user' });
  assert.equal(issued.access.expiresAt, s.now() + TTLS.accessTokenTtlMs);
  assert.equal(issued.refresh.expiresAt, s.now() + TTLS.refreshTokenTtlMs);
  const principal = await s.authenticator.authenticate({ bearer: issued.access.token });
  assert.ok(principal?.session?.kind === 'account', 'the access token names its sign-in (refresh-token family)');
  assert.deepEqual(principal, { userId: s.account.id, name: 'Ada', role: 'user', expiresAt: issued.access.expiresAt, session: { kind: 'account', familyId: principal.session.familyId } });
  const refreshed = await s.sessions.refresh(issued.refresh.token);
  assert.deepEqual((await s.authenticator.authenticate({ bearer: refreshed.access.token }))?.session, principal.session, 'a refresh stays in the family');
  const other = await s.authenticator.authenticate({ bearer: (await s.sessions.start(s.account)).access.token });
  assert.notDeepEqual(other?.session, principal.session, 'another sign-in is another family');
});

test('a refresh token unused for its whole lifetime is refused with UNAUTHENTICATED; each use starts a new lifetime', async () => {
  await using s = await setup();
  const first = await s.sessions.start(s.account);
  s.advance(TTLS.refreshTokenTtlMs - 1);
  const second = await s.sessions.refresh(first.refresh.token);
  assert.equal(second.refresh.expiresAt, s.now() + TTLS.refreshTokenTtlMs, 'the lifetime counts from the last use');
  s.advance(TTLS.refreshTokenTtlMs);
  await assert.rejects(s.sessions.refresh(second.refresh.token), isParley('UNAUTHENTICATED'));
});

test('the access token of an expired refresh is refused once its own lifetime passes', async () => {
  await using s = await setup();
  const issued = await s.sessions.start(s.account);
  s.advance(TTLS.accessTokenTtlMs - 1000);
  assert.ok(await s.authenticator.authenticate({ accessCookie: issued.access.token }));
  s.advance(1000);
  assert.equal(await s.authenticator.authenticate({ accessCookie: issued.access.token }), undefined);
});

test('a refresh carries the account\'s current role: a promotion shows in the next access token', async () => {
  await using s = await setup();
  const issued = await s.sessions.start(s.account);
  await s.accounts.setRole('ada', 'admin');
  assert.equal((await s.authenticator.authenticate({ bearer: issued.access.token }))?.role, 'user', 'an issued token keeps its role');
  const refreshed = await s.sessions.refresh(issued.refresh.token);
  assert.equal(refreshed.account.role, 'admin');
  assert.equal((await s.authenticator.authenticate({ bearer: refreshed.access.token }))?.role, 'admin');
});

test('a replayed refresh token answers TOKEN_REPLAYED and the newest token of its family stops working; end() revokes a family', async () => {
  await using s = await setup();
  const first = await s.sessions.start(s.account);
  const second = await s.sessions.refresh(first.refresh.token);
  await assert.rejects(s.sessions.refresh(first.refresh.token), isParley('TOKEN_REPLAYED'));
  await assert.rejects(s.sessions.refresh(second.refresh.token), isParley('UNAUTHENTICATED'));

  const other = await s.sessions.start(s.account);
  await s.sessions.end(other.refresh.token);
  await assert.rejects(s.sessions.refresh(other.refresh.token), isParley('UNAUTHENTICATED'));
  await s.sessions.end('never-issued');
});
