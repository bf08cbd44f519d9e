/**
 * The SDK against a real server: connect, join, send and ack; resume after the server drops the
 * socket with no gap and no duplicate; unacked sends resent with the same clientId and stored once;
 * the close-code rule; history paging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { ParleyClient, ParleyError, type Message } from '../../client/src/index.ts';
import { backoffDelay, type CloseInfo, type WebSocketConstructor } from '../../client/src/connection.ts';
import { startServer, type TestServer } from '../support/server.ts';

const WS = WebSocket as unknown as WebSocketConstructor;

async function clientFor(server: TestServer, roomId: string, code: string | null, name: string) {
  const { token } = await server.joinRoom(roomId, code, name);
  const client = new ParleyClient({ url: server.url, token, WebSocket: WS, backoffBaseMs: 20, backoffMaxMs: 100 });
  const messages: Message[] = [];
  client.on('message', (m) => messages.push(m));
  return { client, messages, token };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('connect, join, send: the ack carries the seq and every client receives the message once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await clientFor(server, room.id, joinCode, 'Ada');
  const bob = await clientFor(server, room.id, joinCode, 'Bob');
  const welcome = await ada.client.connect();
  assert.equal(welcome.user.name, 'Ada');
  await bob.client.connect();
  assert.equal((await ada.client.join(room.id)).resume, 'fresh');
  await bob.client.join(room.id);
  const ack = await ada.client.send(room.id, 'Hello Bob');
  assert.equal(ack.seq, 1);
  await until(() => bob.messages.length === 1 && ada.messages.length === 1, 'delivery');
  assert.equal(bob.messages[0]?.body, 'Hello Bob');
  assert.equal(bob.messages[0]?.id, ack.id);
  ada.client.close();
  bob.client.close();
});

test('after the server restarts, the client reconnects and resumes with every missed message once, in order', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const bob = await clientFor(server, room.id, joinCode, 'Bob');
  const { token: adaToken } = await server.joinRoom(room.id, joinCode, 'Ada');
  const ws = new ParleyClient({ url: server.url, token: bob.token, WebSocket: WS, backoffBaseMs: 20, backoffMaxMs: 100 });
  const got: Message[] = [];
  ws.on('message', (m) => got.push(m));
  await ws.connect();
  await ws.join(room.id);
  const post = (n: number) =>
    fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${adaToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ clientId: `m${n}`, body: `m${n}` }) });
  for (let n = 1; n <= 3; n++) await post(n);
  await until(() => got.length === 3, 'first messages');

  // Restart the server; messages are sent before the client got back.
  const states: string[] = [];
  ws.on('state', ({ state }) => states.push(state));
  const rejoined = new Promise<{ resume: string }>((resolve) => ws.on('joined', ({ result }) => resolve(result)));
  for (let n = 4; n <= 6; n++) await post(n);
  await server.stop();
  await until(() => states.includes('reconnecting'), 'the client to notice');
  await server.start();
  for (let n = 7; n <= 9; n++) await post(n);
  assert.equal((await rejoined).resume, 'replay');
  await post(10);
  await until(() => got.length === 10, 'all messages after resume');
  assert.deepEqual(got.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(states.includes('reconnecting') && states.at(-1) === 'open', states.join(','));
  ws.close();
  bob.client.close();
});

test('a send made while disconnected is sent after reconnect with the same clientId and stored once', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await clientFor(server, room.id, joinCode, 'Ada');
  await ada.client.connect();
  await ada.client.join(room.id);
  const reconnected = new Promise<void>((resolve) => ada.client.on('joined', () => resolve()));
  await server.stop();
  await until(() => ada.client.state === 'reconnecting', 'the client to notice');
  const pending = ada.client.send(room.id, 'sent while away', { clientId: 'away-1' });
  const again = ada.client.send(room.id, 'sent while away', { clientId: 'away-1' });
  await server.start();
  await reconnected;
  const [ack, ack2] = await Promise.all([pending, again]);
  assert.equal(ack.clientId, 'away-1');
  assert.equal(ack2.id, ack.id);
  const retried = await ada.client.send(room.id, 'sent while away', { clientId: 'away-1' });
  assert.equal(retried.duplicate, true);
  assert.equal(retried.id, ack.id);
  const page = await ada.client.history(room.id);
  assert.deepEqual(page.messages.map((m) => m.clientId), ['away-1']);
  ada.client.close();
});

test('close-code rule: a refused upgrade is retried with backoff, a terminal 4401 close stops the client for good', async () => {
  await using server = await startServer();
  const client = new ParleyClient({ url: server.url, token: 'not-a-session', WebSocket: WS, backoffBaseMs: 10, backoffMaxMs: 20 });
  // The upgrade is refused with HTTP 401 (abnormal close 1006, retryable), so the SDK keeps trying;
  // a terminal close code from the server (4401) must stop it for good.
  const states: string[] = [];
  client.on('state', ({ state }) => states.push(state));
  void client.connect().catch(() => undefined);
  await until(() => states.filter((s) => s === 'reconnecting').length >= 2, 'retries after a refused upgrade');
  client.close();
  assert.equal(client.state, 'closed');

  // A server that welcomes, then closes with the terminal 4401.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  let connections = 0;
  wss.on('connection', (socket) => {
    connections++;
    socket.send(JSON.stringify({ type: 'welcome', version: 1, connectionId: 'x', user: { id: 'u', name: 'U' }, heartbeatIntervalMs: 25_000 }));
    socket.close(4401, 'token expired');
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const terminal = new ParleyClient({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, WebSocket: WS, backoffBaseMs: 10, backoffMaxMs: 20 });
  const closed = new Promise<CloseInfo>((resolve) => terminal.on('state', ({ close }) => close && resolve(close)));
  await terminal.connect();
  assert.deepEqual(await closed, { code: 4401, reason: 'token expired', willReconnect: false });
  assert.equal(terminal.state, 'closed');
  assert.equal(connections, 1, 'no reconnect after a terminal code');
  await new Promise((resolve) => wss.close(resolve));
});

test('errors from the server reject with ParleyError and their stable code', async () => {
  await using server = await startServer({ PARLEY_MESSAGE_MAX_BYTES: '10' });
  const { room, joinCode } = await server.createRoom();
  const other = await server.createRoom();
  const ada = await clientFor(server, room.id, joinCode, 'Ada');
  await ada.client.connect();
  await ada.client.join(room.id);
  await assert.rejects(ada.client.send(room.id, 'far too long a message'), (err: unknown) => err instanceof ParleyError && err.code === 'MESSAGE_TOO_LARGE');
  await assert.rejects(ada.client.join(other.room.id), (err: unknown) => err instanceof ParleyError && err.code === 'NOT_MEMBER');
  ada.client.close();
});

test('history pages backwards by seq', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  const ada = await clientFor(server, room.id, joinCode, 'Ada');
  await ada.client.connect();
  await ada.client.join(room.id);
  await Promise.all(Array.from({ length: 12 }, (_, i) => ada.client.send(room.id, `m${i + 1}`)));
  const newest = await ada.client.history(room.id, { limit: 5 });
  assert.deepEqual(newest.messages.map((m) => m.seq), [8, 9, 10, 11, 12]);
  const older = await ada.client.history(room.id, { before: 8, limit: 5 });
  assert.deepEqual(older.messages.map((m) => m.seq), [3, 4, 5, 6, 7]);
  assert.equal(older.hasMore, true);
  ada.client.close();
});

test('backoff: the first retry is immediate, later ones grow with jitter up to the cap', () => {
  assert.equal(backoffDelay(0, 250, 10_000), 0);
  assert.equal(backoffDelay(1, 250, 10_000, () => 0.999), 249);
  assert.equal(backoffDelay(3, 250, 10_000, () => 0.5), 500);
  assert.equal(backoffDelay(20, 250, 10_000, () => 0.999), 9990);
  assert.equal(backoffDelay(5, 250, 10_000, () => 0), 0);
});
