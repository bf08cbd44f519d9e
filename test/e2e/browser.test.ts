/**
 * The web UI in a real browser (Debian's chromium driven by playwright-core): two people join the
 * same room through the join page, see each other online and typing, exchange messages (markup is
 * shown as text), and a reload brings back the full history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer } from '../support/server.ts';

const CHROMIUM = '/usr/bin/chromium';

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install Debian's chromium with \`apt-get install -y chromium\` (.ci/run does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function join(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.fill('#name', name);
  await page.click('#join-button');
  await page.waitForSelector('#status[data-state="open"]');
}

test('two people chat through the web UI with typing, presence, safe text and history after reload', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Browser room' });
  const browser = await launch();
  try {
    const ada = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext()).newPage();
    const pageErrors: string[] = [];
    for (const page of [ada, bob]) page.on('pageerror', (err) => pageErrors.push(err.message));
    const link = `${server.url}/?room=${room.id}&code=${joinCode}`;

    await join(ada, link, 'Ada');
    assert.equal(await ada.textContent('#room-name'), 'Browser room');
    assert.match(ada.url(), new RegExp(`/rooms/${room.id}$`));
    await join(bob, link, 'Bob');

    // presence: each sees the other online
    await ada.waitForSelector('#members li.online:has-text("Bob")');
    await bob.waitForSelector('#members li.online:has-text("Ada")');

    // typing
    await ada.type('#message-input', 'Hel');
    await bob.waitForSelector('#typing:has-text("Ada is typing")');

    // messages both ways; markup stays text
    await ada.fill('#message-input', 'Hello Bob');
    await ada.press('#message-input', 'Enter');
    await bob.waitForSelector('.message .body:text-is("Hello Bob")');
    const attack = '<img src=x onerror="document.title=\'pwned\'"> <b>bold?</b>';
    await bob.fill('#message-input', attack);
    await bob.click('#send-button');
    await ada.waitForSelector('.message[data-seq="2"]');
    assert.equal(await ada.textContent('.message[data-seq="2"] .body'), attack);
    assert.equal(await ada.locator('#message-list img, #message-list b').count(), 0, 'no markup was created');
    assert.notEqual(await ada.title(), 'pwned');
    await bob.waitForSelector('#typing:empty');

    // reload: the cookie session brings Bob straight back with the full history
    await bob.reload();
    await bob.waitForSelector('#status[data-state="open"]');
    await bob.waitForSelector('.message[data-seq="2"]');
    const bodies = await bob.locator('.message .body').allTextContents();
    assert.deepEqual(bodies, ['Hello Bob', attack]);

    // and the conversation goes on after the reload
    await ada.fill('#message-input', 'Welcome back');
    await ada.press('#message-input', 'Enter');
    await bob.waitForSelector('.message .body:text-is("Welcome back")');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});

test('the join page refuses a wrong code with the server\'s message and keeps the form', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?room=${room.id}&code=WRONGCODE1`);
    await page.fill('#name', 'Eve');
    await page.click('#join-button');
    await page.waitForSelector('#join-error:has-text("Wrong join code")');
    assert.equal(await page.inputValue('#room-id'), room.id);
  } finally {
    await browser.close();
  }
});
