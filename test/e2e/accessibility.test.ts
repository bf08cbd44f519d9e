/**
 * Accessibility of the web UI (issue 12): an axe-core scan, run inside the page, finds no serious
 * or critical violation on the join page, the home page of a session (its rooms, room creation), a
 * room page with a varied timeline (system lines, a reply, a reaction, a link, an edited and a
 * deleted message, date and sender grouping; then with the emoji picker open) and the 404 page, in
 * the light and the dark theme (prefers-color-scheme). axe-core checks colour contrast (WCAG AA),
 * names of controls, landmarks and ARIA use. The scan is injected as a script, so its context
 * bypasses the page's CSP; nothing else about the page changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { launch } from '../support/browser.ts';
import { startServer } from '../support/server.ts';
import { call } from '../support/api.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** The page's serious and critical axe violations, one line each. */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('axe-core finds no serious or critical violation on the join page, a busy room (and its emoji picker), the home page and the 404 page, in the light and the dark theme', async () => {
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
