/**
 * Per-room resume (client/src/rooms.ts): after any drop, a client rejoins with `since`/`epoch` and
 * receives every message it missed exactly once, in order; a hole in the seq is filled from history
 * (or reported as a `gap`, never skipped silently); repeats are dropped; a `resync` hands over the
 * newest history page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, type GapPush, type JoinResult, type MessageEvent } from '../../client/src/index.ts';
import { startServer } from '../support/server.ts';
import { FakeServer, eventPush, message, reply, type ClientFrame } from './fake-server.ts';
import { Link } from './link.ts';
import { WS, until } from './sdk-test.ts';

/** A client over `ws` recording its messages and join results; closed when its `using` block ends. */
function clientFor(options: Omit<ConstructorParameters<typeof ParleyClient>[0], 'WebSocket'>) {
  const client = new ParleyClient({ WebSocket: WS, backoffBaseMs: 5, backoffMaxMs: 20, ...options });
  const messages: MessageEvent[] = [];
  const joins: JoinResult[] = [];
  client.on('message', (m) => messages.push(m));
  client.on('joined', ({ result }) => joins.push(result));
  return Object.assign(client, { messages, joins, [Symbol.dispose]: () => client.close() });
}

const seqs = (events: ReadonlyArray<{ seq: number }>) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('a client whose link drops mid-conversation resumes with every message another client sent meanwhile, once and in order', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const adaSession = await server.joinRoom(room.id, joinCode, 'Ada');
  const bobSession = await server.joinRoom(room.id, joinCode, 'Bob');
  await using link = await Link.open(server.url);
  using ada = clientFor({ url: server.url, token: adaSession.token });
  using bob = clientFor({ url: link.url, token: bobSession.token });
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.join(room.id), bob.join(room.id)]);
  // Their member_joined events hold the first seqs; the messages follow.
  const base = ada.lastSeq(room.id);

  // Bob's link is cut while he is receiving; Ada keeps sending through it all.
  const cut = bob.on('message', (m) => m.seq === base + 10 && link.cut());
  for (let n = 1; n <= 40; n++) await ada.send(room.id, `message ${n}`);
  cut();
  await until(() => bob.messages.length >= 40, 'Bob to catch up');
  assert.deepEqual(seqs(bob.messages), range(base + 1, base + 40));
  assert.deepEqual(bob.messages.map((m) => m.body), range(1, 40).map((n) => `message ${n}`));
  assert.equal(link.accepted, 2, 'Bob reconnected once');
  assert.deepEqual(bob.joins.map((j) => j.resume), ['fresh', 'replay']);
  assert.deepEqual(seqs(ada.messages), range(base + 1, base + 40));
});

test('after the server restarts, clients reconnect and resume: nothing missed, nothing twice', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const adaSession = await server.joinRoom(room.id, joinCode, 'Ada');
  const bobSession = await server.joinRoom(room.id, joinCode, 'Bob');
  using ada = clientFor({ url: server.url, token: adaSession.token });
  using bob = clientFor({ url: server.url, token: bobSession.token });
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.join(room.id), bob.join(room.id)]);
  const base = ada.lastSeq(room.id);
  for (let n = 1; n <= 3; n++) await ada.send(room.id, `before ${n}`);
  await until(() => bob.messages.length === 3, 'the first messages');

  await server.stop();
  await until(() => bob.state === 'reconnecting' && ada.state === 'reconnecting', 'both clients to notice');
  // Ada's sends wait for the server; they are written once she has rejoined.
  const sending = [4, 5, 6].map((n) => ada.send(room.id, `while down ${n}`));
  await server.start();
  assert.deepEqual((await Promise.all(sending)).map((a) => a.seq), [base + 4, base + 5, base + 6]);
  await ada.send(room.id, 'after');
  await until(() => bob.messages.length >= 7, 'Bob to catch up');
  assert.deepEqual(seqs(bob.messages), range(base + 1, base + 7));
  assert.equal(bob.joins.at(-1)?.resume, 'replay');
});

test('a client that missed more than the server replays gets a `resync` with the newest history page, then live messages', async () => {
  await using server = await startServer({ PARLEY_RESUME_MAX_MESSAGES: '5' });
  const { room, joinCode } = await server.createRoom();
  const adaSession = await server.joinRoom(room.id, joinCode, 'Ada');
  const bobSession = await server.joinRoom(room.id, joinCode, 'Bob');
  await using link = await Link.open(server.url);
  using ada = clientFor({ url: server.url, token: adaSession.token });
  using bob = clientFor({ url: link.url, token: bobSession.token, catchUpPageSize: 4 });
  const resyncs: Array<{ result: JoinResult; seqs: number[]; hasMore: boolean }> = [];
  bob.on('resync', ({ result, page }) => resyncs.push({ result, seqs: seqs(page.events), hasMore: page.hasMore }));
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.join(room.id), bob.join(room.id)]);
  const base = ada.lastSeq(room.id);
  await ada.send(room.id, 'one');
  await until(() => bob.messages.length === 1, 'the first message');

  link.refuse();
  link.cut();
  await until(() => bob.state === 'reconnecting', 'Bob to notice');
  for (let n = 2; n <= 12; n++) await ada.send(room.id, `missed ${n}`);
  link.refuse(false);
  await until(() => resyncs.length === 1, 'the resync');
  assert.equal(resyncs[0]?.result.resume, 'resync');
  assert.deepEqual(resyncs[0]?.seqs, range(base + 9, base + 12));
  assert.equal(resyncs[0]?.hasMore, true);
  assert.deepEqual(seqs(bob.messages), [base + 1], 'missed messages come in the page, not as message events');
  assert.equal(bob.lastSeq(room.id), base + 12);
  assert.deepEqual([...(bob.roomState(room.id)?.messages.keys() ?? [])], range(base + 9, base + 12), 'the room state starts over from the page');

  await ada.send(room.id, 'live again');
  await until(() => bob.messages.length === 2, 'the live message');
  assert.deepEqual(seqs(bob.messages), [base + 1, base + 13]);
  const older = await bob.history(room.id, { before: base + 9, limit: 10 });
  assert.deepEqual(seqs(older.events), range(Math.max(1, base - 1), base + 8));
});

test('a message after a hole is held until the hole is read from history; everything is delivered once, in order', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  let historyAsked: ClientFrame | undefined;
  server.answer = (frame, socket) => {
    if (frame.type !== 'history') return answer(frame, socket);
    historyAsked = frame;
    // While the hole is being read, a live message (5) and a repeat (4) arrive: they must wait.
    server.push(eventPush(message('room', 5)));
    server.push(eventPush(message('room', 4)));
    reply(socket, frame, { events: [message('room', 2), message('room', 3), message('room', 4)], hasMore: false });
  };
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  for (const seq of [1, 1, 4, 2]) server.push(eventPush(message('room', seq)));
  await until(() => client.messages.length === 5, 'all five messages');
  server.push(eventPush(message('room', 6)));
  await until(() => client.messages.length === 6, 'the next live message');
  assert.deepEqual(seqs(client.messages), range(1, 6));
  assert.equal(historyAsked?.after, 1);
  assert.equal(historyAsked?.roomId, 'room');
});

test('a hole history cannot fill is reported as a gap event, never skipped silently', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  server.answer = (frame, socket) => (frame.type === 'history' ? reply(socket, frame, { events: [], hasMore: false }) : answer(frame, socket));
  using client = clientFor({ url: server.url });
  const gaps: GapPush[] = [];
  client.on('gap', (g) => gaps.push(g));
  await client.connect();
  await client.join('room');
  server.push(eventPush(message('room', 1)));
  server.push(eventPush(message('room', 4)));
  await until(() => client.messages.length === 2, 'the messages around the hole');
  assert.deepEqual(seqs(client.messages), [1, 4]);
  assert.deepEqual(gaps, [{ type: 'gap', roomId: 'room', from: 2, to: 3 }]);
});

test('a relay `gap` push moves the room past the lost messages and surfaces as an event', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  const gaps: GapPush[] = [];
  client.on('gap', (g) => gaps.push(g));
  await client.connect();
  await client.join('room');
  server.push(eventPush(message('room', 1)));
  server.push({ type: 'gap', roomId: 'room', from: 2, to: 5 });
  server.push(eventPush(message('room', 6)));
  await until(() => client.messages.length === 2, 'the message after the gap');
  assert.deepEqual(seqs(client.messages), [1, 6]);
  assert.deepEqual(gaps, [{ type: 'gap', roomId: 'room', from: 2, to: 5 }]);
  assert.equal(server.frames.filter((f) => f.type === 'history').length, 0, 'no history read for a gap the server announced');
});

test('a relay `resync` push restarts the room in its new epoch: messages from seq 1 follow, and a rejoin resumes in that epoch', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  const restarts: unknown[] = [];
  client.on('restart', (r) => restarts.push(r));
  await client.connect();
  await client.join('room');
  for (const seq of [1, 2, 3]) server.push(eventPush(message('room', seq)));
  server.push({ type: 'resync', roomId: 'room', epoch: 'e2' });
  const renewed = [1, 2].map((seq) => ({ ...message('room', seq), id: `n${seq}`, clientId: `n${seq}`, body: `new ${seq}` }));
  for (const event of renewed) server.push(eventPush(event));
  await until(() => client.messages.length === 5, 'the messages of the new epoch');
  assert.deepEqual(seqs(client.messages), [1, 2, 3, 1, 2]);
  assert.deepEqual(restarts, [{ roomId: 'room', epoch: 'e2' }]);
  assert.deepEqual([...(client.roomState('room')?.messages.values() ?? [])], renewed, 'the room state holds the new epoch\'s messages only');
  assert.equal(server.frames.filter((f) => f.type === 'history').length, 0, 'nothing to read back: nothing was lost');
  server.sockets.at(-1)?.terminate();
  const rejoin = await server.next((f) => f.type === 'join');
  assert.deepEqual([rejoin.since, rejoin.epoch], [2, 'e2']);
});

test('a `member_removed` event removing this user surfaces as an event, and the room is not rejoined after a reconnect', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  const events: unknown[] = [];
  client.on('event', (event) => events.push(event));
  await client.connect();
  await client.join('room');
  await client.join('other');
  const removal = { type: 'member_removed', id: 'e1', roomId: 'room', seq: 1, senderId: 'u9', senderName: 'Mod', clientId: 's1', createdAt: 1, userId: 'u1' };
  server.push(eventPush(removal));
  await until(() => events.length === 1, 'the removal event');
  assert.deepEqual(events, [removal]);
  server.sockets.at(-1)?.terminate();
  const rejoin = await server.next((f) => f.type === 'join');
  assert.equal(rejoin.roomId, 'other', 'only the rooms still followed are rejoined');
});
