/**
 * Messages on the room timeline over real HTTP, observed on real WebSockets (issue 11; DESIGN.md,
 * Timeline): an author edits their own message within the edit window; the author or a moderator
 * of a higher role deletes it, leaving a tombstone; members react once per key; moderators read
 * earlier versions; owners and admins post system notices. Each change is the room's next event,
 * pushed to members and read back from history; every write is idempotent by clientId.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../../support/server.ts';
import type { Frame } from '../../support/ws-client.ts';
import { eventually } from '../../support/eventually.ts';
import { call, ownedRoom } from '../../support/api.ts';

type Ack = { roomId: string; clientId: string; id: string; seq: number; createdAt: number; duplicate: boolean };
type StoredMessage = { type: 'message'; seq: number; senderId: string; body: string; editedAt?: number; deletedAt?: number; reactions?: Array<{ key: string; userIds: string[] }> };
type Event = { type: string; seq: number; senderId: string; target?: number; body?: string; key?: string };

/** The timeline event `frame` pushes, if it is an `event` push. */
const pushed = (frame: Frame): Event | undefined => (frame.type === 'event' ? (frame.event as Event) : undefined);

/**
 * A room owned by a newcomer "Owner", with a moderator "Mod" (by invite) and members "Ada" and
 * "Bob" (by join code; Bob with a socket that joined the room).
 */
async function room(server: TestServer, options: { mod?: boolean } = {}) {
  const { owner, room: created, joinCode } = await ownedRoom(server, { name: 'Messages' });
  const invite = (await call(server.url, 'POST', `/api/v1/rooms/${created.id}/invites`, owner.token, { role: 'moderator' })).json.invite;
  const mod = options.mod === false ? undefined : await call(server.url, 'POST', '/api/v1/join', undefined, { roomId: created.id, invite, name: 'Mod' });
  const ada = await server.joinRoom(created.id, joinCode, 'Ada');
  const bob = await server.member(created.id, joinCode, 'Bob');
  return { roomId: created.id, owner, mod: { token: mod?.json.token as string, id: (mod?.json.user as { id: string } | undefined)?.id as string }, ada, bob };
}

/** The room's `message` events as they stand now, read as `token`. */
async function messages(server: TestServer, roomId: string, token: string): Promise<StoredMessage[]> {
  const res = await call(server.url, 'GET', `/api/v1/rooms/${roomId}/messages?after=0`, token);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return (res.json.events as Array<{ type: string }>).filter((e): e is StoredMessage => e.type === 'message');
}

/** Send `body` over HTTP as `token`; resolves the ack (201). */
async function send(server: TestServer, roomId: string, token: string, clientId: string, body: string): Promise<Ack> {
  const res = await call(server.url, 'POST', `/api/v1/rooms/${roomId}/messages`, token, { clientId, body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as unknown as Ack;
}

test('an author edits their own message within the window: the edit is the next event, pushed to members, history shows the latest body and editedAt; a retry answers the first ack; another member\'s edit is FORBIDDEN', async () => {
  await using server = await startServer();
  const { roomId, ada, bob } = await room(server);
  await using b = bob.client;
  const sent = await send(server, roomId, ada.token, 'm1', 'teh first');
  const path = `/api/v1/rooms/${roomId}/messages/${sent.seq}`;

  const edited = await call(server.url, 'PATCH', path, ada.token, { clientId: 'e1', body: 'the first' });
  assert.equal(edited.status, 201, JSON.stringify(edited.json));
  const ack = edited.json as unknown as Ack;
  assert.deepEqual(ack, { roomId, clientId: 'e1', id: ack.id, seq: sent.seq + 1, createdAt: ack.createdAt, duplicate: false });
  const event = pushed(await b.next((f) => pushed(f)?.type === 'message_edited'));
  assert.deepEqual([event?.seq, event?.senderId, event?.target, event?.body], [ack.seq, ada.user.id, sent.seq, 'the first']);

  const retried = await call(server.url, 'PATCH', path, ada.token, { clientId: 'e1', body: 'the first' });
  assert.deepEqual([retried.status, retried.json], [200, { ...ack, duplicate: true }], 'a retry with the same clientId answers the first ack');
  const byBob = await call(server.url, 'PATCH', path, bob.token, { clientId: 'e2', body: 'Bob was here' });
  assert.deepEqual([byBob.status, byBob.json.error?.code], [403, 'FORBIDDEN'], 'only the author edits');
  assert.equal((await call(server.url, 'PATCH', `/api/v1/rooms/${roomId}/messages/99`, ada.token, { clientId: 'e3', body: 'x' })).json.error?.code, 'NOT_FOUND');
  assert.equal((await call(server.url, 'PATCH', `/api/v1/rooms/${roomId}/messages/1`, ada.token, { clientId: 'e4', body: 'x' })).json.error?.code, 'NOT_FOUND', 'seq 1 is the owner\'s join, no message');

  const [stored] = await messages(server, roomId, bob.token);
  assert.deepEqual([stored?.seq, stored?.body, stored?.editedAt], [sent.seq, 'the first', ack.createdAt]);
  assert.equal(((await call(server.url, 'GET', `/api/v1/rooms/${roomId}`, bob.token)).json.room as { lastSeq: number }).lastSeq, ack.seq, 'refused edits took no seq');
});

test('with PARLEY_EDIT_WINDOW_MS set, an edit after the window is refused with EDIT_WINDOW_CLOSED and the body stays as sent', async () => {
  await using server = await startServer({ PARLEY_EDIT_WINDOW_MS: '100' });
  const { roomId, ada, bob } = await room(server, { mod: false });
  await bob.client.close();
  const sent = await send(server, roomId, ada.token, 'm1', 'as sent');
  await eventually('the edit window passed', 5000, () => Date.now() > sent.createdAt + 100);
  const late = await call(server.url, 'PATCH', `/api/v1/rooms/${roomId}/messages/${sent.seq}`, ada.token, { clientId: 'e1', body: 'too late' });
  assert.deepEqual([late.status, late.json.error?.code, late.json.error?.details?.editWindowMs], [403, 'EDIT_WINDOW_CLOSED', 100]);
  assert.deepEqual((await messages(server, roomId, ada.token)).map((m) => [m.body, m.editedAt]), [['as sent', undefined]]);
});

test('the author deletes their own message and a moderator a member\'s, each answering the deletion\'s Ack and pushing message_deleted; a member may not delete another\'s, nor a moderator the owner\'s (FORBIDDEN)', async () => {
  await using server = await startServer();
  const { roomId, owner, mod, ada, bob } = await room(server);
  await using b = bob.client;
  const byAda = await send(server, roomId, ada.token, 'a1', 'mine to take back');
  const byBob = await send(server, roomId, bob.token, 'b1', 'out of line');
  const byOwner = await send(server, roomId, owner.token, 'o1', 'from the owner');
  const del = (seq: number, token: string) => call(server.url, 'DELETE', `/api/v1/rooms/${roomId}/messages/${seq}`, token);

  const refused = await del(byAda.seq, bob.token);
  assert.deepEqual([refused.status, refused.json.error?.code], [403, 'FORBIDDEN'], 'a member may not delete another\'s message');
  assert.equal((await del(byOwner.seq, mod.token)).json.error?.code, 'FORBIDDEN', 'a moderator may not delete the owner\'s message');

  const own = await del(byAda.seq, ada.token);
  assert.equal(own.status, 200, JSON.stringify(own.json));
  const ownAck = own.json as unknown as Ack;
  assert.deepEqual([ownAck.roomId, ownAck.seq, ownAck.duplicate], [roomId, byOwner.seq + 1, false]);
  const moderated = await del(byBob.seq, mod.token);
  assert.equal(moderated.status, 200, JSON.stringify(moderated.json));
  const modAck = moderated.json as unknown as Ack;
  assert.equal(modAck.seq, ownAck.seq + 1);

  await b.waitForEvents(modAck.seq - bob.room.lastSeq, roomId);
  const deletions = b.events(roomId).filter((e) => e.type === 'message_deleted');
  assert.deepEqual(
    deletions.map((e) => [e.seq, e.senderId, 'target' in e ? e.target : undefined]),
    [
      [ownAck.seq, ada.user.id, byAda.seq],
      [modAck.seq, mod.id, byBob.seq],
    ],
  );
  assert.deepEqual(
    (await messages(server, roomId, owner.token)).map((m) => [m.seq, m.body, m.deletedAt]),
    [
      [byAda.seq, '', ownAck.createdAt],
      [byBob.seq, '', modAck.createdAt],
      [byOwner.seq, 'from the owner', undefined],
    ],
  );
});

test('a member reacts once per key: a second PUT answers 200 duplicate with the first seq; DELETE takes it back; both are pushed and shown in history', async () => {
  await using server = await startServer();
  const { roomId, ada, bob } = await room(server, { mod: false });
  await using b = bob.client;
  const sent = await send(server, roomId, ada.token, 'm1', 'react to me');
  const path = `/api/v1/rooms/${roomId}/messages/${sent.seq}/reactions/${encodeURIComponent('👍')}`;

  const first = await call(server.url, 'PUT', path, ada.token);
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const added = first.json as unknown as Ack;
  assert.deepEqual([added.seq, added.duplicate], [sent.seq + 1, false]);
  const again = await call(server.url, 'PUT', path, ada.token);
  assert.deepEqual([again.status, (again.json as unknown as Ack).seq, (again.json as unknown as Ack).duplicate], [200, added.seq, true], 'the first reaction\'s seq');
  const event = pushed(await b.next((f) => pushed(f)?.type === 'reaction_added'));
  assert.deepEqual([event?.seq, event?.senderId, event?.target, event?.key], [added.seq, ada.user.id, sent.seq, '👍']);
  assert.deepEqual((await messages(server, roomId, bob.token))[0]?.reactions, [{ key: '👍', userIds: [ada.user.id] }]);

  const removed = await call(server.url, 'DELETE', path, ada.token);
  assert.equal(removed.status, 200, JSON.stringify(removed.json));
  assert.equal((removed.json as unknown as Ack).seq, added.seq + 1, 'the next event: the duplicate took no seq');
  const gone = pushed(await b.next((f) => pushed(f)?.type === 'reaction_removed'));
  assert.deepEqual([gone?.seq, gone?.target, gone?.key], [added.seq + 1, sent.seq, '👍']);
  assert.equal((await messages(server, roomId, bob.token))[0]?.reactions, undefined);
  assert.equal((await call(server.url, 'DELETE', path, ada.token)).json.error?.code, 'NOT_FOUND', 'no reaction left to take back');
});

test('moderators and owners read the earlier bodies of an edited message; a member, the author included, gets FORBIDDEN', async () => {
  await using server = await startServer();
  const { roomId, owner, mod, ada, bob } = await room(server);
  await bob.client.close();
  const sent = await send(server, roomId, ada.token, 'm1', 'what I said first');
  const edit = await call(server.url, 'PATCH', `/api/v1/rooms/${roomId}/messages/${sent.seq}`, ada.token, { clientId: 'e1', body: 'what I meant' });
  assert.equal(edit.status, 201);
  const path = `/api/v1/rooms/${roomId}/messages/${sent.seq}/versions`;

  for (const token of [mod.token, owner.token]) {
    const read = await call(server.url, 'GET', path, token);
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.deepEqual(read.json, { versions: [{ body: 'what I said first', replacedAt: (edit.json as unknown as Ack).createdAt }] });
  }
  for (const token of [bob.token, ada.token]) {
    const refused = await call(server.url, 'GET', path, token);
    assert.deepEqual([refused.status, refused.json.error?.code], [403, 'FORBIDDEN']);
  }
  assert.deepEqual((await messages(server, roomId, bob.token)).map((m) => m.body), ['what I meant'], 'members see only the latest body');
});

test('owners and admins post system notices, idempotent by clientId, pushed to members as system events; a member gets FORBIDDEN', async () => {
  await using server = await startServer();
  const { roomId, owner, ada, bob } = await room(server, { mod: false });
  await using b = bob.client;
  const path = `/api/v1/rooms/${roomId}/system`;

  const posted = await call(server.url, 'POST', path, owner.token, { clientId: 's1', body: 'Maintenance at noon' });
  assert.equal(posted.status, 201, JSON.stringify(posted.json));
  const ack = posted.json as unknown as Ack;
  assert.deepEqual([ack.clientId, ack.seq, ack.duplicate], ['s1', bob.room.lastSeq + 1, false]);
  const event = pushed(await b.next((f) => pushed(f)?.type === 'system'));
  assert.deepEqual([event?.seq, event?.senderId, event?.body], [ack.seq, owner.user.id, 'Maintenance at noon']);

  const again = await call(server.url, 'POST', path, owner.token, { clientId: 's1', body: 'Maintenance at noon' });
  assert.deepEqual([again.status, again.json], [200, { ...ack, duplicate: true }]);
  const refused = await call(server.url, 'POST', path, ada.token, { clientId: 's2', body: 'I am the system' });
  assert.deepEqual([refused.status, refused.json.error?.code], [403, 'FORBIDDEN']);
  const byAdmin = await server.admin(path, { body: { clientId: 's3', body: 'From the operators' } });
  assert.equal(byAdmin.status, 201);

  const history = await call(server.url, 'GET', `/api/v1/rooms/${roomId}/messages?after=${ack.seq - 1}`, bob.token);
  assert.deepEqual(
    (history.json.events as Event[]).map((e) => [e.type, e.body]),
    [
      ['system', 'Maintenance at noon'],
      ['system', 'From the operators'],
    ],
    'once each, in order',
  );
});
