/**
 * The SDK's connection (client/src/connection.ts): the backoff schedule, the close-code rule
 * (terminal codes stay closed, retryable ones reconnect), the heartbeat that notices a silent link,
 * and the server's `reconnect` push.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError, shouldReconnect, type CloseInfo, type ConnectionState } from '../../client/src/index.ts';
import { backoffDelay } from '../../client/src/connection.ts';
import { startServer } from '../support/server.ts';
import { FakeServer } from './fake-server.ts';
import { Link } from './link.ts';
import { WS, until } from './sdk-test.ts';

/** Resolve once `check()` holds, polling each turn of the event loop. */

/** A client over `ws`, closed when the `using` block that holds it ends (before the servers it talks to). */
function clientFor(options: Omit<ConstructorParameters<typeof ParleyClient>[0], 'WebSocket'>): ParleyClient & Disposable {
  const client = new ParleyClient({ WebSocket: WS, ...options });
  return Object.assign(client, { [Symbol.dispose]: () => client.close() });
}

function recordStates(client: ParleyClient): Array<{ state: ConnectionState; close?: CloseInfo }> {
  const states: Array<{ state: ConnectionState; close?: CloseInfo }> = [];
  client.on('state', (s) => states.push(s));
  return states;
}

test('backoff: the first retry is immediate, then the ceiling doubles per attempt up to the cap, with full jitter', () => {
  assert.equal(backoffDelay(0, 250, 10_000, () => 0.999), 0);
  assert.equal(backoffDelay(1, 250, 10_000, () => 0.999), 249);
  assert.equal(backoffDelay(2, 250, 10_000, () => 0.999), 499);
  assert.equal(backoffDelay(3, 250, 10_000, () => 0.5), 500);
  assert.equal(backoffDelay(30, 250, 10_000, () => 0.999), 9990);
  assert.equal(backoffDelay(5, 250, 10_000, () => 0), 0);
  for (let i = 0; i < 100; i++) assert.ok(backoffDelay(4, 250, 10_000) < 2000);
});

test('the reconnect rule: 1000, 1002, 1007, 1008, 1009 and 4000–4499 are terminal; 1001, 1006, 1011 and 4500–4599 are retried', () => {
  for (const code of [1000, 1002, 1007, 1008, 1009, 4401, 4403, 4409, 4429]) assert.equal(shouldReconnect(code), false, String(code));
  for (const code of [1001, 1006, 1011, 4500, 4501, 4503]) assert.equal(shouldReconnect(code), true, String(code));
});

test('a terminal close (4401) stops the client for good: no reconnect, and waiting calls fail with UNAUTHENTICATED', async () => {
  await using server = await FakeServer.start();
  server.answer = () => undefined; // never answers: the join stays pending until the close
  using client = clientFor({ url: server.url, backoffBaseMs: 5, backoffMaxMs: 10 });
  const states = recordStates(client);
  await client.connect();
  const joining = client.join('room');
  await server.next((f) => f.type === 'join');
  server.sockets[0]?.close(4401, 'session expired');
  await assert.rejects(joining, (err: unknown) => err instanceof ParleyError && err.code === 'UNAUTHENTICATED');
  assert.equal(client.state, 'closed');
  assert.deepEqual(states.at(-1), { state: 'closed', close: { code: 4401, reason: 'session expired', willReconnect: false } });
  assert.equal(server.sockets.length, 1, 'no second connection');
});

test('an upgrade the server refuses with 401 counts as terminal: connect() rejects with UNAUTHENTICATED after one attempt', async () => {
  await using server = await startServer();
  await using link = await Link.open(server.url);
  using client = clientFor({ url: link.url, token: 'not-a-session', backoffBaseMs: 5, backoffMaxMs: 10 });
  await assert.rejects(client.connect(), (err: unknown) => err instanceof ParleyError && err.code === 'UNAUTHENTICATED');
  assert.equal(client.state, 'closed');
  assert.equal(link.accepted, 1);
});

test('retryable closes (4500 slow consumer, 1011) reconnect and rejoin with since and epoch', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url, backoffBaseMs: 5, backoffMaxMs: 10 });
  const states = recordStates(client);
  await client.connect();
  await client.join('room');
  server.push({ type: 'event', event: { id: 'm1', roomId: 'room', seq: 1, senderId: 'u2', senderName: 'Bob', clientId: 'c1', type: 'message', body: 'hi', createdAt: 1 } });
  await until(() => client.lastSeq('room') === 1, 'the first message');

  const rejoin = server.next((f) => f.type === 'join');
  server.sockets[0]?.close(4500, 'slow consumer');
  assert.deepEqual({ ...(await rejoin), id: undefined }, { type: 'join', id: undefined, roomId: 'room', since: 1, epoch: 'e1' });
  const rejoinAgain = server.next((f) => f.type === 'join');
  server.sockets[1]?.close(1011, 'internal error');
  assert.equal((await rejoinAgain).since, 1);
  await until(() => client.state === 'open', 'open again');
  assert.equal(server.sockets.length, 3);
  assert.deepEqual(
    states.map((s) => s.state),
    ['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open'],
  );
  client.close();
  assert.equal(client.state, 'closed');
});

test('an unreachable server is retried with backoff until close()', async () => {
  const link = await Link.open('http://127.0.0.1:9');
  link.refuse();
  using client = clientFor({ url: link.url, backoffBaseMs: 5, backoffMaxMs: 20 });
  const states = recordStates(client);
  const connecting = client.connect();
  await until(() => link.accepted >= 4, 'several attempts');
  client.close();
  await assert.rejects(connecting, (err: unknown) => err instanceof ParleyError && err.code === 'CONNECTION_LOST');
  assert.ok(states.filter((s) => s.state === 'reconnecting').length >= 3);
  assert.equal(states.at(-1)?.state, 'closed');
  const attempts = link.accepted;
  await link.close();
  assert.equal(link.accepted, attempts, 'no attempt after close()');
});

test('each reconnecting state tells in how many ms the next attempt comes (the backoff), and reconnectNow() makes it at once', async () => {
  const link = await Link.open('http://127.0.0.1:9');
  link.refuse();
  using client = clientFor({ url: link.url, backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
  const states = recordStates(client);
  void client.connect().catch(() => undefined);
  await until(() => states.filter((s) => s.state === 'reconnecting').length >= 2, 'two failed attempts');
  const delays = states.filter((s) => s.state === 'reconnecting').map((s) => s.close?.retryInMs);
  assert.equal(delays[0], 0, 'the first retry is immediate');
  assert.ok(typeof delays[1] === 'number' && delays[1] >= 0 && delays[1] < 60_000, `then the backoff: ${delays[1]}`);
  const attempts = link.accepted;
  client.reconnectNow();
  await until(() => link.accepted > attempts, 'an attempt at once, not after up to a minute');
  client.close();
  await link.close();
});

test('the heartbeat notices a link that went silent without closing, and the client reconnects', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  await using link = await Link.open(server.url);
  using client = clientFor({ url: link.url, token, pingIntervalMs: 30, pongTimeoutMs: 100, backoffBaseMs: 5 });
  const states = recordStates(client);
  await client.connect();
  const { lastSeq } = (await client.join(room.id)).room;
  link.silence();
  await until(() => states.some((s) => s.state === 'reconnecting'), 'the heartbeat to give up on the silent link');
  await until(() => client.state === 'open', 'a new connection');
  assert.equal(link.accepted, 2);
  const ack = await client.send(room.id, 'still here');
  assert.equal(ack.seq, lastSeq + 1);
  client.close();
});

test('a `reconnect` push makes the client move to a new connection after `afterMs`', async () => {
  await using server = await FakeServer.start();
  using client = clientFor({ url: server.url });
  await client.connect();
  await client.join('room');
  const rejoin = server.next((f) => f.type === 'join');
  server.push({ type: 'reconnect', afterMs: 20 });
  await rejoin;
  await until(() => client.state === 'open', 'the new connection');
  assert.equal(server.sockets.length, 2);
  client.close();
});
