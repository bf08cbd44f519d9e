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

const sorted = (ids: Iterable<string>) => [...ids].sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const entry = (memberId: string, connectionId: string, value = memberId): PresenceEntry => ({ memberId, connectionId, value });

export function presenceContract(name: string, factory: PresenceFactory): void {
  const withNodes = (fn: (backend: PresenceBackend) => Promise<void>) => withBackend(factory, fn);

  describe(`Presence contract: ${name}`, () => {
    test('list shows each member with a live entry in that room once, however many connections they have', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r1', entry('ada', 'c1'), 60_000);
        await presence.touch('r1', entry('ada', 'c2'), 60_000);
        await presence.touch('r1', entry('bob', 'c3'), 60_000);
        await presence.touch('r1', entry('ada', 'c1', 'Ada L.'), 60_000);
        await presence.touch('r2', entry('cy', 'c4'), 60_000);
        assert.deepEqual(sorted(await presence.list('r1', 10)), ['ada', 'bob']);
        assert.deepEqual(await presence.list('r2', 10), ['cy']);
        assert.deepEqual(await presence.list('empty', 10), []);
      }));

    test('list returns at most limit distinct members', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        const members = ['m0', 'm1', 'm2', 'm3', 'm4'];
        for (const m of members) {
          await presence.touch('r', entry(m, 'a'), 60_000);
          await presence.touch('r', entry(m, 'b'), 60_000);
        }
        const three = await presence.list('r', 3);
        assert.equal(three.length, 3);
        assert.equal(new Set(three).size, 3, 'distinct');
        for (const m of three) assert.ok(members.includes(m));
        assert.deepEqual(sorted(await presence.list('r', 100)), members);
        assert.deepEqual(await presence.list('r', 0), []);
      }));

    test('present answers for the members asked about only: those with a live entry in that room', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', entry('ada', 'c1'), 60_000);
        await presence.touch('r', entry('bob', 'c2'), 60_000);
        await presence.touch('other', entry('cy', 'c3'), 60_000);
        assert.deepEqual(sorted(await presence.present('r', ['ada', 'cy', 'nobody'])), ['ada']);
        assert.deepEqual(sorted(await presence.present('r', ['bob', 'ada'])), ['ada', 'bob']);
        assert.deepEqual(await presence.present('r', []), new Set());
        assert.deepEqual(await presence.present('empty', ['ada']), new Set());
      }));

    test('a member whose entries are all past their ttl is absent from list and present; a member with one live entry stays', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', entry('short', '1'), 150);
        await presence.touch('r', entry('long', '1'), 60_000);
        await presence.touch('r', entry('mixed', 'old'), 150);
        await presence.touch('r', entry('mixed', 'new'), 60_000);
        await presence.touch('r', entry('refreshed', '1'), 150);
        await presence.touch('r', entry('refreshed', '1'), 60_000);
        await sleep(300);
        assert.deepEqual(sorted(await presence.list('r', 10)), ['long', 'mixed', 'refreshed']);
        assert.deepEqual(sorted(await presence.present('r', ['short', 'long', 'mixed', 'refreshed'])), ['long', 'mixed', 'refreshed']);
      }));

    test('remove is idempotent; a member stays present until their last entry is removed', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', entry('k', '1'), 60_000);
        await presence.touch('r', entry('k', '2'), 60_000);
        await presence.remove('r', { memberId: 'k', connectionId: '1' });
        await presence.remove('r', { memberId: 'k', connectionId: '1' });
        assert.deepEqual(sorted(await presence.present('r', ['k'])), ['k'], 'still present through the second connection');
        assert.deepEqual(await presence.list('r', 10), ['k']);
        await presence.remove('r', { memberId: 'k', connectionId: '2' });
        await presence.remove('never', { memberId: 'k', connectionId: '1' });
        assert.deepEqual(await presence.present('r', ['k']), new Set());
        assert.deepEqual(await presence.list('r', 10), []);
      }));

    test('member ids may hold a slash', () =>
      withNodes(async (backend) => {
        const presence = await backend.node();
        await presence.touch('r', entry('org/ada', 'c1', 'Ada'), 60_000);
        await presence.touch('r', entry('org', 'c2', 'Org'), 150);
        assert.deepEqual(sorted(await presence.list('r', 10)), ['org', 'org/ada']);
        await sleep(300);
        assert.deepEqual(await presence.expire('r'), [entry('org', 'c2', 'Org')]);
        assert.deepEqual(await presence.present('r', ['org/ada', 'org']), new Set(['org/ada']));
        await presence.remove('r', { memberId: 'org/ada', connectionId: 'c1' });
        assert.deepEqual(await presence.list('r', 10), []);
      }));

    test('expire removes and returns each expired entry exactly once, even to concurrent callers', () =>
      withNodes(async (backend) => {
        const nodes = backend.shared ? [await backend.node(), await backend.node()] : [await backend.node()];
        const [first] = nodes as [Presence];
        for (let i = 0; i < 20; i++) await first.touch('r', entry(`u${i}`, 'c', `U${i}`), 100);
        await first.touch('r', entry('live', 'c', 'Live'), 60_000);
        await first.touch('r', entry('two', 'gone', 'Two'), 100);
        await first.touch('r', entry('two', 'kept', 'Two'), 60_000);
        await sleep(250);
        const results = await Promise.all(nodes.flatMap((node) => [node.expire('r'), node.expire('r'), node.expire('r')]));
        const all = results.flat();
        assert.equal(all.length, 21, 'twenty-one expired entries, each returned once');
        assert.equal(new Set(all.map((e) => `${e.memberId}/${e.connectionId}`)).size, 21);
        assert.deepEqual(all.find((e) => e.memberId === 'u3'), entry('u3', 'c', 'U3'));
        assert.deepEqual(all.find((e) => e.memberId === 'two'), entry('two', 'gone', 'Two'));
        assert.deepEqual(await first.expire('r'), []);
        assert.deepEqual(sorted(await first.list('r', 100)), ['live', 'two']);
        assert.deepEqual(sorted(await first.present('r', ['u3', 'two', 'live'])), ['live', 'two']);
        await first.remove('r', { memberId: 'two', connectionId: 'kept' });
        assert.deepEqual(await first.present('r', ['two']), new Set(), 'the expired entry no longer counts for its member');
      }));

    test('an entry touched on one node is listed and present on every other', (t) =>
      withNodes(async (backend) => {
        if (!backend.shared) return t.skip(`${name} serves one process only`);
        const [a, b] = [await backend.node(), await backend.node()];
        await a.touch('r', entry('ada', '1', 'Ada'), 60_000);
        await b.touch('r', entry('bob', '2', 'Bob'), 60_000);
        await a.touch('r', entry('bob', '3', 'Bob'), 60_000);
        assert.deepEqual(sorted(await b.list('r', 10)), ['ada', 'bob']);
        await a.remove('r', { memberId: 'bob', connectionId: '2' });
        assert.deepEqual(sorted(await b.present('r', ['ada', 'bob'])), ['ada', 'bob'], 'bob is still present through his connection on a');
        await b.remove('r', { memberId: 'bob', connectionId: '3' });
        assert.deepEqual(await a.list('r', 10), ['ada']);
      }));
  });
}
