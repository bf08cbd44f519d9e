/** The Redis RelayLog against the RelayLog contract, several nodes on the test Redis; and its bounded dedupe keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisRelayLog } from '../../../src/engines/broker/redis-relay-log.ts';
import { relayLogContract } from '../../contracts/relay-log.contract.ts';
import { eventually } from '../../support/eventually.ts';
import { requireRedis } from '../../support/services.ts';
import { testRedis } from '../../support/redis.ts';

const url = await requireRedis();
if (url !== undefined) {
  relayLogContract('redis', async () => {
    const redis = await testRedis(url);
    return { shared: true, node: async (options) => new RedisRelayLog(await redis.connect(), options), dispose: () => redis.dispose() };
  });

  test('redis: dedupe entries older than the window are pruned as appends go by, so dedupe memory stays bounded', async () => {
    const redis = await testRedis(url);
    try {
      const connections = await redis.connect();
      const log = new RedisRelayLog(connections, { bufferSize: 5, ttlMs: 60_000, dedupeWindowMs: 200 });
      const append = (i: number) => log.append({ id: `m-${i}`, roomId: 'r', senderId: 'ada', senderName: 'Ada', clientId: `c-${i}`, type: 'message', body: 'hi', createdAt: 1_700_000_000_000 + i });
      await Promise.all(Array.from({ length: 150 }, (_, i) => append(i)));
      const dedupe = `${redis.prefix}relay:r:dedupe`;
      const sizes = async () => [await connections.command.hlen(dedupe), await connections.command.zcard(`${dedupe}-at`)];
      assert.deepEqual(await sizes(), [150, 150]);
      let i = 150;
      await eventually('expired dedupe entries are pruned', 5000, async () => {
        await append(i++);
        const [fields, times] = await sizes();
        assert.equal(fields, times);
        // The 150 entries of the first burst expire and go; what stays is the few appended within the last window.
        return (fields as number) < 50;
      });
    } finally {
      await redis.dispose();
    }
  });
}
