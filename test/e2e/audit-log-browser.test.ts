/**
 * The audit log in the web UI (issue 12: moderation for moderators): a room's moderators and owners
 * open it from the room header and read what was done and refused, newest first, in words, with
 * local times, never an id or a UTC stamp; it fits the window at desktop and phone widths, works
 * from the keyboard and pages back with "Load older entries". A plain member has no such button.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { joinThroughInvite, launch, person, unexpected } from '../support/browser.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { call, ownedRoom } from '../support/api.ts';

/** `ms` (Unix) as the page says a moment: its time today, else its date and time, in the browser's locale. */
function whenIn(page: Page, ms: number): Promise<string> {
  return page.evaluate((at) => {
    const date = new Date(at);
    const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}, ${time}`;
  }, ms);
}

/** A moderator of `roomId` made by `ownerToken`'s invite, named `name`; resolves their session token. */
async function moderator(server: TestServer, roomId: string, ownerToken: string, name: string): Promise<string> {
  const invite = (await call(server.url, 'POST', `/api/v1/rooms/${roomId}/invites`, ownerToken, { role: 'moderator' })).json.invite;
  const joined = await call(server.url, 'POST', '/api/v1/join', undefined, { roomId, invite, name });
  assert.equal(joined.status, 200, JSON.stringify(joined.json));
  return joined.json.token as string;
}

/** Whether the whole of `selector`'s first match lies inside the page's viewport. */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const size = page.viewportSize();
  return box !== null && size !== null && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

test('a moderator reads the room\'s audit log in words, newest first, from the room header — every kind of entry, in the viewport at desktop and phone widths, from the keyboard; a plain member has no Audit log button', async () => {
  await using server = await startServer({ PARLEY_WORD_FILTER: 'darn' });
  const { owner, room, joinCode } = await ownedRoom(server, { name: 'Club' });
  const modToken = await moderator(server, room.id, owner.token, 'Mia');
  const [bob, carol, eve, frank] = await Promise.all(['Bob', 'Carol', 'Eve', 'Frank'].map((name) => server.joinRoom(room.id, joinCode, name)));
  assert.ok(bob !== undefined && carol !== undefined && eve !== undefined && frank !== undefined);
  const as = (token: string, method: string, path: string, body?: unknown) => call(server.url, method, `/api/v1/rooms/${room.id}${path}`, token, body);

  // The owner moderates; the refused message and join are logged too.
  const sent = await as(bob.token, 'POST', '/messages', { clientId: 'b1', body: 'buy my stuff' });
  assert.equal((await as(owner.token, 'DELETE', `/messages/${sent.json.seq as number}`)).status, 200);
  const until = Date.now() + 30 * 60_000;
  assert.equal((await as(owner.token, 'PUT', `/members/${bob.user.id}/mute`, { until })).status, 200);
  assert.equal((await as(bob.token, 'POST', '/messages', { clientId: 'b2', body: 'let me talk' })).json.error?.code, 'MEMBER_MUTED');
  assert.equal((await as(owner.token, 'DELETE', `/members/${bob.user.id}/mute`)).status, 200);
  assert.equal((await as(bob.token, 'POST', '/messages', { clientId: 'b3', body: 'darn it' })).json.error?.code, 'MESSAGE_REFUSED');
  assert.equal((await as(owner.token, 'PUT', `/bans/${carol.user.id}`, { reason: 'spam links' })).status, 200);
  assert.equal((await call(server.url, 'POST', '/api/v1/join', carol.token, { roomId: room.id, code: joinCode, name: 'Carol' })).json.error?.code, 'BANNED');
  assert.equal((await as(owner.token, 'DELETE', `/bans/${carol.user.id}`)).status, 200);
  assert.equal((await as(owner.token, 'DELETE', `/members/${eve.user.id}`)).status, 200);
  assert.equal((await as(owner.token, 'PUT', `/members/${frank.user.id}/role`, { role: 'moderator' })).status, 200);

  await using browser = await launch();
  const mia = await person(browser);
  await mia.context.addCookies([{ name: 'parley_session', value: modToken, url: server.url }]);
  await mia.page.setViewportSize({ width: 1280, height: 800 });
  await mia.page.goto(`${server.url}/rooms/${room.id}`);
  await mia.page.waitForSelector('#status[data-state="open"]');

  await mia.page.click('#audit-log-button');
  await mia.page.waitForSelector('#audit-log .audit-entry');
  assert.equal(await mia.page.evaluate(() => document.getElementById('audit-log')?.contains(document.activeElement)), true, 'focus moves into the panel');
  assert.equal(await mia.page.getAttribute('#audit-log-button', 'aria-expanded'), 'true');
  const time = await whenIn(mia.page, until);
  assert.deepEqual(await mia.page.locator('#audit-log .audit-entry .text').allTextContents(), [
    'Owner made Frank a moderator (was a member)',
    'Owner removed Eve from the room',
    'Owner lifted the ban on Carol',
    'Carol was refused entry: banned from the room',
    'Owner banned Carol: “spam links”',
    'A message by Bob was refused: it had a word on the filter list',
    'Owner unmuted Bob',
    `A message by Bob was refused: muted until ${time}`,
    `Owner muted Bob until ${time}`,
    'Owner deleted a message by Bob',
  ]);
  const panelText = (await mia.page.textContent('#audit-log')) ?? '';
  assert.doesNotMatch(panelText, new RegExp(`${room.id}|${bob.user.id}|${carol.user.id}|\\d{4}-\\d{2}-\\d{2}T|details|mutedUntil|_`), 'no ids, UTC stamps or field names');
  assert.equal(await mia.page.isVisible('#audit-log-older'), false, 'one page holds them all');
  for (const selector of ['#audit-log-title', '#audit-log-close', '#audit-log .audit-entry']) assert.ok(await inViewport(mia.page, selector), `${selector} is on screen at 1280×800`);

  // Escape closes it and hands focus back to the button; Enter on the button opens it again.
  await mia.page.keyboard.press('Escape');
  await mia.page.waitForSelector('#audit-log', { state: 'detached' });
  assert.equal(await mia.page.evaluate(() => document.activeElement?.id), 'audit-log-button');
  assert.equal(await mia.page.getAttribute('#audit-log-button', 'aria-expanded'), 'false');

  // The owner closes the room: that is the newest entry, also on a phone.
  assert.equal((await as(owner.token, 'POST', '/close')).status, 200);
  await mia.page.waitForSelector('#status:text-is("Room closed")');
  await mia.page.setViewportSize({ width: 375, height: 667 });
  await mia.page.keyboard.press('Enter');
  await mia.page.waitForSelector('#audit-log .audit-entry');
  assert.equal(await mia.page.textContent('#audit-log .audit-entry .text >> nth=0'), 'Owner closed the room');
  for (const selector of ['#audit-log-title', '#audit-log-close', '#audit-log .audit-entry']) assert.ok(await inViewport(mia.page, selector), `${selector} is on screen at 375×667`);
  assert.ok(await mia.page.evaluate(() => document.documentElement.scrollWidth <= 375), 'nothing sticks out sideways on a phone');
  await mia.page.click('#audit-log-close');
  await mia.page.waitForSelector('#audit-log', { state: 'detached' });

  // A plain member sees no Audit log button (and the API refuses them).
  const dan = await person(browser);
  const second = await server.createRoom({ name: 'Open' });
  await joinThroughInvite(dan.page, `${server.url}/?room=${second.room.id}&code=${second.joinCode}`, 'Dan');
  await dan.page.waitForSelector('#members li:has-text("Dan")');
  assert.equal(await dan.page.isVisible('#audit-log-button'), false);
  assert.equal(await dan.page.evaluate(async (id) => (await fetch(`/api/v1/rooms/${id}/audit`)).status, second.room.id), 403);
  assert.deepEqual(unexpected([...mia.problems, ...dan.problems]), []);
});

test('the audit log says when nothing is recorded yet, and pages back with "Load older entries" until every entry is shown once', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server, { name: 'Busy' });
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  await using browser = await launch();
  const boss = await person(browser);
  await boss.context.addCookies([{ name: 'parley_session', value: owner.token, url: server.url }]);
  await boss.page.goto(`${server.url}/rooms/${room.id}`);
  await boss.page.waitForSelector('#status[data-state="open"]');

  await boss.page.click('#audit-log-button');
  await boss.page.waitForSelector('#audit-log-status:text-is("Nothing recorded yet. Moderation in this room, and messages or joins it refused, will be listed here.")');
  assert.equal(await boss.page.isVisible('#audit-log-entries'), false);
  await boss.page.click('#audit-log-close');
  assert.equal(await boss.page.evaluate(() => document.activeElement?.id), 'audit-log-button');

  // 60 mutes, each a minute longer: more than one page of 50.
  const start = Date.now() + 60 * 60_000;
  for (let n = 1; n <= 60; n++) {
    assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${bob.user.id}/mute`, owner.token, { until: start + n * 60_000 })).status, 200);
  }
  await boss.page.click('#audit-log-button');
  await boss.page.waitForSelector('#audit-log .audit-entry');
  assert.equal(await boss.page.locator('#audit-log .audit-entry').count(), 50);
  await boss.page.focus('#audit-log-older');
  await boss.page.keyboard.press('Enter');
  await boss.page.waitForSelector('#audit-log-older', { state: 'hidden' });
  assert.equal(await boss.page.evaluate(() => document.activeElement?.id), 'audit-log-entries', 'focus stays in the panel when the button goes');
  const expected = await Promise.all(Array.from({ length: 60 }, (_, i) => whenIn(boss.page, start + (60 - i) * 60_000).then((t) => `Owner muted Bob until ${t}`)));
  assert.deepEqual(await boss.page.locator('#audit-log .audit-entry .text').allTextContents(), expected, 'every entry once, newest first');
  assert.deepEqual(unexpected(boss.problems), []);
});
