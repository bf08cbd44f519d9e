/**
 * Password hashing (src/auth/passwords.ts): argon2id at OWASP's recommended setting, a fresh salt
 * per hash, the password never in the hash, and a verification of nothing that still costs time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Passwords } from '../../src/auth/passwords.ts';

const passwords = new Passwords();

test('hashes are argon2id PHC strings with 19 MiB, 2 passes, 1 lane, salted afresh each time, and never contain the password', async () => {
  const [a, b] = await Promise.all([passwords.hash('open sesame 123'), passwords.hash('open sesame 123')]);
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(a, b, 'a fresh salt per hash');
  assert.ok(!a.includes('open sesame'));
});

test('verify accepts the password only, and answers false (never throws) for a malformed hash', async () => {
  const phc = await passwords.hash('open sesame 123');
  assert.equal(await passwords.verify(phc, 'open sesame 123'), true);
  assert.equal(await passwords.verify(phc, 'open sesame 124'), false);
  assert.equal(await passwords.verify(phc, ''), false);
  assert.equal(await passwords.verify('not a hash', 'open sesame 123'), false);
});

test('verifyNone answers false after spending at least a quarter of a real verification', async () => {
  const phc = await passwords.hash('open sesame 123');
  await passwords.verifyNone('warm up');
  const time = async (fn: () => Promise<boolean>) => {
    const started = performance.now();
    assert.equal(await fn(), false);
    return performance.now() - started;
  };
  let real = Infinity;
  let none = Infinity;
  for (let i = 0; i < 5; i++) {
    real = Math.min(real, await time(() => passwords.verify(phc, 'wrong')));
    none = Math.min(none, await time(() => passwords.verifyNone('wrong')));
  }
  assert.ok(none > real / 4, `verifyNone ${none.toFixed(1)} ms, verify ${real.toFixed(1)} ms`);
});
