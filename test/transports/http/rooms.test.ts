/**
 * Rooms as their members see them, over real HTTP and WebSockets (issue: identity — authorization):
 * a signed-in principal creates and owns rooms, optionally reserved by an auth key; owners and
 * moderators invite with single-use tokens; room roles decide who may send, invite, remove, close and
 * set roles, on every route and every frame; a removed member stops receiving the room at once;
 * owners rename the room, members leave it, and members are read a page at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../support/server.ts';
import { RawClient } from '../../support/ws-client.ts';
import { call, ownedRoom } from '../../support/api.ts';

test('a signed-in principal creates a room and owns it; a newcomer joins with the generated code as a member', async () => {
  await using server = await startServer();
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms', undefined, { name: 'Nobody' })).json.error?.code, 'UNAUTHENTICATED');
  const { owner, room, joinCode } = await ownedRoom(server);
  assert.match(joinCode ?? '', /^[A-Z0-9]{10}$/);
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}`, owner.token)).json.role, 'owner');
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  assert.equal(ada.role, 'member');
});

test('a room reserved with an auth key admits those who present the room id and that key, and nobody else', async () => {
  await using server = await startServer();
  const authKey = 'k3y-Of-The-Creator-0123456789';
  const { room, joinCode } = await ownedRoom(server, { id: 'reserved-room', kind: 'relay', authKey });
  assert.equal(room.id, 'reserved-room');
  assert.equal(joinCode, null, 'no generated code: the creator\'s key is the code');
  await assert.rejects(server.joinRoom('reserved-room', 'k3y-Of-The-Creator-WRONG-0000', 'Eve'), /BAD_JOIN_CODE/);
  await assert.rejects(server.joinRoom('reserved-room', null, 'Eve'), /BAD_JOIN_CODE/);
  assert.equal((await server.joinRoom('reserved-room', authKey, 'Ada')).room.id, 'reserved-room');
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms', (await ownedRoom(server)).owner.token, { id: 'reserved-room', name: 'Taken' })).json.error?.code, 'VALIDATION_FAILED', 'a reserved id cannot be taken again');
});

test('an invite admits one person with its role, once; a replay, a forged invite or one for another room is refused', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const other = await ownedRoom(server);
  const minted = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'moderator' });
  assert.equal(minted.status, 201);
  const invite = minted.json.invite as string;
  const join = (body: Record<string, unknown>) => call(server.url, 'POST', '/api/v1/join', undefined, { name: 'Guest', ...body });
  assert.equal((await join({ roomId: other.room.id, invite })).json.error?.code, 'INVITE_INVALID', 'for another room');
  assert.equal((await join({ roomId: room.id, invite: `${invite.slice(0, -4)}AAAA` })).json.error?.code, 'INVITE_INVALID', 'forged');
  const first = await join({ roomId: room.id, invite });
  assert.equal(first.status, 200);
  assert.equal(first.json.role, 'moderator');
  assert.equal((await join({ roomId: room.id, invite })).json.error?.code, 'TOKEN_REPLAYED');

  const member = await server.joinRoom(room.id, joinCode, 'Member');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, member.token, {})).json.error?.code, 'FORBIDDEN', 'members may not invite');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, first.json.token as string, { role: 'member' })).status, 201, 'moderators may');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'owner' })).json.error?.code, 'VALIDATION_FAILED', 'no invite makes an owner');
});

test('a guest reads but may not send or type, over HTTP and WebSocket; promoted by the owner, the same socket may send at once', async () => {
  await using server = await startServer();
  const { owner, room } = await ownedRoom(server);
  const { json } = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'guest' });
  const guest = await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: room.id, invite: json.invite, name: 'Guest' });
  const token = guest.json.token as string;
  const userId = (guest.json.user as { id: string }).id;
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, token, { clientId: 'g1', body: 'hi' })).json.error?.code, 'FORBIDDEN');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, token)).status, 200, 'guests read history');
  await using socket = await RawClient.connect(server.wsUrl, token);
  await socket.request({ type: 'join', roomId: room.id });
  assert.equal(((await socket.request({ type: 'send', id: 'g2', roomId: room.id, body: 'hi' })).error as { code: string }).code, 'FORBIDDEN');
  assert.equal(((await socket.request({ type: 'typing', roomId: room.id, active: true })).error as { code: string }).code, 'FORBIDDEN');

  assert.equal((await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${userId}/role`, token, { role: 'member' })).json.error?.code, 'FORBIDDEN', 'a guest cannot promote itself');
  const promoted = await call(server.url, 'PUT', `/api/v1/rooms/${room.id}/members/${userId}/role`, owner.token, { role: 'member' });
  assert.equal((promoted.json.member as { role: string }).role, 'member');
  const changed = await socket.next((f) => f.type === 'event' && (f.event as { type: string; userId?: string; role?: string }).type === 'member_role_changed' && (f.event as { userId: string }).userId === userId && (f.event as { role: string }).role === 'member');
  const changedSeq = (changed.event as { seq: number }).seq;
  assert.equal(((await socket.request({ type: 'send', id: 'g3', roomId: room.id, body: 'now I may' })).result as { seq: number }).seq, changedSeq + 1, 'the next event after the promotion');
});

test('a moderator removes a member: the member\'s socket is told, stops receiving the room, and loses its history; nobody removes an equal or higher role', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const modInvite = (await call(server.url, 'POST', `/api/v1/rooms/${room.id}/invites`, owner.token, { role: 'moderator' })).json.invite;
  const mod = await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: room.id, invite: modInvite, name: 'Mod' });
  const modToken = mod.json.token as string;
  const eve = await server.member(room.id, joinCode, 'Eve');
  const ada = await server.member(room.id, joinCode, 'Ada');

  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${ada.user.id}`, eve.token)).json.error?.code, 'FORBIDDEN', 'members may not remove');
  const ownerId = (await call(server.url, 'GET', '/api/v1/session', owner.token)).json.user as { id: string };
  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${ownerId.id}`, modToken)).json.error?.code, 'FORBIDDEN', 'a moderator may not remove the owner');

  assert.equal((await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${eve.user.id}`, modToken)).status, 200);
  await eve.client.next((f) => f.type === 'event' && (f.event as { type: string }).type === 'member_removed' && (f.event as { userId: string }).userId === eve.user.id);
  await ada.client.request({ type: 'send', id: 'after', roomId: room.id, body: 'after the removal' });
  await ada.client.waitForMessages(1, room.id);
  assert.equal(eve.client.messages(room.id).length, 0, 'the removed member receives nothing more');
  assert.equal(((await eve.client.request({ type: 'send', id: 'e1', roomId: room.id, body: 'still here?' })).error as { code: string }).code, 'NOT_JOINED');
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, eve.token)).json.error?.code, 'ROOM_NOT_FOUND', 'no longer a member: the room is not hers to see');
  assert.equal(((await eve.client.request({ type: 'join', roomId: room.id })).error as { code: string }).code, 'ROOM_NOT_FOUND');
  await ada.client.close();
  await eve.client.close();
});

test('only the owner (or an admin) closes the room or rotates its code', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, ada.token)).json.error?.code, 'FORBIDDEN');
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${room.id}/join-code`, ada.token)).json.error?.code, 'FORBIDDEN');
  const rotated = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/join-code`, owner.token);
  assert.notEqual(rotated.json.joinCode, joinCode);
  await assert.rejects(server.joinRoom(room.id, joinCode, 'Late'), /BAD_JOIN_CODE/);
  const closed = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/close`, owner.token);
  assert.equal(typeof (closed.json.room as { closedAt: number }).closedAt, 'number');
  const other = await ownedRoom(server);
  assert.equal((await server.admin(`/api/v1/admin/rooms/${other.room.id}/close`, { method: 'POST' })).status, 200, 'the admin closes any room');
});

test('the sender is always the principal: a frame or body naming another sender is stored as its real sender', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await server.member(room.id, joinCode, 'Ada');
  const bob = await server.joinRoom(room.id, joinCode, 'Bob');
  const reply = await ada.client.request({ type: 'send', id: 'spoof', roomId: room.id, body: 'as Bob?', senderId: bob.user.id, senderName: 'Bob' });
  const sent = await call(server.url, 'POST', `/api/v1/rooms/${room.id}/messages`, ada.token, { clientId: 'spoof-http', body: 'as Bob?', senderId: bob.user.id });
  assert.equal((reply.result as { seq: number }).seq, bob.room.lastSeq + 1, 'accepted (the next event after Bob\'s join), with the extra fields ignored');
  assert.equal(sent.status, 201);
  const history = await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, bob.token);
  const messages = (history.json.events as Array<{ type: string; senderId: string; senderName: string }>).filter((e) => e.type === 'message');
  assert.equal(messages.length, 2, 'both sends are stored');
  for (const message of messages) assert.deepEqual([message.senderId, message.senderName], [ada.user.id, 'Ada']);
  await ada.client.close();
});

test('history and members of a room the principal does not belong to are refused, whatever the id guessed', async () => {
  await using server = await startServer();
  const mine = await server.createRoom();
  const theirs = await server.createRoom();
  const ada = await server.joinRoom(mine.room.id, mine.joinCode, 'Ada');
  const missing = await call(server.url, 'GET', '/api/v1/rooms/no-such-room/messages', ada.token);
  assert.deepEqual([missing.status, missing.json.error?.code], [404, 'ROOM_NOT_FOUND']);
  for (const path of [`/api/v1/rooms/${theirs.room.id}/messages`, `/api/v1/rooms/${theirs.room.id}/members`, `/api/v1/rooms/${theirs.room.id}`]) {
    const refused = await call(server.url, 'GET', path, ada.token);
    assert.deepEqual([refused.status, refused.json.error?.code], [404, 'ROOM_NOT_FOUND'], `${path}: the same answer as for a room that does not exist`);
    assert.equal(JSON.stringify(refused.json.error).replaceAll(theirs.room.id, '?'), JSON.stringify(missing.json.error).replaceAll('no-such-room', '?'), `${path}: nothing but the id tells the answers apart`);
  }
});

test('the owner renames the room: the answer and the room show the new name, and a room_updated event reaches a joined socket; a member gets FORBIDDEN', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const ada = await server.member(room.id, joinCode, 'Ada');
  await using socket = ada.client;
  const path = `/api/v1/rooms/${room.id}`;

  const refused = await call(server.url, 'PATCH', path, ada.token, { name: 'Ada\'s room' });
  assert.deepEqual([refused.status, refused.json.error?.code], [403, 'FORBIDDEN']);
  const renamed = await call(server.url, 'PATCH', path, owner.token, { name: 'Renamed' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
  assert.equal((renamed.json.room as { name: string }).name, 'Renamed');
  const updated = await socket.next((f) => f.type === 'event' && (f.event as { type: string }).type === 'room_updated');
  const event = updated.event as { seq: number; senderId: string; name: string };
  assert.deepEqual([event.seq, event.senderId, event.name], [ada.room.lastSeq + 1, owner.user.id, 'Renamed'], 'the next event after Ada\'s join, by the owner');
  assert.equal(((await call(server.url, 'GET', path, ada.token)).json.room as { name: string }).name, 'Renamed');
  assert.equal(socket.events(room.id).filter((e) => e.type === 'room_updated').length, 1, 'the refused rename made no event');
});

test('a member leaves the room: members are told with member_left, and the room is no longer theirs to read; the owner may not leave (FORBIDDEN)', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const ada = await server.joinRoom(room.id, joinCode, 'Ada');
  const bob = await server.member(room.id, joinCode, 'Bob');
  await using socket = bob.client;
  const leave = (token: string) => call(server.url, 'POST', `/api/v1/rooms/${room.id}/leave`, token);

  const left = await leave(ada.token);
  assert.deepEqual([left.status, left.json], [200, {}]);
  const event = (await socket.next((f) => f.type === 'event' && (f.event as { type: string }).type === 'member_left')).event as { seq: number; userId: string; senderId: string };
  assert.deepEqual([event.seq, event.userId, event.senderId], [bob.room.lastSeq + 1, ada.user.id, ada.user.id]);
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}/messages`, ada.token)).json.error?.code, 'ROOM_NOT_FOUND');
  assert.equal((await leave(ada.token)).json.error?.code, 'ROOM_NOT_FOUND', 'leaving twice: no longer a member');
  const members = (await call(server.url, 'GET', `/api/v1/rooms/${room.id}/members`, bob.token)).json.members as Array<{ userId: string }>;
  assert.ok(!members.some((m) => m.userId === ada.user.id), 'gone from the members');

  const ownerLeaves = await leave(owner.token);
  assert.deepEqual([ownerLeaves.status, ownerLeaves.json.error?.code], [403, 'FORBIDDEN']);
  assert.equal((await call(server.url, 'GET', `/api/v1/rooms/${room.id}`, owner.token)).json.role, 'owner', 'still the owner');
});

test('members are read a page at a time by user id: after and limit walk every member once, in order, and hasMore says when to stop', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const joined = [];
  for (const name of ['Ada', 'Bob', 'Carol', 'Dan']) joined.push(await server.joinRoom(room.id, joinCode, name));
  const ownerId = ((await call(server.url, 'GET', '/api/v1/session', owner.token)).json.user as { id: string }).id;
  const everyone = [ownerId, ...joined.map((j) => j.user.id)].sort();

  const pages: Array<{ ids: string[]; hasMore: boolean }> = [];
  let after: string | undefined;
  do {
    const res = await call(server.url, 'GET', `/api/v1/rooms/${room.id}/members?limit=2${after === undefined ? '' : `&after=${after}`}`, owner.token);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const ids = (res.json.members as Array<{ userId: string }>).map((m) => m.userId);
    pages.push({ ids, hasMore: res.json.hasMore as boolean });
    after = ids.at(-1);
  } while (pages.at(-1)?.hasMore === true && pages.length < 10);
  assert.deepEqual(pages, [
    { ids: everyone.slice(0, 2), hasMore: true },
    { ids: everyone.slice(2, 4), hasMore: true },
    { ids: everyone.slice(4), hasMore: false },
  ]);
  const all = await call(server.url, 'GET', `/api/v1/rooms/${room.id}/members`, joined[0]?.token);
  assert.deepEqual([(all.json.members as unknown[]).length, all.json.hasMore], [5, false], 'the default page holds them all');
  assert.deepEqual((all.json.members as Array<{ userId: string; name: string; role: string }>).find((m) => m.userId === ownerId), { userId: ownerId, name: 'Owner', role: 'owner', lastReadSeq: 1, online: false }, 'the owner\'s marker is at its join, the room\'s first event');
});

test('GET /api/v1/rooms lists the caller\'s rooms, the most recently active first, with role, unread count and last activity', async () => {
  await using server = await startServer();
  assert.equal((await call(server.url, 'GET', '/api/v1/rooms', undefined)).json.error?.code, 'UNAUTHENTICATED');
  const quiet = await server.createRoom({ name: 'Quiet' });
  const busy = await server.createRoom({ name: 'Busy' });
  const other = await server.createRoom({ name: 'Not hers' });
  const ada = await server.joinRoom(quiet.room.id, quiet.joinCode, 'Ada');
  await server.joinRoom(busy.room.id, busy.joinCode, 'Ada', ada.token);
  const bob = await server.joinRoom(busy.room.id, busy.joinCode, 'Bob');
  await server.joinRoom(other.room.id, other.joinCode, 'Bob', bob.token);
  const before = Date.now();
  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${busy.room.id}/messages`, bob.token, { clientId: 'b1', body: 'hello' })).status, 201);

  type Listed = { room: { id: string; closedAt: number | null }; role: string; unread: number; lastActivityAt: number };
  const list = async (token: string) => ((await call(server.url, 'GET', '/api/v1/rooms', token)).json.rooms as Listed[]);
  let rooms = await list(ada.token);
  assert.deepEqual(rooms.map((r) => [r.room.id, r.unread, r.role]), [[busy.room.id, 1, 'member'], [quiet.room.id, 0, 'member']], 'Busy has the newest event and one unread message; Not hers is absent');
  assert.ok(rooms[0]!.lastActivityAt >= before, 'last activity is the message\'s time');

  assert.equal((await call(server.url, 'POST', `/api/v1/rooms/${quiet.room.id}/messages`, ada.token, { clientId: 'a1', body: 'anyone?' })).status, 201);
  rooms = await list(ada.token);
  assert.deepEqual(rooms.map((r) => [r.room.id, r.unread]), [[quiet.room.id, 0], [busy.room.id, 1]], 'her message makes Quiet the newest; her own message is never unread');
  assert.equal((await call(server.url, 'POST', `/api/v1/admin/rooms/${busy.room.id}/close`, server.adminToken)).status, 200);
  rooms = await list(ada.token);
  assert.deepEqual(rooms.map((r) => r.room.id), [busy.room.id, quiet.room.id], 'closing is activity too');
  assert.notEqual(rooms[0]!.room.closedAt, null);
});
