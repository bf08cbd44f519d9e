/**
 * Ending a session closes its sockets on every node (issue 11, "Doors"): two nodes on one
 * PostgreSQL and one Redis, the socket on one node, the session ended through the other (or by the
 * CLI). The periodic re-check is set far beyond the test, so only the `session_ended` signal over
 * the Redis broker can close the socket within the second.
 */
import { describe, test, before, after } from 'node:test';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { scenarios, joinSession, connect, type Nodes } from '../support/session-ends.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { call } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import assert from 'node:assert/strict';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  describe('ending a session closes its sockets on every node', () => {
    let cluster: Cluster;
    before(async () => {
      cluster = await startCluster(2, { databaseUrl, redisUrl }, { PARLEY_SESSION_CHECK_INTERVAL_MS: '3600000' });
    });
    after(async () => {
      await cluster[Symbol.asyncDispose]();
    });
    const across = scenarios(
      (): Nodes => ({ open: cluster.nodes[1]!, act: cluster.nodes[0]! }),
      () => cluster.env,
    );

    test('POST /api/v1/logout on one node closes the join session\'s socket on the other with 4401 within a second', async () => {
      await across.joinLogout();
    });
    test('POST /api/v1/auth/logout on one node closes the sign-in\'s socket on the other with 4401 within a second', async () => {
      await across.accountLogout();
    });
    test('a refresh token replayed on one node closes its family\'s socket on the other with 4401 within a second', async () => {
      await across.refreshReplay();
    });
    test('`parley accounts demote` closes the account\'s admin socket on a running node with 4401 within a second', async () => {
      await across.demotion();
    });
  });

  test('a logout whose signal a node missed (its Redis subscription was cut) closes the socket there once the subscription is back', async () => {
    await using proxy = await startTcpProxy([Number(new URL(redisUrl).port)]);
    await using cluster = await startCluster(1, { databaseUrl, redisUrl }, { PARLEY_SESSION_CHECK_INTERVAL_MS: '3600000', PARLEY_REDIS_HEARTBEAT_MS: '300' });
    const act = cluster.nodes[0]!;
    const open = await cluster.addNode({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const nodes: Nodes = { open, act };
    const token = await joinSession(nodes, 'Ada');
    const target = await connect(nodes, token);
    let closed: number | undefined;
    void target.closeEvent.then(({ code }) => (closed = code));
    const ready = async () => (await fetch(`${open.url}/ready`)).status === 200;
    proxy.blackhole();
    await eventually('the node notices it lost Redis', 5000, async () => !(await ready()));
    assert.equal((await call(act.url, 'POST', '/api/v1/logout', token)).status, 200);
    await target.request({ type: 'join', roomId: 'no-such-room' });
    assert.equal(closed, undefined, 'the signal did not reach the cut-off node');
    proxy.restore();
    await eventually('the socket is closed once the subscription is back', 10_000, () => closed !== undefined);
    assert.equal(closed, 4401);
  });
}
