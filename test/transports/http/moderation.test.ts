/**
 * Moderation over real HTTP and WebSockets (issue: abuse resistance — moderation): plaintext
 * rooms keep the body as typed (issue 11) and pass the word filter, e2ee rooms are never inspected; moderators,
 * owners and admins delete messages (tombstones), mute and ban; a ban holds against every way in;
 * every action and refusal lands in the audit log, which only admins and a room's owners and moderators read, and
 * which never holds a refused message's body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../../support/server.ts';
import { RawClient, errorOf, type Frame } from '../../support/ws-client.ts';
import { eventually } from '../../support/eventually.ts';
import { AUDIENCE, ISSUER, SECRET, mint } from '../../support/integrator-tokens.ts';
import { call, ownedRoom } from '../../support/api.ts';

type Entry = { id: string; at: number; roomId: string; actorId: string; actorName: string; action: string; targetId: string | null; details: Record<string, unknown> };
type StoredMessage = { type: 'message'; seq: number; body: string; deletedAt?: number; senderId: string };
type Event = { type: string; seq: number; userId?: string; until?: number; target?: number; createdAt: number };

/** The timeline event `frame` pushes, if it is an `event` push. */
const pushed = (frame: Frame): Event | undefined => (frame.type === 'event' ? (frame.event as Event) : undefined);

/**
 * A room owned by a newcomer "Owner", with a moderator (by invite) and two members "Ada" and "Bob"
 * (by join code, each with a socket that joined the room).
 */
async function moderatedRoom(server: TestServer, body: Record<string, unknown> = {}) {
  const { owner, room, joinCode } = await ownedRoom(server, { name: 'Moderated', ...body });
  const invite = (await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'moderator' })).json.invite;
  const mod = await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: room.id, invite, name: 'Mod' });
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  return { room, joinCode, owner, mod: { token: mod.json.token as string, id: (mod.json.user as { id: string }).id }, ada, bob };
}

/** Every audit entry (newest first), read as the admin. */
async function audit(server: TestServer, roomId?: string): Promise<Entry[]> {
  const res = await server.admin(`/api/v1/admin/audit?limit=500${roomId === undefined ? '' : `&roomId=${roomId}`}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { entries: Entry[] }).entries;
}

/** The room's messages as they stand now (the `message` events of its timeline from the start), read as `token`. */
async function history(server: TestServer, roomId: string, token: string): Promise<StoredMessage[]> {
  const res = await call(server.url, 'GET', `/api/v1/rooms/${roomId}/messages?after=0`, token);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.hasMore, false);
  return (res.json.events as Array<{ type: string }>).filter((e): e is StoredMessage => e.type === 'message');
}

test('plaintext rooms store the body exactly as typed, markup included: HTTP send, WebSocket delivery and history return it byte for byte; a body of only whitespace is refused and nothing is stored', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  await using socket = ada.client;

  const typed = ['Vec<String>', '<div>x</div>', '<script>', 'a < b > c', '<b>hi</b> & <script>x</script> &amp; &lt;b&gt; <<b>i>', ' <p> </p><!-- only markup --> '];
  for (const [i, body] of typed.entries()) {
    const sent = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: `h${i}`, body });
    assert.equal(sent.status, 201, body);
  }
  const overWs = '1 < 2 <i onclick="a>b">3</i>';
  const reply = await socket.request({ type: 'send', id: 'w1', roomId: room.id, body: overWs });
  const base = ada.room.lastSeq;
  assert.equal((reply.result as { seq: number }).seq, base + typed.length + 1, 'each message took the next seq after Ada\'s join');
  const expected = [...typed, overWs];
  await socket.waitForMessages(expected.length, room.id);
  assert.deepEqual(socket.messages(room.id).map((m) => m.body), expected);

  const blank = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: 'h-blank', body: ' \n\t ' });
  assert.equal(blank.status, 400);
  assert.equal(blank.json.error?.code, 'VALIDATION_FAILED');
  assert.deepEqual(blank.json.error?.details?.issues, [{ path: 'body', message: 'body has no text (only whitespace)' }]);

  const stored = await history(server, room.id, ada.token);
  assert.deepEqual(stored.map((m) => [m.seq, m.body]), expected.map((body, i) => [base + i + 1, body]));
  for (const [i, m] of stored.entries()) assert.ok(Buffer.from(m.body, 'utf8').equals(Buffer.from(expected[i] as string, 'utf8')), `byte for byte: ${JSON.stringify(expected[i])}`);
  assert.equal(((await call(server.url, 'GET', `/api/v1/rooms/${room.id}`, ada.token)).json.room as { lastSeq: number }).lastSeq, base + expected.length, 'the refused body took no seq');
});

test('the word filter in block mode refuses a message with a listed word (whole word, any case, Unicode) with MESSAGE_REFUSED; nothing is stored, and the audit log records the refusal without the body', async () => {
  await using server = await startServer({ PARLEY_WORD_FILTER: 'darn, Ärger ,bad word', PARLEY_WORD_FILTER_MODE: 'block' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  await using socket = ada.client;
  const send = (clientId: string, body: string) => call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId, body });

  for (const [clientId, body] of [['r1', 'well DARN it'], ['r2', 'so much ärger!'], ['r3', 'a Bad Word, really'], ['r4', '<b>darn</b>']] as const) {
    const refused = await send(clientId, body);
    assert.equal(refused.status, 422, body);
    assert.equal(refused.json.error?.code, 'MESSAGE_REFUSED');
    assert.deepEqual(refused.json.error?.details, { reason: 'word_filter' });
  }
  const overWs = await socket.request({ type: 'send', id: 'r5', roomId: room.id, body: 'Darn.' });
  assert.equal(errorOf(overWs)?.code, 'MESSAGE_REFUSED');
  for (const [clientId, body] of [['ok1', 'darning needles'], ['ok2', 'ärgerlich'], ['ok3', 'a bad-words list? no: bad words']] as const) assert.equal((await send(clientId, body)).status, 201, body);

  assert.deepEqual((await history(server, room.id, ada.token)).map((m) => m.body), ['darning needles', 'ärgerlich', 'a bad-words list? no: bad words']);
  const entries = (await audit(server, room.id)).filter((e) => e.action === 'message_refused');
  assert.deepEqual(entries.map((e) => e.details.clientId).sort(), ['r1', 'r2', 'r3', 'r4', 'r5']);
  for (const e of entries) {
    assert.equal(e.actorId, ada.user.id);
    assert.equal(e.details.reason, 'word_filter');
  }
  const logged = JSON.stringify(entries).toLowerCase();
  for (const fragment of ['darn', 'ärger', 'bad word', 'well', 'really']) assert.ok(!logged.includes(fragment), `the audit log must not hold the refused body (${fragment})`);
});

test('the word filter in mask mode stars out each listed word, whole words only and in any case or Unicode form, and stores the rest', async () => {
  await using server = await startServer({ PARLEY_WORD_FILTER: 'darn,café', PARLEY_WORD_FILTER_MODE: 'mask' });
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada', { join: false });
  await ada.client.close();
  for (const [i, body] of ['Darn, DARN! (darn) darning', 'CAFE\u0301 time at the café', 'no match here'].entries()) {
    assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: `m${i}`, body })).status, 201);
  }
  assert.deepEqual((await history(server, room.id, ada.token)).map((m) => m.body), ['****, ****! (****) darning', '**** time at the ****', 'no match here']);
  assert.deepEqual((await audit(server, room.id)).filter((e) => e.action === 'message_refused'), [], 'a masked message is not a refusal');
});

test('e2ee rooms are never inspected: markup and filtered words are stored exactly as sent, and only the size limit applies', async () => {
  await using server = await startServer({ PARLEY_WORD_FILTER: 'darn', PARLEY_MESSAGE_MAX_BYTES: '64' });
  const secret = await server.createRoom({ e2ee: true });
  assert.equal(secret.room.e2ee, true);
  const plain = await server.createRoom();
  assert.equal(plain.room.e2ee, false);
  const ada = await server.member(secret.room.id, secret.joinCode, 'Ada');
  await using socket = ada.client;

  const opaque = ['<b>darn</b> &amp; <script>x</script>', '<p></p>', 'DARN'];
  for (const [i, body] of opaque.entries()) assert.equal((await socket.request({ type: 'send', id: `e${i}`, roomId: secret.room.id, body })).result !== undefined, true, body);
  const tooBig = await call(server.url, 'POST', `/api/v1/rooms/${secret.room.id}/messages`, ada.token, { clientId: 'big', body: 'x'.repeat(65) });
  assert.equal(tooBig.json.error?.code, 'MESSAGE_TOO_LARGE');
  assert.deepEqual((await history(server, secret.room.id, ada.token)).map((m) => m.body), opaque);
  assert.deepEqual(await audit(server, secret.room.id), [], 'nothing about an e2ee room\'s content is judged or recorded');

  const inPlain = await server.joinRoom(plain.room.id, plain.joinCode, 'Ada', ada.token);
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${plain.room.id}/messages`, inPlain.token, { clientId: 'p1', body: '<b>darn</b>' })).json.error?.code, 'MESSAGE_REFUSED', 'the same body is judged in a plaintext room');
});

test('a moderator deletes a message: members are pushed a tombstone, history and resume show it with deletedAt and an empty body, and the audit log records who deleted whose message', async () => {
  await using server = await startServer();
  const { room, owner, mod, ada, bob } = await moderatedRoom(server);
  await using a = ada.client;
  await using b = bob.client;
  const s1 = ((await a.request({ type: 'send', id: 'm1', roomId: room.id, body: 'something regrettable' })).result as { seq: number }).seq;
  const s2 = ((await a.request({ type: 'send', id: 'm2', roomId: room.id, body: 'something fine' })).result as { seq: number }).seq;
  await b.waitForMessages(2, room.id);

  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${s1}`, bob.token)).json.error?.code, 'FORBIDDEN', 'members may not delete another\'s message');
  const before = Date.now();
  const deleted = await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${s1}?clientId=del-1`, mod.token);
  assert.equal(deleted.status, 200);
  const ack = deleted.json as { id: string; seq: number; createdAt: number };
  const deletedAt = ack.createdAt;
  assert.deepEqual(deleted.json, { roomId: room.id, clientId: 'del-1', id: ack.id, seq: s2 + 1, createdAt: deletedAt, duplicate: false }, 'the ack of the deletion, the next event');
  assert.ok(deletedAt >= before - 5 && deletedAt <= Date.now() + 5);
  for (const socket of [a, b]) {
    const tombstone = await socket.next((f) => pushed(f)?.type === 'message_deleted');
    assert.deepEqual(tombstone.event, { id: ack.id, roomId: room.id, seq: ack.seq, senderId: mod.id, senderName: 'Mod', clientId: 'del-1', createdAt: deletedAt, type: 'message_deleted', target: s1 });
  }

  const stored = await history(server, room.id, bob.token);
  assert.deepEqual(stored.map((m) => [m.seq, m.body, m.deletedAt]), [[s1, '', deletedAt], [s2, 'something fine', undefined]]);
  await using late = await RawClient.connect(server.wsUrl, bob.token);
  await late.request({ type: 'join', roomId: room.id, since: 0 });
  await late.waitForEvents(ack.seq, room.id);
  assert.deepEqual(late.events(room.id).map((e) => e.seq), Array.from({ length: ack.seq }, (_, i) => i + 1), 'a resume replays every event once, in order');
  assert.deepEqual(late.messages(room.id).map((m) => [m.seq, m.body, m.deletedAt]), [[s1, '', deletedAt], [s2, 'something fine', undefined]], 'a resume replays the tombstone');

  const retried = await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${s1}?clientId=del-1`, mod.token);
  assert.deepEqual([retried.status, retried.json], [200, { ...ack, roomId: room.id, clientId: 'del-1', duplicate: true }], 'a retry with the same clientId answers the first ack');
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${s1}`, owner.token)).json.error?.code, 'NOT_FOUND', 'a deleted message cannot be deleted again');
  assert.equal((await history(server, room.id, bob.token))[0]?.deletedAt, deletedAt, 'the tombstone keeps the first deletedAt');
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/99`, mod.token)).json.error?.code, 'NOT_FOUND');
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/1`, mod.token)).json.error?.code, 'NOT_FOUND', 'seq 1 is an event but no message');
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/messages/${s2}`, { method: 'DELETE' })).status, 200, 'admins delete in any room');
  const relay = await server.createRoom({ kind: 'relay' });
  assert.equal((await server.admin(`/api/v1/rooms/${relay.room.id}/messages/1`, { method: 'DELETE' })).status, 404, 'a relay room holds no such message');

  const entries = (await audit(server, room.id)).filter((e) => e.action === 'message_deleted');
  assert.deepEqual(entries.map((e) => [e.actorId, e.targetId, e.details.seq]).reverse(), [[mod.id, ada.user.id, s1], ['admin', ada.user.id, s2]]);
});

test('a muted member\'s sends and typing are refused with MEMBER_MUTED until unmuted, over WebSocket and HTTP alike; other members are unaffected', async () => {
  await using server = await startServer();
  const { room, owner, mod, ada, bob } = await moderatedRoom(server);
  await using a = ada.client;
  await using b = bob.client;
  const path = `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`;

  const until = Date.now() + 10 * 60_000;
  assert.equal((await call(server.url, 'PUT', path, bob.token, { until })).json.error?.code, 'FORBIDDEN', 'members may not mute');
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${owner.user.id}/mute`, mod.token, { until })).json.error?.code, 'FORBIDDEN', 'a moderator may not mute the owner');
  assert.equal((await call(server.url, 'PUT', path, mod.token, { until: Date.now() - 1 })).json.error?.code, 'VALIDATION_FAILED', 'a mute ends in the future');
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/nobody/mute`, mod.token, { until })).json.error?.code, 'NOT_MEMBER');
  const muted = await call(server.url, 'PUT', path, mod.token, { until });
  assert.deepEqual(muted.json, { roomId: room.id, userId: ada.user.id, mutedUntil: until });
  const mutedEvent = pushed(await a.next((f) => pushed(f)?.type === 'member_muted'));
  assert.deepEqual([mutedEvent?.userId, mutedEvent?.until], [ada.user.id, until]);

  const wsSend = errorOf(await a.request({ type: 'send', id: 'm1', roomId: room.id, body: 'let me speak' }));
  assert.equal(wsSend?.code, 'MEMBER_MUTED');
  assert.equal(wsSend?.details?.mutedUntil, until);
  assert.equal(errorOf(await a.request({ type: 'typing', roomId: room.id, active: true }))?.code, 'MEMBER_MUTED');
  const httpSend = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: 'm2', body: 'over HTTP then' });
  assert.equal(httpSend.status, 403);
  assert.equal(httpSend.json.error?.code, 'MEMBER_MUTED');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages/batch`, ada.token, { messages: [{ clientId: 'm3', body: 'batch' }] })).json.error?.code, 'MEMBER_MUTED');
  assert.equal(((await b.request({ type: 'send', id: 'b1', roomId: room.id, body: 'Bob still speaks' })).result as { seq: number }).seq, (mutedEvent?.seq ?? 0) + 1, 'the refused sends took no seq');

  const unmuted = await call(server.url, 'DELETE', path, mod.token);
  assert.deepEqual(unmuted.json, { roomId: room.id, userId: ada.user.id, mutedUntil: null });
  const unmutedEvent = pushed(await a.next((f) => pushed(f)?.type === 'member_unmuted'));
  assert.equal(unmutedEvent?.userId, ada.user.id);
  assert.equal(unmutedEvent?.seq, (mutedEvent?.seq ?? 0) + 2, 'after Bob\'s message');
  assert.equal(((await a.request({ type: 'send', id: 'm4', roomId: room.id, body: 'thanks' })).result as { seq: number }).seq, unmutedEvent.seq + 1, 'the same socket may send at once');

  const actions = (await audit(server, room.id)).reverse().map((e) => [e.action, e.details.reason ?? null, e.details.clientId ?? null]);
  assert.deepEqual(actions, [['member_muted', null, null], ['message_refused', 'muted', 'm1'], ['message_refused', 'muted', 'm2'], ['message_refused', 'muted', 'm3'], ['member_unmuted', null, null]]);
  const entries = await audit(server, room.id);
  assert.ok(!JSON.stringify(entries).includes('let me speak') && !JSON.stringify(entries).includes('over HTTP then'), 'refused bodies are never recorded');
});

test('a mute ends by itself at its time', async () => {
  await using server = await startServer();
  const { room, mod, ada } = await moderatedRoom(server);
  await ada.client.close();
  const until = Date.now() + 400;
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`, mod.token, { until })).status, 200);
  let accepted = 0;
  let attempt = 0;
  await eventually('a send after the mute ended', 5000, async () => {
    const res = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: `try-${++attempt}`, body: 'hello again' });
    if (res.status === 201) accepted = Date.now();
    else assert.equal(res.json.error?.code, 'MEMBER_MUTED');
    return res.status === 201;
  });
  assert.ok(accepted >= until, 'no send was accepted before the mute ended');
});

test('a banned member is removed at once and refused from rejoining by every way in — join code, invite, their session, an integrator token\'s grant, an auth key — with BANNED, until unbanned', async () => {
  await using server = await startServer({ PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: ISSUER, PARLEY_JWT_AUDIENCE: AUDIENCE });
  const { room, joinCode, owner, mod, ada, bob } = await moderatedRoom(server);
  await using a = ada.client;
  await using b = bob.client;
  const bans = `/api/v1/rooms/${room.id}/bans`;

  assert.equal((await call(server.url, 'PUT', `${bans}/${ada.user.id}`, bob.token, {})).json.error?.code, 'FORBIDDEN', 'members may not ban');
  assert.equal((await call(server.url, 'PUT', `${bans}/${owner.user.id}`, mod.token, {})).json.error?.code, 'FORBIDDEN', 'a moderator may not ban the owner');
  const banned = await call(server.url, 'PUT', `${bans}/${ada.user.id}`, mod.token, { reason: 'spam links' });
  assert.equal(banned.status, 200);
  assert.deepEqual({ ...(banned.json.ban as object), createdAt: 0 }, { roomId: room.id, userId: ada.user.id, actorId: mod.id, reason: 'spam links', createdAt: 0 });
  for (const socket of [a, b]) assert.equal(pushed(await socket.next((f) => pushed(f)?.type === 'member_banned'))?.userId, ada.user.id);
  assert.equal(errorOf(await a.request({ type: 'send', id: 'x', roomId: room.id, body: 'still here?' }))?.code, 'NOT_JOINED');

  const join = (body: Record<string, unknown>, token?: string) => call(server.url, 'POST', '/api/v1/join', token, { roomId: room.id, ...body });
  assert.equal((await join({ code: joinCode }, ada.token)).json.error?.code, 'BANNED', 'with the join code and their session');
  const invite = (await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'member' })).json.invite;
  assert.equal((await join({ invite }, ada.token)).json.error?.code, 'BANNED', 'with an invite');
  assert.equal(errorOf(await a.request({ type: 'join', roomId: room.id }))?.code, 'ROOM_NOT_FOUND', 'a socket join needs a membership');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, ada.token)).json.error?.code, 'ROOM_NOT_FOUND');

  // An integrator's user whose token grants the room: admitted on first use, then banned.
  const jwt = await mint(SECRET, { sub: 'carol-1', name: 'Carol', rooms: [room.id] });
  assert.equal((await join({}, jwt)).status, 200);
  const carol = ((await call(server.url, 'GET', '/api/v1/session', jwt)).json.user as { id: string }).id;
  assert.equal((await call(server.url, 'PUT', `${bans}/${carol}`, owner.token, {})).status, 200);
  assert.equal((await join({}, jwt)).json.error?.code, 'BANNED', 'the grant of the same token');
  const fresh = await mint(SECRET, { sub: 'carol-1', name: 'Carol', rooms: [room.id], role: 'moderator' });
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, fresh)).json.error?.code, 'BANNED', 'a fresh token granting a higher role');
  await using carolSocket = await RawClient.connect(server.wsUrl, fresh);
  assert.equal(errorOf(await carolSocket.request({ type: 'join', roomId: room.id }))?.code, 'BANNED', 'a socket join with the grant');

  // A room reserved by an auth key: a ban made before the user ever joined holds.
  const authKey = 'k3y-Of-The-Creator-0123456789';
  const reserved = (await call(server.url, 'POST', '/api/v1/rooms', owner.token, { name: 'Reserved', id: 'reserved-mod', authKey })).json.room as { id: string };
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${reserved.id}/bans/${ada.user.id}`, owner.token, {})).status, 200, 'a non-member can be banned ahead');
  assert.equal((await call(server.url, 'POST', '/api/v1/join', ada.token, { roomId: reserved.id, code: authKey })).json.error?.code, 'BANNED', 'with the auth key');

  const list = await call(server.url, 'GET', bans, mod.token);
  assert.deepEqual((list.json.bans as Array<{ userId: string }>).map((x) => x.userId).sort(), [ada.user.id, carol].sort());
  assert.equal((await call(server.url, 'GET', bans, bob.token)).json.error?.code, 'FORBIDDEN');

  assert.equal((await call(server.url, 'DELETE', `${bans}/${ada.user.id}`, mod.token)).status, 200);
  assert.equal((await call(server.url, 'DELETE', `${bans}/${ada.user.id}`, mod.token)).json.error?.code, 'NOT_FOUND');
  const back = await join({ code: joinCode }, ada.token);
  assert.equal(back.status, 200, 'unbanned, the join code admits them again');
  assert.equal(back.json.role, 'member');

  const entries = (await audit(server)).reverse();
  const inRoom = entries.filter((e) => e.roomId === room.id).map((e) => [e.action, e.actorId, e.targetId]);
  assert.deepEqual(inRoom, [
    ['member_banned', mod.id, ada.user.id],
    ['join_refused', ada.user.id, null],
    ['join_refused', ada.user.id, null],
    ['member_banned', owner.user.id, carol],
    ['join_refused', carol, null],
    ['join_refused', carol, null],
    ['join_refused', carol, null],
    ['member_unbanned', mod.id, ada.user.id],
  ]);
  assert.equal(entries.find((e) => e.action === 'member_banned')?.details.reason, 'spam links');
  assert.deepEqual(entries.filter((e) => e.roomId === reserved.id).map((e) => e.action), ['member_banned', 'join_refused']);
});

test('kicks, role changes and room closes are recorded in the audit log with their actor, target and details', async () => {
  await using server = await startServer();
  const { room, owner, mod, ada, bob } = await moderatedRoom(server);
  await ada.client.close();
  await bob.client.close();
  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${bob.user.id}/role`, owner.token, { role: 'guest' })).status, 200);
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${ada.user.id}`, mod.token)).status, 200);
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, owner.token)).status, 200);
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, owner.token)).status, 200, 'closing again is answered…');
  const other = await server.createRoom();
  assert.equal((await server.admin(`/api/v1/admin/rooms/${other.room.id}/close`, { method: 'POST' })).status, 200);

  const mine = (await audit(server, room.id)).reverse().map((e) => [e.action, e.actorId, e.actorName, e.targetId, e.details]);
  assert.deepEqual(mine, [
    ['role_changed', owner.user.id, 'Owner', bob.user.id, { from: 'member', to: 'guest' }],
    ['member_kicked', mod.id, 'Mod', ada.user.id, { role: 'member' }],
    ['room_closed', owner.user.id, 'Owner', null, {}],
  ], '…but recorded once');
  assert.deepEqual((await audit(server, other.room.id)).map((e) => [e.action, e.actorId]), [['room_closed', 'admin']]);
});

test('the audit log is read by admins (every room or one, paged back by id, kept across a restart) and by a room\'s owners and moderators for that room only; members and other rooms\' owners and moderators are refused', async () => {
  await using server = await startServer();
  const { room, owner, mod, ada, bob } = await moderatedRoom(server);
  await ada.client.close();
  await bob.client.close();
  const other = await moderatedRoom(server);
  await other.ada.client.close();
  await other.bob.client.close();
  const mute = (r: string, token: string, userId: string) => call(server.url, 'PUT', `/api/v1/rooms/${r}/members/${userId}/mute`, token, { until: Date.now() + 60_000 });
  for (let i = 0; i < 3; i += 1) assert.equal((await mute(room.id, mod.token, ada.user.id)).status, 200);
  assert.equal((await mute(other.room.id, other.mod.token, other.ada.user.id)).status, 200);

  const first = (await (await server.admin('/api/v1/admin/audit?limit=2')).json()) as { entries: Entry[]; hasMore: boolean };
  assert.equal(first.entries.length, 2);
  assert.equal(first.hasMore, true);
  assert.equal(first.entries[0]?.roomId, other.room.id, 'newest first');
  const rest = (await (await server.admin(`/api/v1/admin/audit?limit=10&before=${first.entries[1]?.id}`)).json()) as { entries: Entry[]; hasMore: boolean };
  assert.deepEqual(rest.entries.map((e) => e.roomId), [room.id, room.id]);
  assert.equal(rest.hasMore, false);
  const all = [...first.entries, ...rest.entries].map((e) => e.id);
  assert.deepEqual(all, [...all].sort().reverse(), 'ids sort by time');

  const asOwner = await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit`, owner.token);
  assert.equal(asOwner.status, 200);
  assert.deepEqual((asOwner.json.entries as Entry[]).map((e) => e.roomId), [room.id, room.id, room.id]);
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit`, other.owner.token)).json.error?.code, 'ROOM_NOT_FOUND', 'another room\'s owner');
  const asModerator = await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit?limit=2`, mod.token);
  assert.equal(asModerator.status, 200, 'moderators read their room\'s log (issue 12)');
  assert.deepEqual((asModerator.json.entries as Entry[]).map((e) => e.id), (asOwner.json.entries as Entry[]).slice(0, 2).map((e) => e.id), 'the same entries, newest first');
  assert.equal(asModerator.json.hasMore, true);
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit`, other.mod.token)).json.error?.code, 'ROOM_NOT_FOUND', 'another room\'s moderator');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit`, bob.token)).json.error?.code, 'FORBIDDEN', 'members');
  assert.equal((await call(server.url, 'GET', '/api/v1/admin/audit', owner.token)).json.error?.code, 'FORBIDDEN', 'owners do not read every room');
  assert.equal((await call(server.url, 'GET', '/api/v1/admin/audit', mod.token)).json.error?.code, 'FORBIDDEN', 'nor do moderators');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/audit`, undefined)).status, 401);
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/audit`)).status, 200, 'admins read a room\'s log at its own route too');

  await server.restart();
  assert.deepEqual((await audit(server)).map((e) => e.id), all, 'the log is durable');
});
