/**
 * `GET /embed` over real HTTP (issue: identity — signed embed tickets): a fresh ticket opens the
 * embed page, framable by exactly its integrator's origins, setting no cookie and caching nothing,
 * and its session works as a bearer token on the API and /ws; every bad ticket is refused with
 * TICKET_INVALID or TOKEN_REPLAYED, also after a restart; every other page refuses framing.
 * Needs the web build (`npm run build`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startServer, type TestServer } from '../../support/server.ts';
import { RawClient } from '../../support/ws-client.ts';
import { createServer } from '../../../src/server.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { EMBED_PAGE_META, EmbedPage, type EmbedTicket } from '../../../src/protocol/index.ts';
import { embedUrl, encodeTicket, mintTicket, signTicket, type SignedTicket, type TicketFields } from '../../../examples/embed/mint-ticket.ts';

const ACME = { id: 'acme', secret: randomBytes(32).toString('base64url'), allowedOrigins: ['https://app.acme.test', 'http://localhost:8080'] };
const GLOBEX = { id: 'globex', secret: randomBytes(32).toString('base64url'), allowedOrigins: ['https://globex.test'] };
const INTEGRATORS = JSON.stringify([ACME, GLOBEX]);
/** What Chromium sends when https://app.acme.test frames /embed. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site', referer: 'https://app.acme.test/' };
const EMBED_CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors https://app.acme.test http://localhost:8080; form-action 'self'";

if (!existsSync('dist/web/embed.html')) throw new Error('dist/web/embed.html is missing: run `npm run build` first');

function fields(roomId: string, overrides: Partial<TicketFields> = {}): TicketFields {
  return { integratorId: 'acme', roomId, userId: 'u-42', displayName: 'Ada', role: 'member', origin: 'https://app.acme.test', ...overrides };
}

/** A ticket with explicit times and content, signed with `secret`. */
function signedTicket(ticket: EmbedTicket, secret = ACME.secret): SignedTicket {
  const encoded = encodeTicket(ticket);
  return { ticket: encoded, signature: signTicket(encoded, secret) };
}

function openEmbed(server: TestServer, signed: SignedTicket, headers: Record<string, string> = BROWSER): Promise<Response> {
  return fetch(embedUrl(server.url, signed), { headers });
}

/** The EmbedPage the HTML hands its script. */
function pageData(html: string): EmbedPage {
  const content = new RegExp(`<meta name="${EMBED_PAGE_META}" content="([^"]*)"`).exec(html)?.[1];
  assert.ok(content !== undefined, 'no embed meta tag');
  const json = content.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return EmbedPage.parse(JSON.parse(json));
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

test('a fresh ticket opens the embed page: framable by exactly its integrator\'s origins, no cookie, no-store, and its session works on the API and /ws', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room, joinCode } = await server.createRoom({ name: 'Support' });
  const res = await openEmbed(server, mintTicket(fields(room.id, { role: 'moderator' }), ACME.secret));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(res.headers.get('content-security-policy'), EMBED_CSP);
  const appCsp = (await fetch(`${server.url}/`)).headers.get('content-security-policy') ?? '';
  assert.equal(res.headers.get('content-security-policy')?.replace(/frame-ancestors [^;]+/, ''), appCsp.replace(/frame-ancestors [^;]+/, ''), 'the other directives are the app\'s');
  assert.doesNotMatch(EMBED_CSP, /unsafe-inline/);
  assert.equal(res.headers.get('x-frame-options'), null);
  assert.equal(res.headers.get('set-cookie'), null);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const html = await res.text();
  assert.match(html, /<script type="module" src="\/embed\.js"><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
  const page = pageData(html);
  assert.ok('token' in page);
  assert.deepEqual(page.user, { id: 'acme:u-42', name: 'Ada' });
  assert.equal(page.room.id, room.id);
  assert.equal(page.room.name, 'Support');

  // The session is a bearer token: the API knows the user as a moderator of the ticket's room.
  const bearer = { authorization: `Bearer ${page.token}` };
  const info = await fetch(`${server.url}/api/v1/rooms/${room.id}`, { headers: bearer });
  assert.equal(info.status, 200);
  assert.equal(((await info.json()) as { role: string }).role, 'moderator');
  const session = (await (await fetch(`${server.url}/api/v1/session`, { headers: bearer })).json()) as { user: { id: string }; rooms: Array<{ id: string }>; expiresAt: number };
  assert.equal(session.user.id, 'acme:u-42');
  assert.deepEqual(session.rooms.map((r) => r.id), [room.id]);
  assert.equal(session.expiresAt, page.expiresAt);

  // And on /ws, from the embed page's own origin: it chats with a member who joined with the code.
  await using embedded = await RawClient.connect(server.wsUrl, page.token, { origin: server.url });
  assert.deepEqual(embedded.frames[0]?.user, { id: 'acme:u-42', name: 'Ada' });
  await embedded.request({ type: 'join', roomId: room.id });
  await using bob = (await server.member(room.id, joinCode, 'Bob')).client;
  assert.equal((await embedded.request({ type: 'send', id: 'hello-1', roomId: room.id, body: 'Hi from the iframe' })).result !== undefined, true);
  await bob.waitForMessages(1, room.id);
  assert.deepEqual(bob.messages(room.id).map((m) => [m.senderId, m.body]), [['acme:u-42', 'Hi from the iframe']]);
  await bob.request({ type: 'send', id: 'hello-2', roomId: room.id, body: 'Hi Ada' });
  await embedded.waitForMessages(2, room.id);
  assert.deepEqual(embedded.messages(room.id).map((m) => m.body), ['Hi from the iframe', 'Hi Ada']);
});

test('bad tickets are refused with 403: TICKET_INVALID for each failed check, TOKEN_REPLAYED for a replay, and no cookie either way', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS, PARLEY_JWT_CLOCK_SKEW_MS: '5000' });
  const { room } = await server.createRoom();
  const now = Date.now();
  const base: EmbedTicket = { ...fields(room.id), issuedAt: now, expiresAt: now + 30_000, nonce: randomBytes(16).toString('base64url') };
  const good = signedTicket(base);
  const claims = { ...base, nonce: randomBytes(16).toString('base64url') };
  const flipped = (good.signature.startsWith('A') ? 'B' : 'A') + good.signature.slice(1);
  const cases: Array<[string, SignedTicket, Record<string, string>?]> = [
    ['tampered signature', { ...good, signature: flipped }],
    ['signed with another integrator\'s secret', { ...good, signature: signTicket(good.ticket, GLOBEX.secret) }],
    ['tampered ticket', { ...good, ticket: encodeTicket({ ...base, role: 'owner' }) }],
    ['unknown integrator', signedTicket({ ...claims, integratorId: 'initech' }, randomBytes(32).toString('base64url'))],
    ['expired', signedTicket({ ...claims, issuedAt: now - 60_000, expiresAt: now - 10_000 })],
    ['lifetime over 60 s', signedTicket({ ...claims, expiresAt: now + 60_001 })],
    ['issued in the future', signedTicket({ ...claims, issuedAt: now + 10_000, expiresAt: now + 40_000 })],
    ['origin not allowed', signedTicket({ ...claims, origin: 'https://evil.test' }), { ...BROWSER, referer: 'https://evil.test/' }],
    ['opened as a top-level page', signedTicket(claims), { ...BROWSER, 'sec-fetch-dest': 'document' }],
    ['framed by another site', signedTicket(claims), { ...BROWSER, referer: 'https://evil.test/' }],
    ['malformed', signedTicket({ ...claims, nonce: 'short' })],
    ['missing signature', { ticket: good.ticket, signature: '' }],
  ];
  for (const [what, ticket, headers] of cases) {
    const res = await openEmbed(server, ticket, { ...(headers ?? BROWSER), accept: 'application/json' });
    assert.equal(res.status, 403, what);
    assert.equal(await errorCode(res), 'TICKET_INVALID', what);
    assert.equal(res.headers.get('set-cookie'), null, what);
    assert.equal(res.headers.get('cache-control'), 'no-store', what);
  }
  assert.equal((await fetch(`${server.url}/embed`)).status, 403, 'no ticket at all');
  assert.equal((await fetch(`${server.url}/embed?ticket=a&ticket=b&signature=c`)).status, 403, 'a repeated parameter');

  assert.equal((await openEmbed(server, good)).status, 200, 'none of the refusals spent the good ticket');
  const replay = await openEmbed(server, good, { ...BROWSER, accept: 'application/json' });
  assert.equal(replay.status, 403);
  assert.equal(await errorCode(replay), 'TOKEN_REPLAYED');
  const headless = signedTicket({ ...claims, nonce: randomBytes(16).toString('base64url') });
  assert.equal((await openEmbed(server, headless, {})).status, 200, 'a client that sends no fetch metadata and no referer is not refused for it');
});

test('a refusal shown to a browser is a page only the integrator\'s origins may frame; one naming no integrator may not be framed at all', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room } = await server.createRoom();
  const ticket = mintTicket(fields(room.id), ACME.secret);
  assert.equal((await openEmbed(server, ticket)).status, 200);
  const replay = await openEmbed(server, ticket);
  assert.equal(replay.status, 403);
  assert.equal(replay.headers.get('content-security-policy'), EMBED_CSP);
  assert.equal(replay.headers.get('x-frame-options'), null);
  assert.equal(replay.headers.get('set-cookie'), null);
  const page = pageData(await replay.text());
  assert.ok('error' in page);
  assert.equal(page.error.code, 'TOKEN_REPLAYED');

  const unknown = await openEmbed(server, mintTicket(fields(room.id, { integratorId: 'initech' }), ACME.secret));
  assert.equal(unknown.status, 403);
  assert.equal(unknown.headers.get('x-frame-options'), 'DENY');
  assert.match(unknown.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const refused = pageData(await unknown.text());
  assert.ok('error' in refused && refused.error.code === 'TICKET_INVALID');
});

test('a ticket for a room that does not exist or is closed opens nothing', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room } = await server.createRoom();
  await server.admin(`/api/v1/admin/rooms/${room.id}/close`, { method: 'POST' });
  const json = { ...BROWSER, accept: 'application/json' };
  const missing = await openEmbed(server, mintTicket(fields('no-such-room'), ACME.secret), json);
  assert.equal(missing.status, 404);
  assert.equal(await errorCode(missing), 'ROOM_NOT_FOUND');
  const closed = await openEmbed(server, mintTicket(fields(room.id), ACME.secret), json);
  assert.equal(closed.status, 410);
  assert.equal(await errorCode(closed), 'ROOM_CLOSED');
});

test('a used ticket stays refused after the node restarts: the store remembers its nonce', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room } = await server.createRoom();
  const ticket = mintTicket(fields(room.id), ACME.secret);
  assert.equal((await openEmbed(server, ticket)).status, 200);
  await server.restart();
  const replay = await openEmbed(server, ticket, { ...BROWSER, accept: 'application/json' });
  assert.equal(replay.status, 403);
  assert.equal(await errorCode(replay), 'TOKEN_REPLAYED');
});

test('HEAD /embed does not exist, so it cannot spend a ticket', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room } = await server.createRoom();
  const ticket = mintTicket(fields(room.id), ACME.secret);
  assert.equal((await fetch(embedUrl(server.url, ticket), { method: 'HEAD', headers: BROWSER })).status, 404);
  assert.equal((await openEmbed(server, ticket)).status, 200);
});

test('every other page refuses framing: X-Frame-Options DENY and frame-ancestors \'none\'', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room } = await server.createRoom();
  for (const path of ['/', `/rooms/${room.id}`, '/embed.html', '/embed.js', '/app.js', '/style.css', '/api/v1/session', `/api/v1/rooms/${room.id}`, '/openapi.json', '/docs', '/healthz', '/no-such-page']) {
    const res = await fetch(server.url + path, { headers: { accept: 'text/html' } });
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.match(res.headers.get('content-security-policy') ?? '', /(^|; )frame-ancestors 'none'(;|$)/, path);
  }
});

test('the embed session decides over a Parley cookie the browser also sends (a same-site integrator\'s iframe)', async () => {
  await using server = await startServer({ PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const { room, joinCode } = await server.createRoom();
  const eve = await server.joinRoom(room.id, joinCode, 'Eve');
  const page = pageData(await (await openEmbed(server, mintTicket(fields(room.id), ACME.secret))).text());
  assert.ok('token' in page);
  const headers = { cookie: `parley_session=${eve.token}`, authorization: `Bearer ${page.token}` };
  const session = (await (await fetch(`${server.url}/api/v1/session`, { headers })).json()) as { user: { id: string } };
  assert.equal(session.user.id, 'acme:u-42');
  await using socket = await RawClient.connect(server.wsUrl, page.token, { origin: server.url, cookie: `parley_session=${eve.token}` });
  assert.deepEqual(socket.frames[0]?.user, { id: 'acme:u-42', name: 'Ada' });
});

test('tickets, signatures and embed session tokens never reach the logs', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-embed-logs-'));
  const adminToken = randomBytes(32).toString('base64url');
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, PARLEY_ADMIN_TOKEN: adminToken, PARLEY_EMBED_INTEGRATORS: INTEGRATORS });
  const server = await createServer(config, { logger: createLogger('trace', { destination: sink }) });
  try {
    const url = await server.listen();
    const created = await fetch(`${url}/api/v1/admin/rooms`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Logged' }) });
    const { room } = (await created.json()) as { room: { id: string } };
    const ticket = mintTicket(fields(room.id), ACME.secret);
    const page = pageData(await (await fetch(embedUrl(url, ticket), { headers: BROWSER })).text());
    assert.ok('token' in page);
    assert.equal((await fetch(`${url}/api/v1/rooms/${room.id}`, { headers: { authorization: `Bearer ${page.token}` } })).status, 200);
    await using socket = await RawClient.connect(`${url.replace(/^http/, 'ws')}/ws`, page.token, { origin: url });
    await socket.request({ type: 'join', roomId: room.id });
    assert.equal((await fetch(embedUrl(url, ticket), { headers: BROWSER })).status, 403);
    assert.equal((await fetch(embedUrl(url, { ...ticket, signature: signTicket(ticket.ticket, GLOBEX.secret) }), { headers: BROWSER })).status, 403);
    assert.ok(lines.some((line) => line.includes('/embed')), 'the requests were logged');
    const secrets = [ticket.ticket, ticket.signature, page.token, ACME.secret, GLOBEX.secret];
    for (const line of lines) for (const secret of secrets) assert.ok(!line.includes(secret), `a secret in the log: ${line.slice(0, 200)}`);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
