/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core (never a downloaded
 * browser). Two people join the same room through the join page, see each other online and typing,
 * exchange messages (stored as typed, markup included, and shown as text), see a message a
 * moderator deleted turn into a tombstone, see read markers, survive a server restart, and a reload
 * brings back the full history. The page runs under the server's CSP, so any inline script or style
 * would show up as a console error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinThroughInvite, launch, person, say, unexpected } from '../support/browser.ts';
import { startServer } from '../support/server.ts';

test('two people chat through the web UI: presence, typing, safe text, tombstones, read markers, reconnect, and history after reload', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Browser room' });
  await using browser = await launch();
  const ada = await person(browser);
  const bob = await person(browser);
  const invite = `${server.url}/?room=${room.id}&code=${joinCode}`;

  // Ada joins from the invite link: the form is prefilled, she only types her name.
  await ada.page.goto(invite);
  assert.equal(await ada.page.inputValue('#room-id'), room.id);
  assert.equal(await ada.page.inputValue('#join-code'), joinCode);
  await ada.page.fill('#name', 'Ada');
  await ada.page.click('#join-button');
  await ada.page.waitForSelector('#status[data-state="open"]');
  assert.equal(await ada.page.textContent('#room-name'), 'Browser room');
  assert.equal(new URL(ada.page.url()).pathname, `/rooms/${room.id}`);

  // Bob pastes the whole invite link into the room field.
  await bob.page.goto(server.url);
  await bob.page.fill('#room-id', invite);
  await bob.page.fill('#name', 'Bob');
  await bob.page.click('#join-button');
  await bob.page.waitForSelector('#status[data-state="open"]');

  // Presence: each sees the other online.
  await ada.page.waitForSelector('#members li.online:has-text("Bob")');
  await bob.page.waitForSelector('#members li.online:has-text("Ada")');
  await bob.page.waitForSelector('#online:text-is("2 online")');

  // Typing, then a message, which clears the indicator.
  await ada.page.type('#message-input', 'Hel');
  await bob.page.waitForSelector('#typing:text-is("Ada is typing…")');
  await say(ada.page, 'Hello Bob');
  await bob.page.waitForSelector('.message[data-seq="1"] .body:text-is("Hello Bob")');
  await bob.page.waitForSelector('#typing:empty');

  // Markup from another user is stored as typed and shown as text: tags and entities appear as
  // typed, no element is created, no handler runs.
  const attack = '<img src=x onerror="document.title=\'pwned\'"> <b>bold?</b> <script>document.title=\'pwned\'</script> &lt;i&gt;as typed&lt;/i&gt;';
  await say(bob.page, attack);
  await ada.page.waitForSelector('.message[data-seq="2"]');
  assert.equal(await ada.page.textContent('.message[data-seq="2"] .body'), attack);
  assert.equal(await ada.page.locator('#message-list img, #message-list b, #message-list i, #message-list script').count(), 0);
  assert.notEqual(await ada.page.title(), 'pwned');

  // A moderator (here the admin) deletes it: both pages show a tombstone in its place.
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/messages/2`, { method: 'DELETE' })).status, 200);
  for (const page of [ada.page, bob.page]) await page.waitForSelector('.message.deleted[data-seq="2"] .body:text-is("message deleted")');

  // Read markers: each page marks what is on screen as read; the other side sees it.
  await bob.page.waitForSelector('#seen-by:text-is("Seen by Ada")');
  await ada.page.waitForSelector('#members li:has-text("Bob") .read:text-is("read #2")');
  await ada.page.waitForSelector('#unread:empty', { state: 'attached' });

  // The server restarts: both pages reconnect by themselves and the conversation goes on.
  await server.restart();
  await ada.page.waitForSelector('#status[data-state="open"]');
  await bob.page.waitForSelector('#status[data-state="open"]');
  await say(ada.page, 'Still there?');
  await bob.page.waitForSelector('.message[data-seq="3"] .body:text-is("Still there?")');

  // A reload goes straight back into the room with the cookie session, with the full history.
  await bob.page.reload();
  await bob.page.waitForSelector('#status[data-state="open"]');
  await bob.page.waitForSelector('.message[data-seq="3"]');
  assert.deepEqual(await bob.page.locator('.message .body').allTextContents(), ['Hello Bob', 'message deleted', 'Still there?']);
  assert.equal(await bob.page.locator('.message.deleted').count(), 1, 'history shows the tombstone too');
  await say(ada.page, 'Welcome back');
  await bob.page.waitForSelector('.message[data-seq="4"] .body:text-is("Welcome back")');
  assert.deepEqual(await bob.page.locator('.message .body').allTextContents(), ['Hello Bob', 'message deleted', 'Still there?', 'Welcome back']);

  // Nothing went wrong on either page: no script errors, no CSP violations.
  assert.deepEqual(unexpected([...ada.problems, ...bob.problems]), []);
});

test('the room page loads older history on demand, in order, with nothing twice', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Long history' });
  const { token } = await server.joinRoom(room.id, joinCode, 'Archivist');
  for (let n = 1; n <= 60; n++) {
    const res = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: `seed-${n}`, body: `old ${n}` }),
    });
    assert.ok(res.ok, `seeding: HTTP ${res.status}`);
  }
  await using browser = await launch();
  const reader = await person(browser);
  await joinThroughInvite(reader.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Reader');
  await reader.page.waitForSelector('.message[data-seq="60"]');
  assert.equal(await reader.page.locator('.message').count(), 50);
  await reader.page.click('#load-older');
  await reader.page.waitForSelector('.message[data-seq="1"]');
  const seqs = await reader.page.locator('.message').evaluateAll((nodes) => nodes.map((n) => Number((n as HTMLElement).dataset.seq)));
  assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1));
  assert.equal(await reader.page.isHidden('#load-older'), true);
});

test('the join page refuses a wrong code with the server’s message and keeps the form', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom();
  await using browser = await launch();
  const eve = await person(browser);
  await eve.page.goto(`${server.url}/?room=${room.id}&code=WRONGCODE1`);
  await eve.page.fill('#name', 'Eve');
  await eve.page.click('#join-button');
  await eve.page.waitForSelector('#join-error:not(:empty)');
  assert.match((await eve.page.textContent('#join-error')) ?? '', /join code/i);
  assert.equal(await eve.page.inputValue('#room-id'), room.id);
  assert.equal(new URL(eve.page.url()).pathname, '/');
  // A room link without a session leads to the join page for that room.
  await eve.page.goto(`${server.url}/rooms/${room.id}`);
  await eve.page.waitForSelector('#join-form');
  assert.equal(await eve.page.inputValue('#room-id'), room.id);
});
