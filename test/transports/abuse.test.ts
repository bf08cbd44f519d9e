/**
 * Abuse resistance of the WebSocket transport (issue: abuse resistance; DESIGN.md, Delivery path
 * step 1): what a hostile or broken client can send, and what it cannot do to the server or to its
 * neighbours. Every test talks to a real server over real sockets (raw TCP where the WebSocket
 * client library would refuse to misbehave) and ends by showing the server still serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import fc from 'fast-check';
import { startServer, type TestServer } from '../support/server.ts';
import { errorOf, type FrameError } from '../support/ws-client.ts';
import { eventually } from '../support/eventually.ts';
import { announces } from '../support/presence-changes.ts';
import { CLIENT_FRAMES, ERROR_CODES, type MessageEvent, type TimelineEvent } from '../../src/protocol/index.ts';

/** A newcomer in an open room over a raw client that joined it: the server still serves. */
async function assertServes(server: TestServer, roomId: string): Promise<void> {
  await using client = (await server.member(roomId, null, 'Afterwards')).client;
  const ack = await client.request({ type: 'send', id: `after-${randomBytes(4).toString('hex')}`, roomId, body: 'still here' });
  assert.equal(ack.error, undefined, JSON.stringify(ack));
  await client.next((f) => f.type === 'event' && (f.event as TimelineEvent).type === 'message' && (f.event as MessageEvent).body === 'still here');
  assert.equal((await fetch(`${server.url}/ready`)).status, 200);
}

/** Open a bare `ws` socket (no welcome awaited); rejects with the HTTP status when the upgrade is refused. */
function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}

/** The close code a socket ends with. */
function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

// Garbage must not pass for retained memory: memory is read after a full collection.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * This process's memory use (bytes) once garbage collection settled: collections are repeated (with
 * a turn of the event loop between, for buffers released in the background) until the heap and
 * buffers stop shrinking.
 */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  let last = Infinity;
  for (let pass = 0; pass < 10; pass++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
    const usage = process.memoryUsage();
    const held = usage.heapUsed + usage.external;
    if (held > last - 2 ** 20) return usage;
    last = held;
  }
  return process.memoryUsage();
}

/** The p-th percentile (0–100) of `values`. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

test('a flood from one connection is answered RATE_LIMITED, then closed with 4429, while a neighbour in the same room keeps its send→message round trip under 250 ms (p99)', async () => {
  // The defaults for rate and burst; a flood allowance large enough for the flood to last seconds.
  await using server = await startServer({ PARLEY_WS_FRAMES_PER_SECOND: '', PARLEY_WS_FRAME_BURST: '', PARLEY_WS_FLOOD_FRAMES: '2000' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  const flooder = (await server.member(room.id, null, 'Flooder')).client;
  const neighbour = (await server.member(room.id, null, 'Neighbour')).client;

  // The neighbour sends 10 messages a second (half its allowance) and times each until its own copy arrives.
  const samples: Array<{ startedAt: number; ms: number }> = [];
  let floodEndedAt = Infinity;
  const neighbourDone = (async () => {
    for (let i = 0; Date.now() < floodEndedAt + 500; i++) {
      const startedAt = Date.now();
      const started = performance.now();
      const from = neighbour.frames.length;
      neighbour.send({ type: 'send', id: `n${i}`, roomId: room.id, body: `neighbour ${i}` });
      await neighbour.next((f) => f.type === 'event' && (f.event as TimelineEvent).type === 'message' && (f.event as MessageEvent).clientId === `n${i}`, 5000, from);
      samples.push({ startedAt, ms: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (performance.now() - started))));
    }
  })();

  // The flooder sends 1,000 frames a second, 50 times its allowance, until it is cut off.
  const floodStartedAt = Date.now();
  let sent = 0;
  const flood = setInterval(() => {
    if (flooder.socket.readyState !== WebSocket.OPEN) return;
    for (let k = 0; k < 10; k++) flooder.send({ type: 'send', id: `f${sent++}`, roomId: room.id, body: 'flood '.repeat(100) });
  }, 10);
  const closed = await flooder.closeEvent;
  floodEndedAt = Date.now();
  clearInterval(flood);
  await neighbourDone;

  assert.equal(closed.code, 4429);
  const replies = flooder.frames.filter((f) => f.type === 'reply');
  const limited = replies.filter((f) => errorOf(f)?.code === 'RATE_LIMITED');
  const served = replies.filter((f) => f.error === undefined);
  assert.ok(limited.length >= 100, `refused frames were answered RATE_LIMITED first (${limited.length} of ${sent} sent)`);
  assert.ok(limited.every((f) => Number(errorOf(f)?.details?.retryAfterMs) > 0), 'each names retryAfterMs');
  const floodSeconds = (floodEndedAt - floodStartedAt) / 1000;
  assert.ok(served.length <= 60 + 20 * floodSeconds + 5, `at most the burst plus the rate were served (${served.length} in ${floodSeconds} s)`);

  const during = samples.filter((s) => s.startedAt >= floodStartedAt && s.startedAt < floodEndedAt).map((s) => s.ms);
  assert.ok(during.length >= 10, `the neighbour measured while the flood ran (${during.length} samples in ${floodSeconds} s)`);
  assert.ok(percentile(during, 99) < 250, `neighbour round trip p99 ${percentile(during, 99).toFixed(1)} ms (max ${Math.max(...during).toFixed(1)} ms)`);
  assert.deepEqual(neighbour.frames.filter((f) => errorOf(f) !== undefined), [], 'the neighbour was never refused');
  await neighbour.close();
  await assertServes(server, room.id);
});

test('connections per client address are capped per node (429) and the node\'s total is capped (503); sockets awaiting auth count, refused ones do not, and a closed one frees its place', async () => {
  await using server = await startServer({ PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS: '3', PARLEY_WS_MAX_CONNECTIONS: '5' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  // Refused upgrades hold no place, even while the client keeps its end of the connection open.
  const { hostname, port } = new URL(server.url);
  const sockets = await Promise.all(
    Array.from({ length: 5 }, () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true }, () => {
          socket.write(`GET /ws?token=forged HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        socket.setEncoding('utf8');
        socket.once('data', (answer: string) => (answer.startsWith('HTTP/1.1 401') ? resolve(socket) : reject(new Error(answer))));
        socket.on('error', () => undefined);
      }),
    ),
  );
  // Disposed before the server, which waits for every socket to close.
  await using halfOpen = { sockets, [Symbol.asyncDispose]: async () => sockets.forEach((socket) => socket.destroy()) };
  assert.equal(halfOpen.sockets.length, 5);
  const ada = await server.member(room.id, null, 'Ada');
  const waiting = [await openSocket(server.wsUrl), await openSocket(server.wsUrl)];
  await assert.rejects(openSocket(server.wsUrl), { status: 429 });
  const others = [await openSocket(server.wsUrl, { localAddress: '127.0.0.2' }), await openSocket(server.wsUrl, { localAddress: '127.0.0.2' })];
  await assert.rejects(openSocket(server.wsUrl, { localAddress: '127.0.0.3' }), { status: 503 });

  const first = waiting[0] as WebSocket;
  first.close();
  await closeCode(first);
  await eventually('a place is free again', 2000, () =>
    openSocket(server.wsUrl).then(
      (socket) => (socket.close(), true),
      () => false,
    ),
  );
  for (const socket of [...waiting, ...others]) socket.terminate();
  await ada.client.close();
});

test('an oversize frame closes the socket with 1009 even before it authenticated, and the server keeps serving', async () => {
  await using server = await startServer({ PARLEY_WS_MAX_FRAME_BYTES: '65536' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  const socket = await openSocket(server.wsUrl);
  const code = closeCode(socket);
  socket.send(JSON.stringify({ type: 'auth', token: 'x'.repeat(70_000) }));
  assert.equal(await code, 1009);
  await assertServes(server, room.id);
});

test('deeply nested JSON (10,000 levels) and huge JSON within the frame limit get stable error codes or are served, and the socket stays open', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Ada');
  const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
  const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);

  let from = client.frames.length;
  client.send(deepArray);
  assert.equal(errorOf(await client.next((f) => f.type === 'error', 5000, from))?.code, 'MALFORMED_FRAME');
  from = client.frames.length;
  client.send(deepObject);
  assert.equal(errorOf(await client.next((f) => f.type === 'error', 5000, from))?.code, 'UNKNOWN_FRAME_TYPE');
  client.send(`{"type":"send","id":"deep-body","roomId":"${room.id}","body":${deepArray}}`);
  assert.equal(errorOf(await client.next((f) => f.type === 'reply' && f.id === 'deep-body'))?.code, 'VALIDATION_FAILED');
  client.send(`{"type":"ping","id":"deep-extra","extra":${deepObject}}`);
  assert.deepEqual((await client.next((f) => f.type === 'reply' && f.id === 'deep-extra')).result, {}, 'unknown fields, however deep, are ignored');

  from = client.frames.length;
  client.send(`[${Array<string>(30_000).fill('1').join(',')}]`);
  assert.equal(errorOf(await client.next((f) => f.type === 'error', 5000, from))?.code, 'MALFORMED_FRAME');
  const wide: Record<string, unknown> = { type: 'send', id: 'wide', roomId: room.id, body: 'wide frame' };
  for (let i = 0; i < 5_000; i++) wide[`k${i}`] = i;
  assert.equal((await client.request(wide)).error, undefined, 'a frame with 5,000 unknown fields is a valid send');
  const long = await client.request({ type: 'send', id: 'long', roomId: room.id, body: 'x'.repeat(60_000) });
  assert.equal(errorOf(long)?.code, 'MESSAGE_TOO_LARGE');
  assert.equal(client.socket.readyState, WebSocket.OPEN);
  assert.deepEqual((await client.request({ type: 'ping' })).result, {});
  await client.close();
  await assertServes(server, room.id);
});

test('a text frame that is not UTF-8 closes the socket with 1007, and the server keeps serving', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Ada');
  client.socket.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  assert.equal((await client.closeEvent).code, 1007);
  await assertServes(server, room.id);
});

test('binary frames of any size within the limit get MALFORMED_FRAME and the socket stays open', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Ada');
  for (const size of [0, 1, 1024, 60_000]) {
    const from = client.frames.length;
    client.socket.send(randomBytes(size), { binary: true });
    assert.equal(errorOf(await client.next((f) => f.type === 'error', 5000, from))?.code, 'MALFORMED_FRAME', `${size} bytes`);
  }
  assert.deepEqual((await client.request({ type: 'ping' })).result, {});
  await client.close();
});

test('a frame that breaks WebSocket framing (unmasked) closes the connection with 1002', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { hostname, port } = new URL(server.url);
  const code = await new Promise<number>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(received.toString()));
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // FIN + text, no MASK bit: "hi"
      }
      // A close frame: opcode 8, then the payload length, then the code.
      if (received.length >= 4 && (received[0]! & 0x0f) === 0x8) resolve(received.readUInt16BE(2));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without a close frame')));
  });
  assert.equal(code, 1002);
  await assertServes(server, room.id);
});

test('permessage-deflate is off by default: an offer is declined', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Ada');
  assert.equal(client.socket.extensions, '', 'the ws client offers permessage-deflate; the server declines');
  await client.close();
});

test('with PARLEY_WS_COMPRESSION=on, a compression bomb (16 MiB inflating from a few KiB) closes with 1009 and the server stays healthy; compressed frames within the limit are served', async () => {
  await using server = await startServer({ PARLEY_WS_COMPRESSION: 'on', PARLEY_WS_MAX_FRAME_BYTES: '65536' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Ada');
  assert.match(client.socket.extensions, /permessage-deflate/);
  const ack = await client.request({ type: 'send', id: 'compressed', roomId: room.id, body: 'y'.repeat(10_000) });
  assert.equal(ack.error, undefined, 'a compressed frame within the limit is served');

  let wireBytes = 0;
  const tcp = (client.socket as unknown as { _socket: { bytesWritten: number } })._socket;
  const before = tcp.bytesWritten;
  client.send({ type: 'send', id: 'bomb', roomId: room.id, body: 'a'.repeat(16 * 1024 * 1024) });
  const closed = await client.closeEvent;
  wireBytes = tcp.bytesWritten - before;
  assert.ok(wireBytes < 65_536, `the bomb was ${wireBytes} bytes on the wire, under the frame limit`);
  assert.equal(closed.code, 1009);
  await assertServes(server, room.id);
});

test('10,000 random frames (JSON values, command shapes with wrong types, random bytes) get stable error codes or are valid commands; nothing crashes and the server serves afterwards', async () => {
  await using server = await startServer();
  const { room } = await server.createRoom({ joinRule: 'open' });
  const { client } = await server.member(room.id, null, 'Fuzzer');
  const seed = Date.now();
  const types = [...Object.keys(CLIENT_FRAMES), 'teleport', ''];
  const fields = ['id', 'roomId', 'body', 'since', 'epoch', 'before', 'after', 'limit', 'seq', 'active', 'token', 'clientId', 'target', 'key', 'replyTo'];
  const command = fc
    .tuple(fc.constantFrom(...types), fc.dictionary(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), fc.boolean())
    .map(([type, values, withId]) => JSON.stringify({ type, ...values, ...(withId ? { id: 'set below' } : {}) }));
  const frame = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    command,
    fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ maxLength: 200 }),
  );
  const frames = fc.sample(frame, { numRuns: 10_000, seed });

  const expectReplies = new Set<string>();
  let expectPushes = 0;
  for (const [i, raw] of frames.entries()) {
    if (Buffer.isBuffer(raw)) {
      client.socket.send(raw, { binary: true });
      expectPushes++;
      continue;
    }
    let text = raw;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    // A usable id (what the server echoes: a string of 1–64 characters) is made unique, so each answer can be matched.
    const usableId = object !== undefined && typeof object.id === 'string' && object.id.length > 0 && object.id.length <= 64;
    if (object !== undefined && usableId) text = JSON.stringify({ ...object, id: `fz${i}` });
    const parsed = object === undefined ? undefined : CLIENT_FRAMES[object.type as keyof typeof CLIENT_FRAMES]?.safeParse(usableId ? { ...object, id: `fz${i}` } : object);
    const valid = parsed?.success === true;
    if (!valid && usableId) expectReplies.add(`fz${i}`);
    else if (!valid) expectPushes++;
    client.send(text);
    if (i % 500 === 499) await client.request({ type: 'ping', id: `barrier${i}` }, 20_000);
  }

  const replied = new Set<string>();
  const context = `seed ${seed}`;
  await eventually(`every invalid frame with an id answered (${context})`, 20_000, () => {
    for (const f of client.frames) if (f.type === 'reply' && f.id !== undefined && f.error !== undefined) replied.add(f.id);
    return [...expectReplies].every((id) => replied.has(id));
  });
  await eventually(`an error push for every invalid frame without an id (${context})`, 20_000, () => client.frames.filter((f) => f.type === 'error').length >= expectPushes);
  const errors = client.frames.map(errorOf).filter((e): e is FrameError => e !== undefined);
  const known = new Set<string>(ERROR_CODES);
  assert.deepEqual(errors.filter((e) => !known.has(e.code)), [], `every error has a catalogued code (${context})`);
  assert.deepEqual(errors.filter((e) => e.code === 'INTERNAL'), [], `no frame caused an internal error (${context})`);
  assert.ok(expectReplies.size > 1000 && expectPushes > 1000, `the sample exercised both kinds of answer (${expectReplies.size} replies, ${expectPushes} pushes)`);
  assert.equal(client.socket.readyState, WebSocket.OPEN, `the socket is still open (${context})`);
  await client.close();
  await assertServes(server, room.id);
});

test('a consumer that never reads is closed with 4500 and the server\'s memory stays bounded while 200 MiB flow through its room', async () => {
  const messageBytes = 512 * 1024;
  await using server = await startServer({ PARLEY_MESSAGE_MAX_BYTES: String(messageBytes), PARLEY_WS_MAX_FRAME_BYTES: String(2 * messageBytes), PARLEY_RELAY_BUFFER_SIZE: '1' });
  const { room } = await server.createRoom({ joinRule: 'open', kind: 'relay' });
  const sleeper = await server.member(room.id, null, 'Sleeper');
  const sender = await server.joinRoom(room.id, null, 'Sender');
  sleeper.client.socket.pause();

  const body = 'z'.repeat(messageBytes);
  const total = 400;
  const before = await settledMemory();
  for (let i = 0; i < total; i++) {
    const res = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: `big-${i}`, body }),
    });
    assert.equal(res.status, 201);
    await res.arrayBuffer();
  }
  // Still unread: whatever the server keeps for the sleeper is still held. RSS also carries the
  // allocator's fragmentation (tens of MiB here, with or without a sleeper), hence the generous
  // bound; the JavaScript heap and buffers are measured exactly.
  const after = await settledMemory();
  const sentMiB = (total * messageBytes) / 2 ** 20;
  const rssMiB = (after.rss - before.rss) / 2 ** 20;
  const heldMiB = (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20;
  assert.ok(rssMiB < 150, `RSS grew by ${rssMiB.toFixed(0)} MiB while ${sentMiB} MiB were sent to a reader that never read`);
  assert.ok(heldMiB < 64, `heap and buffers grew by ${heldMiB.toFixed(0)} MiB while ${sentMiB} MiB were sent to a reader that never read`);

  sleeper.client.socket.resume();
  assert.equal((await sleeper.client.closeEvent).code, 4500);
  const got = sleeper.client.messages(room.id).length;
  assert.ok(got * messageBytes < 32 * 2 ** 20, `the server held back at most its buffer limit plus the kernel's (${got} messages reached the sleeper)`);
  await assertServes(server, room.id);
});

test('a connection joins at most PARLEY_WS_MAX_ROOMS rooms: the next join is TOO_MANY_ROOMS, and leaving one frees its place', async () => {
  await using server = await startServer({ PARLEY_WS_MAX_ROOMS: '3' });
  const rooms = await Promise.all([1, 2, 3, 4].map(() => server.createRoom({ joinRule: 'open' })));
  const first = rooms[0]!.room.id;
  const ada = await server.member(first, null, 'Ada');
  for (const { room } of rooms.slice(1)) await server.joinRoom(room.id, null, 'Ada', ada.token);
  for (const { room } of rooms.slice(1, 3)) assert.equal((await ada.client.request({ type: 'join', roomId: room.id })).error, undefined);
  const fourth = rooms[3]!.room.id;
  assert.equal(errorOf(await ada.client.request({ type: 'join', roomId: fourth }))?.code, 'TOO_MANY_ROOMS');
  assert.equal((await ada.client.request({ type: 'leave', roomId: first })).error, undefined);
  assert.equal((await ada.client.request({ type: 'join', roomId: fourth })).error, undefined);
  assert.equal(ada.client.socket.readyState, WebSocket.OPEN);
  await ada.client.close();
});

test('a socket that stops answering pings is closed with 4501 within two heartbeat periods, and its member is no longer online', async () => {
  await using server = await startServer({ PARLEY_HEARTBEAT_INTERVAL_MS: '1000' });
  const { room } = await server.createRoom({ joinRule: 'open' });
  const watcher = await server.member(room.id, null, 'Watcher');
  const joined = await server.joinRoom(room.id, null, 'Silent');
  const silent = new WebSocket(`${server.wsUrl}?token=${encodeURIComponent(joined.token)}`, { autoPong: false });
  const code = closeCode(silent);
  await new Promise((resolve) => silent.once('open', resolve));
  silent.send(JSON.stringify({ type: 'join', id: 'j', roomId: room.id }));
  await watcher.client.next(announces(joined.user.id, true));
  const openedAt = Date.now();
  assert.equal(await code, 4501);
  assert.ok(Date.now() - openedAt < 3000, `closed ${Date.now() - openedAt} ms after going silent`);
  await watcher.client.next(announces(joined.user.id, false), 5000);
  await watcher.client.close();
});
