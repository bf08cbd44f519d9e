/** The Redis Presence against the Presence contract, several nodes on the test Redis. */
import { RedisPresence } from '../../../src/engines/presence/redis.ts';
import { presenceContract } from '../../contracts/presence.contract.ts';
import { requireRedis } from '../../support/services.ts';
import { testRedis } from '../../support/redis.ts';

const url = await requireRedis();
if (url !== undefined) {
  presenceContract('redis', async () => {
    const redis = await testRedis(url);
    return { shared: true, node: async () => new RedisPresence(await redis.connect()), dispose: () => redis.dispose() };
  });
}
