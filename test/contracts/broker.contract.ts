/**
 * The Broker contract (src/core/ports/broker.ts), run against every Broker engine (STYLE C4).
 * A factory opens "nodes": Brokers on one shared backend. Engines whose nodes cannot share a backend
 * (the memory engine: one process only) run the single-node guarantees; the others run all.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker, RoomEvent } from '../../src/core/ports/broker.ts';
import { withBackend, type Backend } from './backend.ts';

/** A backend that opens Broker nodes; `shared` when events cross between them. */
export interface BrokerBackend extends Backend {
  node(): Promise<Broker>;
}

export type BrokerFactory = () => Promise<BrokerBackend>;

/** A node's received events, with a way to wait for them. */
function recorder(broker: Broker): { events: RoomEvent[]; waitFor(count: number, timeoutMs?: number): Promise<void> } {
  const events: RoomEvent[] = [];
  const waiters: Array<() => void> = [];
  broker.onEvent((event) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    events,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${events.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

/** Let in-flight deliveries land (for asserting that nothing arrives). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

export function brokerContract(name: string, factory: BrokerFactory): void {
  const withNodes = (fn: (backend: BrokerBackend) => Promise<void>) => withBackend(factory, fn);

  describe(`Broker contract: ${name}`, () => {
    test('publish reaches the subscribed node once, byte for byte, with its seq and epoch', () =>
      withNodes(async (backend) => {
        const node = await backend.node();
        const got = recorder(node);
        await node.subscribe('r1');
        const frame = JSON.stringify({ type: 'message', message: { body: 'tab\tnew line\nquote" emoji 🎉 \u0000 end' } });
        await node.publish({ roomId: 'r1', seq: 7, epoch: 'ep-1', frame });
        await node.publish({ roomId: 'r1', frame: '{"type":"typing"}' });
        await got.waitFor(2);
        await settle();
        assert.deepEqual(got.events, [
          { roomId: 'r1', seq: 7, epoch: 'ep-1', frame },
          { roomId: 'r1', frame: '{"type":"typing"}' },
        ]);
      }));

    test('a node receives nothing of a room it does not serve, and nothing after unsubscribing', () =>
      withNodes(async (backend) => {
        const node = await backend.node();
        const got = recorder(node);
        await node.subscribe('served');
        await node.publish({ roomId: 'other', seq: 1, frame: '{"n":1}' });
        await node.publish({ roomId: 'served', seq: 1, frame: '{"n":2}' });
        await got.waitFor(1);
        await node.unsubscribe('served');
        await node.publish({ roomId: 'served', seq: 2, frame: '{"n":3}' });
        await settle();
        assert.deepEqual(got.events.map((e) => e.frame), ['{"n":2}']);
      }));

    test('events of one room published by one node arrive in publish order', () =>
      withNodes(async (backend) => {
        const node = await backend.node();
        const got = recorder(node);
        await node.subscribe('ordered');
        await Promise.all(Array.from({ length: 1000 }, (_, i) => node.publish({ roomId: 'ordered', seq: i + 1, frame: `{"i":${i + 1}}` })));
        await got.waitFor(1000);
        assert.deepEqual(got.events.map((e) => e.seq), Array.from({ length: 1000 }, (_, i) => i + 1));
      }));

    test('publish reaches every node serving the room once, the publisher included, and no other node', (t) =>
      withNodes(async (backend) => {
        if (!backend.shared) return t.skip(`${name} serves one process only`);
        const [a, b, c] = [await backend.node(), await backend.node(), await backend.node()];
        const [gotA, gotB, gotC] = [recorder(a), recorder(b), recorder(c)];
        await a.subscribe('room');
        await b.subscribe('room');
        await c.subscribe('elsewhere');
        for (let i = 1; i <= 50; i++) await a.publish({ roomId: 'room', seq: i, frame: `{"i":${i}}` });
        await gotA.waitFor(50);
        await gotB.waitFor(50);
        await settle();
        assert.deepEqual(gotA.events.map((e) => e.seq), gotB.events.map((e) => e.seq));
        assert.equal(gotA.events.length, 50);
        assert.equal(gotC.events.length, 0);
      }));
  });
}
