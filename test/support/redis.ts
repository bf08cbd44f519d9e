/**
 * Redis for engine tests: connections to the test server under a fresh key prefix (so test files
 * sharing the server never see each other's keys), removed with every key under it on dispose; and
 * a private `redis-server` process on a free port that a test may stop, restart or put behind a
 * proxy, for failure tests that must not disturb the shared server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RedisConnections } from '../../src/engines/redis-client.ts';

/** Connections under a unique prefix; `dispose` closes them and deletes the prefix's keys. */
export interface TestRedis extends AsyncDisposable {
  readonly prefix: string;
  /** Open another set of connections on the same server and prefix (another node). */
  connect(options?: { heartbeatMs?: number; url?: string }): Promise<RedisConnections>;
  dispose(): Promise<void>;
}

/** Connections to `url` under a fresh prefix. */
export async function testRedis(url: string): Promise<TestRedis> {
  const prefix = `parley-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const opened: RedisConnections[] = [];
  const dispose = async () => {
    await Promise.all(opened.map((c) => c.close()));
    await deleteKeys(url, prefix);
  };
  return {
    prefix,
    async connect(options = {}) {
      const connections = await RedisConnections.open({ url: options.url ?? url, prefix, heartbeatMs: options.heartbeatMs ?? 1000, onError: () => undefined });
      opened.push(connections);
      return connections;
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** Delete every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A `redis-server` of this test's own: stop it, start it again on the same port, or dispose it. */
export interface PrivateRedis extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Start a private redis-server (no persistence) on a free loopback port and wait until it answers. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => child?.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed? apt-get install redis-server): ${err.message}`))));
    await Promise.race([waitForPing(port), failed]);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, start, [Symbol.asyncDispose]: stop };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      redis.disconnect();
    }
  }
}
