/**
 * The Counters contract (src/core/ports/counters.ts), run against every Counters engine (STYLE C4).
 * Nodes of a shared backend count together; the memory engine serves one process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Counters } from '../../src/core/ports/counters.ts';
import { withBackend, type Backend } from './backend.ts';

/** A backend that opens Counters nodes; `shared` when they share claims and windows. */
export interface CountersBackend extends Backend {
  node(): Promise<Counters>;
}

export type CountersFactory = () => Promise<CountersBackend>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function countersContract(name: string, factory: CountersFactory): void {
  const withNodes = (fn: (backend: CountersBackend) => Promise<void>) => withBackend(factory, fn);

  async function nodes(backend: CountersBackend): Promise<Counters[]> {
    return backend.shared ? [await backend.node(), await backend.node()] : [await backend.node()];
  }

  describe(`Counters contract: ${name}`, () => {
    test('claimOnce is true for exactly one of many concurrent claims on every node, then false until the ttl passed', () =>
      withNodes(async (backend) => {
        const all = await nodes(backend);
        const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (all[i % all.length] as Counters).claimOnce('nonce-1', 200)));
        assert.equal(claims.filter(Boolean).length, 1);
        assert.equal(await (all[0] as Counters).claimOnce('nonce-1', 200), false);
        assert.equal(await (all[0] as Counters).claimOnce('nonce-2', 200), true, 'keys are independent');
        await sleep(300);
        assert.equal(await (all.at(-1) as Counters).claimOnce('nonce-1', 200), true, 'claimable again after its ttl');
      }));

    test('hit allows `limit` events per window across every node, then refuses with the time left, and a new window starts afresh', () =>
      withNodes(async (backend) => {
        const all = await nodes(backend);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (all[i % all.length] as Counters).hit('sender', 5, 400)));
        assert.equal(results.filter((r) => r.allowed).length, 5);
        assert.deepEqual(results.filter((r) => r.allowed).map((r) => r.remaining).sort(), [0, 1, 2, 3, 4]);
        for (const refused of results.filter((r) => !r.allowed)) {
          assert.equal(refused.remaining, 0);
          assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 400, `retryAfterMs ${refused.retryAfterMs}`);
        }
        assert.equal((await (all[0] as Counters).hit('other', 5, 400)).allowed, true, 'keys are independent');
        await sleep(500);
        assert.deepEqual(await (all[0] as Counters).hit('sender', 5, 400), { allowed: true, remaining: 4, retryAfterMs: 0 });
      }));
  });
}
