/**
 * examples/react-chat in Debian's chromium against a real server: the page joins its room from the
 * URL, shows a message another client sends and who is online, and sends from its composer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ParleyClient } from '../../client/src/index.ts';
import { startServer } from '../support/server.ts';
import { launch, person, unexpected } from '../support/browser.ts';
import { WS, until } from '../client/sdk-test.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the React chat example joins from its URL, shows messages and who is online, and sends from its composer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'parley-react-chat-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'examples/react-chat/build.js'), out]);
  const site = createServer((req, res) => {
    const file = req.url?.startsWith('/app.js') ? 'app.js' : 'index.html';
    res.writeHead(200, { 'content-type': file === 'app.js' ? 'text/javascript' : 'text/html' }).end(readFileSync(join(out, file)));
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  try {
    await using server = await startServer({ PARLEY_ALLOWED_ORIGINS: origin });
    const { room, joinCode } = await server.createRoom({ name: 'React room' });
    const bobJoin = await server.joinRoom(room.id, joinCode, 'Bob');
    const bob = new ParleyClient({ url: server.url, token: bobJoin.token, WebSocket: WS });
    const said: string[] = [];
    bob.on('message', (m) => said.push(`${m.senderName}: ${m.body}`));
    await bob.connect();
    await bob.join(room.id);
    await using browser = await launch();
    const { page, problems } = await person(browser);
    await page.goto(`${origin}/?server=${encodeURIComponent(server.url)}&room=${room.id}&code=${joinCode}&name=Ada`);
    await page.getByRole('heading', { name: 'React room' }).waitFor();
    await page.locator('.connection.open').waitFor();
    await page.getByText('Online: Ada, Bob').waitFor();
    await bob.send(room.id, 'Hello from Bob');
    await page.getByText('Hello from Bob').waitFor();
    await page.getByPlaceholder('Message').fill('Hi Bob');
    await page.getByRole('button', { name: 'Send' }).click();
    await until(() => said.includes('Ada: Hi Bob'), 'Ada’s message at Bob');
    bob.close();
    await page.getByText('Online: Ada', { exact: true }).waitFor();
    assert.deepEqual(unexpected(problems), []);
  } finally {
    site.close();
    rmSync(out, { recursive: true, force: true });
  }
});
