/**
 * A TCP forwarder for failure tests, in front of one or more servers:
 * - as a load balancer, each new connection goes to the next backend in turn that accepts it, so
 *   clients of a killed node reconnect to a live one (what an L4 balancer does);
 * - `blackhole()` silently drops every byte both ways on the connections it holds and on new ones,
 *   without closing anything (a silent network partition: nothing is reset, nothing arrives);
 * - `cut()` resets every connection and refuses new ones (the server is down or unreachable);
 * - `restore()` ends either: new connections are forwarded again, partitioned ones are closed.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  blackhole(): void;
  cut(): void;
  restore(): void;
  /** Replace the backends (ports on 127.0.0.1). */
  setBackends(ports: readonly number[]): void;
  close(): Promise<void>;
}

/** Start a proxy on a free loopback port forwarding to `backends` (ports on 127.0.0.1). */
export async function startTcpProxy(backends: readonly number[]): Promise<TcpProxy> {
  let targets = [...backends];
  let next = 0;
  let mode: 'forward' | 'blackhole' | 'cut' = 'forward';
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();

  const forward = (client: Socket, attempt = 0): void => {
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode === 'cut') return void client.destroy();
    if (mode === 'blackhole') return void client.pause(); // accepted, then silence
    const port = targets[next++ % Math.max(1, targets.length)];
    if (port === undefined) return void client.destroy();
    const upstream = connect({ host: '127.0.0.1', port });
    pair.upstream = upstream;
    let connected = false;
    upstream.on('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', () => {
      if (connected) return;
      // The backend refused: try the next one, as a balancer's health check would.
      pairs.delete(pair);
      client.removeAllListeners('close');
      if (attempt + 1 < targets.length) forward(client, attempt + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      if (connected) client.destroy();
    });
  };

  const server: Server = createServer((client) => forward(client));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const proxy: TcpProxy = {
    port,
    blackhole() {
      mode = 'blackhole';
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    cut() {
      mode = 'cut';
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream?.destroy();
      }
    },
    restore() {
      mode = 'forward';
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream?.destroy();
      }
    },
    setBackends(ports) {
      targets = [...ports];
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]() {
      return proxy.close();
    },
  };
  return proxy;
}
