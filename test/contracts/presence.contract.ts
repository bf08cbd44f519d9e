/**
 * The Presence contract (src/core/ports/presence.ts), run against every Presence engine (STYLE C4).
 * Nodes of a shared backend see each other's entries; the memory engine serves one process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Presence, PresenceEntry } from '../../src/core/ports/presence.ts';
import { withBackend, type Backend } from './backend.ts';

/** A backend that opens Presence nodes; `shared` when they see one another's entries. */
export interface PresenceBackend extends Backend {
  node(): Promise<Presence>;
}

export type PresenceFactory = () => Promise<PresenceBackend>;

const sorted = (entries: PresenceEntry[]) => [...entries].sort((a, b) => a.key.localeCompare(b.key));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function presenceContract(name: string, factory: PresenceFactory): void {
  const withNodes = (fn: (backend: PresenceBackend) => Promise<void>) => withBackend(factory, fn);

  describe(`Presence contract: ${name}`, () => {
    test('touch adds or refreshes an entry with its value; list shows the live ones of that room only', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r1', 'ada/c1', 'Ada', 60_000);
        await presence.touch('r1', 'bob/c2', 'Bob', 60_000);
        await presence.touch('r1', 'ada/c1', 'Ada L.', 60_000);
        await presence.touch('r2', 'cy/c3', 'Cy', 60_000);
        assert.deepEqual(sorted(await presence.list('r1')), [{ key: 'ada/c1', value: 'Ada L.' }, { key: 'bob/c2', value: 'Bob' }]);
        assert.deepEqual(await presence.list('empty'), []);
      }));

    test('an entry past its ttl is absent from list; a refreshed one stays', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', 'short/1', 'Short', 150);
        await presence.touch('r', 'long/1', 'Long', 60_000);
        await sleep(300);
        assert.deepEqual(await presence.list('r'), [{ key: 'long/1', value: 'Long' }]);
      }));

    test('remove is idempotent', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', 'k/1', 'K', 60_000);
        await presence.remove('r', 'k/1');
        await presence.remove('r', 'k/1');
        await presence.remove('never', 'k/1');
        assert.deepEqual(await presence.list('r'), []);
      }));

    test('expire removes and returns each expired entry exactly once, even to concurrent callers', () =>
      withNodes(async (backend) => {
        const nodes = backend.shared ? [await backend.node(), await backend.node()] : [await backend.node()];
        const [first] = nodes as [Presence];
        for (let i = 0; i < 20; i++) await first.touch('r', `u${i}/c`, `U${i}`, 100);
        await first.touch('r', 'live/c', 'Live', 60_000);
        await sleep(250);
        const results = await Promise.all(nodes.flatMap((node) => [node.expire('r'), node.expire('r'), node.expire('r')]));
        const all = results.flat();
        assert.equal(all.length, 20, 'twenty expired entries, each returned once');
        assert.deepEqual(new Set(all.map((e) => e.key)).size, 20);
        assert.deepEqual(all.find((e) => e.key === 'u3/c'), { key: 'u3/c', value: 'U3' });
        assert.deepEqual(await first.expire('r'), []);
        assert.deepEqual(await first.list('r'), [{ key: 'live/c', value: 'Live' }]);
      }));

    test('an entry touched on one node is listed on every other', (t) =>
      withNodes(async (backend) => {
        if (!backend.shared) return t.skip(`${name} serves one process only`);
        const [a, b] = [await backend.node(), await backend.node()];
        await a.touch('r', 'ada/1', 'Ada', 60_000);
        await b.touch('r', 'bob/2', 'Bob', 60_000);
        assert.deepEqual(sorted(await b.list('r')), [{ key: 'ada/1', value: 'Ada' }, { key: 'bob/2', value: 'Bob' }]);
        await a.remove('r', 'bob/2');
        assert.deepEqual(await b.list('r'), [{ key: 'ada/1', value: 'Ada' }]);
      }));
  });
}
