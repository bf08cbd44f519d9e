/**
 * `POST /api/v1/join`, `GET /api/v1/session`, `POST /api/v1/logout`: joining with a code and a
 * name yields a session (httpOnly cookie and bearer token); every refusal has its own code.
 */
import { test } from 'node:test';
import type { TimelineEvent } from '../../../src/protocol/index.ts';
import assert from 'node:assert/strict';
import { startServer } from '../../support/server.ts';
import { call, ownedRoom } from '../../support/api.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('joining with the right code returns a session token and sets an httpOnly SameSite cookie', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Lobby' });
  const res = await fetch(`${server.url}/api/v1/join`, json({ roomId: room.id, code: joinCode?.toLowerCase(), name: '  Ada  ' }));
  assert.equal(res.status, 200);
  const body = (await res.json()) as { token: string; user: { id: string; name: string }; room: { id: string; name: string } };
  assert.equal(body.user.name, 'Ada');
  assert.equal(body.room.name, 'Lobby');
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^parley_session=[^;]+;/);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(cookie, /Path=\//);

  const session = await fetch(`${server.url}/api/v1/session`, { headers: { cookie: `parley_session=${body.token}` } });
  assert.equal(session.status, 200);
  const me = (await session.json()) as { user: { id: string }; rooms: Array<{ id: string }> };
  assert.equal(me.user.id, body.user.id);
  assert.deepEqual(me.rooms.map((r) => r.id), [room.id]);

  // the same session joins a second room as the same user
  const other = await server.createRoom({ joinRule: 'open' });
  const second = await fetch(`${server.url}/api/v1/join`, json({ roomId: other.room.id, name: 'ignored' }, { authorization: `Bearer ${body.token}` }));
  assert.equal(((await second.json()) as { user: { id: string } }).user.id, body.user.id);

  assert.equal((await fetch(`${server.url}/api/v1/logout`, { method: 'POST', headers: { authorization: `Bearer ${body.token}` } })).status, 200);
  assert.equal((await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${body.token}` } })).status, 401);
});

test('join refuses a display name with control, bidirectional or zero-width characters with VALIDATION_FAILED naming body.name and why; a decomposed name is stored composed (issue 11)', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const join = async (name: string) => {
    const res = await fetch(`${server.url}/api/v1/join`, json({ roomId: room.id, code: joinCode, name }));
    return { status: res.status, body: (await res.json()) as { user?: { name: string }; error?: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } } } };
  };
  for (const [name, reason] of [['Ada\nAdmin', /control characters/], ['Ada\u202Enimda', /bidirectional/], ['Ad\u200Ba', /zero-width/], ['x'.repeat(65), /at most 64/]] as const) {
    const refused = await join(name);
    assert.equal(refused.status, 400, JSON.stringify(name));
    assert.equal(refused.body.error?.code, 'VALIDATION_FAILED');
    const issues = refused.body.error?.details?.issues ?? [];
    assert.deepEqual(issues.map((i) => i.path), ['body.name']);
    assert.match(issues[0]?.message ?? '', reason);
  }
  const accepted = await join('Rene\u0301e \u{1F468}\u200D\u{1F469}\u200D\u{1F467}');
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.user?.name, 'Ren\u00e9e \u{1F468}\u200D\u{1F469}\u200D\u{1F467}');
});

test('two newcomers joining one room as "Alex" and "alex": the second gets 409 NAME_TAKEN with a human message; the first re-joins as before, and "alex" may join another room (issue 11)', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const other = await server.createRoom();
  const join = async (roomId: string, code: string | null | undefined, name: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/v1/join`, json({ roomId, code, name }, headers));
    return { status: res.status, body: (await res.json()) as { token?: string; user?: { id: string; name: string }; error?: { code: string; message: string; retryable: boolean } } };
  };
  const alex = await join(room.id, joinCode, 'Alex');
  assert.equal(alex.status, 200, JSON.stringify(alex.body));
  const second = await join(room.id, joinCode, 'alex');
  assert.equal(second.status, 409);
  assert.equal(second.body.error?.code, 'NAME_TAKEN');
  assert.equal(second.body.error?.retryable, false);
  assert.equal(second.body.error?.message, 'Another member of this room already has this name (names are compared ignoring case): choose another name');
  assert.equal((await join(room.id, joinCode, 'ALEX ')).body.error?.code, 'NAME_TAKEN');
  const again = await join(room.id, joinCode, 'ignored', { authorization: `Bearer ${alex.body.token}` });
  assert.equal(again.status, 200, 'the same user re-joining keeps their membership');
  assert.equal((await join(other.room.id, other.joinCode, 'alex')).status, 200, 'names are unique per room');
  const members = await fetch(`${server.url}/api/v1/rooms/${room.id}/members`, { headers: { authorization: `Bearer ${alex.body.token}` } });
  assert.deepEqual(((await members.json()) as { members: Array<{ name: string }> }).members.map((m) => m.name), ['Alex']);
});

test('join refusals: bad code, unknown room (answered as a bad code), closed room (only to those with the code), full room, and invalid fields named', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ maxMembers: 1 });
  const join = async (body: unknown) => {
    const res = await fetch(`${server.url}/api/v1/join`, json(body));
    const payload = (await res.json()) as { error?: { code: string; message: string; details?: { issues?: Array<{ path: string }> } } };
    return { status: res.status, code: payload.error?.code ?? 'ok', paths: payload.error?.details?.issues?.map((i) => i.path) ?? [] };
  };
  assert.deepEqual(await join({ roomId: room.id, code: 'WRONGCODE1', name: 'Eve' }), { status: 403, code: 'BAD_JOIN_CODE', paths: [] });
  assert.deepEqual(await join({ roomId: room.id, name: 'Eve' }), { status: 403, code: 'BAD_JOIN_CODE', paths: [] });
  assert.deepEqual(await join({ roomId: 'missing-room', code: joinCode, name: 'Eve' }), { status: 403, code: 'BAD_JOIN_CODE', paths: [] }, 'an unknown room answers like a wrong code: room ids cannot be probed');
  assert.deepEqual((await join({ roomId: room.id, code: joinCode, name: '' })).paths, ['body.name']);
  assert.deepEqual((await join({ roomId: 'bad id!', code: joinCode, name: 'Eve' })).paths, ['body.roomId']);
  assert.equal((await join({ roomId: room.id, code: joinCode, name: 'Ada' })).code, 'ok');
  assert.deepEqual(await join({ roomId: room.id, code: joinCode, name: 'Bob' }), { status: 409, code: 'ROOM_FULL', paths: [] });
  await server.admin(`/api/v1/admin/rooms/${room.id}/close`, { method: 'POST' });
  assert.deepEqual(await join({ roomId: room.id, code: 'WRONGCODE1', name: 'Carol' }), { status: 403, code: 'BAD_JOIN_CODE', paths: [] }, 'a closed room tells nothing to those who may not enter it');
  assert.deepEqual(await join({ roomId: room.id, code: joinCode, name: 'Carol' }), { status: 410, code: 'ROOM_CLOSED', paths: [] });

  const notJson = await fetch(`${server.url}/api/v1/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"roomId":' });
  assert.equal(notJson.status, 400);
  assert.deepEqual(((await notJson.json()) as { error: { code: string; message: string } }).error, { code: 'MALFORMED_REQUEST', message: 'The request body is not valid JSON', retryable: false });
  const empty = await fetch(`${server.url}/api/v1/join`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  assert.equal(empty.status, 400);
  const emptyError = ((await empty.json()) as { error: { code: string; message: string } }).error;
  assert.equal(emptyError.code, 'MALFORMED_REQUEST');
  assert.match(emptyError.message, /^The request body is empty: with Content-Type application\/json, send a JSON object/);
});

test('a guest who signs out leaves every room it does not own, as member_left events; a room it owns keeps it', async () => {
  await using server = await startServer();
  const { owner, room: owned, joinCode } = await ownedRoom(server, { name: 'Mine' });
  const visited = await server.createRoom({ name: 'Visited' });
  await server.joinRoom(visited.room.id, visited.joinCode, 'Owner', owner.token);
  const watcher = await server.member(visited.room.id, visited.joinCode, 'Watcher');
  await server.joinRoom(owned.id, joinCode, 'Watcher', watcher.token);

  assert.equal((await call(server.url, 'POST', '/api/v1/logout', owner.token)).status, 200);
  await watcher.client.next((f) => f.type === 'event' && (f.event as TimelineEvent).type === 'member_left');
  assert.deepEqual(watcher.client.events(visited.room.id).filter((e) => e.type === 'member_left').map((e) => e.senderId), [owner.user.id]);
  const membersOf = async (roomId: string) => ((await call(server.url, 'GET', `/api/v1/rooms/${roomId}/members`, watcher.token)).json.members as Array<{ userId: string }>).map((m) => m.userId);
  assert.equal((await membersOf(visited.room.id)).includes(owner.user.id), false, 'gone from the room it visited');
  assert.equal((await membersOf(owned.id)).includes(owner.user.id), true, 'still the owner of its own room');
});
