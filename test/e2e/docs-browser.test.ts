/**
 * The API reference at `/docs` in a real browser (issue 12; Debian's chromium via playwright-core):
 * a signed-in browser's "Try it out" passes the CSRF check, and the page works, styled, under the
 * server's Content-Security-Policy (an inline script or style would show up as a console error),
 * on a desktop screen and on a 375 px phone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launch, person } from '../support/browser.ts';
import { startServer } from '../support/server.ts';

const SEND_PATH = '/api/v1/rooms/{roomId}/messages';

/** Open `/docs` and wait until Swagger UI has drawn the operations. */
async function openDocs(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/docs`);
  await page.waitForSelector(`.opblock-post .opblock-summary-path[data-path="${SEND_PATH}"]`);
}

/** Expand `POST /api/v1/rooms/{roomId}/messages`, fill it in, execute it, and return the status Swagger UI shows. */
async function trySend(page: Page, roomId: string, body: string): Promise<string> {
  const operation = page.locator('.opblock-post').filter({ has: page.locator(`.opblock-summary-path[data-path="${SEND_PATH}"]`) });
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('input[placeholder="roomId"]').fill(roomId);
  await operation.locator('textarea.body-param__text').fill(JSON.stringify({ clientId: 'docs-1', body }));
  await operation.locator('button.execute').click();
  return (await operation.locator('.live-responses-table .response .response-col_status').first().textContent())?.trim() ?? '';
}

test('a signed-in browser sends a message from /docs with "Try it out": the CSRF header is added, the answer is 2xx, the page is styled and raises no CSP error', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Docs room' });
  await using browser = await launch();
  const ada = await person(browser);

  // Signed in as a newcomer: POST /api/v1/join sets the httpOnly session cookie in this browser.
  await openDocs(ada.page, server.url);
  const joined = await ada.page.evaluate(
    async ({ roomId, code }) => (await fetch('/api/v1/join', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ roomId, code, name: 'Ada' }) })).status,
    { roomId: room.id, code: joinCode },
  );
  assert.equal(joined, 200);
  assert.ok((await ada.context.cookies(server.url)).some((cookie) => cookie.name === 'parley_session'), 'the join set the session cookie');

  await openDocs(ada.page, server.url);
  const status = await trySend(ada.page, room.id, 'hello from the API reference');
  assert.match(status, /^2\d\d$/, `Swagger UI shows ${status}`);
  const bodies = await ada.page.evaluate(async (roomId) => ((await (await fetch(`/api/v1/rooms/${roomId}/messages`)).json()) as { events: { body?: string }[] }).events.map((event) => event.body), room.id);
  assert.ok(bodies.includes('hello from the API reference'), 'the message is in the room');

  // Styled by swagger-ui.css: the POST operation's green border, not the browser's default.
  const border = await ada.page.locator('.opblock-post').first().evaluate((element) => getComputedStyle(element).borderTopColor);
  assert.equal(border, 'rgb(73, 204, 144)');
  assert.deepEqual(ada.problems, []);
});

test('a browser without the CSRF cookie gets one from /api/v1/csrf before its first change', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Docs room' });
  const { token } = await server.joinRoom(room.id, joinCode, 'Bob');
  await using browser = await launch();
  const bob = await person(browser);
  await bob.context.addCookies([{ name: 'parley_session', value: token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);

  await openDocs(bob.page, server.url);
  await bob.context.clearCookies({ name: 'parley_csrf' });
  const status = await trySend(bob.page, room.id, 'sent without a CSRF cookie at first');
  assert.match(status, /^2\d\d$/, `Swagger UI shows ${status}`);
  assert.ok((await bob.context.cookies(server.url)).some((cookie) => cookie.name === 'parley_csrf'), 'the token request set the cookie');
  assert.deepEqual(bob.problems, []);
});

test('/docs on a 375 px wide phone: no sideways scrolling, and an operation opens and executes', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Docs room' });
  const { token } = await server.joinRoom(room.id, joinCode, 'Cleo');
  await using browser = await launch();
  const cleo = await person(browser);
  await cleo.context.addCookies([{ name: 'parley_session', value: token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  await cleo.page.setViewportSize({ width: 375, height: 740 });

  await openDocs(cleo.page, server.url);
  const status = await trySend(cleo.page, room.id, 'sent from a phone');
  assert.match(status, /^2\d\d$/, `Swagger UI shows ${status}`);
  const width = await cleo.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  assert.ok(width.scroll <= width.viewport, `the page is ${width.scroll} px wide on a ${width.viewport} px screen`);
  assert.deepEqual(cleo.problems, []);
});
