/** The Redis Counters against the Counters contract, several nodes on the test Redis. */
import { RedisCounters } from '../../../src/engines/counters/redis.ts';
import { countersContract } from '../../contracts/counters.contract.ts';
import { requireRedis } from '../../support/services.ts';
import { testRedis } from '../../support/redis.ts';

const url = await requireRedis();
if (url !== undefined) {
  countersContract('redis', async () => {
    const redis = await testRedis(url);
    return { shared: true, node: async () => new RedisCounters(await redis.connect()), dispose: () => redis.dispose() };
  });
}
