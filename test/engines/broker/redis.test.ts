/**
 * The Redis Broker: the Broker contract on the test Redis (several nodes on one server), then what
 * only Redis can do — lose its connection: delivery resumes with every room subscribed again and an
 * interruption reported, and publishing fails fast with BROKER_UNAVAILABLE while Redis is down.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBroker } from '../../../src/engines/broker/redis.ts';
import { ParleyError } from '../../../src/protocol/errors.ts';
import { brokerContract } from '../../contracts/broker.contract.ts';
import { requireRedis } from '../../support/services.ts';
import { startPrivateRedis, testRedis } from '../../support/redis.ts';
import { eventually } from '../../support/eventually.ts';

const url = await requireRedis();
if (url !== undefined) {
  brokerContract('redis', async () => {
    const redis = await testRedis(url);
    return { shared: true, node: async () => new RedisBroker(await redis.connect()), dispose: () => redis.dispose() };
  });

  describe('Redis Broker specifics', () => {
    test('after Redis restarts, the node subscribes its rooms again, reports the interruption, and receives new events', async () => {
      await using server = await startPrivateRedis();
      await using redis = await testRedis(server.url);
      const broker = new RedisBroker(await redis.connect({ heartbeatMs: 200 }));
      const events: string[] = [];
      broker.onEvent((e) => events.push(e.frame));
      let interrupted!: () => void;
      const interruption = new Promise<void>((resolve) => (interrupted = resolve));
      broker.onInterrupt(() => interrupted());
      await broker.subscribe('r');
      await broker.publish({ roomId: 'r', frame: '"before"' });
      await server.stop();
      await assert.rejects(broker.publish({ roomId: 'r', frame: '"while down"' }), (err) => err instanceof ParleyError && err.code === 'BROKER_UNAVAILABLE');
      await server.start();
      await interruption;
      await broker.publish({ roomId: 'r', frame: '"after"' });
      await eventually('the event published after the restart arrives', 5000, () => events.includes('"after"'));
      assert.deepEqual(events, ['"before"', '"after"']);
    });
  });
}
