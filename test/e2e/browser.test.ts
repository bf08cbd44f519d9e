/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core (never a downloaded
 * browser). Two people join the same room through the join page, see each other online and typing,
 * exchange messages (stored as typed, markup included, and shown as text), see a message a
 * moderator deleted turn into a tombstone, see read markers, survive a server restart, and a reload
 * brings back the full history. On the timeline they reply with a quote, edit (marked "(edited)"),
 * react and take reactions back, delete their own messages, and see who joined as a system line.
 * The page runs under the server's CSP, so any inline script or style would show up as a console
 * error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { joinThroughInvite, launch, person, say, unexpected } from '../support/browser.ts';
import { startServer } from '../support/server.ts';
import { call, ownedRoom } from '../support/api.ts';

/** The timeline entry of the message whose body is exactly `body`. */
const messageWith = (body: string) => `.message[data-seq]:has(> .body:text-is(${JSON.stringify(body)}))`;

/** The seq of the message whose body is exactly `body`, once it is shown. */
async function seqOf(page: Page, body: string): Promise<number> {
  await page.waitForSelector(messageWith(body));
  return Number(await page.getAttribute(messageWith(body), 'data-seq'));
}

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
  await bob.page.waitForSelector(messageWith('Hello Bob'));
  await bob.page.waitForSelector('#typing:empty');

  // Markup from another user is stored as typed and shown as text: tags and entities appear as
  // typed, no element is created, no handler runs.
  const attack = '<img src=x onerror="document.title=\'pwned\'"> <b>bold?</b> <script>document.title=\'pwned\'</script> &lt;i&gt;as typed&lt;/i&gt;';
  await say(bob.page, attack);
  const attackSeq = await seqOf(ada.page, attack);
  assert.equal(await ada.page.textContent(`.message[data-seq="${attackSeq}"] .body`), attack);
  assert.equal(await ada.page.locator('#message-list img, #message-list b, #message-list i, #message-list script').count(), 0);
  assert.notEqual(await ada.page.title(), 'pwned');

  // A moderator (here the admin) deletes it: both pages show a tombstone in its place.
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/messages/${attackSeq}`, { method: 'DELETE' })).status, 200);
  for (const page of [ada.page, bob.page]) await page.waitForSelector(`.message.deleted[data-seq="${attackSeq}"] .body:text-is("Message deleted")`);

  // Read markers: each page marks what is on screen as read; the other side sees it.
  await bob.page.waitForSelector('#seen-by:text-is("Seen by Ada")');
  await ada.page.waitForSelector('#unread:empty', { state: 'attached' });

  // The server restarts: both pages reconnect by themselves and the conversation goes on.
  await server.restart();
  await ada.page.waitForSelector('#status[data-state="open"]');
  await bob.page.waitForSelector('#status[data-state="open"]');
  await say(ada.page, 'Still there?');
  await bob.page.waitForSelector(messageWith('Still there?'));
  await ada.page.waitForSelector('#seen-by:text-is("Seen by Bob")');
  assert.doesNotMatch((await ada.page.locator('#members').textContent()) ?? '', /#\d/, 'no seq numbers in the members panel');

  // A reload goes straight back into the room with the cookie session, with the full history.
  await bob.page.reload();
  await bob.page.waitForSelector('#status[data-state="open"]');
  await bob.page.waitForSelector(messageWith('Still there?'));
  assert.deepEqual(await bob.page.locator('.message .body').allTextContents(), ['Hello Bob', 'Message deleted', 'Still there?']);
  assert.equal(await bob.page.locator('.message.deleted').count(), 1, 'history shows the tombstone too');
  await say(ada.page, 'Welcome back');
  await bob.page.waitForSelector(messageWith('Welcome back'));
  assert.deepEqual(await bob.page.locator('.message .body').allTextContents(), ['Hello Bob', 'Message deleted', 'Still there?', 'Welcome back']);

  // Nothing went wrong on either page: no script errors, no CSP violations.
  assert.deepEqual(unexpected([...ada.problems, ...bob.problems]), []);
});

test('the room page loads older history as the list is scrolled to its top (or from its button), in order, with nothing twice', async () => {
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
  await reader.page.waitForSelector(messageWith('old 60'));
  const bodies = () => reader.page.locator('.message .body').allTextContents();
  const newestPage = await bodies();
  assert.ok(newestPage.length > 0 && newestPage.length <= 50, `one page of at most 50 events: ${newestPage.length} messages`);
  assert.equal(await reader.page.isVisible('#load-older'), true);
  const shownAtFirst = await reader.page.locator('#message-list > [data-seq]').count();
  await reader.page.locator('#messages').evaluate((list) => (list.scrollTop = 0));
  await reader.page.waitForFunction((n) => document.querySelectorAll('#message-list > [data-seq]').length > n, shownAtFirst);
  assert.ok((await reader.page.locator('#messages').evaluate((list) => list.scrollTop)) > 0, 'the view stays on what was read: the older page is above it');
  while (await reader.page.isVisible('#load-older')) {
    const shown = await reader.page.locator('#message-list > [data-seq]').count();
    await reader.page.click('#load-older');
    await reader.page.waitForFunction((n) => document.querySelectorAll('#message-list > [data-seq]').length > n || document.getElementById('load-older')?.hidden === true, shown);
  }
  assert.deepEqual(await bodies(), Array.from({ length: 60 }, (_, i) => `old ${i + 1}`), 'every message once, in order');
  const seqs = await reader.page.locator('#message-list > [data-seq]').evaluateAll((nodes) => nodes.map((n) => Number((n as HTMLElement).dataset.seq)));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'entries in seq order');
  assert.equal(await reader.page.locator('.system-line:has-text("Archivist joined")').count(), 1, 'the join is a system line in the history');
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

test('the timeline in two pages: a join line, a reply with its quote, an edit marked "(edited)", reactions toggled, deletions as tombstones (own, then as a new moderator), and the room closing — live and after a reload', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Timeline room' });
  await using browser = await launch();
  const ada = await person(browser);
  const bob = await person(browser);
  const invite = `${server.url}/?room=${room.id}&code=${joinCode}`;
  await joinThroughInvite(ada.page, invite, 'Ada');
  await joinThroughInvite(bob.page, invite, 'Bob');

  // Bob's arrival is a system line on Ada's page, in the timeline.
  await ada.page.waitForSelector('.system-line[data-type="member_joined"]:has-text("Bob joined")');

  await say(ada.page, 'Lunch at noon?');
  const question = await seqOf(bob.page, 'Lunch at noon?');

  // Bob replies: the composer says what he answers, and the reply shows a quote of it.
  await bob.page.click(`.message[data-seq="${question}"] [data-action="reply"]`);
  await bob.page.waitForSelector('#reply-bar:not([hidden]) .reply-text:text-is("Replying to Ada: Lunch at noon?")');
  await say(bob.page, 'Yes!');
  await bob.page.waitForSelector('#reply-bar[hidden]', { state: 'attached' });
  const answer = await seqOf(ada.page, 'Yes!');
  await ada.page.waitForSelector(`.message[data-seq="${answer}"] .quote[data-seq="${question}"]:has-text("Lunch at noon?")`);
  assert.equal(await ada.page.textContent(`.message[data-seq="${answer}"] .quote .quote-sender`), 'Ada');

  // Ada edits her message inline; both pages show the new text, "(edited)", and the quote follows.
  assert.equal(await ada.page.locator(`.message[data-seq="${answer}"] [data-action="edit"]`).count(), 0, 'no Edit on someone else\'s message');
  await ada.page.click(`.message[data-seq="${question}"] [data-action="edit"]`);
  await ada.page.fill(`.message[data-seq="${question}"] .edit-input`, 'Lunch at one?');
  await ada.page.press(`.message[data-seq="${question}"] .edit-input`, 'Enter');
  for (const page of [ada.page, bob.page]) {
    await page.waitForSelector(`.message[data-seq="${question}"] > .body:text-is("Lunch at one?")`);
    await page.waitForSelector(`.message[data-seq="${question}"] .edited:text-is("(edited)")`);
    await page.waitForSelector(`.message[data-seq="${answer}"] .quote-body:text-is("Lunch at one?")`);
  }

  // Reactions: Bob reacts, Ada adds hers, then takes it back; counts, "mine" and who reacted follow.
  await bob.page.click(`.message[data-seq="${question}"] .quick .reaction[data-key="👍"]`);
  const thumbs = `.message[data-seq="${question}"] .reactions > .reaction[data-key="👍"]`;
  await ada.page.waitForSelector(`${thumbs} .count:text-is("1")`);
  assert.match((await ada.page.getAttribute(thumbs, 'title')) ?? '', /Bob/);
  assert.equal(await ada.page.getAttribute(thumbs, 'aria-pressed'), 'false');
  await ada.page.click(thumbs);
  await bob.page.waitForSelector(`${thumbs} .count:text-is("2")`);
  await ada.page.waitForSelector(`${thumbs}.mine .count:text-is("2")`);
  await ada.page.click(thumbs);
  await bob.page.waitForSelector(`${thumbs} .count:text-is("1")`);
  await ada.page.waitForSelector(`${thumbs}:not(.mine) .count:text-is("1")`);

  // Bob deletes his reply: a tombstone on both pages. Ada, a plain member, may not delete his messages.
  await say(bob.page, 'Actually, no');
  const retracted = await seqOf(ada.page, 'Actually, no');
  assert.equal(await ada.page.locator(`.message[data-seq="${retracted}"] [data-action="delete"]`).count(), 0, 'no Delete on someone else\'s message for a member');
  await bob.page.click(`.message[data-seq="${retracted}"] [data-action="delete"]`);
  for (const page of [ada.page, bob.page]) await page.waitForSelector(`.message.deleted[data-seq="${retracted}"] > .body:text-is("Message deleted")`);
  assert.equal(await ada.page.locator(`.message[data-seq="${retracted}"] .reactions, .message[data-seq="${retracted}"] .actions`).count(), 0, 'a tombstone has no reactions or actions');

  // The owner (here the admin) makes Ada a moderator: a system line, and now she may delete Bob's reply.
  const adaId = await ada.page.getAttribute('#members li:has-text("Ada")', 'data-user-id');
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/members/${adaId}/role`, { method: 'PUT', body: { role: 'moderator' } })).status, 200);
  for (const page of [ada.page, bob.page]) await page.waitForSelector('.system-line[data-type="member_role_changed"]:has-text("made Ada a moderator")');
  await ada.page.click(`.message[data-seq="${answer}"] [data-action="delete"]`);
  for (const page of [ada.page, bob.page]) await page.waitForSelector(`.message.deleted[data-seq="${answer}"] > .body:text-is("Message deleted")`);

  // After a reload, history shows the same timeline.
  await ada.page.reload();
  await ada.page.waitForSelector('#status[data-state="open"]');
  await ada.page.waitForSelector(`.message.deleted[data-seq="${retracted}"]`);
  await ada.page.waitForSelector(`.message[data-seq="${question}"] .edited`);
  await ada.page.waitForSelector(`${thumbs} .count:text-is("1")`);
  await ada.page.waitForSelector(`.message.deleted[data-seq="${answer}"] .quote-body:text-is("Lunch at one?")`);
  await ada.page.waitForSelector('.system-line:has-text("Bob joined")');
  await ada.page.waitForSelector('.system-line:has-text("made Ada a moderator")');
  assert.deepEqual(await ada.page.locator('.message > .body').allTextContents(), ['Lunch at one?', 'Message deleted', 'Message deleted']);

  // The room is closed: a system line, and the composer is disabled.
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/close`, { method: 'POST' })).status, 200);
  for (const page of [ada.page, bob.page]) {
    await page.waitForSelector('.system-line[data-type="room_closed"]:has-text("closed the room")');
    await page.waitForSelector('#message-input:disabled');
  }

  assert.deepEqual(unexpected([...ada.problems, ...bob.problems]), []);
});

test('in a room of 200 messages only the message list scrolls: the page fits the window, the newest message and the composer are on screen, at desktop and phone widths', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Long room' });
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  for (let start = 0; start < 200; start += 100) {
    const messages = Array.from({ length: 100 }, (_, i) => ({ clientId: `m${start + i}`, body: `message ${start + i}` }));
    const res = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages/batch`, { method: 'POST', headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
    assert.equal(res.status, 200);
  }
  await using browser = await launch();
  for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 667 }]) {
    const context = await browser.newContext({ viewport });
    await context.addCookies([{ name: 'parley_session', value: ada.token, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/rooms/${room.id}`);
    await page.waitForSelector('#status[data-state="open"]');
    const newest = page.locator(messageWith('message 199'));
    await newest.waitFor();
    const inView = async (selector: string) => {
      const box = await page.locator(selector).boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= viewport.height;
    };
    assert.equal(await page.evaluate('document.documentElement.scrollHeight'), viewport.height, `the page fits ${viewport.width}×${viewport.height}`);
    assert.ok(await inView('#message-input'), `the composer is on screen at ${viewport.width}×${viewport.height}`);
    const [message, list] = [await newest.boundingBox(), await page.locator('#messages').boundingBox()];
    assert.ok(message !== null && list !== null && message.y >= list.y && message.y + message.height <= list.y + list.height + 1, 'the newest message is shown at the bottom of the list');
    assert.ok(await page.evaluate('(() => { const l = document.querySelector("#messages"); return l.scrollHeight > l.clientHeight; })()'), 'the message list scrolls');
    await context.close();
  }
});

test('a 70,000-character paste is refused in the composer, naming the limit: the text stays, nothing is sent, and the connection stays up', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Long texts' });
  await using browser = await launch();
  const ada = await person(browser);
  await joinThroughInvite(ada.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Ada');

  const long = 'x'.repeat(70_000);
  await ada.page.fill('#message-input', long);
  await ada.page.waitForSelector('#message-input[aria-invalid="true"]');
  assert.match(await ada.page.textContent('#room-error') ?? '', /too long to send: 70,000 bytes of text, and a message may have at most 16,384/);
  await ada.page.press('#message-input', 'Enter');
  assert.equal((await ada.page.inputValue('#message-input')).length, 70_000, 'the text stays in the composer');
  assert.equal(await ada.page.locator('.message.pending, .message.failed').count(), 0, 'nothing was sent');
  assert.equal(await ada.page.getAttribute('#status', 'data-state'), 'open');

  await say(ada.page, 'short enough');
  await ada.page.waitForSelector(messageWith('short enough'));
  assert.equal(await ada.page.getAttribute('#message-input', 'aria-invalid'), 'false');
  assert.equal(await ada.page.textContent('#room-error'), '');
  assert.equal(await ada.page.getAttribute('#status', 'data-state'), 'open', 'the same connection throughout');
  assert.deepEqual(unexpected(ada.problems), []);
});

test('links in messages open safely and only for http(s); a run of messages by one sender shows the name once; the day has a separator', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Links' });
  await using browser = await launch();
  const ada = await person(browser);
  await joinThroughInvite(ada.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Ada');

  const text = 'See https://example.com/a?b=1&c=2, (also http://example.org/x_(y)) but not javascript:alert(1) or ftp://example.net/f.';
  await say(ada.page, text);
  await say(ada.page, 'and a second message');
  const first = ada.page.locator('.message[data-seq]').filter({ hasText: 'See https://example.com' });
  await first.waitFor();
  const links = await first.locator('.body a').evaluateAll((nodes) => nodes.map((a) => [a.getAttribute('href'), a.textContent, a.getAttribute('target'), a.getAttribute('rel')]));
  assert.deepEqual(links, [
    ['https://example.com/a?b=1&c=2', 'https://example.com/a?b=1&c=2', '_blank', 'noopener noreferrer'],
    ['http://example.org/x_(y)', 'http://example.org/x_(y)', '_blank', 'noopener noreferrer'],
  ]);
  assert.equal(await first.locator('.body').textContent(), text, 'the text is shown exactly as typed');

  const second = ada.page.locator(messageWith('and a second message'));
  await second.waitFor();
  assert.equal(await first.getAttribute('class'), 'message mine', 'the first of the run shows its sender');
  assert.match((await second.getAttribute('class')) ?? '', /\bcontinued\b/);
  const hidden = await second.locator('.sender').boundingBox();
  assert.ok(hidden !== null && hidden.width <= 1 && hidden.height <= 1, 'the repeated name is hidden from sight (still read by screen readers)');
  assert.deepEqual(await ada.page.locator('#message-list .date-separator').allTextContents(), ['Today']);
  assert.deepEqual(unexpected(ada.problems), []);
});

test('a muted member is told until when in words, and a banned member is told who banned them and why; neither sees a room id or a UTC stamp', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server, { name: 'Moderated' });
  await using browser = await launch();
  const bob = await person(browser);
  await joinThroughInvite(bob.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Bob');
  const bobId = (await bob.page.evaluate(async () => ((await (await fetch('/api/v1/session')).json()) as { user: { id: string } }).user.id));

  const until = Date.now() + 30 * 60_000;
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${bobId}/mute`, owner.token, { until })).status, 200);
  await bob.page.waitForSelector('#message-input:disabled');
  const time = await bob.page.evaluate((ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), until);
  assert.equal(await bob.page.getAttribute('#message-input', 'placeholder'), `You are muted in this room until ${time}`);

  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${bobId}/mute`, owner.token)).status, 200);
  await bob.page.waitForSelector('#message-input:enabled');
  await say(bob.page, 'thanks');
  await bob.page.waitForSelector(messageWith('thanks'));

  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/bans/${bobId}`, owner.token, { reason: 'spam links' })).status, 200);
  await bob.page.waitForSelector('#status:text-is("Banned from the room")');
  assert.equal(await bob.page.textContent('#room-error'), 'Owner banned you from this room: “spam links”. You cannot rejoin unless a moderator lifts the ban.');
  assert.equal(await bob.page.isDisabled('#message-input'), true);

  // Trying the invite again: the join page says so in words.
  await bob.page.goto(`${server.url}/?room=${room.id}&code=${joinCode}`);
  await bob.page.fill('#name', 'Bob again');
  await bob.page.click('#join-button');
  await bob.page.waitForSelector('.join .error:not(:empty)');
  const refusal = (await bob.page.textContent('.join .error')) ?? '';
  assert.equal(refusal, 'You are banned from this room. A moderator can lift the ban.');
  assert.doesNotMatch(refusal + (await bob.page.textContent('body')), new RegExp(`${room.id}|\\d{4}-\\d{2}-\\d{2}T`));
});

test('a draft is kept per room across a reload; a send the server refuses can be retried or discarded; the message list scrolls from the keyboard', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Drafts', messagesPerMinute: 1 });
  await using browser = await launch();
  const ada = await person(browser);
  await joinThroughInvite(ada.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Ada');

  await ada.page.fill('#message-input', 'half a thought,\nstill typing');
  await ada.page.reload();
  await ada.page.waitForSelector('#status[data-state="open"]');
  assert.equal(await ada.page.inputValue('#message-input'), 'half a thought,\nstill typing', 'the draft came back');
  const [one, two] = await ada.page.locator('#message-input').evaluate((t) => [t.clientHeight, t.scrollHeight]);
  assert.ok(one !== undefined && two !== undefined && one >= two - 4, `the composer grew to its two lines (${one} ≥ ${two})`);
  await ada.page.press('#message-input', 'Enter');
  await ada.page.locator('.message[data-seq]').filter({ hasText: 'half a thought' }).waitFor();
  await ada.page.reload();
  await ada.page.waitForSelector('#status[data-state="open"]');
  assert.equal(await ada.page.inputValue('#message-input'), '', 'a sent draft is gone');

  // One message a minute: the next is refused, and offered again.
  await say(ada.page, 'one too many');
  await ada.page.waitForSelector('.message.failed .note:has-text("not sent: Too many at once: try again in")');
  await ada.page.click('.message.failed [data-action="retry"]');
  await ada.page.waitForSelector('.message.failed [data-action="discard"]');
  await ada.page.click('.message.failed [data-action="discard"]');
  assert.equal(await ada.page.locator('.message.failed, .message.pending').count(), 0);

  await ada.page.focus('#messages');
  assert.equal(await ada.page.evaluate(() => document.activeElement?.id), 'messages');
  assert.deepEqual(unexpected(ada.problems), []);
});

test('while the server is down the page counts down to its next attempt, and "Retry now" reconnects at once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Flaky' });
  await using browser = await launch();
  const ada = await person(browser);
  await joinThroughInvite(ada.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Ada');

  await server.stop();
  // The backoff grows with each failed attempt; wait for one at least 2 s away.
  const waiting = await ada.page.waitForSelector('#status:text-matches("^Reconnecting in ([2-9]|\\\\d\\\\d) s$")', { timeout: 60_000 });
  const seconds = Number(/(\d+)/.exec((await waiting.textContent()) ?? '')?.[1]);
  assert.equal(await ada.page.isVisible('#retry-now'), true);
  await server.start();
  await ada.page.click('#retry-now');
  await ada.page.waitForSelector('#status[data-state="open"]', { timeout: (seconds - 1) * 1000 });
  assert.equal(await ada.page.isVisible('#retry-now'), false);
  await say(ada.page, 'back');
  await ada.page.waitForSelector(messageWith('back'));
});

test('a socket the server closes for good over a frame it refused (1009) is reopened by "Reconnect"; the message caught in it is sent or offered again, never left pending', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Strict' });
  await using browser = await launch();
  const ada = await person(browser);
  await joinThroughInvite(ada.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Ada');
  // The next frame the page writes goes out larger than the server reads (PARLEY_WS_MAX_FRAME_BYTES, 64 KiB).
  await ada.page.evaluate(() => {
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket) {
      WebSocket.prototype.send = send;
      send.call(this, 'x'.repeat(70_000));
    };
  });
  await say(ada.page, 'caught');
  await ada.page.waitForSelector('#status[data-state="closed"]');
  await ada.page.waitForSelector('#retry-now:text-is("Reconnect")');
  assert.match((await ada.page.textContent('#room-error')) ?? '', /^The connection was closed/);
  await ada.page.click('#retry-now');
  await ada.page.waitForSelector('#status[data-state="open"]');
  assert.equal(await ada.page.isVisible('#retry-now'), false);
  const caught = ada.page.locator('.message:has(> .body:text-is("caught"))');
  await ada.page.waitForFunction(() => {
    const message = [...document.querySelectorAll('.message')].find((m) => m.querySelector(':scope > .body')?.textContent === 'caught');
    return message !== undefined && (message.hasAttribute('data-seq') || message.classList.contains('failed'));
  });
  if (!(await caught.evaluate((m) => m.hasAttribute('data-seq')))) {
    await caught.locator('button:text-is("Retry")').click();
    await ada.page.waitForSelector(messageWith('caught'));
  }
  await say(ada.page, 'back');
  await ada.page.waitForSelector(messageWith('back'));
});

test('a room opens at the read marker under a "New messages" line, marks read only what was shown, and jumps to the newest on request', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Catching up', messagesPerMinute: 1000 });
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  const before = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages/batch`, ada.token, { messages: [{ clientId: 'seen', body: 'already read' }] });
  const seenSeq = (before.json as { results: Array<{ ack: { seq: number } }> }).results[0]!.ack.seq;
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/read`, bob.token, { seq: seenSeq })).status, 200);
  // More than the page the room opens with (50 events): the page starts with an unread message.
  const messages = Array.from({ length: 60 }, (_, i) => ({ clientId: `m${i}`, body: `news ${i}` }));
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages/batch`, ada.token, { messages })).status, 200);

  await using browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: 'parley_session', value: bob.token, url: server.url }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/rooms/${room.id}`);
  await page.waitForSelector('#status[data-state="open"]');
  const divider = page.locator('#message-list .new-divider');
  await divider.waitFor();
  assert.equal(await divider.evaluate((d) => (d.nextElementSibling as HTMLElement | null)?.querySelector('.body')?.textContent), 'news 10', 'the line sits above the first unread message shown');
  assert.deepEqual(await page.locator('#message-list > p:not(.system-line)').allTextContents(), ['Today', 'New messages'], 'the day first, then the line');
  const inView = (selector: string) =>
    page.locator(selector).evaluate((node) => {
      const box = node.getBoundingClientRect();
      const pane = (document.getElementById('messages') as HTMLElement).getBoundingClientRect();
      return box.top >= pane.top - 1 && box.bottom <= pane.bottom + 1;
    });
  assert.equal(await inView('#message-list .new-divider'), true);
  assert.equal(await inView(messageWith('news 59')), false, 'the newest is below, not yet shown');
  assert.equal(await page.isVisible('#jump-newest'), true);
  // What was shown is read (once the read marker moves), not the rest.
  await page.waitForFunction(() => {
    const count = Number(/^(\d+) unread$/.exec(document.getElementById('unread')?.textContent ?? '')?.[1]);
    return count > 0 && count < 50;
  });

  await page.click('#jump-newest');
  assert.equal(await inView(messageWith('news 59')), true);
  await page.waitForSelector('#jump-newest', { state: 'hidden' });
  await page.waitForSelector('#unread:empty', { state: 'attached' });
});

test('a room made from the UI: its link is copied, a second person joins by it, a single-use invite lets a third in, who leaves; a guest is warned before signing out', async () => {
  await using server = await startServer();
  const lobby = await server.createRoom({ name: 'Lobby', joinRule: 'open' });
  await using browser = await launch();
  const ada = await person(browser);
  await ada.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await joinThroughInvite(ada.page, `${server.url}/?room=${lobby.room.id}`, 'Ada');

  await ada.page.goto(`${server.url}/`);
  await ada.page.fill('#new-room-name', 'Book club');
  await ada.page.selectOption('#new-room-kind', 'persistent');
  await ada.page.click('#create-room-button');
  await ada.page.waitForSelector('#room-name:text-is("Book club")');
  await ada.page.waitForSelector('#status[data-state="open"]');
  const link = await ada.page.inputValue('#share-link');
  assert.match(link, new RegExp(`^${server.url}/\\?room=[A-Za-z0-9_-]+&code=[A-Z0-9]+$`));
  await ada.page.click('#share-copy');
  await ada.page.waitForSelector('#share-status:text-is("Copied.")');
  assert.equal(await ada.page.evaluate(() => navigator.clipboard.readText()), link);
  assert.equal(await ada.page.isVisible('#invite-people'), true, 'the owner may invite');

  const bob = await person(browser);
  await joinThroughInvite(bob.page, link, 'Bob');
  await bob.page.waitForSelector('#room-name:text-is("Book club")');
  assert.equal(await bob.page.isVisible('#invite-people'), false, 'a member may not');
  await ada.page.waitForSelector('.system-line:has-text("Bob joined")');

  await ada.page.click('#invite-people');
  await ada.page.waitForFunction(() => (document.getElementById('share-link') as HTMLInputElement | null)?.value.includes('invite=') === true);
  const invite = await ada.page.locator('#share-link').inputValue();
  assert.match(invite, /\?room=[A-Za-z0-9_-]+&invite=/);
  const carol = await person(browser);
  await carol.page.goto(invite);
  await carol.page.waitForSelector('#invite-note');
  assert.equal(await carol.page.locator('#join-code').count(), 0, 'no code to type');
  await carol.page.fill('#name', 'Carol');
  await carol.page.click('#join-button');
  await carol.page.waitForSelector('#status[data-state="open"]');
  await carol.page.click('#leave-room');
  assert.match((await carol.page.textContent('#room-error')) ?? '', /^Leaving ends your membership of Book club/);
  await carol.page.click('#leave-room:text-is("Leave for good")');
  await carol.page.waitForSelector('#join-error:text-is("You left Book club.")');
  await ada.page.waitForSelector('.system-line:has-text("Carol left")');

  await bob.page.click('#sign-out');
  assert.match((await bob.page.textContent('#room-error')) ?? '', /^You are a guest: signing out ends your guest session/);
  assert.equal(await bob.page.isVisible('#room-name'), true, 'still in the room after the first click');
  await bob.page.click('#sign-out:text-is("Sign out anyway")');
  await bob.page.waitForSelector('#join-form');
  await ada.page.waitForSelector('.system-line:has-text("Bob left")');
  await ada.page.waitForFunction(() => !(document.getElementById('members')?.textContent ?? 'Bob').includes('Bob'));
  assert.deepEqual(unexpected([...ada.problems, ...bob.problems, ...carol.problems]), []);
});

test('the rooms sidebar lists your rooms, the most recently active first, with unread counts, last activity and closed rooms marked, refreshes when the tab is shown again, switches rooms, and folds behind "Rooms" on a phone', async () => {
  await using server = await startServer();
  const first = await server.createRoom({ name: 'Alpha' });
  const second = await server.createRoom({ name: 'Beta' });
  const closed = await server.createRoom({ name: 'Gamma' });
  // One reader per viewport: the first one's reading must not clear the second one's badges.
  const readers = [];
  for (const name of ['Ada', 'Dee']) {
    const reader = await server.joinRoom(first.room.id, first.joinCode, name);
    await server.joinRoom(second.room.id, second.joinCode, name, reader.token);
    await server.joinRoom(closed.room.id, closed.joinCode, name, reader.token);
    readers.push(reader);
  }
  const bob = await server.joinRoom(second.room.id, second.joinCode, 'Bob');
  for (const body of ['one', 'two']) await call(server.url, 'POST', `/api/v1/rooms/${second.room.id}/messages`, bob.token, { clientId: body, body });
  await server.admin(`/api/v1/admin/rooms/${closed.room.id}/close`, { method: 'POST' });

  await using browser = await launch();
  for (const [i, viewport] of [{ width: 1280, height: 800 }, { width: 375, height: 667 }].entries()) {
    const context = await browser.newContext({ viewport });
    await context.addCookies([{ name: 'parley_session', value: readers[i]!.token, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/rooms/${first.room.id}`);
    await page.waitForSelector('#status[data-state="open"]');
    if (viewport.width < 640) {
      assert.equal(await page.isVisible('#rooms-nav'), false, 'folded on a phone');
      await page.click('#rooms-toggle');
      assert.equal(await page.getAttribute('#rooms-toggle', 'aria-expanded'), 'true');
    }
    await page.waitForSelector(`#room-list li[data-room-id="${second.room.id}"] .badge:text-is("${2 + i}")`);
    const listed = () => page.locator('#room-list li').evaluateAll((items) => items.map((li) => [li.querySelector('.room-name')?.textContent, li.querySelector('.badge')?.textContent ?? '', li.querySelector('.closed-mark')?.textContent ?? '']));
    assert.deepEqual(await listed(), [['Beta', String(2 + i), ''], ['Alpha', '', ''], ['Gamma', '', 'closed']], 'the most recently active first, closed rooms last');
    for (const when of await page.locator('#room-list .last-activity').allTextContents()) assert.match(when, /\d{1,2}[:.]\d{2}/, 'today\'s activity shows its time of day');
    assert.equal(await page.getAttribute('#room-list a[aria-current="page"]', 'href'), `/rooms/${first.room.id}`);
    await call(server.url, 'POST', `/api/v1/rooms/${second.room.id}/messages`, bob.token, { clientId: `three-${viewport.width}`, body: 'three' });
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.waitForSelector(`#room-list li[data-room-id="${second.room.id}"] .badge:text-is("${3 + i}")`);
    await page.click(`#room-list li[data-room-id="${second.room.id}"] a`);
    await page.waitForSelector('#room-name:text-is("Beta")');
    await page.waitForSelector(messageWith('two'));
    await context.close();
  }
});

test('moderation and settings from the UI: an owner mutes, promotes and bans from the members panel, renames the room, replaces its code and closes it; a member gets no such menus', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server, { name: 'Club' });
  await using browser = await launch();
  const boss = await person(browser);
  await boss.context.addCookies([{ name: 'parley_session', value: owner.token, url: server.url }]);
  await boss.page.goto(`${server.url}/rooms/${room.id}`);
  await boss.page.waitForSelector('#status[data-state="open"]');
  const bob = await person(browser);
  await joinThroughInvite(bob.page, `${server.url}/?room=${room.id}&code=${joinCode}`, 'Bob');
  assert.equal(await bob.page.locator('.member-actions').count(), 0, 'a member manages no one');
  assert.equal(await bob.page.isVisible('#room-settings'), false);

  const manage = async (action: string) => {
    await boss.page.click('#members li:has-text("Bob") summary');
    await boss.page.click(`#members li:has-text("Bob") [data-action="${action}"]`);
  };
  await boss.page.waitForSelector('#members li:has-text("Bob") summary');
  await manage('mute-10m');
  await bob.page.waitForSelector('#message-input:disabled');
  await manage('unmute');
  await bob.page.waitForSelector('#message-input:enabled');
  await manage('make-moderator');
  await bob.page.waitForSelector('#invite-people:visible');
  await boss.page.waitForSelector('#members li:has-text("Bob") .role:text-is("moderator")');

  await boss.page.click('#room-settings');
  await boss.page.fill('#settings-name', 'Book club');
  await boss.page.click('#settings-rename');
  for (const page of [boss.page, bob.page]) await page.waitForSelector('#room-name:text-is("Book club")');
  await boss.page.click('#settings-new-code');
  const link = await boss.page.inputValue('#share-link');
  const newCode = new URL(link).searchParams.get('code');
  assert.ok(newCode !== null && newCode !== joinCode);
  assert.equal((await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: room.id, code: joinCode, name: 'Late' })).status, 403, 'the old code no longer works');

  await manage('ban');
  await bob.page.waitForSelector('#status:text-is("Banned from the room")');
  await boss.page.click('#settings-close-room');
  await boss.page.click('#settings-close-room:text-is("Close it for good")');
  await boss.page.waitForSelector('#status:text-is("Room closed")');
  assert.deepEqual(unexpected([...boss.problems, ...bob.problems]), []);
});

test('the members panel lists who is online first, folds a crowd of offline members behind "Show N offline", and folds away behind "Members" on a phone', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Crowd' });
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  for (let i = 1; i <= 10; i++) await server.joinRoom(room.id, joinCode, `Away ${String(i).padStart(2, '0')}`);
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using browser = await launch();

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: 'parley_session', value: ada.token, url: server.url }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/rooms/${room.id}`);
  await page.waitForSelector('#members li.online:has-text("Bob")');
  const names = () => page.locator('#members li[data-user-id] .name').allTextContents();
  assert.deepEqual(await names(), ['Ada (you)', 'Bob'], 'online members only while the offline ones are folded');
  await page.click('#members .offline-toggle button:text-is("Show 10 offline")');
  assert.deepEqual((await names()).slice(0, 3), ['Ada (you)', 'Bob', 'Away 01']);
  assert.equal((await names()).length, 12);
  assert.equal(await page.getAttribute('#members .offline-toggle button', 'aria-expanded'), 'true');
  await bob.client.close();
  await page.waitForSelector('#members li.offline:has-text("Bob")');
  await page.click('#members .offline-toggle button:text-is("Hide offline members")');
  assert.deepEqual(await names(), ['Ada (you)']);
  await context.close();

  const phone = await browser.newContext({ viewport: { width: 375, height: 667 } });
  await phone.addCookies([{ name: 'parley_session', value: ada.token, url: server.url }]);
  const small = await phone.newPage();
  await small.goto(`${server.url}/rooms/${room.id}`);
  await small.waitForSelector('#status[data-state="open"]');
  assert.equal(await small.isVisible('#members-panel'), false, 'folded on a phone');
  await small.click('#members-toggle');
  await small.waitForSelector('#members-panel li:has-text("Ada (you)")');
  const panel = await small.locator('#members-panel').boundingBox();
  const composer = await small.locator('#composer').boundingBox();
  assert.ok(panel !== null && composer !== null);
  assert.ok(panel.y >= 0 && panel.y + panel.height <= 667 && panel.height <= 667 * 0.35, `the open panel stays small: ${JSON.stringify(panel)}`);
  assert.ok(composer.y + composer.height <= 667, 'the composer stays on screen with the panel open');
  await small.click('#members-toggle');
  assert.equal(await small.isVisible('#members-panel'), false);
});
