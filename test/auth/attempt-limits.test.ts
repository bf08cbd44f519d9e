/**
 * Brute-force limits (src/auth/attempt-limits.ts) over the in-process Counters engine with a test
 * clock: per address and per name, per kind of attempt, refused with RATE_LIMITED and the wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimits } from '../../src/auth/attempt-limits.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { ParleyError } from '../../src/protocol/errors.ts';

const WINDOW_MS = 15 * 60_000;

function setup() {
  let now = 1_700_000_000_000;
  const counters = new MemoryCounters(() => now);
  return { limits: new AttemptLimits(counters, 10, WINDOW_MS), advance: (ms: number) => void (now += ms), [Symbol.asyncDispose]: () => counters.close() };
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

test('ten attempts per address in a window pass; the eleventh is refused until the window ends', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.0.1', `name-${i}`);
  s.advance(60_000);
  assert.equal(await refusal(s.limits.count('login', '10.0.0.1', 'name-10')), WINDOW_MS - 60_000);
  await s.limits.count('login', '10.0.0.2', 'name-10');
  s.advance(WINDOW_MS - 60_000);
  await s.limits.count('login', '10.0.0.1', 'name-11');
});

test('ten attempts per name in a window pass, from any addresses; the eleventh is refused', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', `10.0.1.${i}`, 'ada');
  assert.ok((await refusal(s.limits.count('login', '10.0.1.99', 'ada'))) > 0);
  await s.limits.count('login', '10.0.1.99', 'grace');
});

test('logins and registrations have separate budgets', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.2.1', `name-${i}`);
  await s.limits.count('register', '10.0.2.1', 'fresh');
});

test('an attempt refused for its address is not counted against the name', async () => {
  await using s = setup();
  for (let i = 0; i < 10; i++) await s.limits.count('login', '10.0.3.1', `other-${i}`);
  for (let i = 0; i < 20; i++) await refusal(s.limits.count('login', '10.0.3.1', 'victim'));
  for (let i = 0; i < 10; i++) await s.limits.count('login', `10.0.4.${i}`, 'victim');
});
