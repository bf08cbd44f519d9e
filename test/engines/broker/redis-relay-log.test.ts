/** The Redis RelayLog against the RelayLog contract, several nodes on the test Redis. */
import { RedisRelayLog } from '../../../src/engines/broker/redis-relay-log.ts';
import { relayLogContract } from '../../contracts/relay-log.contract.ts';
import { requireRedis } from '../../support/services.ts';
import { testRedis } from '../../support/redis.ts';

const url = await requireRedis();
if (url !== undefined) {
  relayLogContract('redis', async () => {
    const redis = await testRedis(url);
    return { shared: true, node: async ({ bufferSize, ttlMs }) => new RedisRelayLog(await redis.connect(), bufferSize, ttlMs), dispose: () => redis.dispose() };
  });
}
