/**
 * Losing PostgreSQL (issue: scale-out; DESIGN.md rule 1). Nodes on one database and one Redis:
 * - connections terminated during traffic (`pg_terminate_backend`): sends in flight get the
 *   retryable STORE_UNAVAILABLE, never an ack; their retries with the same clientId are stored once,
 *   and every client ends with every acknowledged message exactly once;
 * - the database unreachable (connections reset, new ones refused): sends fail fast with
 *   STORE_UNAVAILABLE, `/ready` says not ready, and the node recovers by itself once it is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis, withPostgresClient } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { eventually } from '../support/eventually.ts';
import { checkExactlyOnce, recorder, sendAll, summary, type Recorder } from '../support/exactly-once.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  test('connections terminated during traffic: sends get a retryable error, never an ack, and each retry is stored once', async () => {
    await using cluster = await startCluster(2, { databaseUrl, redisUrl });
    const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
    const { room, joinCode } = await a.createRoom();
    const recorders: Recorder[] = [];
    for (let i = 0; i < 8; i++) {
      const node = i % 2 === 0 ? a : b;
      const { token } = await node.joinRoom(room.id, joinCode, `client ${i}`);
      recorders.push(await recorder(node.url, token, room.id));
    }
    let sending = true;
    const terminations = (async () => {
      let terminated = 0;
      while (sending) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        terminated += await withPostgresClient(databaseUrl, async (admin) => {
          const { rowCount } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [cluster.applicationName]);
          return rowCount ?? 0;
        });
      }
      return terminated;
    })();
    const refusedSends = { count: 0 };
    await Promise.all(recorders.map((r) => sendAll(r, room.id, 150, 3, () => undefined, refusedSends)));
    sending = false;
    const terminated = await terminations;
    const result = await checkExactlyOnce(recorders, 20_000);
    console.log(`${summary('PostgreSQL connections terminated during traffic', result)}; ${terminated} connections terminated`);
    for (const r of recorders) r.client.close();
    assert.ok(terminated > 0, 'connections were terminated while messages flowed');
    assert.ok(refusedSends.count > 0, 'some sends were refused with a retryable error and retried');
    assert.equal(result.acked, 8 * 150);
    assert.deepEqual({ lost: result.lost, duplicated: result.duplicated, reordered: result.reordered, missing: result.missing }, { lost: 0, duplicated: 0, reordered: 0, missing: 0 });

    // Every acked message is stored once: as many message events as acks, one per clientId.
    const rows = await withPostgresClient(databaseUrl, (admin) => admin.query<{ count: string; distinct: string }>(`select count(*) as count, count(distinct client_id) as distinct from ${cluster.schema}.events where room_id = $1 and type = 'message'`, [room.id]));
    assert.deepEqual([Number(rows.rows[0]?.count), Number(rows.rows[0]?.distinct)], [8 * 150, 8 * 150]);
  });

  test('the database unreachable: sends fail fast with STORE_UNAVAILABLE, /ready says not ready, and the node recovers by itself', async () => {
    const upstream = new URL(databaseUrl);
    await using proxy = await startTcpProxy([Number(upstream.port || 5432)]);
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    await using cluster = await startCluster(1, { databaseUrl: viaProxy.toString(), redisUrl });
    const node = cluster.nodes[0] as NonNullable<(typeof cluster.nodes)[0]>;
    const { room, joinCode } = await node.createRoom();
    const ada = await node.member(room.id, joinCode, 'Ada');
    const joinedAt = ada.room.lastSeq;
    const ready = async () => (await fetch(`${node.url}/ready`)).status === 200;
    assert.equal(await ready(), true);

    proxy.cut();
    const started = Date.now();
    const refused = await ada.client.request({ type: 'send', id: 'down-1', roomId: room.id, body: 'while the database is down' }, 15_000);
    assert.equal((refused.error as { code: string }).code, 'STORE_UNAVAILABLE');
    assert.ok(Date.now() - started < 6000, `refused after ${Date.now() - started} ms`);
    await eventually('/ready reports not ready', 5000, async () => !(await ready()));

    proxy.restore();
    await eventually('/ready reports ready again', 15_000, ready);
    const stored = await ada.client.request({ type: 'send', id: 'down-1', roomId: room.id, body: 'while the database is down' }, 15_000);
    assert.deepEqual([(stored.result as { seq: number }).seq, (stored.result as { duplicate: boolean }).duplicate], [joinedAt + 1, false], 'the refused send had stored nothing (its seq is the next after Ada\'s join); its retry is stored once');
    await ada.client.close();
  });
}
