/**
 * Graceful shutdown (issue: scale-out): SIGTERM makes a node stop accepting, flush its pending
 * writes, tell its clients to reconnect, and exit 0. Behind a balancer its clients move to the
 * other node and resume with nothing lost or doubled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { startNodeProcess } from '../support/node-process.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { checkExactlyOnce, recorder, sendAll, summary, type Recorder } from '../support/exactly-once.ts';
import { post } from '../support/api.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  test('SIGTERM drains a node: it exits 0 and its clients resume on the other node with nothing lost or doubled', async () => {
    await using cluster = await startCluster(0, { databaseUrl, redisUrl });
    await using a = await startNodeProcess(cluster.env);
    await using b = await startNodeProcess(cluster.env);
    await using balancer = await startTcpProxy([a.port, b.port]);
    const base = `http://127.0.0.1:${balancer.port}`;
    const { room, joinCode } = (await post(a.url, '/api/v1/admin/rooms', { name: 'drain' }, cluster.env.PARLEY_ADMIN_TOKEN)) as { room: { id: string }; joinCode: string };
    const recorders: Recorder[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = (await post(base, '/api/v1/join', { roomId: room.id, code: joinCode, name: `client ${i}` })) as { token: string };
      recorders.push(await recorder(base, token, room.id));
    }
    let acks = 0;
    let exit: Promise<number | null> | undefined;
    const onAck = () => {
      acks += 1;
      if (acks === 6 * 100 && exit === undefined) exit = a.kill('SIGTERM');
    };
    await Promise.all(recorders.map((r) => sendAll(r, room.id, 200, 3, onAck)));
    assert.equal(await exit, 0, `the drained node exits 0:\n${a.logs().slice(-2000)}`);
    const result = await checkExactlyOnce(recorders, 20_000);
    console.log(summary('node drained with SIGTERM', result));
    for (const r of recorders) r.client.close();
    assert.deepEqual({ acked: result.acked, lost: result.lost, duplicated: result.duplicated, reordered: result.reordered, missing: result.missing }, { acked: 1200, lost: 0, duplicated: 0, reordered: 0, missing: 0 });
  });
}
