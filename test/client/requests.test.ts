/**
 * Commands awaiting replies (client/src/requests.ts): a send that lost its socket or its ack is
 * written again with the SAME clientId after reconnecting and stored once; sends made while offline
 * go out in order once the room is rejoined; a written command with no reply fails with TIMEOUT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError, type MessageEvent } from '../../client/src/index.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { FakeServer } from './fake-server.ts';
import { Link } from './link.ts';
import { WS, until } from './sdk-test.ts';

function clientFor(options: Omit<ConstructorParameters<typeof ParleyClient>[0], 'WebSocket'>): ParleyClient & Disposable {
  const client = new ParleyClient({ WebSocket: WS, backoffBaseMs: 5, backoffMaxMs: 20, ...options });
  return Object.assign(client, { [Symbol.dispose]: () => client.close() });
}

/** Every message of a room as stored, read over HTTP with a member's token. */
async function stored(server: TestServer, roomId: string, token: string): Promise<MessageEvent[]> {
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/messages?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: MessageEvent[] }).events.filter((e) => e.type === 'message');
}

test('a send whose ack was lost is written again with the same clientId after reconnecting, and stored once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  await using link = await Link.open(server.url);
  using ada = clientFor({ url: link.url, token, pingIntervalMs: 50, pongTimeoutMs: 150 });
  const received: MessageEvent[] = [];
  ada.on('message', (m) => received.push(m));
  await ada.connect();
  const base = (await ada.join(room.id)).room.lastSeq;

  // The send reaches the server and is stored, but its ack (and everything else) never comes back.
  link.dropReplies();
  const sending = ada.send(room.id, 'only once', { clientId: 'lost-ack-1' });
  await until(() => link.accepted === 2, 'the heartbeat to replace the link');
  const ack = await sending;
  assert.equal(ack.clientId, 'lost-ack-1');
  assert.equal(ack.duplicate, true, 'the server recognised the resend');
  assert.equal(ack.seq, base + 1);
  const messages = await stored(server, room.id, token);
  assert.deepEqual(messages.map((m) => [m.seq, m.clientId]), [[base + 1, 'lost-ack-1']]);
  await until(() => received.length === 1, 'the message, replayed on rejoin');
  assert.deepEqual(received.map((m) => m.clientId), ['lost-ack-1']);
});

test('sends made while offline go out in order once the room is rejoined; the same clientId twice is one message', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  await using link = await Link.open(server.url);
  using ada = clientFor({ url: link.url, token });
  await ada.connect();
  const base = (await ada.join(room.id)).room.lastSeq;

  link.refuse();
  link.cut();
  await until(() => ada.state === 'reconnecting', 'the client to notice the cut');
  const first = ada.send(room.id, 'one', { clientId: 'offline-1' });
  const second = ada.send(room.id, 'two', { clientId: 'offline-2' });
  const secondAgain = ada.send(room.id, 'two', { clientId: 'offline-2' });
  const third = ada.send(room.id, 'three');
  await until(() => link.accepted >= 3, 'a few refused attempts');
  link.refuse(false);

  const acks = await Promise.all([first, second, secondAgain, third]);
  assert.deepEqual(acks.map((a) => a.seq), [base + 1, base + 2, base + 2, base + 3]);
  assert.equal(acks[2]?.id, acks[1]?.id);
  const messages = await stored(server, room.id, token);
  assert.deepEqual(messages.map((m) => m.body), ['one', 'two', 'three']);
});

test('a command written but never answered fails with TIMEOUT; commands about a room not joined fail with NOT_JOINED', async () => {
  await using server = await FakeServer.start();
  const answer = server.answer;
  server.answer = (frame, socket) => frame.type !== 'history' && answer(frame, socket);
  using client = clientFor({ url: server.url, requestTimeoutMs: 50 });
  await client.connect();
  await client.join('room');
  await assert.rejects(client.history('room'), (err: unknown) => err instanceof ParleyError && err.code === 'TIMEOUT' && err.retryable);
  await assert.rejects(client.send('elsewhere', 'hi'), (err: unknown) => err instanceof ParleyError && err.code === 'NOT_JOINED');
  await assert.rejects(client.history('elsewhere'), (err: unknown) => err instanceof ParleyError && err.code === 'NOT_JOINED');
});

test('close() fails every waiting call with CONNECTION_LOST (the fake server never acks)', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  const sending = client.send('room', 'never acked');
  await server.next((f) => f.type === 'send');
  client.close();
  await assert.rejects(sending, (err: unknown) => err instanceof ParleyError && err.code === 'CONNECTION_LOST');
  assert.equal(client.state, 'closed');
});
