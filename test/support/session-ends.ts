/**
 * The ways a session ends (issue 11, "Doors"), each as: open a socket with the credential, end its
 * session, and expect the socket closed with 4401 within a second, while a socket of another
 * session of the same kind stays open. Shared by the one-node and the two-node tests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { call, post } from './api.ts';
import { RawClient, upgradeStatus } from './ws-client.ts';

/** Where a scenario runs: `open` is the node the sockets are on, `act` the one the session is ended through (may be the same). */
export interface Nodes {
  readonly open: { readonly url: string; readonly wsUrl: string; readonly adminToken: string };
  readonly act: { readonly url: string };
}

const PASSWORD = 'correct horse battery staple';

/** Run `action`, then wait for `target` to close: resolves its close code and how long after the action it came (ms); rejects after `limitMs`. */
export async function closeAfter(target: RawClient, action: () => Promise<unknown>, limitMs = 1000): Promise<{ code: number; ms: number }> {
  await action();
  const done = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the socket was still open ${limitMs} ms after its session ended`)), limitMs);
  });
  try {
    const { code } = await Promise.race([target.closeEvent, limit]);
    return { code, ms: Date.now() - done };
  } finally {
    clearTimeout(timer);
  }
}

/** Assert that `client` is still served: a command gets its reply. */
export async function assertOpen(client: RawClient): Promise<void> {
  const reply = await client.request({ type: 'join', roomId: 'no-such-room' });
  assert.equal(reply.type, 'reply');
}

/** A join session (newcomer in an open room on `act`): its token. */
export async function joinSession(nodes: Nodes, name: string): Promise<string> {
  const { room } = (await post(nodes.open.url, '/api/v1/admin/rooms', { name: 'lobby', joinRule: 'open' }, nodes.open.adminToken)) as { room: { id: string } };
  const joined = (await post(nodes.act.url, '/api/v1/join', { roomId: room.id, name })) as { token: string };
  return joined.token;
}

/** Register an account (on `act`): its access and refresh tokens and username. */
export async function account(nodes: Nodes): Promise<{ username: string; accessToken: string; refreshToken: string }> {
  const username = `user${randomBytes(4).toString('hex')}`;
  const res = (await post(nodes.act.url, '/api/v1/auth/register', { username, password: PASSWORD })) as { accessToken: string; refreshToken: string };
  return { username, ...res };
}

/** Sign `username` in again (on `act`): a new refresh-token family. */
export async function login(nodes: Nodes, username: string): Promise<{ accessToken: string; refreshToken: string; account: { role: string } }> {
  return (await post(nodes.act.url, '/api/v1/auth/login', { username, password: PASSWORD })) as { accessToken: string; refreshToken: string; account: { role: string } };
}

/** Connect a socket to the `open` node with `token`. */
export function connect(nodes: Nodes, token: string): Promise<RawClient> {
  return RawClient.connect(nodes.open.wsUrl, token);
}

/** Run `parley …` with `env`; resolves stdout, rejects with stderr on a non-zero exit. */
export function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', ['--import', 'tsx', 'src/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`parley ${args.join(' ')}: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end();
  });
}

/** The scenarios, each asserting its own outcome. `env` is what the CLI needs to reach the nodes' store (and broker). */
export function scenarios(nodes: () => Nodes, env: () => Record<string, string>, signalled = true) {
  return {
    async joinLogout(): Promise<number> {
      const n = nodes();
      const [token, other] = [await joinSession(n, 'Ada'), await joinSession(n, 'Bob')];
      const target = await connect(n, token);
      const bystander = await connect(n, other);
      const { code, ms } = await closeAfter(target, async () => assert.equal((await call(n.act.url, 'POST', '/api/v1/logout', token)).status, 200));
      assert.equal(code, 4401);
      await assertOpen(bystander);
      await bystander.close();
      return ms;
    },
    async accountLogout(): Promise<number> {
      const n = nodes();
      const first = await account(n);
      const second = await login(n, first.username);
      const target = await connect(n, first.accessToken);
      const sameAccountOtherSignIn = await connect(n, second.accessToken);
      const { code, ms } = await closeAfter(target, () => post(n.act.url, '/api/v1/auth/logout', { refreshToken: first.refreshToken }));
      assert.equal(code, 4401);
      await assertOpen(sameAccountOtherSignIn);
      assert.equal(await upgradeStatus(`${n.open.wsUrl}?token=${first.accessToken}`), 401, 'the ended sign-in\'s access token, still unexpired, opens no new socket');
      await sameAccountOtherSignIn.close();
      return ms;
    },
    async refreshReplay(): Promise<number> {
      const n = nodes();
      const first = await account(n);
      const second = await login(n, first.username);
      const target = await connect(n, first.accessToken);
      const sameAccountOtherSignIn = await connect(n, second.accessToken);
      await post(n.act.url, '/api/v1/auth/refresh', { refreshToken: first.refreshToken });
      const { code, ms } = await closeAfter(target, async () => {
        const replay = await call(n.act.url, 'POST', '/api/v1/auth/refresh', undefined, { refreshToken: first.refreshToken });
        assert.equal(replay.json.error?.code, 'TOKEN_REPLAYED');
      });
      assert.equal(code, 4401);
      await assertOpen(sameAccountOtherSignIn);
      await sameAccountOtherSignIn.close();
      return ms;
    },
    async demotion(): Promise<number> {
      const n = nodes();
      const { username } = await account(n);
      await cli(['accounts', 'promote', username], env());
      const asAdmin = await login(n, username);
      assert.equal(asAdmin.account.role, 'admin');
      const plain = await account(n);
      const target = await connect(n, asAdmin.accessToken);
      const bystander = await connect(n, plain.accessToken);
      const { code, ms } = await closeAfter(target, () => cli(['accounts', 'demote', username], env()));
      assert.equal(code, 4401);
      if (signalled) assert.equal(await upgradeStatus(`${n.open.wsUrl}?token=${asAdmin.accessToken}`), 401, 'the access token with the old role opens no new socket');
      await assertOpen(bystander);
      await bystander.close();
      return ms;
    },
  };
}
