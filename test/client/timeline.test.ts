/**
 * The room timeline in the SDK (client/src/client.ts, rooms.ts, room-state.ts) against a scripted
 * server: every `event` push moves the room's last seq and is resumed from like messages were; edit,
 * delete, react and replies go out as the protocol's commands and are written again with the same
 * clientId until acked; the room's folded state follows the events; and a body or frame larger than
 * the server accepts is refused locally, so it never reaches the server to close the socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError, type RoomState, type TimelineEvent } from '../../client/src/index.ts';
import { FakeServer, eventPush, message, reply, type ClientFrame } from './fake-server.ts';
import { WS, until } from './sdk-test.ts';

function clientFor(options: Omit<ConstructorParameters<typeof ParleyClient>[0], 'WebSocket'>) {
  const client = new ParleyClient({ WebSocket: WS, backoffBaseMs: 5, backoffMaxMs: 20, ...options });
  const events: TimelineEvent[] = [];
  const messages: TimelineEvent[] = [];
  const states: RoomState[] = [];
  client.on('event', (e) => events.push(e));
  client.on('message', (m) => messages.push(m));
  client.on('roomState', ({ state }) => states.push(state));
  return Object.assign(client, { events, messages, states, [Symbol.dispose]: () => client.close() });
}

/** An ack for command `frame` as event `seq`. */
function ack(frame: ClientFrame, seq: number) {
  return { roomId: frame.roomId, clientId: frame.id, id: `e${seq}`, seq, createdAt: 1_700_000_000_000 + seq, duplicate: false };
}

const base = (seq: number, senderId = 'u2') => ({ id: `e${seq}`, roomId: 'room', seq, senderId, senderName: senderId, clientId: `c${seq}`, createdAt: 1_700_000_000_000 + seq });

test('every timeline event moves the room\'s last seq, the rejoin resumes from it, and the room state follows the events', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  const events: TimelineEvent[] = [
    { ...base(1, 'u3'), type: 'member_joined', userId: 'u3', name: 'Cy', role: 'member' },
    message('room', 2),
    { ...base(3), type: 'message_edited', target: 2, body: 'edited' },
    { ...base(4, 'u3'), type: 'reaction_added', target: 2, key: '👍' },
    { ...base(5, 'u9'), type: 'member_muted', userId: 'u3', until: 1_700_000_060_000 },
    { ...base(6, 'u9'), type: 'room_updated', name: 'New name' },
    { ...base(7, 'ops'), type: 'system', body: 'notice' },
  ];
  for (const event of events) server.push(eventPush(event));
  server.push(eventPush(events[3] as TimelineEvent)); // a repeat: dropped
  await until(() => client.lastSeq('room') === 7, 'every event');
  assert.deepEqual(client.events, events, 'each event once, in order');
  assert.deepEqual(client.messages.map((m) => m.seq), [2], 'the message emitter carries only messages');
  const state = client.roomState('room');
  assert.deepEqual(state?.messages.get(2), { ...message('room', 2), body: 'edited', editedAt: base(3).createdAt, reactions: [{ key: '👍', userIds: ['u3'] }] });
  assert.deepEqual(state?.members.get('u3'), { name: 'Cy', role: 'member', mutedUntil: 1_700_000_060_000 });
  assert.equal(state?.name, 'New name');
  assert.equal(client.states.at(-1), state, 'a roomState event carried the latest state');

  server.sockets.at(-1)?.terminate();
  const rejoin = await server.next((f) => f.type === 'join');
  assert.deepEqual([rejoin.since, rejoin.epoch], [7, 'e1'], 'resumed after the last event, whatever its type');
  // The replay continues the state held: a deletion of the edited message turns it into a tombstone.
  server.push(eventPush({ ...base(8, 'u9'), type: 'message_deleted', target: 2 }));
  await until(() => client.lastSeq('room') === 8, 'the replayed event');
  assert.deepEqual(client.roomState('room')?.messages.get(2), { ...message('room', 2), body: '', editedAt: base(3).createdAt, deletedAt: base(8).createdAt });
});

test('a hole in the event seqs is filled from history: every event type is delivered once, in order', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  const missing: TimelineEvent[] = [
    { ...base(2), type: 'reaction_added', target: 1, key: '👍' },
    { ...base(3, 'u4'), type: 'member_joined', userId: 'u4', name: 'Di', role: 'guest' },
  ];
  server.answer = (frame, socket) => (frame.type === 'history' ? reply(socket, frame, { events: missing, hasMore: false }) : answer(frame, socket));
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  server.push(eventPush(message('room', 1)));
  server.push(eventPush({ ...base(4), type: 'message_edited', target: 1, body: 'later' }));
  await until(() => client.events.length === 4, 'the events around the hole');
  assert.deepEqual(client.events.map((e) => [e.seq, e.type]), [[1, 'message'], [2, 'reaction_added'], [3, 'member_joined'], [4, 'message_edited']]);
  assert.deepEqual(client.roomState('room')?.messages.get(1)?.reactions, [{ key: '👍', userIds: ['u2'] }]);
});

test('edit, delete and react go out as the protocol\'s commands and resolve with their acks; send carries replyTo', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  let seq = 10;
  server.answer = (frame, socket) => (['send', 'edit', 'delete', 'react'].includes(frame.type) ? reply(socket, frame, ack(frame, ++seq)) : answer(frame, socket));
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');

  assert.equal((await client.send('room', 'answer', { replyTo: 3, clientId: 'send-1' })).seq, 11);
  assert.equal((await client.edit('room', 11, 'better answer', { clientId: 'edit-1' })).seq, 12);
  assert.equal((await client.react('room', 3, '🎉', undefined, { clientId: 'react-1' })).seq, 13);
  assert.equal((await client.react('room', 3, '🎉', false, { clientId: 'react-2' })).seq, 14);
  assert.equal((await client.delete('room', 11, { clientId: 'delete-1' })).seq, 15);
  const sent = server.frames.filter((f) => f.type !== 'join' && f.type !== 'ping');
  assert.deepEqual(sent, [
    { type: 'send', id: 'send-1', roomId: 'room', body: 'answer', replyTo: 3 },
    { type: 'edit', id: 'edit-1', roomId: 'room', target: 11, body: 'better answer' },
    { type: 'react', id: 'react-1', roomId: 'room', target: 3, key: '🎉', active: true },
    { type: 'react', id: 'react-2', roomId: 'room', target: 3, key: '🎉', active: false },
    { type: 'delete', id: 'delete-1', roomId: 'room', target: 11 },
  ]);
  const plain = await client.send('room', 'no reply');
  assert.equal(plain.seq, 16);
  assert.equal('replyTo' in (server.frames.at(-1) as object), false, 'no replyTo unless asked');
});

test('edit, delete and react survive a dropped socket: written again with the same clientId after the rejoin, until acked', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  let acking = false;
  server.answer = (frame, socket) => {
    if (!['edit', 'delete', 'react'].includes(frame.type)) return answer(frame, socket);
    if (acking) reply(socket, frame, ack(frame, 20 + server.frames.indexOf(frame)));
  };
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  const pending = [client.edit('room', 1, 'fixed'), client.delete('room', 2), client.react('room', 1, '👍')];
  await until(() => server.frames.filter((f) => ['edit', 'delete', 'react'].includes(f.type)).length === 3, 'the first writes');
  const firstIds = server.frames.filter((f) => ['edit', 'delete', 'react'].includes(f.type)).map((f) => f.id);

  acking = true;
  server.sockets.at(-1)?.terminate();
  const acks = await Promise.all(pending);
  const written = server.frames.filter((f) => ['edit', 'delete', 'react'].includes(f.type));
  assert.equal(written.length, 6, 'each written once per socket');
  assert.deepEqual(written.slice(3).map((f) => f.id), firstIds, 'the same clientIds');
  assert.deepEqual(acks.map((a) => a.clientId), firstIds);
  const rejoinIndex = server.frames.map((f) => f.type).lastIndexOf('join');
  assert.ok(server.frames.indexOf(written[3] as ClientFrame) > rejoinIndex, 'written again only once the room was rejoined');
});

test('a body over the server\'s message limit is refused locally with MESSAGE_TOO_LARGE naming the limit; nothing is written and the connection stays up', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  const framesBefore = server.frames.length;

  const refusedAt = (limit: number) => (err: unknown) => err instanceof ParleyError && err.code === 'MESSAGE_TOO_LARGE' && err.message.includes(`${limit} bytes`) && err.details?.limitBytes === limit;
  // The default is the server's PARLEY_MESSAGE_MAX_BYTES default, 16 KiB, counted in UTF-8 bytes.
  await assert.rejects(client.send('room', 'x'.repeat(16 * 1024 + 1)), refusedAt(16_384));
  await assert.rejects(client.send('room', 'é'.repeat(8 * 1024 + 1)), refusedAt(16_384), '2 bytes per é');
  await assert.rejects(client.edit('room', 1, '😀'.repeat(4 * 1024 + 1)), refusedAt(16_384), '4 bytes per emoji');
  assert.equal(server.frames.length, framesBefore, 'nothing written');

  const answer = server.answer;
  server.answer = (frame, socket) => (frame.type === 'send' ? reply(socket, frame, ack(frame, 1)) : answer(frame, socket));
  assert.equal((await client.send('room', 'x'.repeat(16 * 1024))).seq, 1, 'a body at the limit goes out');
  assert.equal(server.sockets.length, 1, 'the same socket throughout');
  assert.equal(client.state, 'open');
});

test('the limits come from the server\'s welcome (the options only until then): messageMaxBytes for bodies, frameMaxBytes for whole frames (PAYLOAD_TOO_LARGE, e.g. a body that JSON escaping inflates)', async () => {
  await using server = await FakeServer.start();
  server.limits = { messageMaxBytes: 100, frameMaxBytes: 1024 };
  using client = clientFor({ url: server.url, messageMaxBytes: 50_000, maxFrameBytes: 100_000 });
  assert.deepEqual(client.limits, { messageMaxBytes: 50_000, frameMaxBytes: 100_000 }, 'the options before the welcome');
  await client.connect();
  assert.deepEqual(client.limits, { messageMaxBytes: 100, frameMaxBytes: 1024 }, 'the server\'s once welcomed');
  await client.join('room');
  const framesBefore = server.frames.length;
  await assert.rejects(client.send('room', 'x'.repeat(101)), (err: unknown) => err instanceof ParleyError && err.code === 'MESSAGE_TOO_LARGE' && /100 bytes/.test(err.message));
  server.limits = { messageMaxBytes: 1024, frameMaxBytes: 1024 };
  using wide = clientFor({ url: server.url });
  await wide.connect();
  await wide.join('room');
  const framesBeforeWide = server.frames.length;
  // 200 control characters: 200 bytes of body, 1200 bytes once escaped as \u0001 in the frame.
  await assert.rejects(wide.send('room', '\u0001'.repeat(200)), (err: unknown) => err instanceof ParleyError && err.code === 'PAYLOAD_TOO_LARGE' && /1024 bytes/.test(err.message));
  assert.equal(server.frames.length, framesBeforeWide, 'nothing written');
  assert.equal(framesBeforeWide - framesBefore, 1, 'only the second client\'s join went out meanwhile');
  assert.equal(server.sockets.length, 2, 'no reconnect');
});

test('a socket the server closes with a retryable code (1001 going away) is reopened and the room resumed; the refused command never went out', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  server.push(eventPush(message('room', 1)));
  await until(() => client.lastSeq('room') === 1, 'the first event');
  await assert.rejects(client.send('room', 'y'.repeat(70_000)), (err: unknown) => err instanceof ParleyError && err.code === 'MESSAGE_TOO_LARGE');
  const rejoin = server.next((f) => f.type === 'join');
  server.sockets.at(-1)?.close(1001, 'going away');
  assert.equal((await rejoin).since, 1);
  assert.equal(server.frames.some((f) => f.type === 'send'), false);
});
