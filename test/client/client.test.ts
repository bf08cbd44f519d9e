/**
 * The SDK facade (client/src/client.ts) against a real server: connect, join, send and ack; the
 * typed events for typing, presence and read markers; errors as ParleyError with stable codes;
 * history paging; leave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError, type EventOf, type MessageEvent, type PresencePush, type ReadPush, type TypingPush } from '../../client/src/index.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { WS, until } from './sdk-test.ts';

/** Join `roomId` over HTTP as `name` and build a client with the session token; closed when its `using` block ends. */
async function member(server: TestServer, roomId: string, code: string | null, name: string) {
  const { token, user } = await server.joinRoom(roomId, code, name);
  const client = new ParleyClient({ url: server.url, token, WebSocket: WS });
  const messages: MessageEvent[] = [];
  client.on('message', (m) => messages.push(m));
  return Object.assign(client, { messages, token, userId: user.id, [Symbol.dispose]: () => client.close() });
}

test('connect, join, send: the ack carries the seq, and every member receives the message once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Lobby' });
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  assert.equal(ada.state, 'idle');
  const welcome = await ada.connect();
  assert.equal(welcome.user.name, 'Ada');
  assert.equal(ada.user?.id, ada.userId);
  assert.equal(ada.state, 'open');
  const joined = await ada.join(room.id);
  assert.equal(joined.resume, 'fresh');
  assert.equal(joined.room.name, 'Lobby');
  // join() before connect() waits for the connection.
  const bobJoined = bob.join(room.id);
  await bob.connect();
  assert.equal((await bobJoined).room.id, room.id);
  assert.equal(await ada.join(room.id), joined, 'joining a joined room answers at once');

  // Both joined over HTTP before: their member_joined events hold the first seqs.
  const base = joined.room.lastSeq;
  const ack = await ada.send(room.id, 'Hello Bob');
  assert.equal(ack.seq, base + 1);
  assert.equal(ack.duplicate, false);
  await until(() => bob.messages.length === 1 && ada.messages.length === 1, 'delivery to both');
  assert.deepEqual(bob.messages[0], ada.messages[0]);
  assert.equal(bob.messages[0]?.id, ack.id);
  assert.equal(bob.messages[0]?.senderName, 'Ada');
  assert.equal(bob.lastSeq(room.id), base + 1);
});

test('typing, presence and read markers reach the other members as events', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  const presence: PresencePush[] = [];
  const typing: TypingPush[] = [];
  const reads: ReadPush[] = [];
  ada.on('presence', (p) => presence.push(p));
  ada.on('typing', (t) => typing.push(t));
  ada.on('read', (r) => reads.push(r));
  await ada.connect();
  await ada.join(room.id);
  await bob.connect();
  const bobJoin = await bob.join(room.id);
  assert.deepEqual(bobJoin.members.filter((m) => m.online).map((m) => m.name).sort(), ['Ada', 'Bob']);
  await until(() => presence.some((p) => p.changes.some((c) => c.userId === bob.userId && c.online)), 'Bob online');

  bob.typing(room.id, true);
  await until(() => typing.some((t) => t.userId === bob.userId && t.active), 'Bob typing');
  assert.ok((typing[0]?.ttlMs ?? 0) > 0);

  const ack = await ada.send(room.id, 'read me');
  await until(() => bob.messages.length === 1, 'the message');
  assert.equal(await bob.markRead(room.id, ack.seq), ack.seq);
  await until(() => reads.some((r) => r.userId === bob.userId && r.seq === ack.seq), 'Bob’s read marker');

  bob.close();
  await until(() => presence.some((p) => p.changes.some((c) => c.userId === bob.userId && !c.online)), 'Bob offline');
});

test('online(roomId) holds who is online from the join and each presence push, one map per change; joined(roomId) follows the socket', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  assert.equal(ada.online(room.id).size, 0, 'nobody before the first join');
  assert.equal(ada.joined(room.id), false);
  await ada.connect();
  await ada.join(room.id);
  assert.equal(ada.joined(room.id), true);
  assert.deepEqual([...ada.online(room.id)], [[ada.userId, 'Ada']]);
  const alone = ada.online(room.id);
  await bob.connect();
  await bob.join(room.id);
  await until(() => ada.online(room.id).has(bob.userId), 'Bob online');
  assert.notEqual(ada.online(room.id), alone, 'a change is a new map');
  assert.equal(alone.size, 1, 'an earlier map is never changed');
  assert.deepEqual([...ada.online(room.id)].sort(), [[ada.userId, 'Ada'], [bob.userId, 'Bob']].sort());
  const both = ada.online(room.id);
  bob.close();
  await until(() => !ada.online(room.id).has(bob.userId), 'Bob offline');
  assert.equal(both.size, 2);
  await ada.leave(room.id);
  assert.equal(ada.joined(room.id), false);
  assert.equal(ada.online(room.id).size, 0, 'a left room is forgotten');
});

test('errors from the server reject with ParleyError and their stable code', async () => {
  await using server = await startServer({ PARLEY_MESSAGE_MAX_BYTES: '10' });
  const { room, joinCode } = await server.createRoom();
  const other = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  const errors: ParleyError[] = [];
  ada.on('error', (e) => errors.push(e));
  await ada.connect();
  const base = (await ada.join(room.id)).room.lastSeq;
  // The server's limit is below the SDK's default; its welcome announced it, so the SDK refuses the send itself.
  assert.deepEqual(ada.limits, { messageMaxBytes: 10, frameMaxBytes: 64 * 1024 });
  await assert.rejects(ada.send(room.id, 'far too long a message'), (err: unknown) => err instanceof ParleyError && err.code === 'MESSAGE_TOO_LARGE' && !err.retryable && err.details?.limitBytes === 10);
  // A room one is not a member of is not revealed: it answers like a room that does not exist.
  await assert.rejects(ada.join(other.room.id), (err: unknown) => err instanceof ParleyError && err.code === 'ROOM_NOT_FOUND');
  await assert.rejects(ada.join('no-such-room'), (err: unknown) => err instanceof ParleyError && err.code === 'ROOM_NOT_FOUND');
  await assert.rejects(ada.send(other.room.id, 'hi'), (err: unknown) => err instanceof ParleyError && err.code === 'NOT_JOINED');
  assert.equal((await ada.send(room.id, 'fits')).seq, base + 1, 'the connection stays usable');
  assert.deepEqual(errors, []);
});

test('history pages backwards by seq: the newest page first, then `before` the oldest seen', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  await ada.connect();
  // Ada's member_joined event holds the first seq(s); m1…m12 follow.
  const base = (await ada.join(room.id)).room.lastSeq;
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  for (let n = 1; n <= 12; n++) await ada.send(room.id, `m${n}`);
  const newest = await ada.history(room.id, { limit: 5 });
  assert.deepEqual(newest.events.map((m) => (m.type === 'message' ? m.body : m.type)), ['m8', 'm9', 'm10', 'm11', 'm12']);
  assert.equal(newest.hasMore, true);
  const older = await ada.history(room.id, { before: base + 8, limit: 5 });
  assert.deepEqual(older.events.map((m) => m.seq), range(base + 3, base + 7));
  const oldest = await ada.history(room.id, { before: base + 3, limit: 5 });
  assert.deepEqual(oldest.events.map((m) => m.seq), range(1, base + 2));
  assert.equal(oldest.events[0]?.type, 'member_joined', 'history carries every event type');
  assert.equal(oldest.hasMore, false);
  const newer = await ada.history(room.id, { after: base + 10 });
  assert.deepEqual(newer.events.map((m) => m.seq), [base + 11, base + 12]);
});

test('after leave(), the room’s messages stop arriving and commands about it fail with NOT_JOINED', async () => {
  await using server = await startServer();
  const first = await server.createRoom({ name: 'First' });
  const second = await server.createRoom({ name: 'Second' });
  using ada = await member(server, first.room.id, first.joinCode, 'Ada');
  using bob = await member(server, first.room.id, first.joinCode, 'Bob');
  await server.joinRoom(second.room.id, second.joinCode, 'Ada', ada.token);
  await server.joinRoom(second.room.id, second.joinCode, 'Bob', bob.token);
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.join(first.room.id), ada.join(second.room.id), bob.join(first.room.id), bob.join(second.room.id)]);
  await ada.send(first.room.id, 'one');
  await until(() => bob.messages.length === 1, 'the first message');

  await bob.leave(first.room.id);
  await assert.rejects(bob.send(first.room.id, 'after leaving'), (err: unknown) => err instanceof ParleyError && err.code === 'NOT_JOINED');
  await ada.send(first.room.id, 'two');
  // Sent after 'two' on the same connection: once Bob has it, 'two' would have arrived before it.
  await ada.send(second.room.id, 'marker');
  await until(() => bob.messages.length === 2, 'the marker');
  assert.deepEqual(bob.messages.map((m) => m.body), ['one', 'marker']);
});

test('moderation reaches the SDK as timeline events: a deletion as message_deleted (the state shows a tombstone), a mute as member_muted; a muted member\'s send rejects with MEMBER_MUTED', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  const deleted: Array<EventOf<'message_deleted'>> = [];
  const mutes: Array<EventOf<'member_muted'>> = [];
  bob.on('event', (event) => event.type === 'message_deleted' && deleted.push(event));
  ada.on('event', (event) => event.type === 'member_muted' && mutes.push(event));
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.join(room.id), bob.join(room.id)]);
  const ack = await ada.send(room.id, 'oops');
  await until(() => bob.messages.length === 1, 'the message');

  const res = await server.admin(`/api/v1/rooms/${room.id}/messages/${ack.seq}`, { method: 'DELETE' });
  assert.equal(res.status, 200);
  await until(() => deleted.length === 1, 'the deletion');
  assert.equal(deleted[0]?.target, ack.seq);
  const tombstone = bob.roomState(room.id)?.messages.get(ack.seq);
  assert.deepEqual([tombstone?.body, tombstone?.deletedAt], ['', deleted[0]?.createdAt]);
  const page = await bob.history(room.id);
  const stored = page.events.filter((e) => e.type === 'message');
  assert.deepEqual(stored.map((m) => [m.seq, m.body, m.deletedAt]), [[ack.seq, '', deleted[0]?.createdAt]]);

  const untilMs = Date.now() + 60_000;
  assert.equal((await server.admin(`/api/v1/rooms/${room.id}/members/${ada.userId}/mute`, { method: 'PUT', body: { until: untilMs } })).status, 200);
  await until(() => mutes.length === 1, 'the mute');
  assert.deepEqual([mutes[0]?.userId, mutes[0]?.until], [ada.userId, untilMs]);
  assert.equal(ada.roomState(room.id)?.members.get(ada.userId)?.mutedUntil, untilMs);
  await assert.rejects(ada.send(room.id, 'let me'), (err) => err instanceof ParleyError && err.code === 'MEMBER_MUTED' && err.details?.mutedUntil === untilMs);
});
