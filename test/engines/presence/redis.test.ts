/** The Redis Presence against the Presence contract, several nodes on the test Redis; and its key hygiene. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
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

  describe('Redis presence specifics', () => {
    test('every key of a room carries a TTL; expire and remove drop the member index entries they end, and an emptied room leaves no key', async () => {
      await using keys = await testRedis(url);
      const presence = new RedisPresence(await keys.connect());
      const raw = new Redis(url);
      try {
        const base = `${keys.prefix}presence:r`;
        const listKeys = async () => (await raw.keys(`${keys.prefix}*`)).sort();
        await presence.touch('r', { memberId: 'ada', connectionId: 'c1', value: 'Ada' }, 60_000);
        await presence.touch('r', { memberId: 'bob', connectionId: 'c2', value: 'Bob' }, 100);
        await presence.touch('r', { memberId: 'cy', connectionId: 'c3', value: 'Cy' }, 60_000);
        assert.deepEqual(await listKeys(), [base, `${base}:member:ada`, `${base}:member:bob`, `${base}:member:cy`, `${base}:members`, `${base}:values`]);
        for (const key of await listKeys()) {
          const ttl = await raw.pttl(key);
          assert.ok(ttl > 0 && ttl <= 61_000, `${key} expires (pttl ${ttl})`);
        }

        await new Promise((resolve) => setTimeout(resolve, 250));
        assert.deepEqual(await presence.expire('r'), [{ memberId: 'bob', connectionId: 'c2', value: 'Bob' }]);
        assert.equal(await raw.exists(`${base}:member:bob`), 0, 'the expired member index is gone');
        assert.equal(await raw.zscore(`${base}:members`, 'bob'), null, 'and so is its member');

        await presence.remove('r', { memberId: 'cy', connectionId: 'c3' });
        assert.equal(await raw.exists(`${base}:member:cy`), 0);
        assert.equal(await raw.zscore(`${base}:members`, 'cy'), null);
        await presence.remove('r', { memberId: 'ada', connectionId: 'c1' });
        assert.deepEqual(await listKeys(), []);
      } finally {
        raw.disconnect();
      }
    });
  });
}
