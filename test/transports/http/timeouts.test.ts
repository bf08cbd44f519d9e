/**
 * Slow-request limits really fire, and header limits hold (issue: abuse resistance; DESIGN.md rule 7):
 * a client that never finishes its headers (slowloris) or its body is cut off within the configured
 * timeouts; oversized headers get 431 and headers past the count are not read. Raw TCP sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startServer, type TestServer } from '../../support/server.ts';

/** Open a raw TCP connection to the server; `onConnect` writes the first bytes. */
function open(server: TestServer, onConnect: (socket: Socket) => void): Socket {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname, () => onConnect(socket));
  socket.on('error', () => undefined);
  return socket;
}

/** Drip `line` every `everyMs` after `first`, and resolve with how long the server kept the socket and what it answered. */
function dripUntilClosed(server: TestServer, first: string, line: string, everyMs: number, giveUpMs: number): Promise<{ afterMs: number; answer: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = open(server, (s) => s.write(first));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const drip = setInterval(() => socket.writable && socket.write(line), everyMs);
    const giveUp = setTimeout(() => (clearInterval(drip), socket.destroy(), reject(new Error(`socket still open after ${giveUpMs} ms`))), giveUpMs);
    socket.on('close', () => (clearInterval(drip), clearTimeout(giveUp), resolve({ afterMs: Date.now() - started, answer })));
  });
}

/** Send `raw` (a whole request) and resolve with the status line of the answer. */
function statusOf(server: TestServer, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = open(server, (s) => s.write(raw));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) {
        resolve(answer.slice(0, answer.indexOf('\r\n')));
        socket.destroy();
      }
    });
    socket.on('close', () => reject(new Error(`closed without a status line: ${JSON.stringify(answer)}`)));
  });
}

test('a socket that sends headers too slowly (slowloris) is closed within PARLEY_HTTP_HEADERS_TIMEOUT_MS, checked four times per timeout', async () => {
  await using server = await startServer({ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '1000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '5000' });
  const { afterMs } = await dripUntilClosed(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 100, 4000);
  assert.ok(afterMs >= 900 && afterMs < 2000, `closed after ${afterMs} ms`);
});

test('a request whose body trickles in is answered 408 and closed within PARLEY_HTTP_REQUEST_TIMEOUT_MS', async () => {
  await using server = await startServer({ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '1000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '1500' });
  const head = 'POST /api/v1/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{';
  const { afterMs, answer } = await dripUntilClosed(server, head, ' ', 100, 5000);
  assert.ok(afterMs >= 1400 && afterMs < 3000, `closed after ${afterMs} ms`);
  assert.match(answer, /^HTTP\/1\.1 408 /);
});

test('headers larger than PARLEY_HTTP_MAX_HEADER_BYTES get 431', async () => {
  await using server = await startServer({ PARLEY_HTTP_MAX_HEADER_BYTES: '4096' });
  assert.match(await statusOf(server, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`), / 200 /);
  assert.match(await statusOf(server, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`), / 431 /);
});

test('a request with more headers than PARLEY_HTTP_MAX_HEADERS gets 431, wherever its credential is', async () => {
  await using server = await startServer({ PARLEY_HTTP_MAX_HEADERS: '20' });
  const junk = (n: number) => Array.from({ length: n }, (_, i) => `X-Junk-${i}: ${i}\r\n`).join('');
  const auth = `Authorization: Bearer ${server.adminToken}\r\n`;
  const rooms = (headers: string) => statusOf(server, `GET /api/v1/admin/rooms HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  assert.match(await rooms(auth + junk(18)), / 200 /, '20 headers are read');
  assert.match(await rooms(auth + junk(19)), / 431 /, '21 are refused');
  assert.match(await rooms(junk(30) + auth), / 431 /);
});
