/**
 * The embed in a real browser (issue: identity — signed embed tickets): Debian's chromium via
 * playwright-core. The integrator's site (examples/embed/host-server.ts) runs on a second origin,
 * http://localhost:<port>, and frames Parley (http://127.0.0.1:<port>) with a ticket minted for each
 * page view. The browser blocks third-party cookies (Chromium's `profile.cookie_controls_mode`
 * preference, 1 = block third-party cookies), and a probe inside the frame proves it does: the
 * embedded room still works, because its session is a bearer token in the page's memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame } from 'playwright-core';
import { chromiumOptions, launch, recordProblems, say, unexpected } from '../support/browser.ts';
import { violations } from '../support/axe.ts';
import { embeddedRoom, openEmbedded } from '../support/embed.ts';

/**
 * A browser profile whose third-party cookie setting is `cookies` (Chromium's preference
 * `profile.cookie_controls_mode`: 0 allows them, 1 blocks them), recording errors of every page.
 */
async function browserProfile(cookies: 'allowed' | 'blocked'): Promise<{ context: BrowserContext; problems: string[] } & AsyncDisposable> {
  const options = chromiumOptions();
  const dir = mkdtempSync(join(tmpdir(), 'parley-embed-profile-'));
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: cookies === 'blocked' ? 1 : 0 } }));
  const context = await chromium.launchPersistentContext(dir, options);
  const problems: string[] = [];
  context.on('page', (page) => recordProblems(page, problems));
  return {
    context,
    problems,
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a cookie for the frame's site can be set and read back inside the (cross-site) frame. */
function thirdPartyCookiesWork(frame: Frame): Promise<boolean> {
  return frame.evaluate(async () => {
    document.cookie = 'probe=1; SameSite=None; Secure; Path=/';
    return document.cookie.includes('probe=1') && (await document.hasStorageAccess());
  });
}

test('an integrator\'s page on another origin embeds a room with a fresh ticket and chats through it with third-party cookies blocked; a ticket used twice shows the refusal', async () => {
  await using embedded = await embeddedRoom({ name: 'Acme support' });
  const { hostOrigin, server } = embedded;
  assert.notEqual(new URL(hostOrigin).host, new URL(server.url).host, 'the host site and Parley are different origins');

  await using profile = await browserProfile('blocked');
  const adaPage = await profile.context.newPage();
  const bobPage = await profile.context.newPage();
  const ada = await openEmbedded(adaPage, hostOrigin, 'ada', 'Ada');
  assert.equal(await thirdPartyCookiesWork(ada), false, 'the browser blocks third-party cookies in the frame');
  assert.equal(await ada.textContent('#room-name'), 'Acme support');
  assert.equal(new URL(ada.url()).origin, server.url, 'the frame\'s document is Parley\'s: its WebSocket Origin is Parley\'s own');
  assert.equal(new URL(ada.url()).search, '', 'the spent ticket is gone from the frame\'s address');
  assert.equal(await ada.locator('#sign-out').count(), 0, 'no sign-out inside the embed');

  // A second participant, embedded the same way as another user of the integrator.
  const bob = await openEmbedded(bobPage, hostOrigin, 'bob', 'Bob');
  await ada.waitForSelector('#members li.online:has-text("Bob")');
  await bob.waitForSelector('#members li.online:has-text("Ada")');
  await say(ada, 'Hello from the iframe');
  await bob.waitForSelector('.message .body:text-is("Hello from the iframe")');
  await say(bob, 'Hello back');
  await ada.waitForSelector('.message .body:text-is("Hello back")');
  assert.deepEqual(await ada.locator('.message .body').allTextContents(), ['Hello from the iframe', 'Hello back']);
  assert.deepEqual((await profile.context.cookies()).filter((c) => c.name.startsWith('parley_')), [], 'no Parley cookie was stored');

  // The same ticket framed a second time shows the refusal instead of the room.
  const src = await adaPage.getAttribute('#parley', 'src');
  assert.ok(src !== null);
  await adaPage.evaluate((url) => {
    const again = document.createElement('iframe');
    again.id = 'again';
    again.src = url;
    document.body.append(again);
  }, src);
  const again = await (await adaPage.waitForSelector('#again')).contentFrame();
  assert.ok(again !== null);
  await again.waitForSelector('#embed-error[data-code="TOKEN_REPLAYED"]');
  assert.match((await again.textContent('#embed-error')) ?? '', /already used/);
  assert.equal(await again.locator('#message-input').count(), 0);

  // The first frame still chats after the refusal next to it.
  await say(ada, 'Still here');
  await bob.waitForSelector('.message .body:text-is("Still here")');
  assert.deepEqual(unexpected(profile.problems), []);
});

test('the cookie probe tells: with third-party cookies allowed the frame can store them, and the embed still stores no Parley cookie', async () => {
  await using embedded = await embeddedRoom();
  await using profile = await browserProfile('allowed');
  const carol = await openEmbedded(await profile.context.newPage(), embedded.hostOrigin, 'carol', 'Carol');
  assert.deepEqual((await profile.context.cookies()).filter((c) => c.name.startsWith('parley_')), []);
  assert.equal(await thirdPartyCookiesWork(carol), true);
});

test('inside the embed, a keyboard-only user tabs from the host page into the room, sends with Enter and reaches the message list; on a phone the composer stays in the frame\'s view; axe finds nothing serious in the frame, light or dark', async () => {
  await using embedded = await embeddedRoom({ name: 'Acme support' });
  const { hostOrigin } = embedded;
  await using browser = await launch();
  for (const [colorScheme, viewport] of [['light', { width: 1280, height: 800 }], ['dark', { width: 375, height: 667 }]] as const) {
    const context = await browser.newContext({ colorScheme, viewport, bypassCSP: true });
    const page = await context.newPage();
    const frame = await openEmbedded(page, hostOrigin, `kim-${colorScheme}`, `Kim ${colorScheme}`);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    // Tab from the top of the host page until the frame's composer has the focus, noting each stop.
    const stops: string[] = [];
    for (let i = 0; i < 40 && stops.at(-1) !== 'message-input'; i++) {
      await page.keyboard.press('Tab');
      stops.push(await frame.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('role') || document.activeElement?.tagName || ''));
    }
    assert.equal(stops.at(-1), 'message-input', `Tab reaches the composer: ${stops.join(' → ')}`);
    assert.ok(stops.includes('messages'), `the message list is a tab stop before the composer: ${stops.join(' → ')}`);
    await page.keyboard.type(`Typed by keyboard (${colorScheme})`);
    await page.keyboard.press('Enter');
    await frame.waitForSelector(`.message[data-seq] .body:text-is("Typed by keyboard (${colorScheme})")`);
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'message-input', 'the focus stays in the composer after sending');

    const box = await frame.locator('#composer').boundingBox();
    const frameBox = await page.locator('#parley').boundingBox();
    assert.ok(box !== null && frameBox !== null);
    assert.ok(box.y >= frameBox.y && box.y + box.height <= frameBox.y + frameBox.height, `the composer is inside the frame: ${JSON.stringify({ box, frameBox })}`);
    assert.ok(box.x >= frameBox.x && box.x + box.width <= frameBox.x + frameBox.width, 'and not cut at the side');

    assert.deepEqual(await violations(frame), [], `the embedded room, ${colorScheme}, ${viewport.width} px`);
    await context.close();
  }
});
