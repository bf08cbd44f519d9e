/**
 * The `parley` command line, run as a user would (`npx parley …`) in a child process: room
 * creation prints the id and join code, `serve` refuses weak production secrets by name, and
 * accounts are created (password from stdin), promoted and demoted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './support/server.ts';
import { startNodeProcess } from './support/node-process.ts';

const run = promisify(execFile);

/** A temporary DATA_DIR removed when the test ends. */
function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const cli = (args: string[], env: Record<string, string>) => run('npx', ['parley', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });

test('`npx parley rooms create --name` prints the room id and join code, and the room accepts that code', async (t) => {
  const dataDir = tempDataDir(t);
  const { stdout } = await cli(['rooms', 'create', '--name', 'Team chat'], { DATA_DIR: dataDir });
  const id = /room id:\s+(\S+)/.exec(stdout)?.[1];
  const code = /join code:\s+(\S+)/.exec(stdout)?.[1];
  assert.ok(id !== undefined && code !== undefined, stdout);
  assert.match(stdout, new RegExp(`join link: http://localhost:3000/\\?room=${id}&code=${code}\n`));

  const listed = await cli(['rooms', 'list'], { DATA_DIR: dataDir });
  assert.match(listed.stdout, new RegExp(`${id}\\tpersistent\\topen\\tTeam chat`));

  await using server = await startServer({ DATA_DIR: dataDir });
  const joined = await server.joinRoom(id, code, 'Ada');
  assert.equal(joined.room.name, 'Team chat');

  const closed = await cli(['rooms', 'close', id], { DATA_DIR: dataDir });
  assert.match(closed.stdout, /closed/);
  await assert.rejects(server.joinRoom(id, code, 'Late'), /410/);
});

test('`parley serve` in production without a strong admin token exits with a message naming it', async (t) => {
  const dataDir = tempDataDir(t);
  await assert.rejects(cli(['serve'], { DATA_DIR: dataDir, NODE_ENV: 'production', PORT: '0' }), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /PARLEY_ADMIN_TOKEN is missing/);
    return true;
  });
  await assert.rejects(cli(['serve'], { DATA_DIR: dataDir, NODE_ENV: 'production', PORT: '0', PARLEY_ADMIN_TOKEN: 'changeme' }), /PARLEY_ADMIN_TOKEN is weak/);
});

test('`parley serve` on a port another program holds exits with one line naming the address, no stack trace', async (t) => {
  const holder = createNetServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const { port } = holder.address() as AddressInfo;
  await assert.rejects(cli(['serve'], { DATA_DIR: tempDataDir(t), HOST: '127.0.0.1', PORT: String(port) }), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.equal(err.stderr.trim().split('\n').length, 1, err.stderr);
    assert.match(err.stderr, new RegExp(`^parley: 127\\.0\\.0\\.1:${port} is already in use by another program: stop it, or start Parley on a free port`));
    return true;
  });
});

test('`npx parley --help`, `-h` and `--help` after a command print the usage and exit 0, without reading the configuration', async () => {
  for (const args of [['--help'], ['-h'], ['rooms', 'create', '--help']]) {
    const { stdout, stderr } = await cli(args, { PARLEY_NOT_A_SETTING: '1' });
    assert.match(stdout, /^usage \(in the repository's folder, after `npm ci`: npx parley COMMAND …\):\n {2}parley serve\n/, args.join(' '));
    assert.match(stdout, /docs\/configuration\.md/);
    assert.equal(stderr, '', args.join(' '));
  }
});

test('a mistyped option or a missing argument prints one line naming it and the usage, exit code 1, no stack trace', async (t) => {
  const dataDir = tempDataDir(t);
  for (const [args, problem] of [
    [['rooms', 'create', '--nam', 'Team chat'], /^Unknown option '--nam'\nusage/],
    [['rooms', 'create', '--name'], /^Option '--name <value>' argument missing\nusage/],
    [['rooms', 'close'], /^rooms close needs the room id\nusage/],
    [['accounts', 'promote', '--admin', 'x', '--bogus'], /^Unknown option '--bogus'\nusage/],
  ] as const) {
    await assert.rejects(cli([...args], { DATA_DIR: dataDir }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1, args.join(' '));
      assert.match(err.stderr, problem);
      assert.doesNotMatch(err.stderr, /\n\s+at /, 'no stack trace');
      return true;
    });
  }
});

test('an unknown PARLEY_* setting stops the CLI with every problem listed', async (t) => {
  await assert.rejects(cli(['migrate'], { DATA_DIR: tempDataDir(t), PARLEY_NOT_A_SETTING: '1', PORT: 'x' }), (err: { stderr: string }) => /PARLEY_NOT_A_SETTING/.test(err.stderr) && /PORT/.test(err.stderr));
});

/** Run the CLI with `input` on its stdin. */
function cliWithInput(args: string[], env: Record<string, string>, input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('npx', ['parley', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      if (code === -1) reject(err);
      else resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

test('`parley accounts create --admin` reads the password from stdin; the admin account uses the admin API until `demote` reaches it at its next refresh', async (t) => {
  const dataDir = tempDataDir(t);
  const password = 'stdin-only passphrase 42';
  const created = await cliWithInput(['accounts', 'create', '--username', 'Root', '--name', 'The Root', '--admin'], { DATA_DIR: dataDir }, `${password}\nignored second line\n`);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /username:\s+root\n/);
  assert.match(created.stdout, /role:\s+admin\n/);
  assert.ok(!`${created.stdout}${created.stderr}`.includes(password), 'the password is never echoed');

  await using server = await startServer({ DATA_DIR: dataDir });
  const login = async (pass: string) =>
    fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: pass }) });
  assert.equal((await login('ignored second line')).status, 401, 'only the first line is the password');
  const signedIn = (await (await login(password)).json()) as { accessToken: string; refreshToken: string; account: { role: string; name: string } };
  assert.deepEqual([signedIn.account.role, signedIn.account.name], ['admin', 'The Root']);
  const adminApi = (token: string) => fetch(`${server.url}/api/v1/admin/rooms`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await adminApi(signedIn.accessToken)).status, 200);

  const demoted = await cliWithInput(['accounts', 'demote', 'ROOT'], { DATA_DIR: dataDir }, '');
  assert.equal(demoted.code, 0, demoted.stderr);
  assert.match(demoted.stdout, /^root\tuser\tThe Root$/m);
  const refreshed = (await (await fetch(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: signedIn.refreshToken }) })).json()) as { accessToken: string };
  assert.equal((await adminApi(refreshed.accessToken)).status, 403);

  const promoted = await cliWithInput(['accounts', 'promote', 'root'], { DATA_DIR: dataDir }, '');
  assert.match(promoted.stdout, /^root\tadmin\t/m);
});

test('`parley accounts` refuses a short password, a taken name and an unknown account with a message and exit code 1', async (t) => {
  const dataDir = tempDataDir(t);
  const short = await cliWithInput(['accounts', 'create', '--username', 'ada'], { DATA_DIR: dataDir }, 'short\n');
  assert.deepEqual([short.code, /password must be at least 8 characters/.test(short.stderr)], [1, true], short.stderr);
  assert.equal((await cliWithInput(['accounts', 'create', '--username', 'ada'], { DATA_DIR: dataDir }, 'long enough password\n')).code, 0);
  const taken = await cliWithInput(['accounts', 'create', '--username', 'ADA'], { DATA_DIR: dataDir }, 'long enough password\n');
  assert.deepEqual([taken.code, /taken/.test(taken.stderr)], [1, true], taken.stderr);
  const unknown = await cliWithInput(['accounts', 'promote', 'ghost'], { DATA_DIR: dataDir }, '');
  assert.deepEqual([unknown.code, /No account is named ghost/.test(unknown.stderr)], [1, true], unknown.stderr);
  const noName = await cliWithInput(['accounts', 'create'], { DATA_DIR: dataDir }, '');
  assert.deepEqual([noName.code, /needs --username/.test(noName.stderr)], [1, true], noName.stderr);
});

test('`parley accounts create --name` refuses a display name with a zero-width or control character, with the reason and exit code 1, and creates nothing (issue 11)', async (t) => {
  const dataDir = tempDataDir(t);
  const zeroWidth = await cliWithInput(['accounts', 'create', '--username', 'ada', '--name', 'Ad\u200Ba'], { DATA_DIR: dataDir }, 'long enough password\n');
  assert.deepEqual([zeroWidth.code, /name: name must not contain invisible zero-width characters \(found U\+200B\)/.test(zeroWidth.stderr)], [1, true], zeroWidth.stderr);
  const control = await cliWithInput(['accounts', 'create', '--username', 'ada', '--name', 'Ada\u001b[31m'], { DATA_DIR: dataDir }, 'long enough password\n');
  assert.deepEqual([control.code, /control characters/.test(control.stderr)], [1, true], control.stderr);
  const created = await cliWithInput(['accounts', 'create', '--username', 'ada', '--name', 'Rene\u0301e'], { DATA_DIR: dataDir }, 'long enough password\n');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /name:\s+Ren\u00e9e\n/);
});

test('`parley serve` in development names the next steps once it listens: the page, the room command, where the generated admin token is; LOG_FORMAT=pretty makes them readable lines', async (t) => {
  const dataDir = tempDataDir(t);
  // Listening is logged first; waiting for the next steps' line waits for both.
  await using json = await startNodeProcess({ NODE_ENV: 'development', DATA_DIR: dataDir, PORT: '0' }, /"msg":"Next: open http:\/\/localhost:(\d+) and/);
  const next = json.logs().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg?: string }).find((line) => line.msg?.startsWith('Next:'));
  assert.ok(next?.msg !== undefined, json.logs());
  assert.ok(next.msg.includes(`http://localhost:${json.port}`), next.msg);
  assert.ok(next.msg.includes('npx parley rooms create --name "Team chat"'), next.msg);
  assert.ok(next.msg.includes(join(dataDir, 'secrets.json')), next.msg);
  await json.kill('SIGTERM');

  await using pretty = await startNodeProcess({ NODE_ENV: 'development', DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'pretty' }, /INFO: Next: open http:\/\/localhost:(\d+) and/);
  assert.match(pretty.logs(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Next: open http:\/\/localhost:\d+ and join a room; create one with `npx parley rooms create --name "Team chat"`/m);
});
