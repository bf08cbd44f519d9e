/**
 * Losing a node (issue: scale-out): two `parley serve` processes on one PostgreSQL and one Redis,
 * behind a TCP balancer. One is killed with SIGKILL (no goodbye) while 20 SDK clients each send 500
 * messages, then started again. Its clients reconnect through the balancer to the other node and
 * resume by seq: afterwards every client has every acknowledged message exactly once, and every
 * timeline event since its join with no seq missing, in seq order.
 * The killed node's users stop showing online within the presence TTL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { startNodeProcess } from '../support/node-process.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { checkExactlyOnce, recorder, sendAll, summary } from '../support/exactly-once.ts';
import { RawClient } from '../support/ws-client.ts';
import { post } from '../support/api.ts';
import { announces } from '../support/presence-changes.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  test('20 clients × 500 messages while one of two nodes is killed and restarted: every acked message reaches every client exactly once, in order', async () => {
    await using cluster = await startCluster(0, { databaseUrl, redisUrl }, { PARLEY_POSITION_CHECK_INTERVAL_MS: '500' });
    await using a = await startNodeProcess(cluster.env);
    await using b = await startNodeProcess(cluster.env);
    await using balancer = await startTcpProxy([a.port, b.port]);
    const base = `http://127.0.0.1:${balancer.port}`;
    const { room, joinCode } = (await post(a.url, '/api/v1/admin/rooms', { name: 'failover' }, cluster.env.PARLEY_ADMIN_TOKEN)) as { room: { id: string }; joinCode: string };
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push(((await post(base, '/api/v1/join', { roomId: room.id, code: joinCode, name: `client ${i}` })) as { token: string }).token);
    const recorders = await Promise.all(tokens.map((token) => recorder(base, token, room.id)));

    let acks = 0;
    let killed: Promise<void> | undefined;
    const perClient = 500;
    const onAck = () => {
      acks += 1;
      if (acks === (20 * perClient) / 2 && killed === undefined) {
        killed = (async () => {
          await a.kill('SIGKILL');
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await a.start();
        })();
      }
    };
    await Promise.all(recorders.map((r) => sendAll(r, room.id, perClient, 5, onAck)));
    await killed;

    const result = await checkExactlyOnce(recorders, 30_000);
    console.log(summary('node killed with SIGKILL and restarted', result));
    for (const r of recorders) r.client.close();
    assert.equal(result.acked, 20 * perClient);
    assert.deepEqual({ lost: result.lost, duplicated: result.duplicated, reordered: result.reordered, missing: result.missing }, { lost: 0, duplicated: 0, reordered: 0, missing: 0 });
    assert.ok(recorders.some((r) => r.resumeMs.length > 0), 'the killed node\'s clients reconnected and resumed');
  });

  test('a node killed without goodbye stops showing its users online within the presence TTL', async () => {
    await using cluster = await startCluster(0, { databaseUrl, redisUrl }, { PARLEY_PRESENCE_TTL_MS: '1500' });
    await using a = await startNodeProcess(cluster.env);
    await using b = await startNodeProcess(cluster.env);
    const { room, joinCode } = (await post(a.url, '/api/v1/admin/rooms', { name: 'presence' }, cluster.env.PARLEY_ADMIN_TOKEN)) as { room: { id: string }; joinCode: string };
    const ada = (await post(a.url, '/api/v1/join', { roomId: room.id, code: joinCode, name: 'Ada' })) as { token: string; user: { id: string } };
    const bob = (await post(b.url, '/api/v1/join', { roomId: room.id, code: joinCode, name: 'Bob' })) as { token: string };
    await using watcher = await RawClient.connect(`${b.url.replace('http', 'ws')}/ws`, bob.token);
    await watcher.request({ type: 'join', roomId: room.id });
    const adaSocket = await RawClient.connect(`${a.url.replace('http', 'ws')}/ws`, ada.token);
    await adaSocket.request({ type: 'join', roomId: room.id });
    await watcher.next(announces(ada.user.id, true), 5000);

    const killedAt = Date.now();
    await a.kill('SIGKILL');
    await watcher.next(announces(ada.user.id, false), 10_000);
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed <= 1500 + 500 + 1000, `Ada was shown offline ${elapsed} ms after her node died (TTL 1500 ms + one beat)`);
  });
}
