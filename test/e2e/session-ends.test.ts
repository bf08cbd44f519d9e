/**
 * Ending a session closes its sockets on every node (issue 11, "Doors"): two nodes on one
 * PostgreSQL and one Redis, the socket on one node, the session ended through the other (or by the
 * CLI). The periodic re-check is set far beyond the test, so only the `session_ended` signal over
 * the Redis broker can close the socket within the second.
 */
import { describe, test, before, after } from 'node:test';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { scenarios, type Nodes } from '../support/session-ends.ts';

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
}
