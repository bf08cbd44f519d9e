/**
 * Accounts (src/auth/accounts.ts) on a real SQLite store: registration checks every field with the
 * protocol's rule and stores only a hash; a login fails the same way for a wrong password and an
 * unknown name; roles change by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Accounts } from '../../src/auth/accounts.ts';
import { Passwords } from '../../src/auth/passwords.ts';
import { openSqliteStore } from '../../src/engines/store/sqlite.ts';
import { ParleyError, type ErrorCode } from '../../src/protocol/errors.ts';

/** Accounts over a throwaway in-memory SQLite store. */
async function accounts(): Promise<Accounts & AsyncDisposable> {
  const store = await openSqliteStore({ file: ':memory:', synchronous: 'NORMAL', groupCommitMaxBatch: 8 });
  return Object.assign(new Accounts(store.accounts, new Passwords(), () => 1_700_000_000_000), { [Symbol.asyncDispose]: () => store.close() });
}

/** Matcher: a ParleyError with `code`; returns it for further checks. */
function parley(code: ErrorCode, check?: (err: ParleyError) => void): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ParleyError, String(err));
    assert.equal(err.code, code);
    check?.(err);
    return true;
  };
}

test('register lowercases the name, trims the display name, keeps only an argon2id hash, and defaults the name to the username', async () => {
  await using all = await accounts();
  const ada = await all.register({ username: ' Ada ', password: 'analytical engine', name: '  Countess  ' });
  assert.deepEqual([ada.username, ada.name, ada.role], ['ada', 'Countess', 'user']);
  assert.match(ada.passwordHash, /^\$argon2id\$/);
  assert.ok(!ada.passwordHash.includes('analytical'));
  assert.equal((await all.register({ username: 'babbage', password: 'difference engine' }, 'admin')).name, 'babbage');
  assert.equal((await all.get(ada.id))?.username, 'ada');
});

test('register refuses bad fields with VALIDATION_FAILED naming them, and a taken name in any case with USERNAME_TAKEN', async () => {
  await using all = await accounts();
  await all.register({ username: 'taken', password: 'long enough' });
  await assert.rejects(all.register({ username: 'TAKEN', password: 'long enough' }), parley('USERNAME_TAKEN'));
  for (const [input, path] of [
    [{ username: 'no', password: 'long enough' }, 'username'],
    [{ username: 'spaces inside', password: 'long enough' }, 'username'],
    [{ username: 'émile', password: 'long enough' }, 'username'],
    [{ username: 'fine', password: '1234567' }, 'password'],
    [{ username: 'fine', password: 'x'.repeat(257) }, 'password'],
    [{ username: 'fine', password: 'long enough', name: 'n'.repeat(65) }, 'name'],
  ] as const) {
    await assert.rejects(all.register(input), parley('VALIDATION_FAILED', (err) => assert.equal((err.details?.issues as Array<{ path: string }>)[0]?.path, path)));
  }
});

test('verify returns the account for the right password in any case of the name, and one INVALID_CREDENTIALS error otherwise', async () => {
  await using all = await accounts();
  const ada = await all.register({ username: 'ada', password: 'analytical engine' });
  assert.equal((await all.verify('ADA', 'analytical engine')).id, ada.id);
  const messages: string[] = [];
  for (const [name, password] of [['ada', 'wrong'], ['nobody', 'analytical engine'], ['ada', '']]) {
    await assert.rejects(all.verify(name as string, password as string), parley('INVALID_CREDENTIALS', (err) => messages.push(err.message)));
  }
  assert.equal(new Set(messages).size, 1, 'the same message whatever went wrong');
});

test('setRole promotes and demotes by name, and NOT_FOUND names an unknown account', async () => {
  await using all = await accounts();
  await all.register({ username: 'root', password: 'long enough' });
  assert.equal((await all.setRole('Root', 'admin')).role, 'admin');
  assert.equal((await all.setRole('root', 'user')).role, 'user');
  await assert.rejects(all.setRole('ghost', 'admin'), parley('NOT_FOUND'));
});
