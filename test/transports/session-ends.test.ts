/**
 * Ending a session closes the sockets it opened (issue 11, "Doors"), on one node: a join-session
 * logout, an account logout, a replayed refresh token and a demotion each close the socket opened
 * before with 4401 within a second, and leave the sockets of other sessions open. The first three
 * travel as the `session_ended` signal (the periodic re-check is set far beyond the test); a
 * demotion done by the CLI without Redis reaches the node by its periodic re-check.
 */
import { describe, test, before, after } from 'node:test';
import { startServer, type TestServer } from '../support/server.ts';
import { scenarios, type Nodes } from '../support/session-ends.ts';

describe('ending a session closes its sockets (one node)', () => {
  let signalled: TestServer;
  let rechecked: TestServer;
  before(async () => {
    signalled = await startServer({ PARLEY_SESSION_CHECK_INTERVAL_MS: '3600000' });
    rechecked = await startServer({ PARLEY_SESSION_CHECK_INTERVAL_MS: '400' });
  });
  after(async () => {
    await signalled.close();
    await rechecked.close();
  });
  const on = (server: () => TestServer) => scenarios(
    (): Nodes => ({ open: server(), act: server() }),
    () => ({ DATA_DIR: server().dataDir }),
    server === signalledServer,
  );
  const signalledServer = () => signalled;
  const recheckedServer = () => rechecked;

  test('POST /api/v1/logout closes the join session\'s socket with 4401 within a second; another session\'s socket stays', async () => {
    await on(signalledServer).joinLogout();
  });
  test('POST /api/v1/auth/logout closes the sign-in\'s socket with 4401 within a second and its access token opens no new one; the same account\'s other sign-in stays', async () => {
    await on(signalledServer).accountLogout();
  });
  test('a replayed refresh token closes its family\'s socket with 4401 within a second; the same account\'s other sign-in stays', async () => {
    await on(signalledServer).refreshReplay();
  });
  test('`parley accounts demote` closes the account\'s admin socket with 4401 within a second (periodic re-check); another account\'s socket stays', async () => {
    await on(recheckedServer).demotion();
  });
});
