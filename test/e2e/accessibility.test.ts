/**
 * Accessibility of the web UI (issue 12): an axe-core scan, run inside the page, finds no serious
 * or critical violation on the join page, the home page of a session (its rooms, room creation), a
 * room page with a varied timeline (system lines, a reply, a reaction, a link, an edited and a
 * deleted message, date and sender grouping) seen by a moderator, then with its audit log and the
 * emoji picker open, and the 404 page, in the light and the dark theme (prefers-color-scheme), with
 * test/support/axe.ts. The embed is scanned in test/e2e/embed-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../support/browser.ts';
import { startServer } from '../support/server.ts';
import { call } from '../support/api.ts';
import { violations } from '../support/axe.ts';

test('axe-core finds no serious or critical violation on the join page, a busy room, its audit log and emoji picker, the home page and the 404 page, in the light and the dark theme', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Accessible room' });
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  const send = async (who: typeof ada, clientId: string, body: string, extra: object = {}) =>
    (await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, who.token, { clientId, body, ...extra })).json as { seq: number };
  const first = await send(ada, 'a1', 'Hello! The plan is at https://example.com/plan.');
  await send(ada, 'a2', 'A second line from Ada, grouped with the first.');
  await send(bob, 'b1', 'Replying to Ada', { replyTo: first.seq });
  await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/messages/${first.seq}/reactions/${encodeURIComponent('👍')}`, bob.token);
  const edited = await send(bob, 'b2', 'Typo hree');
  await call(server.url, 'PATCH', `/api/v1/rooms/${room.id}/messages/${edited.seq}`, bob.token, { clientId: 'b2-edit', body: 'Typo here' });
  const deleted = await send(bob, 'b3', 'Never mind');
  await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${deleted.seq}`, bob.token);
  // Ada moderates: her page has the members' menus and the audit log, which then holds a few entries.
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/members/${ada.user.id}/role`, { method: 'PUT', body: { role: 'moderator' } })).status, 200);
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${bob.user.id}/mute`, ada.token, { until: Date.now() + 60 * 60_000 })).status, 200);
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${bob.user.id}/mute`, ada.token)).status, 200);

  await using browser = await launch();
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/?room=${room.id}&code=${joinCode}`);
    await page.waitForSelector('#join-button');
    assert.deepEqual(await violations(page), [], `join page, ${colorScheme}`);

    await context.addCookies([{ name: 'parley_session', value: ada.token, url: server.url }]);
    await page.goto(`${server.url}/rooms/${room.id}`);
    await page.waitForSelector('#status[data-state="open"]');
    await page.waitForSelector('.message.deleted');
    assert.equal(await page.locator('.message .body a[href="https://example.com/plan"]').count(), 1, 'the link is a link');
    assert.deepEqual(await violations(page), [], `room page, ${colorScheme}`);
    await page.click('#audit-log-button');
    await page.waitForSelector('#audit-log .audit-entry');
    assert.deepEqual(await violations(page), [], `room page with the audit log open, ${colorScheme}`);
    await page.click('#emoji-button');
    await page.waitForSelector('#emoji-picker', { state: 'visible' });
    assert.deepEqual(await violations(page), [], `room page with the emoji picker open, ${colorScheme}`);

    await page.goto(`${server.url}/`);
    await page.waitForSelector('#create-room');
    assert.deepEqual(await violations(page), [], `home page with your rooms and room creation, ${colorScheme}`);

    await page.goto(`${server.url}/no/such/page`);
    assert.deepEqual(await violations(page), [], `404 page, ${colorScheme}`);
    await context.close();
  }
});
