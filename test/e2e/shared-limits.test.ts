/**
 * Rate limits hold for the deployment, not per node (issue: abuse resistance): two in-process nodes
 * on one PostgreSQL and one Redis count a client address's HTTP requests and a user's messages
 * together, through the Counters port's Redis engine. Connection caps, by design, are per node.
 * When Redis cannot be reached the shared limits fail open, and hold again once it is back.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { startServer } from '../support/server.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { testRedis } from '../support/redis.ts';
import { eventually } from '../support/eventually.ts';
import { RawClient, upgradeStatus } from '../support/ws-client.ts';
import type { TestServer } from '../support/server.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  const urls = { databaseUrl, redisUrl };

  describe('limits shared by every node', () => {
    test('a client address\'s HTTP requests are counted across nodes: its budget spent on one node is spent on the other, upgrades included', async () => {
      await using cluster = await startCluster(2, urls, { PARLEY_HTTP_RATE_LIMIT: '4' });
      const [a, b] = cluster.nodes as [TestServer, TestServer];
      const statuses: number[] = [];
      for (const node of [a, b, a, b, a, b]) statuses.push((await fetch(`${node.url}/api/v1/session`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
      const limited = await fetch(`${b.url}/api/v1/session`);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal(await upgradeStatus(`${a.wsUrl}?token=any`), 429);
      assert.equal((await fetch(`${a.url}/ready`)).status, 200, 'probes stay exempt');
    });

    test('a user\'s messages in a room are counted across nodes and transports; connections per address are counted per node', async () => {
      await using cluster = await startCluster(2, urls, { PARLEY_MESSAGES_PER_MINUTE: '3', PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS: '1' });
      const [a, b] = cluster.nodes as [TestServer, TestServer];
      const { room } = await a.createRoom({ joinRule: 'open' });
      const ada = await a.joinRoom(room.id, null, 'Ada');
      await using onA = await RawClient.connect(a.wsUrl, ada.token);
      await using onB = await RawClient.connect(b.wsUrl, ada.token);
      assert.equal(await upgradeStatus(`${a.wsUrl}?token=${encodeURIComponent(ada.token)}`), 429, 'a second socket from this address on node A');
      for (const client of [onA, onB]) await client.request({ type: 'join', roomId: room.id });

      assert.equal((await onA.request({ type: 'send', id: 'm1', roomId: room.id, body: 'one' })).error, undefined);
      const overHttp = await fetch(`${b.url}/api/v1/rooms/${room.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: 'm2', body: 'two' }),
      });
      assert.equal(overHttp.status, 201);
      assert.equal((await onB.request({ type: 'send', id: 'm3', roomId: room.id, body: 'three' })).error, undefined);
      for (const client of [onA, onB]) {
        const refused = await client.request({ type: 'send', id: `over-${client === onA ? 'a' : 'b'}`, roomId: room.id, body: 'four' });
        assert.equal((refused.error as { code: string } | undefined)?.code, 'RATE_LIMITED');
      }
    });

    test('while Redis is unreachable the shared limits let requests and sends through (persistent rooms still store); once it is back they hold again', async () => {
      const { port } = new URL(urls.redisUrl);
      await using proxy = await startTcpProxy([Number(port || 6379)]);
      await using redis = await testRedis(urls.redisUrl);
      await using server = await startServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, PARLEY_REDIS_PREFIX: redis.prefix, PARLEY_REDIS_HEARTBEAT_MS: '200', PARLEY_HTTP_RATE_LIMIT: '1000', PARLEY_MESSAGES_PER_MINUTE: '1' });
      const { room } = await server.createRoom({ joinRule: 'open' });
      const ada = await server.joinRoom(room.id, null, 'Ada');
      const send = (clientId: string) =>
        fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ clientId, body: clientId }) }).then((res) => res.status);
      assert.deepEqual([await send('up-1'), await send('up-2')], [201, 429]);

      proxy.cut();
      await eventually('the node notices Redis is gone', 5000, async () => (await fetch(`${server.url}/ready`)).status === 503);
      assert.deepEqual([await send('down-1'), await send('down-2'), await send('down-3')], [201, 201, 201], 'sends are stored and acked, not refused');

      proxy.restore();
      await eventually('the node is ready again', 10_000, async () => (await fetch(`${server.url}/ready`)).status === 200);
      assert.equal(await send('back-1'), 429, 'the window counted before the outage holds again');
    });
  });
}
