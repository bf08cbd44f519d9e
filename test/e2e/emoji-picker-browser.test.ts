/**
 * The composer's emoji picker in a real browser (issue 12): Debian's chromium via playwright-core.
 * A person on a phone-sized page (375×667) opens it with the keyboard only, searches, picks with the
 * arrow keys and Enter, finds the emoji at the caret, sends it, and the other member sees it; the
 * recently used emoji come first; arrow keys follow the grid's rows; Escape closes and gives focus
 * back; a click replaces the selection and the draft keeps it across a reload. The popover stays in
 * the viewport, and inside the embed's iframe at phone and desktop sizes. The page runs under the
 * server's CSP, so an inline style would show up as a console error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { joinThroughInvite, launch, person, recordProblems, unexpected } from '../support/browser.ts';
import { embeddedRoom, openEmbedded } from '../support/embed.ts';
import { startServer } from '../support/server.ts';

const PHONE = { width: 375, height: 667 };
const DESKTOP = { width: 1280, height: 800 };

/** The id of the focused element, or the accessible name of a focused emoji. */
const focused = (target: Page | Frame) => target.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || '');

/** The popover's box and the viewport of the document it is in (CSS px). */
const popoverInViewport = (target: Page | Frame) =>
  target.evaluate(() => {
    const box = (document.getElementById('emoji-picker') as HTMLElement).getBoundingClientRect();
    return { left: box.left, top: box.top, right: box.right, bottom: box.bottom, width: innerWidth, height: innerHeight };
  });

/** Fail unless `inner` lies within `outer` (boxes as x, y, width, height). */
function assertInside(inner: { x: number; y: number; width: number; height: number }, outer: { x: number; y: number; width: number; height: number }, what: string): void {
  const message = `${what}: ${JSON.stringify(inner)} is not inside ${JSON.stringify(outer)}`;
  assert.ok(inner.width > 0 && inner.height > 0, message);
  assert.ok(inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height, message);
}

/** The popover of `target` lies inside its viewport. */
async function assertInViewport(target: Page | Frame, what: string): Promise<void> {
  const { left, top, right, bottom, width, height } = await popoverInViewport(target);
  assertInside({ x: left, y: top, width: right - left, height: bottom - top }, { x: 0, y: 0, width, height }, what);
}

test('on a phone, the emoji picker works from the keyboard alone: search, arrows, Enter inserts at the caret, the message reaches the other member; recent emoji come first; Escape gives focus back', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Emoji room' });
  await using browser = await launch();
  const invite = `${server.url}/?room=${room.id}&code=${joinCode}`;
  const context = await browser.newContext({ viewport: PHONE });
  const ada = await context.newPage();
  const problems: string[] = [];
  recordProblems(ada, problems);
  const bob = await person(browser);
  await joinThroughInvite(ada, invite, 'Ada');
  await joinThroughInvite(bob.page, invite, 'Bob');

  // Ada types, puts the caret after "Hello", and tabs to the Emoji button.
  assert.equal(await focused(ada), 'message-input');
  await ada.keyboard.type('Hello world');
  await ada.keyboard.press('Home');
  for (let i = 0; i < 'Hello'.length; i++) await ada.keyboard.press('ArrowRight');
  await ada.keyboard.press('Tab');
  assert.equal(await focused(ada), 'emoji-button');
  assert.equal(await ada.getAttribute('#emoji-button', 'aria-haspopup'), 'dialog');
  assert.equal(await ada.getAttribute('#emoji-button', 'aria-expanded'), 'false');

  // Enter opens the popover with focus in its search box; the popover fits the phone's screen.
  await ada.keyboard.press('Enter');
  await ada.waitForSelector('#emoji-picker', { state: 'visible' });
  assert.equal(await ada.getAttribute('#emoji-button', 'aria-expanded'), 'true');
  assert.equal(await focused(ada), 'emoji-search');
  await assertInViewport(ada, 'the popover at 375×667');
  const box = await ada.locator('#emoji-picker').boundingBox();
  assert.ok(box !== null);
  assertInside(box, { x: 0, y: 0, ...PHONE }, 'the popover as drawn at 375×667');

  // The search filters by name; the arrows move among the matches; Enter inserts the one focused.
  await ada.keyboard.type('thumbs');
  const matches = ada.locator('#emoji-list [role="option"]:visible');
  await ada.waitForFunction(() => document.querySelectorAll('#emoji-list [role="option"]:not([hidden])').length < 10);
  assert.deepEqual(await matches.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label'))), ['thumbs up', 'thumbs down']);
  await ada.keyboard.press('ArrowDown');
  assert.equal(await focused(ada), 'thumbs up');
  await ada.keyboard.press('ArrowRight');
  assert.equal(await focused(ada), 'thumbs down');
  assert.equal(await ada.getAttribute('#emoji-list [aria-label="thumbs down"]', 'aria-selected'), 'true');
  await ada.keyboard.press('Enter');

  // The emoji is at the caret, the popover is closed and the caret is after the emoji, in the composer.
  await ada.waitForSelector('#emoji-picker', { state: 'hidden' });
  assert.equal(await ada.getAttribute('#emoji-button', 'aria-expanded'), 'false');
  assert.equal(await focused(ada), 'message-input');
  assert.equal(await ada.inputValue('#message-input'), 'Hello👎 world');
  assert.equal(await ada.$eval('#message-input', (input) => (input as HTMLTextAreaElement).selectionStart), 'Hello👎'.length);

  // Enter sends it, and Bob sees it.
  await ada.keyboard.press('Enter');
  await bob.page.waitForSelector('.message .body:text-is("Hello👎 world")');
  assert.equal(await ada.inputValue('#message-input'), '');

  // Opened again, the emoji just used comes first; the arrows follow the rows as drawn.
  await ada.keyboard.press('Tab');
  await ada.keyboard.press('Enter');
  await ada.waitForSelector('#emoji-picker', { state: 'visible' });
  assert.equal(await ada.getAttribute('#emoji-list [role="group"]:first-child', 'aria-label'), 'Recently used');
  await ada.keyboard.press('ArrowDown');
  assert.equal(await focused(ada), 'thumbs down');
  await ada.keyboard.press('ArrowDown');
  assert.equal(await focused(ada), 'grinning face', 'down from the only recent emoji: the first smiley, below it');
  await ada.keyboard.press('ArrowRight');
  assert.equal(await focused(ada), 'grinning face with big eyes');
  await ada.keyboard.press('ArrowUp');
  assert.equal(await focused(ada), 'thumbs down', 'up to the row above, to its nearest emoji');
  const option = await ada.locator('#emoji-list [role="option"]:focus').boundingBox();
  assert.ok(option !== null);
  assertInside(option, { x: 0, y: 0, ...PHONE }, 'the focused emoji');

  // Escape closes it and focus is back in the composer.
  await ada.keyboard.press('Escape');
  await ada.waitForSelector('#emoji-picker', { state: 'hidden' });
  assert.equal(await focused(ada), 'message-input');
  assert.equal(await ada.inputValue('#message-input'), '');

  // With the pointer: a click outside closes it; a click on an emoji replaces the selection.
  await ada.keyboard.type('Good day');
  await ada.click('#emoji-button');
  await ada.waitForSelector('#emoji-picker', { state: 'visible' });
  await ada.click('#room-name');
  await ada.waitForSelector('#emoji-picker', { state: 'hidden' });
  await ada.focus('#message-input');
  await ada.$eval('#message-input', (input) => (input as HTMLTextAreaElement).setSelectionRange('Good '.length, 'Good day'.length));
  await ada.click('#emoji-button');
  await ada.fill('#emoji-search', 'sunrise');
  await ada.click('#emoji-list [aria-label="sunrise"]');
  await ada.waitForSelector('#emoji-picker', { state: 'hidden' });
  assert.equal(await ada.inputValue('#message-input'), 'Good 🌅');

  // The inserted emoji went through the composer's input handling: the draft outlives a reload.
  await ada.reload();
  await ada.waitForSelector('#status[data-state="open"]');
  assert.equal(await ada.inputValue('#message-input'), 'Good 🌅');
  assert.deepEqual(unexpected([...problems, ...bob.problems]), []);
});

test('inside an integrator\'s iframe, the open emoji picker stays inside the frame at phone and desktop sizes, and a pick reaches the composer', async () => {
  await using embedded = await embeddedRoom({ name: 'Acme support' });
  await using browser = await launch();
  for (const [size, viewport, name] of [['375×667', PHONE, 'Lin'], ['1280×800', DESKTOP, 'Max']] as const) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    recordProblems(page, problems);
    const frame = await openEmbedded(page, embedded.hostOrigin, name.toLowerCase(), name);
    await frame.focus('#emoji-button');
    await page.keyboard.press('Enter');
    await frame.waitForSelector('#emoji-picker', { state: 'visible' });
    await assertInViewport(frame, `the popover in the frame's viewport at ${size}`);
    const [popover, iframe] = await Promise.all([frame.locator('#emoji-picker').boundingBox(), page.locator('#parley').boundingBox()]);
    assert.ok(popover !== null && iframe !== null);
    assertInside(popover, iframe, `the popover inside the iframe at ${size}`);
    await page.keyboard.type('popper');
    await page.keyboard.press('Enter');
    await frame.waitForSelector('#emoji-picker', { state: 'hidden' });
    assert.equal(await frame.inputValue('#message-input'), '🎉');
    assert.deepEqual(unexpected(problems), []);
    await context.close();
  }
});
