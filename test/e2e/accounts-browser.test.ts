/**
 * Accounts in a real browser (Debian's chromium via playwright-core): a user registers, signs out,
 * signs in, joins a room by its code as the account and chats with a guest; page scripts never see
 * the account's cookies; and a page outlives its access token, renewed with the refresh cookie.
 * The pages run under the server's CSP, so an inline script or style would show up as an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { joinThroughInvite, launch, person, say, unexpected } from '../support/browser.ts';
import { startServer } from '../support/server.ts';
import { Tokens } from '../../src/auth/tokens.ts';

const PASSWORD = 'a long and secret passphrase';

test('a user registers, signs out, signs in, joins a room by its code as the account, and a guest sees the message', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Account room' });
  await using browser = await launch();
  const ada = await person(browser);
  const bob = await person(browser);

  // From the join page to the registration page.
  await ada.page.goto(server.url);
  await ada.page.click('#sign-in-link');
  await ada.page.waitForSelector('#account-form');
  assert.equal(new URL(ada.page.url()).pathname, '/login');
  await ada.page.click('#other-account-page');
  await ada.page.waitForSelector('#display-name');
  assert.equal(new URL(ada.page.url()).pathname, '/register');
  await ada.page.fill('#username', 'Ada');
  await ada.page.fill('#password', PASSWORD);
  await ada.page.fill('#display-name', 'Ada L.');
  await ada.page.click('#account-button');
  await ada.page.waitForSelector('#account-status:has-text("Signed in as Ada L. (ada)")');

  // The account's cookies are httpOnly: the page's own scripts cannot read them.
  const cookies = await ada.context.cookies(server.url);
  assert.equal(cookies.find((c) => c.name === 'parley_access')?.httpOnly, true);
  assert.doesNotMatch(await ada.page.evaluate(() => document.cookie), /parley_access|parley_refresh/);

  // Sign out, then a wrong password, then sign in (the name in another case).
  await ada.page.click('#account-sign-out');
  await ada.page.waitForSelector('#sign-in-link');
  assert.equal(await ada.page.evaluate(async () => (await fetch('/api/v1/auth/me')).status), 401);
  await ada.page.click('#sign-in-link');
  await ada.page.fill('#username', 'ADA');
  await ada.page.fill('#password', 'not the password');
  await ada.page.click('#account-button');
  await ada.page.waitForSelector('#account-error:has-text("Wrong username or password")');
  await ada.page.fill('#password', PASSWORD);
  await ada.page.click('#account-button');
  await ada.page.waitForSelector('#account-status:has-text("Signed in as Ada L. (ada)")');

  // Join by room id and code: no name to give, the account's name is used.
  assert.equal(await ada.page.locator('#name').count(), 0);
  await ada.page.fill('#room-id', room.id);
  await ada.page.fill('#join-code', joinCode ?? '');
  await ada.page.click('#join-button');
  await ada.page.waitForSelector('#status[data-state="open"]');
  assert.equal(new URL(ada.page.url()).pathname, `/rooms/${room.id}`);

  // A guest joins through the invite link and sees Ada's message under her account's name.
  await joinThroughInvite(bob.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Bob');
  await say(ada.page, 'Hello from an account');
  await bob.page.waitForSelector('.message .body:text-is("Hello from an account")');
  assert.equal(await bob.page.textContent('.message:has(.body:text-is("Hello from an account")) .sender'), 'Ada L.');
  await say(bob.page, 'Hi Ada');
  await ada.page.waitForSelector('.message .body:text-is("Hi Ada")');

  // A reload goes straight back into the room as the account.
  await ada.page.reload();
  await ada.page.waitForSelector('#status[data-state="open"]');
  await ada.page.waitForSelector('.message .body:text-is("Hi Ada")');

  assert.deepEqual(unexpected([...ada.problems, ...bob.problems]), []);
});

test('a signed-in room page outlives its access token: the refresh cookie renews it and the room reopens by itself', async () => {
  const secret = randomBytes(32).toString('base64url');
  await using server = await startServer({ PARLEY_SESSION_SECRET: secret, PARLEY_HEARTBEAT_INTERVAL_MS: '1000' });
  const { room, joinCode } = await server.createRoom({ name: 'Long stay' });
  await using browser = await launch();
  const ada = await person(browser);

  await ada.page.goto(`${server.url}/register?room=${room.id}&code=${joinCode}`);
  await ada.page.fill('#username', 'stayer');
  await ada.page.fill('#password', PASSWORD);
  await ada.page.click('#account-button');
  await ada.page.waitForSelector('#account-status');
  assert.equal(await ada.page.inputValue('#room-id'), room.id, 'the invite survives signing in');
  await ada.page.click('#join-button');
  await ada.page.waitForSelector('#status[data-state="open"]');

  // Swap the access cookie for one that expires in a few seconds, and reload so the socket uses it.
  const { account } = await ada.page.evaluate(async () => (await fetch('/api/v1/auth/me')).json() as Promise<{ account: { id: string; name: string } }>);
  const short = await new Tokens(secret).sign('access', account.id, { name: account.name, role: 'user' }, 4000);
  await ada.context.addCookies([{ name: 'parley_access', value: short.token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  await ada.page.reload();
  await ada.page.waitForSelector('#status[data-state="open"]');
  const access = async () => (await ada.context.cookies(server.url)).find((c) => c.name === 'parley_access')?.value;
  assert.equal(await access(), short.token);

  // The server closes the socket once the token expires; the page renews the cookie and reconnects.
  await ada.page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') !== 'open', undefined, { timeout: 15_000 });
  await ada.page.waitForSelector('#status[data-state="open"]', { timeout: 15_000 });
  assert.notEqual(await access(), short.token, 'a renewed access cookie');
  assert.equal(new URL(ada.page.url()).pathname, `/rooms/${room.id}`);
  await say(ada.page, 'Still signed in');
  await ada.page.waitForSelector('.message:not(.pending) .body:text-is("Still signed in")');
  assert.deepEqual(unexpected(ada.problems), []);
});
