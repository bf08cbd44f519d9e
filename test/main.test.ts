/**
 * The `parley` command line, run as a user would (`npx parley …`) in a child process: room
 * creation prints the id and join code, and `serve` refuses weak production secrets by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './support/server.ts';

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

test('an unknown PARLEY_* setting stops the CLI with every problem listed', async (t) => {
  await assert.rejects(cli(['migrate'], { DATA_DIR: tempDataDir(t), PARLEY_NOT_A_SETTING: '1', PORT: 'x' }), (err: { stderr: string }) => /PARLEY_NOT_A_SETTING/.test(err.stderr) && /PORT/.test(err.stderr));
});
