/**
 * Regenerates docs/screenshots/: each main screen of the web UI in the light and the dark theme, at
 * desktop (1280×800) and phone (375×667) widths, and a room embedded in an integrator's page.
 * Starts its own server on a temporary data directory and fills a room with a conversation.
 *
 *   npm run build && node --import tsx scripts/screenshots.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createHostServer } from '../examples/embed/host-server.ts';
import { embedUrl, mintTicket } from '../examples/embed/mint-ticket.ts';
import { call } from '../test/support/api.ts';
import { launch } from '../test/support/browser.ts';
import { startServer } from '../test/support/server.ts';

const OUT = 'docs/screenshots';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };

const host = createHostServer((user) => embedUrl(server.url, mintTicket({ integratorId: integrator.id, roomId: room.id, userId: user.id, displayName: user.name, origin: hostOrigin, role: 'member' }, integrator.secret)));
await new Promise<void>((resolve) => host.listen(0, resolve));
const hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
const integrator = { id: 'acme', secret: randomBytes(32).toString('base64url') };

await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: JSON.stringify([{ ...integrator, allowedOrigins: [hostOrigin] }]) });
const { room, joinCode } = await server.createRoom({ name: 'Launch planning' });
const ada = await server.joinRoom(room.id, joinCode, 'Ada');
const grace = await server.joinRoom(room.id, joinCode, 'Grace');
const linus = await server.joinRoom(room.id, joinCode, 'Linus');
let n = 0;
const say = async (who: typeof ada, body: string, extra: object = {}) => ((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, who.token, { clientId: `c${++n}`, body, ...extra })).json as { seq: number }).seq;
const plan = await say(ada, 'Morning! The launch checklist is at https://example.com/launch — please add what is missing.');
await say(ada, 'I moved the release to Thursday so QA has a full day.');
await say(grace, 'Thursday works. I will run the migration rehearsal tomorrow at 10:00.', { replyTo: plan });
await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/messages/${plan}/reactions/${encodeURIComponent('👍')}`, grace.token);
await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/messages/${plan}/reactions/${encodeURIComponent('🎉')}`, linus.token);
const typo = await say(linus, 'Release notes are drafted; lnk in the doc.');
await call(server.url, 'PATCH', `/api/v1/rooms/${room.id}/messages/${typo}`, linus.token, { clientId: 'fix', body: 'Release notes are drafted; link in the doc.' });
await say(grace, 'Great. Anything blocking the announcement?');
await say(ada, 'Only the screenshots for the blog post.');
// Two more rooms for the sidebar: one with messages Ada has not read, one closed.
const design = await server.createRoom({ name: 'Design review' });
const archive = await server.createRoom({ name: 'Spring offsite' });
await server.joinRoom(archive.room.id, archive.joinCode, 'Ada', ada.token);
await server.admin(`/api/v1/admin/rooms/${archive.room.id}/close`, { method: 'POST' });
await server.joinRoom(design.room.id, design.joinCode, 'Ada', ada.token);
await server.joinRoom(design.room.id, design.joinCode, 'Grace', grace.token);
for (const body of ['New mockups are up.', 'Comments by Friday, please.']) await call(server.url, 'POST', `/api/v1/rooms/${design.room.id}/messages`, grace.token, { clientId: `d${++n}`, body });

mkdirSync(OUT, { recursive: true });
await using browser = await launch();

/** A page of `browser` in `colorScheme` at `viewport`, signed in as `token` when given. */
async function open(b: Browser, colorScheme: 'light' | 'dark', viewport: typeof DESKTOP, token?: string) {
  const context = await b.newContext({ colorScheme, viewport });
  if (token !== undefined) await context.addCookies([{ name: 'parley_session', value: token, url: server.url }]);
  return { context, page: await context.newPage() };
}

for (const theme of ['light', 'dark'] as const) {
  const join = await open(browser, theme, DESKTOP);
  await join.page.goto(`${server.url}/?room=${room.id}&code=${joinCode}`);
  await join.page.waitForSelector('#join-button');
  await join.page.screenshot({ path: `${OUT}/join-${theme}.png` });
  await join.context.close();

  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const chat = await open(browser, theme, viewport, ada.token);
    await chat.page.goto(`${server.url}/rooms/${room.id}`);
    await chat.page.waitForSelector('#status[data-state="open"]');
    await chat.page.waitForSelector('.message .edited');
    await chat.page.waitForSelector('#room-list .badge', { state: 'attached' });
    await chat.page.fill('#message-input', 'Drafting a reply…');
    await chat.page.screenshot({ path: `${OUT}/room-${size}-${theme}.png` });
    await chat.context.close();
  }

  const missing = await open(browser, theme, DESKTOP);
  await missing.page.goto(`${server.url}/no/such/page`, { waitUntil: 'load' });
  await missing.page.screenshot({ path: `${OUT}/not-found-${theme}.png` });
  await missing.context.close();
}

const embedded = await open(browser, 'light', DESKTOP);
await embedded.page.goto(`${hostOrigin}/?user=u-lin&name=Lin`);
const frame = await (await embedded.page.waitForSelector('#parley')).contentFrame();
await frame?.waitForSelector('#status[data-state="open"]');
await embedded.page.screenshot({ path: `${OUT}/embed.png` });
await embedded.context.close();
await new Promise<void>((resolve) => host.close(() => resolve()));
console.log(`screenshots written to ${OUT}/`);
