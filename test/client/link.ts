/**
 * A TCP proxy between an SDK client and a real server, to break the network the way real networks
 * break: cut every connection (both ends see a close), go silent (bytes vanish, no close: only a
 * heartbeat notices), drop only the server's answers (a send arrives, its ack never does), or refuse
 * new connections (the client keeps retrying). The server itself keeps running throughout.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly server: Socket;
  /** `pass`: both ways; `up-only`: the server's bytes are dropped; `silent`: nothing passes. */
  mode: 'pass' | 'up-only' | 'silent';
}

export class Link implements AsyncDisposable {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #refusing = false;
  /** Connections accepted so far (refused ones included). */
  accepted = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listen on a free port and forward to `target` (`http://host:port`). */
  static async open(target: string): Promise<Link> {
    const { hostname, port } = new URL(target);
    const server = createServer();
    const link = new Link(server);
    server.on('connection', (client) => link.#accept(client, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  /** Base URL to give the client instead of the server's. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Connections currently forwarded. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Destroy every current connection: the client and the server both see it close. */
  cut(): void {
    for (const pair of this.#pairs) pair.client.destroy();
  }

  /** From now on, current connections forward nothing and never close (a dead path). */
  silence(): void {
    for (const pair of this.#pairs) pair.mode = 'silent';
  }

  /** From now on, current connections carry the client's bytes but drop the server's. */
  dropReplies(): void {
    for (const pair of this.#pairs) pair.mode = 'up-only';
  }

  /** Refuse (reset) new connections until called with false. */
  refuse(refusing = true): void {
    this.#refusing = refusing;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #accept(client: Socket, host: string, port: number): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.#refusing) return void client.resetAndDestroy();
    const server = connect(port, host);
    server.on('error', () => undefined);
    const pair: Pair = { client, server, mode: 'pass' };
    this.#pairs.add(pair);
    client.on('data', (data) => void (pair.mode !== 'silent' && server.write(data)));
    server.on('data', (data) => void (pair.mode === 'pass' && client.write(data)));
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', end);
    server.on('close', end);
  }
}
