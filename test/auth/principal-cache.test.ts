/**
 * The per-node principal cache (issue 11): a credential resolved once is served from memory within
 * its TTL and never past the credential's expiry; refusals are never cached; the least recently
 * used go first; a `session_ended` drops the matching entries and keeps a look-up under way from
 * storing a principal the signal ended.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrincipalCache } from '../../src/auth/principal-cache.ts';
import type { Credentials, Principal } from '../../src/auth/principal.ts';

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const calls: string[] = [];
  const known = new Map<string, Principal>();
  let gate: Promise<void> | undefined;
  const cache = new PrincipalCache(
    async (credentials: Credentials) => {
      const token = credentials.bearer ?? '';
      calls.push(token);
      if (gate !== undefined) await gate;
      return known.get(token);
    },
    { ttlMs: options.ttlMs ?? 5000, maxEntries: options.maxEntries ?? 100, now: () => now },
  );
  return {
    cache,
    calls,
    known,
    advance: (ms: number) => (now += ms),
    now: () => now,
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

const ada: Principal = { userId: 'ada', name: 'Ada', role: 'user', session: { kind: 'join', id: 'hash-ada' } };

test('a credential is resolved once and served from the cache until its TTL passes', async () => {
  const s = setup();
  s.known.set('t1', ada);
  assert.deepEqual(await s.cache.authenticate({ bearer: 't1' }), ada);
  assert.deepEqual(await s.cache.authenticate({ bearer: 't1' }), ada);
  assert.equal(s.calls.length, 1);
  s.advance(5000);
  await s.cache.authenticate({ bearer: 't1' });
  assert.equal(s.calls.length, 2, 'resolved again after the TTL');
});

test('an entry is never used past its credential\'s expiry', async () => {
  const s = setup();
  s.known.set('t1', { ...ada, expiresAt: s.now() + 1000 });
  await s.cache.authenticate({ bearer: 't1' });
  s.advance(1000);
  await s.cache.authenticate({ bearer: 't1' });
  assert.equal(s.calls.length, 2);
});

test('a refusal is never cached: the credential is asked about again', async () => {
  const s = setup();
  assert.equal(await s.cache.authenticate({ bearer: 'nope' }), undefined);
  s.known.set('nope', ada);
  assert.deepEqual(await s.cache.authenticate({ bearer: 'nope' }), ada);
  assert.equal(s.calls.length, 2);
});

test('credentials differing in kind are different keys (a cookie is not a bearer token)', async () => {
  const s = setup();
  s.known.set('t1', ada);
  await s.cache.authenticate({ bearer: 't1' });
  assert.equal(await s.cache.authenticate({ cookie: 't1' }), undefined);
  assert.equal(s.calls.length, 2);
});

test('the least recently used entry goes first when the cache is full', async () => {
  const s = setup({ maxEntries: 2 });
  for (const t of ['a', 'b', 'c']) s.known.set(t, { ...ada, userId: t });
  await s.cache.authenticate({ bearer: 'a' });
  await s.cache.authenticate({ bearer: 'b' });
  await s.cache.authenticate({ bearer: 'a' });
  await s.cache.authenticate({ bearer: 'c' });
  assert.equal(s.cache.size, 2);
  const before = s.calls.length;
  await s.cache.authenticate({ bearer: 'a' });
  assert.equal(s.calls.length, before, 'a was used recently: kept');
  await s.cache.authenticate({ bearer: 'b' });
  assert.equal(s.calls.length, before + 1, 'b was the least recently used: gone');
});

test('session_ended drops exactly the entries of that session', async () => {
  const s = setup();
  const bob: Principal = { userId: 'bob', name: 'Bob', role: 'user', session: { kind: 'join', id: 'hash-bob' } };
  s.known.set('ta', ada);
  s.known.set('tb', bob);
  await s.cache.authenticate({ bearer: 'ta' });
  await s.cache.authenticate({ bearer: 'tb' });
  s.cache.forget({ type: 'session_ended', scope: 'join', sessionId: 'hash-ada' });
  s.known.delete('ta');
  assert.equal(await s.cache.authenticate({ bearer: 'ta' }), undefined, 'the ended session is resolved again (and refused)');
  await s.cache.authenticate({ bearer: 'tb' });
  assert.deepEqual(s.calls, ['ta', 'tb', 'ta'], 'the other session stays cached');
});

test('a look-up under way when a session ends is not stored; concurrent look-ups of one credential share it', async () => {
  const s = setup();
  s.known.set('ta', ada);
  const release = s.hold();
  const first = s.cache.authenticate({ bearer: 'ta' });
  const second = s.cache.authenticate({ bearer: 'ta' });
  s.cache.forget({ type: 'session_ended', scope: 'join', sessionId: 'hash-ada' });
  release();
  await Promise.all([first, second]);
  assert.equal(s.calls.length, 1, 'one resolution for both');
  assert.equal(s.cache.size, 0, 'not stored: a signal arrived meanwhile');
});

test('a TTL of 0 turns the cache off', async () => {
  const s = setup({ ttlMs: 0 });
  s.known.set('t1', ada);
  await s.cache.authenticate({ bearer: 't1' });
  await s.cache.authenticate({ bearer: 't1' });
  assert.equal(s.calls.length, 2);
});
