/**
 * Losing Redis (issue: scale-out; DESIGN.md rule 3). Two nodes on one PostgreSQL and a Redis of the
 * test's own:
 * - Redis restarted during traffic: pub/sub loses what was published meanwhile, the nodes repair
 *   the gaps from the store, and every client ends with every acknowledged message exactly once;
 *   the gaps close within 5 s of Redis coming back.
 * - a silent partition between one node and Redis (packets blackholed, nothing reset): the node
 *   notices within two heartbeats, reports not ready, refuses relay sends with a retryable error
 *   instead of acking them, keeps storing and delivering persistent messages, and recovers by
 *   itself when the partition ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { startPrivateRedis } from '../support/redis.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { eventually } from '../support/eventually.ts';
import { checkExactlyOnce, recorder, sendAll, summary, type Recorder } from '../support/exactly-once.ts';

const databaseUrl = await requirePostgres();
const redisAvailable = await requireRedis();

if (databaseUrl !== undefined && redisAvailable !== undefined) {
  test('Redis restarted during traffic: no acknowledged message is lost or doubled, and the gaps close within 5 s', async () => {
    await using redis = await startPrivateRedis();
    await using cluster = await startCluster(2, { databaseUrl, redisUrl: redis.url }, { PARLEY_REDIS_HEARTBEAT_MS: '250', PARLEY_POSITION_CHECK_INTERVAL_MS: '500' });
    const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
    const { room, joinCode } = await a.createRoom();
    const recorders: Recorder[] = [];
    for (let i = 0; i < 10; i++) {
      const node = i % 2 === 0 ? a : b;
      const { token } = await node.joinRoom(room.id, joinCode, `client ${i}`);
      recorders.push(await recorder(node.url, token, room.id));
    }
    let acks = 0;
    let outage: Promise<number> | undefined;
    const perClient = 200;
    const onAck = () => {
      acks += 1;
      if (acks === (10 * perClient) / 2 && outage === undefined) {
        outage = (async () => {
          await redis.stop();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await redis.start();
          const ackedBefore = Math.max(...recorders.flatMap((r) => [...r.acks.values()]));
          // Every event up to the newest acked seq: the messages and the joins, which share the room's seqs.
          return eventually('every client has every event up to the last message acked before Redis came back', 5000, () =>
            recorders.every((r) => new Set(r.events.map((e) => e.seq).filter((seq) => seq > r.joinedAtSeq && seq <= ackedBefore)).size === ackedBefore - r.joinedAtSeq),
          );
        })();
      }
    };
    await Promise.all(recorders.map((r) => sendAll(r, room.id, perClient, 3, onAck)));
    const repairedMs = await outage;
    const result = await checkExactlyOnce(recorders, 20_000);
    console.log(`${summary('Redis restarted during traffic', result)}; gaps closed ${repairedMs} ms after Redis was back`);
    for (const r of recorders) r.client.close();
    assert.equal(result.acked, 10 * perClient);
    assert.deepEqual({ lost: result.lost, duplicated: result.duplicated, reordered: result.reordered, missing: result.missing }, { lost: 0, duplicated: 0, reordered: 0, missing: 0 });
  });

  test('a node silently cut off from Redis notices within two heartbeats, refuses relay sends without acking, still serves persistent rooms, and recovers', async () => {
    await using redis = await startPrivateRedis();
    await using proxy = await startTcpProxy([redis.port]);
    const heartbeatMs = 500;
    await using cluster = await startCluster(1, { databaseUrl, redisUrl: redis.url }, { PARLEY_REDIS_HEARTBEAT_MS: String(heartbeatMs), PARLEY_POSITION_CHECK_INTERVAL_MS: '300' });
    const b = cluster.nodes[0] as NonNullable<(typeof cluster.nodes)[0]>;
    const a = await cluster.addNode({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const ready = async () => (await fetch(`${a.url}/ready`)).status === 200;
    assert.equal(await ready(), true);
    const relay = await b.createRoom({ kind: 'relay' });
    const stored = await b.createRoom();
    const adaRelay = await a.member(relay.room.id, relay.joinCode, 'Ada');
    const adaStored = await a.member(stored.room.id, stored.joinCode, 'Ada');
    const bob = await b.member(stored.room.id, stored.joinCode, 'Bob');

    proxy.blackhole();
    const noticedMs = await eventually('the node reports not ready', 2 * heartbeatMs + 1000, async () => !(await ready()));
    const body = (await (await fetch(`${a.url}/ready`)).json()) as { checks: Record<string, { ok: boolean }> };
    assert.deepEqual([body.checks.redis?.ok, body.checks.store?.ok], [false, true]);
    const health = await fetch(`${a.url}/health`);
    assert.deepEqual([health.status, ((await health.json()) as { status: string }).status], [503, 'degraded']);

    const refusedAt = Date.now();
    const refused = await adaRelay.client.request({ type: 'send', id: 'relay-1', roomId: relay.room.id, body: 'during the partition' }, 10_000);
    assert.equal((refused.error as { code: string; retryable: boolean }).code, 'BROKER_UNAVAILABLE');
    assert.equal((refused.error as { retryable: boolean }).retryable, true);
    assert.ok(Date.now() - refusedAt <= 2 * heartbeatMs + 500, 'refused fast, not after a TCP timeout');

    const acked = await adaStored.client.request({ type: 'send', id: 'stored-1', roomId: stored.room.id, body: 'stored during the partition' }, 10_000);
    assert.equal((acked.result as { seq: number }).seq, bob.room.lastSeq + 1, 'the next seq after Bob\'s join, the room\'s last event');
    await bob.client.waitForMessages(1, stored.room.id, 5000);

    proxy.restore();
    await eventually('the node is ready again', 10_000, ready);
    const resent = await adaRelay.client.request({ type: 'send', id: 'relay-1', roomId: relay.room.id, body: 'during the partition' }, 10_000);
    assert.equal((resent.result as { seq: number; duplicate: boolean }).duplicate, false, 'the refused send was never stored: its retry is the first copy');
    console.log(`silent partition from Redis noticed after ${noticedMs} ms (heartbeat ${heartbeatMs} ms)`);
    for (const c of [adaRelay.client, adaStored.client, bob.client]) await c.close();
  });
}
