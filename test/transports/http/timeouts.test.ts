/** Slow-request limits really fire: a client that never finishes its headers is cut off within seconds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer } from '../../support/server.ts';

test('a socket that sends headers too slowly is closed within about 10 s (headersTimeout, checked every second)', async () => {
  await using server = await startServer();
  const { hostname, port } = new URL(server.url);
  const started = Date.now();
  const closedAfterMs = await new Promise<number>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 500);
    socket.on('error', () => undefined);
    socket.on('close', () => (clearInterval(drip), resolve(Date.now() - started)));
    setTimeout(() => (clearInterval(drip), socket.destroy(), reject(new Error('socket still open after 14 s'))), 14_000).unref();
  });
  assert.ok(closedAfterMs >= 9_000 && closedAfterMs < 13_000, `closed after ${closedAfterMs} ms`);
});
