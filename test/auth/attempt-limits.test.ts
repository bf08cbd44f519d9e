/**
 * Brute-force limits (src/auth/attempt-limits.ts) over the in-process Counters engine with a test
 * clock: budgets per address, per (name, address) and per name; past a budget, delays that double
 * and are refused with RATE_LIMITED and the time left; a known device skips the per-name budget;
 * and, on a real Redis that stops, refusal rather than a free pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimits, type AttemptBudgets } from '../../src/auth/attempt-limits.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { RedisCounters } from '../../src/engines/counters/redis.ts';
import { ParleyError } from '../../src/protocol/errors.ts';
import { startPrivateRedis, testRedis } from '../support/redis.ts';

const WINDOW_MS = 15 * 60_000;
const BUDGETS: AttemptBudgets = { pairAttempts: 3, addressAttempts: 10, accountAttempts: 10, windowMs: WINDOW_MS, delayMs: 1000 };

function setup(budgets: Partial<AttemptBudgets> = {}) {
  let now = 1_700_000_000_000;
  const counters = new MemoryCounters(() => now);
  return { limits: new AttemptLimits(counters, { ...BUDGETS, ...budgets }), advance: (ms: number) => void (now += ms), [Symbol.asyncDispose]: () => counters.close() };
}

/** The `retryAfterMs` of a refused attempt (fails when the attempt is allowed). */
async function refusal(attempt: Promise<void>): Promise<number> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(err instanceof ParleyError && err.code === 'RATE_LIMITED', String(err));
    return err.details?.retryAfterMs as number;
  }
  return assert.fail('the attempt was allowed');
}

test('past the (name, address) budget each further login must wait a delay that doubles, up to the window', async () => {
  await using s = setup({ addressAttempts: 1000, accountAttempts: 1000 });
  for (let i = 0; i < 3; i++) await s.limits.count('login', '10.0.0.1', 'ada');
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const wait = await refusal(s.limits.count('login', '10.0.0.1', 'ada'));
    delays.push(wait);
    s.advance(wait);
    await s.limits.count('login', '10.0.0.1', 'ada');
  }
  // Each refused attempt counts too: the delay after a pass doubles twice (one pass, one refusal).
  assert.deepEqual(delays, [1000, 4000, 16_000, 64_000, 256_000, WINDOW_MS], 'capped at the window');
});

test('one address can still sign into another account while its guesses at one are delayed', async () => {
  await using s = setup();
  for (let i = 0; i < 3; i++) await s.limits.count('login', '10.0.1.1', 'victim');
  await refusal(s.limits.count('login', '10.0.1.1', 'victim'));
  await s.limits.count('login', '10.0.1.1', 'own-account');
  await s.limits.count('login', '10.0.1.2', 'victim');
});

test('the per-address budget covers every name: past it, every login from that address is delayed', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.2.1', `name-${i}`);
  assert.equal(await refusal(s.limits.count('login', '10.0.2.1', 'fresh')), 1000);
  await s.limits.count('login', '10.0.2.2', 'fresh');
});

test('the per-name budget covers every address, but not a login from a known device for that name', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', `10.0.3.${i}`, 'owner');
  assert.ok((await refusal(s.limits.count('login', '10.0.4.1', 'owner'))) > 0, 'an unknown browser waits');
  for (let i = 0; i < 3; i++) await s.limits.count('login', '10.0.4.2', 'owner', { knownDevice: true });
  assert.ok((await refusal(s.limits.count('login', '10.0.4.2', 'owner', { knownDevice: true }))) > 0, 'a known device is still limited by its own attempts');
});

test('logins and registrations have separate budgets; registrations count per address and per name', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.5.1', `name-${i}`);
  await s.limits.count('register', '10.0.5.1', 'fresh');
  for (let i = 1; i < 10; i++) await s.limits.count('register', '10.0.5.1', `fresh-${i}`);
  await refusal(s.limits.count('register', '10.0.5.1', 'one-more'));
});

test('an attempt refused for its address is not counted against the name', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.6.1', `other-${i}`);
  for (let i = 0; i < 20; i++) await refusal(s.limits.count('login', '10.0.6.1', 'victim'));
  for (let i = 0; i < 9; i++) await s.limits.count('login', `10.0.7.${i}`, 'victim');
});

test('a new window starts afresh', async () => {
  await using s = setup();
  for (let i = 0; i < 3; i++) await s.limits.count('login', '10.0.8.1', 'ada');
  await refusal(s.limits.count('login', '10.0.8.1', 'ada'));
  s.advance(WINDOW_MS);
  for (let i = 0; i < 3; i++) await s.limits.count('login', '10.0.8.1', 'ada');
});

test('with the shared counters (Redis) down, every attempt is refused with BROKER_UNAVAILABLE, never let through', async () => {
  await using server = await startPrivateRedis();
  await using redis = await testRedis(server.url);
  const limits = new AttemptLimits(new RedisCounters(await redis.connect({ heartbeatMs: 200 })), BUDGETS);
  await limits.count('login', '10.0.9.1', 'ada');
  await server.stop();
  for (const context of [{}, { knownDevice: true }]) {
    await assert.rejects(limits.count('login', '10.0.9.1', 'ada', context), (err: unknown) => err instanceof ParleyError && err.code === 'BROKER_UNAVAILABLE');
  }
  await server.start(); // so that disposal can remove the test's keys
});
