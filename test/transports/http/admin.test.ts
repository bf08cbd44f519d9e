/**
 * `/api/v1/admin/rooms…`: only the admin credential (or an admin principal) gets in; rooms are
 * created with a policy and a join code shown once, listed, read, closed and their codes rotated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../support/server.ts';

test('admin routes refuse requests without the admin token or with a wrong one (401), and a non-admin session (403)', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const session = await server.joinRoom(room.id, joinCode, 'Ada');
  for (const authorization of [undefined, 'Bearer wrong', `Bearer ${server.adminToken}x`, server.adminToken]) {
    const res = await fetch(`${server.url}/api/v1/admin/rooms`, { headers: authorization === undefined ? {} : { authorization } });
    assert.equal(res.status, 401, String(authorization));
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  }
  const res = await fetch(`${server.url}/api/v1/admin/rooms`, { headers: { authorization: `Bearer ${session.token}` } });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
});

test('an admin creates, lists, reads, closes rooms and rotates join codes', async () => {
  await using server = await startServer();
  const created = await server.admin('/api/v1/admin/rooms', { body: { name: 'Support', kind: 'relay', maxMembers: 5, id: 'support-1' } });
  assert.equal(created.status, 201);
  const { room, joinCode } = (await created.json()) as { room: Record<string, unknown>; joinCode: string };
  assert.deepEqual({ ...room, createdAt: 0, epoch: '' }, { id: 'support-1', name: 'Support', kind: 'relay', maxMembers: 5, joinRule: 'code', e2ee: false, createdAt: 0, closedAt: null, epoch: '', lastSeq: 0 });
  assert.match(joinCode, /^[A-Z2-9]{10}$/);

  const duplicate = await server.admin('/api/v1/admin/rooms', { body: { name: 'Again', id: 'support-1' } });
  assert.equal(duplicate.status, 400);
  const invalid = await server.admin('/api/v1/admin/rooms', { body: { name: 'X', kind: 'weird' } });
  assert.equal(((await invalid.json()) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]?.path, 'body.kind');

  const open = (await (await server.admin('/api/v1/admin/rooms', { body: { name: 'Open', joinRule: 'open' } })).json()) as { joinCode: null; room: { id: string } };
  assert.equal(open.joinCode, null);

  const list = (await (await server.admin('/api/v1/admin/rooms')).json()) as { rooms: Array<{ id: string }> };
  assert.deepEqual(list.rooms.map((r) => r.id).sort(), [open.room.id, 'support-1'].sort());
  assert.equal((await server.admin('/api/v1/admin/rooms/support-1')).status, 200);
  assert.equal((await server.admin('/api/v1/admin/rooms/nope')).status, 404);

  const rotated = (await (await server.admin('/api/v1/admin/rooms/support-1/join-code', { method: 'POST' })).json()) as { joinCode: string };
  assert.notEqual(rotated.joinCode, joinCode);
  await assert.rejects(server.joinRoom('support-1', joinCode, 'Old code'), /403/);
  await server.joinRoom('support-1', rotated.joinCode, 'New code');

  const closed = (await (await server.admin('/api/v1/admin/rooms/support-1/close', { method: 'POST' })).json()) as { room: { closedAt: number | null } };
  assert.ok(typeof closed.room.closedAt === 'number');
  const again = (await (await server.admin('/api/v1/admin/rooms/support-1/close', { method: 'POST' })).json()) as { room: { closedAt: number | null } };
  assert.equal(again.room.closedAt, closed.room.closedAt, 'closing is idempotent');
});

test('the admin token acts as the admin even when the request also carries a member\'s session cookie', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const session = await server.joinRoom(room.id, joinCode, 'Ada');
  const headers = { authorization: `Bearer ${server.adminToken}`, cookie: `parley_session=${session.token}` };
  const closed = await fetch(`${server.url}/api/v1/admin/rooms/${room.id}/close`, { method: 'POST', headers });
  assert.equal(closed.status, 200, await closed.clone().text());
  assert.notEqual(((await closed.json()) as { room: { closedAt: number | null } }).room.closedAt, null);
  const audit = await fetch(`${server.url}/api/v1/admin/audit?roomId=${room.id}`, { headers });
  assert.equal(audit.status, 200);
  assert.ok(((await audit.json()) as { entries: Array<{ action: string }> }).entries.some((e) => e.action === 'room_closed'));
});
