/**
 * The RelayLog contract (src/core/ports/relay-log.ts), run against every RelayLog engine (STYLE C4).
 * Nodes of a shared backend append to the same rooms; the memory engine serves one process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayLog } from '../../src/core/ports/relay-log.ts';
import type { NewMessage } from '../../src/core/ports/store.ts';
import { withBackend, type Backend } from './backend.ts';

/** A backend that opens RelayLog nodes with the given buffer size and TTL; `shared` when they share rooms. */
export interface RelayLogBackend extends Backend {
  node(options: { bufferSize: number; ttlMs: number }): Promise<RelayLog>;
}

export type RelayLogFactory = () => Promise<RelayLogBackend>;

let next = 0;
function message(roomId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  next += 1;
  return { id: `m-${next}`, roomId, senderId: 'ada', senderName: 'Ada', clientId: `c-${next}`, type: 'text', body: `hello ${next}`, createdAt: 1_700_000_000_000 + next, ...overrides };
}

const OPTIONS = { bufferSize: 5, ttlMs: 60_000 };

export function relayLogContract(name: string, factory: RelayLogFactory): void {
  const withNodes = (fn: (backend: RelayLogBackend) => Promise<void>) => withBackend(factory, fn);

  describe(`RelayLog contract: ${name}`, () => {
    test('appends get seq 1, 2, 3… in one epoch, which position reports; the message round-trips exactly', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const before = await log.position('r');
        assert.equal(before.lastSeq, 0);
        const input = message('r', { body: 'quote " backslash \\ tab \t emoji 🎉 nul \u0000', senderName: 'Ådä' });
        const first = await log.append(input);
        assert.deepEqual(first, { message: { ...input, seq: 1 }, duplicate: false, epoch: before.epoch });
        assert.equal((await log.append(message('r'))).message.seq, 2);
        assert.equal((await log.append(message('r'))).message.seq, 3);
        assert.deepEqual(await log.position('r'), { epoch: before.epoch, lastSeq: 3 });
        assert.equal((await log.append(message('other'))).message.seq, 1, 'rooms count separately');
      }));

    test('a (sender, clientId) still buffered returns the original message as a duplicate; another sender\'s same clientId does not', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const original = await log.append(message('r', { clientId: 'same' }));
        const retry = await log.append(message('r', { clientId: 'same', body: 'changed' }));
        assert.deepEqual(retry, { message: original.message, duplicate: true, epoch: original.epoch });
        const other = await log.append(message('r', { clientId: 'same', senderId: 'bob' }));
        assert.deepEqual([other.duplicate, other.message.seq], [false, 2]);
      }));

    test('since answers what is buffered after a seq, in order, and names what already left the buffer', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const sent = [];
        for (let i = 0; i < 8; i++) sent.push((await log.append(message('r'))).message);
        const all = await log.since('r', 0);
        assert.deepEqual(all.messages, sent.slice(3), 'the newest five');
        assert.deepEqual(all.missing, { from: 1, to: 3 });
        assert.equal(all.lastSeq, 8);
        const recent = await log.since('r', 6);
        assert.deepEqual(recent.messages, sent.slice(6));
        assert.equal(recent.missing, undefined);
        assert.deepEqual((await log.since('r', 8)).messages, []);
        const evicted = await log.append(message('r', { clientId: sent[0]?.clientId }));
        assert.equal(evicted.duplicate, false, 'a clientId that left the buffer is no longer recognised');
      }));

    test('drop forgets the room: the next append starts at seq 1 in a new epoch', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const first = await log.append(message('r'));
        await log.drop('r');
        const again = await log.append(message('r'));
        assert.equal(again.message.seq, 1);
        assert.notEqual(again.epoch, first.epoch);
      }));

    test('a room without appends for its ttl is forgotten', () =>
      withNodes(async (backend) => {
        const log = await backend.node({ bufferSize: 5, ttlMs: 200 });
        const first = await log.append(message('r'));
        await new Promise((resolve) => setTimeout(resolve, 400));
        const position = await log.position('r');
        assert.equal(position.lastSeq, 0);
        assert.notEqual(position.epoch, first.epoch);
      }));

    test('concurrent appends from every node get distinct, gap-free seqs in one epoch', () =>
      withNodes(async (backend) => {
        const nodes = backend.shared ? [await backend.node(OPTIONS), await backend.node(OPTIONS), await backend.node(OPTIONS)] : [await backend.node(OPTIONS)];
        const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (nodes[i % nodes.length] as RelayLog).append(message('busy', { senderId: `u${i % 7}` }))));
        assert.deepEqual(results.map((r) => r.message.seq).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
        assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
      }));
  });
}
