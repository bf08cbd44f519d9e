/**
 * The embed example works as docs/embedding.md tells a newcomer to run it (issue 12, "Newcomer
 * polish"): the variables the page names are Parley settings (src/config.ts) or the ones the
 * example's scripts read, and the "Try it locally" commands, run by bash as written (on free ports),
 * start an integrator site whose frame opens the room, and mint a ticket Parley accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SETTINGS } from '../../src/config.ts';
import { startServer } from '../support/server.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DOC = readFileSync(join(ROOT, 'docs/embedding.md'), 'utf8');
const SCRIPTS = ['examples/embed/host-server.ts', 'examples/embed/mint-ticket.ts'].map((path) => readFileSync(join(ROOT, path), 'utf8'));
/** What a browser sends when a page on `origin` frames `/embed`. */
const framedBy = (origin: string) => ({ accept: 'text/html', 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site', referer: `${origin}/` });

/** The distinct words of `text` matching `pattern` (global), sorted. */
const namesIn = (text: string, pattern: RegExp) => [...new Set(text.match(pattern) ?? [])].sort();

/** The `sh` code blocks of the doc's "Try it locally" section, in order. */
function tryItLocallyBlocks(): string[] {
  const section = DOC.slice(DOC.indexOf('### Try it locally'), DOC.indexOf('\n## ', DOC.indexOf('### Try it locally')));
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

test('every PARLEY_* variable the embedding doc and the example name is a setting, and the EMBED_* ones the doc names are exactly those the example reads', () => {
  const settings = new Set(Object.keys(SETTINGS));
  for (const [where, text] of [['docs/embedding.md', DOC], ['examples/embed', SCRIPTS.join('\n')]] as const) {
    assert.deepEqual(namesIn(text, /\bPARLEY_[A-Z0-9_]*[A-Z0-9]\b/g).filter((name) => !settings.has(name)), [], `${where} names settings src/config.ts does not have`);
  }
  // What the scripts take from their environment: `env.EMBED_X` or `{ EMBED_X: … } = env`.
  const read = [...new Set([...SCRIPTS.join('\n').matchAll(/\benv\.(EMBED_[A-Z0-9_]+)|\b(EMBED_[A-Z0-9_]+): \w+/g)].map((match) => match[1] ?? match[2] ?? ''))].sort();
  assert.ok(read.length >= 5, read.join(' '));
  assert.deepEqual(namesIn(DOC, /\bEMBED_[A-Z0-9_]*[A-Z0-9]\b/g), read, 'docs/embedding.md names the variables examples/embed reads');
  for (const name of read) assert.ok(new RegExp(`\\| \`${name}\` \\|`).test(DOC), `docs/embedding.md's table of the example's variables lists ${name}`);
});

test('"Try it locally" run as written: the integrator site frames a room that opens, and mint-ticket.ts prints an /embed URL that opens it', async (t) => {
  const [parleyShell, siteShell, mintShell] = tryItLocallyBlocks();
  assert.ok(parleyShell !== undefined && siteShell !== undefined && mintShell !== undefined, 'three sh blocks');
  const hostPort = await freePort();
  const hostOrigin = `http://localhost:${hostPort}`;

  // First shell, up to `npm start`: its environment is Parley's; it prints the line for the second shell.
  const [setup, start] = parleyShell.split(/^npm start\b.*$/m);
  assert.ok(setup !== undefined && start !== undefined, 'the first shell starts Parley with `npm start`');
  const first = await run('bash', ['-euo', 'pipefail', '-c', `${setup.replaceAll('8080', String(hostPort))}\nnode -e 'console.log(JSON.stringify(process.env))'`], { cwd: ROOT });
  const [printed, envJson] = first.stdout.trim().split('\n');
  const parleyEnv = JSON.parse(envJson ?? '{}') as Record<string, string>;
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: parleyEnv.PARLEY_EMBED_INTEGRATORS ?? '' });
  const { room } = await server.createRoom({ name: 'Support' });

  // Second shell: the printed export line pasted, the room id filled in, `npx parley rooms create` left to test/main.test.ts.
  const siteLines = siteShell
    .replace(/^export EMBED_INTEGRATOR_SECRET=.*$/m, printed ?? '')
    .replace(/^npx parley rooms create.*$/m, '')
    .replaceAll('<room id>', room.id);
  const site = spawn('bash', ['-euo', 'pipefail', '-c', siteLines], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', EMBED_PARLEY_URL: server.url, EMBED_HOST_PORT: String(hostPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void (site.exitCode === null && process.kill(-(site.pid ?? 0), 'SIGTERM')));
  let output = '';
  await new Promise<void>((listening, failed) => {
    site.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('host site on ')) listening();
    });
    site.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    site.once('exit', (code) => failed(new Error(`the second shell exited with ${code}:\n${output}`)));
  });

  const page = await (await fetch(`${hostOrigin}/?user=ada&name=Ada`)).text();
  const src = /<iframe id="parley"[^>]* src="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(src !== undefined && src.startsWith(`${server.url}/embed?ticket=`), page);
  const framed = await fetch(src, { headers: framedBy(hostOrigin) });
  assert.equal(framed.status, 200, await framed.clone().text());
  assert.match(await framed.text(), new RegExp(`<meta name="parley-embed" content="[^"]*${room.id}`));

  // The single URL, in the second shell's environment.
  const mint = await run('bash', ['-euo', 'pipefail', '-c', `${siteLines.replace(/^node .*host-server\.ts.*$/m, '')}\n${mintShell.replaceAll('8080', String(hostPort)).replaceAll('<room id>', room.id)}`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', EMBED_PARLEY_URL: server.url },
  });
  const minted = await fetch(mint.stdout.trim(), { headers: framedBy(hostOrigin) });
  assert.equal(minted.status, 200, await minted.clone().text());
});
