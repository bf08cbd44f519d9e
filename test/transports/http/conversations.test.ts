/**
 * `/api/v1/conversations` and `/api/v1/blocks` over real HTTP and WebSocket (issue 13): direct
 * conversations found or created once per pair (also when both people open at once), reach and
 * its single NOT_FOUND answer, group conversations and their size limit, nobody joining a
 * conversation by code, invite or link, blocking and unblocking, and a direct conversation working
 * like any room (messages, edits, reactions, resume) over the existing WebSocket protocol.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Joined, type TestServer } from '../../support/server.ts';
import { call, type ApiJson } from '../../support/api.ts';
import { RawClient, errorOf } from '../../support/ws-client.ts';
import type { RoomInfo } from '../../../src/protocol/index.ts';

/** A lobby (open room) and a function joining it as a new guest: guests of one lobby reach each other. */
async function lobbyOf(server: TestServer): Promise<{ roomId: string; guest: (name: string) => Promise<Joined> }> {
  const { room } = await server.createRoom({ joinRule: 'open', name: 'Lobby' });
  return { roomId: room.id, guest: (name) => server.joinRoom(room.id, null, name) };
}

/** `POST /api/v1/conversations/direct` as `token` with `userId`. */
function openDirect(server: TestServer, token: string, userId: string) {
  return call(server.url, 'POST', '/api/v1/conversations/direct', token, { userId });
}

/** The room of a conversation answer. */
const roomOf = (json: ApiJson) => json.room as RoomInfo;

/** Send `body` over HTTP to `roomId` as `token`. */
function sendHttp(server: TestServer, token: string, roomId: string, body: string) {
  return call(server.url, 'POST', `/api/v1/rooms/${roomId}/messages`, token, { clientId: `c-${Math.random().toString(36).slice(2)}`, body });
}

/** The user ids of a room's members, as `token` sees them. */
async function memberIds(server: TestServer, token: string, roomId: string): Promise<string[]> {
  const { status, json } = await call(server.url, 'GET', `/api/v1/rooms/${roomId}/members?limit=100`, token);
  assert.equal(status, 200, JSON.stringify(json));
  return (json.members as Array<{ userId: string }>).map((m) => m.userId).sort();
}

test('two people opening a direct conversation with each other at once get one conversation, 201 for one and 200 for the other (50 fresh pairs)', async () => {
  await using server = await startServer();
  const lobby = await lobbyOf(server);
  for (let i = 0; i < 50; i++) {
    const a = await lobby.guest(`A${i}`);
    const b = await lobby.guest(`B${i}`);
    const [fromA, fromB] = await Promise.all([openDirect(server, a.token, b.user.id), openDirect(server, b.token, a.user.id)]);
    assert.deepEqual([fromA.status, fromB.status].sort(), [200, 201], JSON.stringify([fromA.json, fromB.json]));
    assert.equal(roomOf(fromA.json).id, roomOf(fromB.json).id, `pair ${i}: one conversation`);
    assert.equal(roomOf(fromA.json).conversation, 'direct');
    assert.deepEqual(await memberIds(server, a.token, roomOf(fromA.json).id), [a.user.id, b.user.id].sort());
  }
});

test('opening again answers the same room (200); an account is reached by id, a stranger or an unknown id gets one NOT_FOUND answer, yourself VALIDATION_FAILED', async () => {
  await using server = await startServer();
  const lobby = await lobbyOf(server);
  const ann = await lobby.guest('Ann');
  const bob = await lobby.guest('Bob');
  const first = await openDirect(server, ann.token, bob.user.id);
  assert.equal(first.status, 201);
  const room = roomOf(first.json);
  assert.deepEqual({ conversation: room.conversation, kind: room.kind, e2ee: room.e2ee, maxMembers: room.maxMembers, lastSeq: room.lastSeq }, { conversation: 'direct', kind: 'persistent', e2ee: false, maxMembers: 2, lastSeq: 2 });
  const again = await openDirect(server, ann.token, bob.user.id);
  assert.equal(again.status, 200);
  assert.equal(roomOf(again.json).id, room.id);

  const elsewhere = await server.createRoom({ joinRule: 'open' });
  const stranger = await server.joinRoom(elsewhere.room.id, null, 'Stranger');
  const refusals = [await openDirect(server, ann.token, stranger.user.id), await openDirect(server, ann.token, 'nobody-has-this-id')];
  for (const refused of refusals) {
    assert.equal(refused.status, 404);
    assert.equal(refused.json.error?.code, 'NOT_FOUND');
  }
  assert.deepEqual({ ...refusals[0]?.json.error, details: undefined }, { ...refusals[1]?.json.error, details: undefined }, 'the same answer for both');

  const registered = await call(server.url, 'POST', '/api/v1/auth/register', undefined, { username: 'carol', password: 'correct horse battery staple', name: 'Carol' });
  assert.equal(registered.status, 201, JSON.stringify(registered.json));
  const carolId = (registered.json.account as { id: string }).id;
  const withAccount = await openDirect(server, stranger.token, carolId);
  assert.equal(withAccount.status, 201, 'an account is reached by its id without sharing a room');
  assert.deepEqual(await memberIds(server, registered.json.accessToken as string, roomOf(withAccount.json).id), [carolId, stranger.user.id].sort());

  const self = await openDirect(server, ann.token, ann.user.id);
  assert.equal(self.status, 400);
  assert.equal(self.json.error?.code, 'VALIDATION_FAILED');
  assert.equal((await call(server.url, 'POST', '/api/v1/conversations/direct', undefined, { userId: bob.user.id })).status, 401);
});

test('nobody joins a conversation by code, invite, link or WebSocket join, and no code or invite can be made for it', async () => {
  await using server = await startServer();
  const lobby = await lobbyOf(server);
  const ann = await lobby.guest('Ann');
  const bob = await lobby.guest('Bob');
  const eve = await lobby.guest('Eve');
  const direct = roomOf((await openDirect(server, ann.token, bob.user.id)).json);
  const group = await call(server.url, 'POST', '/api/v1/conversations/group', ann.token, { userIds: [bob.user.id] });
  assert.equal(group.status, 201);

  for (const room of [direct, roomOf(group.json)]) {
    for (const body of [{ roomId: room.id, name: 'Newcomer' }, { roomId: room.id, code: 'ANYCODE234', name: 'Newcomer' }]) {
      const joined = await call(server.url, 'POST', '/api/v1/join', undefined, body);
      assert.equal(joined.json.error?.code, 'BAD_JOIN_CODE', JSON.stringify(joined.json));
    }
    const byEve = await call(server.url, 'POST', '/api/v1/join', eve.token, { roomId: room.id });
    assert.equal(byEve.json.error?.code, 'BAD_JOIN_CODE');
    const invite = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, ann.token, { role: 'member' });
    assert.equal(invite.status, 403, JSON.stringify(invite.json));
    const adminCode = await server.admin(`/api/v1/admin/rooms/${room.id}/join-code`, { method: 'POST' });
    assert.equal(adminCode.status, 403);
    await using client = await RawClient.connect(server.wsUrl, eve.token);
    assert.equal(errorOf(await client.request({ type: 'join', roomId: room.id }))?.code, 'ROOM_NOT_FOUND');
  }
  const ownerCode = await call(server.url, 'POST', `/api/v1/rooms/${roomOf(group.json).id}/join-code`, ann.token);
  assert.equal(ownerCode.status, 403, 'the group\'s owner cannot make a code either');
  assert.deepEqual(await memberIds(server, ann.token, direct.id), [ann.user.id, bob.user.id].sort());
});

test('a group conversation is created with its members, grows by its members\' additions to the limit, and refuses one more with ROOM_FULL', async () => {
  await using server = await startServer({ PARLEY_GROUP_CONVERSATION_MAX_MEMBERS: '4' });
  const lobby = await lobbyOf(server);
  const [ann, bob, cy, dee, eli] = await Promise.all(['Ann', 'Bob', 'Cy', 'Dee', 'Eli'].map((n) => lobby.guest(n)));
  assert.ok(ann && bob && cy && dee && eli);

  const tooMany = await call(server.url, 'POST', '/api/v1/conversations/group', ann.token, { userIds: [bob.user.id, cy.user.id, dee.user.id, eli.user.id] });
  assert.equal(tooMany.status, 409);
  assert.equal(tooMany.json.error?.code, 'ROOM_FULL');

  const created = await call(server.url, 'POST', '/api/v1/conversations/group', ann.token, { name: 'Trip', userIds: [bob.user.id, cy.user.id] });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const group = roomOf(created.json);
  assert.deepEqual({ name: group.name, conversation: group.conversation, maxMembers: group.maxMembers }, { name: 'Trip', conversation: 'group', maxMembers: 4 });
  assert.deepEqual(await memberIds(server, ann.token, group.id), [ann.user.id, bob.user.id, cy.user.id].sort());
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${group.id}`, ann.token)).json.role, 'owner');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${group.id}`, bob.token)).json.role, 'member');

  const outsider = await call(server.url, 'POST', `/api/v1/conversations/${group.id}/members`, dee.token, { userId: eli.user.id });
  assert.equal(outsider.json.error?.code, 'ROOM_NOT_FOUND', 'only members add people');
  const added = await call(server.url, 'POST', `/api/v1/conversations/${group.id}/members`, bob.token, { userId: dee.user.id });
  assert.equal(added.status, 200, JSON.stringify(added.json));
  assert.deepEqual(await memberIds(server, dee.token, group.id), [ann.user.id, bob.user.id, cy.user.id, dee.user.id].sort());
  const full = await call(server.url, 'POST', `/api/v1/conversations/${group.id}/members`, cy.token, { userId: eli.user.id });
  assert.equal(full.status, 409);
  assert.equal(full.json.error?.code, 'ROOM_FULL');

  const direct = roomOf((await openDirect(server, ann.token, bob.user.id)).json);
  const intoDirect = await call(server.url, 'POST', `/api/v1/conversations/${direct.id}/members`, ann.token, { userId: cy.user.id });
  assert.equal(intoDirect.json.error?.code, 'FORBIDDEN', 'a direct conversation stays between two people');
  const unreachable = await call(server.url, 'POST', `/api/v1/conversations/${group.id}/members`, ann.token, { userId: 'nobody-has-this-id' });
  assert.equal(unreachable.json.error?.code, 'NOT_FOUND');
});

test('blocking: the blocked person can neither open nor write in the direct conversation (BLOCKED), the blocker still sends, groups and rooms still carry their messages; unblocking restores', async () => {
  await using server = await startServer();
  const lobby = await lobbyOf(server);
  const ann = await lobby.guest('Ann');
  const bob = await lobby.guest('Bob');
  const cy = await lobby.guest('Cy');
  const direct = roomOf((await openDirect(server, ann.token, bob.user.id)).json);
  const group = roomOf((await call(server.url, 'POST', '/api/v1/conversations/group', cy.token, { userIds: [ann.user.id, bob.user.id] })).json);

  const blocked = await call(server.url, 'PUT', `/api/v1/blocks/${bob.user.id}`, ann.token);
  assert.equal(blocked.status, 200, JSON.stringify(blocked.json));
  assert.equal((blocked.json.block as { userId: string }).userId, bob.user.id);
  const listed = await call(server.url, 'GET', '/api/v1/blocks', ann.token);
  assert.deepEqual((listed.json.blocks as Array<{ userId: string }>).map((b) => b.userId), [bob.user.id]);
  assert.deepEqual((await call(server.url, 'GET', '/api/v1/blocks', bob.token)).json.blocks, []);

  const reopened = await openDirect(server, bob.token, ann.user.id);
  assert.equal(reopened.status, 404);
  assert.equal(reopened.json.error?.code, 'NOT_FOUND', 'answered as if Ann did not exist');
  const sent = await sendHttp(server, bob.token, direct.id, 'hello?');
  assert.equal(sent.status, 403);
  assert.equal(sent.json.error?.code, 'BLOCKED');
  await using bobWs = await RawClient.connect(server.wsUrl, bob.token);
  await bobWs.request({ type: 'join', roomId: direct.id });
  assert.equal(errorOf(await bobWs.request({ type: 'send', roomId: direct.id, body: 'over ws' }))?.code, 'BLOCKED');
  assert.equal(errorOf(await bobWs.request({ type: 'typing', roomId: direct.id, active: true }))?.code, 'BLOCKED');

  const fromAnn = await sendHttp(server, ann.token, direct.id, 'the blocker still writes');
  assert.equal(fromAnn.status, 201, JSON.stringify(fromAnn.json));
  assert.equal((await bobWs.request({ type: 'react', roomId: direct.id, target: fromAnn.json.seq, key: '👍', active: true }).then(errorOf))?.code, 'BLOCKED');
  assert.equal((await sendHttp(server, bob.token, group.id, 'in the group')).status, 201, 'a group carries the blocked person\'s messages');
  assert.equal((await sendHttp(server, bob.token, lobby.roomId, 'in the lobby')).status, 201, 'so does a room');

  assert.equal((await call(server.url, 'DELETE', `/api/v1/blocks/${bob.user.id}`, ann.token)).status, 200);
  assert.equal((await call(server.url, 'DELETE', `/api/v1/blocks/${bob.user.id}`, ann.token)).status, 200, 'idempotent');
  assert.equal((await sendHttp(server, bob.token, direct.id, 'thanks')).status, 201);
  const back = await openDirect(server, bob.token, ann.user.id);
  assert.equal(back.status, 200);
  assert.equal(roomOf(back.json).id, direct.id);
  assert.equal((await call(server.url, 'PUT', `/api/v1/blocks/${ann.user.id}`, ann.token)).json.error?.code, 'VALIDATION_FAILED', 'nobody blocks themselves');
});

test('a direct conversation works like a room over the WebSocket protocol: messages, edits and reactions reach the other person, who resumes by seq after reconnecting', async () => {
  await using server = await startServer();
  const lobby = await lobbyOf(server);
  const ann = await lobby.guest('Ann');
  const bob = await lobby.guest('Bob');
  const roomId = roomOf((await openDirect(server, ann.token, bob.user.id)).json).id;

  await using annWs = await RawClient.connect(server.wsUrl, ann.token);
  const bobWs = await RawClient.connect(server.wsUrl, bob.token);
  const joined = await bobWs.request({ type: 'join', roomId });
  assert.equal(((joined.result as { room: RoomInfo }).room).conversation, 'direct');
  await annWs.request({ type: 'join', roomId });

  const ack = (await annWs.request({ type: 'send', roomId, body: 'hi Bob' })).result as { seq: number };
  await bobWs.waitForMessages(1, roomId);
  assert.equal(bobWs.messages(roomId)[0]?.body, 'hi Bob');
  await annWs.request({ type: 'edit', roomId, target: ack.seq, body: 'hi Bob!' });
  await bobWs.request({ type: 'react', roomId, target: ack.seq, key: '👍', active: true });
  await annWs.next((f) => f.type === 'event' && (f.event as { type: string }).type === 'reaction_added');
  await bobWs.next((f) => f.type === 'event' && (f.event as { type: string }).type === 'message_edited');
  const lastSeen = Math.max(...bobWs.events(roomId).map((e) => e.seq));
  await bobWs.close();

  await annWs.request({ type: 'send', roomId, body: 'are you there?' });
  await annWs.request({ type: 'send', roomId, body: 'ping' });
  await using again = await RawClient.connect(server.wsUrl, bob.token);
  const resumed = (await again.request({ type: 'join', roomId, since: lastSeen })).result as { resume: string; replayed: number };
  assert.deepEqual(resumed, { ...resumed, resume: 'replay', replayed: 2 });
  await again.waitForMessages(2, roomId);
  assert.deepEqual(again.messages(roomId).map((m) => m.body), ['are you there?', 'ping']);
  const history = await call(server.url, 'GET', `/api/v1/rooms/${roomId}/messages?after=0&limit=50`, bob.token);
  const events = history.json.events as Array<{ type: string; body?: string; seq: number }>;
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'gap-free seqs, the joins first');
  assert.equal(events.find((e) => e.seq === ack.seq)?.body, 'hi Bob!');
});
