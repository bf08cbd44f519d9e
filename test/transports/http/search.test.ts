/**
 * `GET /api/v1/search` over real HTTP (issue 13, Search): results only from the rooms the caller is
 * a member of — a stranger's room never leaks, not even by naming its id; filters by room, sender
 * and time; edits and deletions followed; pages without gaps or repeats; end-to-end encrypted and
 * relay rooms answer NOT_SEARCHABLE; text without words, too long, or a forged position answer
 * VALIDATION_FAILED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../../support/server.ts';
import { call } from '../../support/api.ts';
import { send as httpSend } from '../../support/http-request.ts';

type Result = { roomId: string; roomName: string; seq: number; senderId: string; senderName: string; createdAt: number; body: string; position: string };
type Page = { results: Result[]; hasMore: boolean };

/** Send `body` to `roomId` as `token`; resolves its seq and createdAt. */
async function send(server: TestServer, roomId: string, token: string, body: string): Promise<{ seq: number; createdAt: number }> {
  const res = await call(server.url, 'POST', `/api/v1/rooms/${roomId}/messages`, token, { clientId: crypto.randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as unknown as { seq: number; createdAt: number };
}

/** `GET /api/v1/search` with `params` as `token`. */
async function search(server: TestServer, token: string | undefined, params: Record<string, string | number>): Promise<{ status: number; page: Page; error: { code: string; message: string; details?: Record<string, unknown> } | undefined }> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await call(server.url, 'GET', `/api/v1/search?${query}`, token);
  return { status: res.status, page: res.json as unknown as Page, error: res.json.error as { code: string; message: string } | undefined };
}

/** Two rooms Ada shares with Bob ("Alpha", "Beta" — Bob only in Alpha), and Carol's own room "Gamma". */
async function rooms(server: TestServer) {
  const alpha = await server.createRoom({ name: 'Alpha', joinRule: 'open' });
  const beta = await server.createRoom({ name: 'Beta', joinRule: 'open' });
  const gamma = await server.createRoom({ name: 'Gamma', joinRule: 'open' });
  const ada = await server.joinRoom(alpha.room.id, null, 'Ada');
  await server.joinRoom(beta.room.id, null, 'Ada', ada.token);
  const bob = await server.joinRoom(alpha.room.id, null, 'Bob');
  const carol = await server.joinRoom(gamma.room.id, null, 'Carol');
  return { alpha: alpha.room.id, beta: beta.room.id, gamma: gamma.room.id, ada, bob, carol };
}

test('results come only from rooms the caller is a member of: a stranger\'s room never leaks, even named by id, and answers like a missing room', async () => {
  await using server = await startServer();
  const { alpha, beta, gamma, ada, bob, carol } = await rooms(server);
  const a = await send(server, alpha, bob.token, 'Launch plan for Monday');
  const b = await send(server, beta, ada.token, 'the launch moved');
  await send(server, gamma, carol.token, 'launch secrets of Gamma');

  const mine = await search(server, ada.token, { q: 'launch' });
  assert.equal(mine.status, 200, JSON.stringify(mine));
  assert.deepEqual(
    mine.page.results.map((r) => [r.roomId, r.roomName, r.seq, r.senderId, r.senderName, r.body, r.createdAt]),
    [
      [beta, 'Beta', b.seq, ada.user.id, 'Ada', 'the launch moved', b.createdAt],
      [alpha, 'Alpha', a.seq, bob.user.id, 'Bob', 'Launch plan for Monday', a.createdAt],
    ],
  );
  assert.equal(mine.page.hasMore, false);
  assert.deepEqual((await search(server, bob.token, { q: 'launch' })).page.results.map((r) => r.roomId), [alpha], 'Bob is not in Beta');
  assert.deepEqual((await search(server, carol.token, { q: 'launch' })).page.results.map((r) => r.roomId), [gamma]);

  for (const roomId of [gamma, 'no-such-room']) {
    const guessed = await search(server, ada.token, { q: 'launch', roomId });
    assert.deepEqual([guessed.status, guessed.error?.code], [404, 'ROOM_NOT_FOUND'], roomId);
  }
  const left = await call(server.url, 'POST', `/api/v1/rooms/${alpha}/leave`, bob.token);
  assert.equal(left.status, 200, JSON.stringify(left.json));
  assert.deepEqual((await search(server, bob.token, { q: 'launch' })).page.results, [], 'after leaving, nothing more');
  assert.equal((await search(server, undefined, { q: 'launch' })).status, 401);
});

test('filters by room, sender and time; an edit is found by its new words only; a deleted message is gone', async () => {
  await using server = await startServer();
  const { alpha, beta, ada, bob } = await rooms(server);
  const first = await send(server, alpha, ada.token, 'budget draft one');
  const second = await send(server, alpha, bob.token, 'budget draft two');
  const third = await send(server, beta, ada.token, 'budget draft three');
  const bodies = async (params: Record<string, string | number>) => (await search(server, ada.token, { q: 'budget', ...params })).page.results.map((r) => r.body);

  assert.deepEqual(await bodies({}), ['budget draft three', 'budget draft two', 'budget draft one']);
  assert.deepEqual(await bodies({ roomId: alpha }), ['budget draft two', 'budget draft one']);
  assert.deepEqual(await bodies({ senderId: ada.user.id }), ['budget draft three', 'budget draft one']);
  assert.deepEqual(await bodies({ senderId: ada.user.id, roomId: alpha }), ['budget draft one']);
  assert.deepEqual(await bodies({ from: second.createdAt, to: second.createdAt }), ['budget draft two'], 'from and to are inclusive');
  assert.deepEqual(await bodies({ from: third.createdAt + 1 }), []);
  const reversed = await search(server, ada.token, { q: 'budget', from: 2, to: 1 });
  assert.deepEqual([reversed.status, reversed.error?.code], [400, 'VALIDATION_FAILED']);

  const edited = await call(server.url, 'PATCH', `/api/v1/rooms/${alpha}/messages/${first.seq}`, ada.token, { clientId: 'edit-1', body: 'forecast final' });
  assert.equal(edited.status, 201, JSON.stringify(edited.json));
  assert.deepEqual(await bodies({ roomId: alpha }), ['budget draft two']);
  assert.deepEqual((await search(server, ada.token, { q: 'forec' })).page.results.map((r) => [r.seq, r.body]), [[first.seq, 'forecast final']], 'the last word is a prefix');
  const deleted = await call(server.url, 'DELETE', `/api/v1/rooms/${beta}/messages/${third.seq}`, ada.token);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
  assert.deepEqual(await bodies({}), ['budget draft two']);
});

test('pages with before = the last result\'s position: every match once, newest first, none skipped; a forged position is VALIDATION_FAILED', async () => {
  await using server = await startServer();
  const { alpha, beta, ada } = await rooms(server);
  const sent: string[] = [];
  for (let i = 0; i < 23; i += 1) {
    const roomId = i % 3 === 0 ? beta : alpha;
    sent.push(`${roomId}:${(await send(server, roomId, ada.token, `weekly note ${i}`)).seq}`);
    if (i % 5 === 0) await send(server, alpha, ada.token, 'unrelated chatter');
  }
  const seen: Result[] = [];
  let before: string | undefined;
  let pages = 0;
  for (;;) {
    const { status, page } = await search(server, ada.token, { q: 'weekly note', limit: 5, ...(before === undefined ? {} : { before }) });
    assert.equal(status, 200, JSON.stringify(page));
    pages += 1;
    seen.push(...page.results);
    if (!page.hasMore) break;
    before = page.results.at(-1)?.position;
  }
  assert.equal(pages, 5);
  assert.deepEqual(seen.map((r) => `${r.roomId}:${r.seq}`), sent.reverse(), 'newest first, no gaps, no repeats');

  for (const forged of ['garbage', Buffer.from('[1,"x"]').toString('base64url'), Buffer.from('[1,"bad room id!",2]').toString('base64url')]) {
    const res = await search(server, ada.token, { q: 'weekly', before: forged });
    assert.deepEqual([res.status, res.error?.code], [400, 'VALIDATION_FAILED'], forged);
  }
});

test('text without a word, with too many characters or words answers VALIDATION_FAILED naming q; operators and quotes are plain text', async () => {
  await using server = await startServer();
  const { alpha, ada } = await rooms(server);
  const m = await send(server, alpha, ada.token, 'ship it NOT later');
  for (const q of ['"*()^:', '😀', ' ', 'x'.repeat(201), Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')]) {
    const res = await search(server, ada.token, { q });
    assert.deepEqual([res.status, res.error?.code], [400, 'VALIDATION_FAILED'], q);
    assert.match(res.error?.message ?? '', /q|[Ss]earch/, q);
  }
  const missing = await call(server.url, 'GET', '/api/v1/search', ada.token);
  assert.deepEqual([missing.status, missing.json.error?.code], [400, 'VALIDATION_FAILED']);
  for (const q of ['"ship" NOT', 'ship* OR it', 'NEAR(ship it)', 'body:ship']) {
    const res = await search(server, ada.token, { q });
    assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.error)}`);
    assert.ok(res.page.results.every((r) => r.seq === m.seq), q);
  }
});

test('an end-to-end encrypted room or a relay room named as the filter answers NOT_SEARCHABLE (422) to a member, and ROOM_NOT_FOUND to a stranger', async () => {
  await using server = await startServer();
  const secret = await server.createRoom({ name: 'Secret', joinRule: 'open', e2ee: true });
  const relay = await server.createRoom({ name: 'Relay', joinRule: 'open', kind: 'relay' });
  const ada = await server.joinRoom(secret.room.id, null, 'Ada');
  await server.joinRoom(relay.room.id, null, 'Ada', ada.token);
  await send(server, secret.room.id, ada.token, 'opaque-ciphertext-looking');
  const stranger = await server.joinRoom((await server.createRoom({ name: 'Other', joinRule: 'open' })).room.id, null, 'Stranger');

  const encrypted = await search(server, ada.token, { q: 'opaque', roomId: secret.room.id });
  assert.deepEqual([encrypted.status, encrypted.error?.code, encrypted.error?.details], [422, 'NOT_SEARCHABLE', { roomId: secret.room.id, reason: 'e2ee' }]);
  assert.equal(encrypted.error?.message, 'Messages in end-to-end encrypted rooms cannot be searched on the server');
  const relayed = await search(server, ada.token, { q: 'opaque', roomId: relay.room.id });
  assert.deepEqual([relayed.status, relayed.error?.code, relayed.error?.details?.reason], [422, 'NOT_SEARCHABLE', 'relay']);
  assert.deepEqual((await search(server, ada.token, { q: 'opaque' })).page.results, [], 'without the filter, e2ee messages are simply not in the index');
  const probe = await search(server, stranger.token, { q: 'opaque', roomId: secret.room.id });
  assert.deepEqual([probe.status, probe.error?.code], [404, 'ROOM_NOT_FOUND'], 'a stranger cannot tell an e2ee room from a missing one');
});

test('searches count against the per-address request limit like every other read: over it, 429 RATE_LIMITED with Retry-After', async () => {
  await using server = await startServer({ PARLEY_HTTP_RATE_LIMIT: '8' });
  const { ada } = await rooms(server);
  // From an address of its own, so that setting the rooms up spent none of its budget.
  const searchFrom = () => httpSend<{ error?: { code: string } }>(`${server.url}/api/v1/search?q=anything`, { headers: { authorization: `Bearer ${ada.token}` }, from: '127.0.0.2' });
  const statuses: number[] = [];
  for (let i = 0; i < 8; i += 1) statuses.push((await searchFrom()).status);
  assert.deepEqual(statuses, Array.from({ length: 8 }, () => 200));
  const limited = await searchFrom();
  assert.deepEqual([limited.status, limited.body.error?.code], [429, 'RATE_LIMITED']);
  assert.ok(Number(limited.headers['retry-after']) >= 1);
});
