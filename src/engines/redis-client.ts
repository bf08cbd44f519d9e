/**
 * The Redis connections shared by the Redis engines (Broker, Presence, RelayLog, Counters): one for
 * commands and one in subscriber mode for the Broker, both to `REDIS_URL`, under one key prefix.
 *
 * Failing fast (issue: scale-out). Commands are never queued while a connection is down and time
 * out after two heartbeats, so a caller gets `BROKER_UNAVAILABLE` at once instead of hanging or
 * being answered late. A heartbeat PINGs both connections every `heartbeatMs`; a connection whose
 * PING is still unanswered at the next beat, or that has not become ready within two beats, is
 * dropped and reconnected. So a silent partition (packets blackholed, nothing reset) is noticed
 * within two heartbeats, not when TCP keepalive gives up minutes later.
 *
 * `onReady` listeners learn when a connection is ready again after being lost (the Broker then
 * subscribes its rooms again and reports an interruption).
 */
import { Redis } from 'ioredis';
import { ParleyError } from '../protocol/errors.ts';

/** Options of {@link RedisConnections}. */
export interface RedisOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (config `REDIS_URL`). */
  readonly url: string;
  /** Prefix of every key and channel, so several deployments (or test runs) can share a server. */
  readonly prefix: string;
  /** Heartbeat period in ms (config `PARLEY_REDIS_HEARTBEAT_MS`). */
  readonly heartbeatMs: number;
  /** Called with connection errors (they are also reflected in `healthy`); for the log. */
  readonly onError: (err: unknown, context: string) => void;
}

type Role = 'command' | 'subscriber';

/** One connection with its role and heartbeat state. */
interface Link {
  readonly role: Role;
  readonly connection: Redis;
  /** A PING is awaiting its answer. */
  pinging: boolean;
  /** Beats for which the connection has not been ready. */
  notReadyBeats: number;
  /** The connection has been ready at least once. */
  wasReady: boolean;
}

/** Scripts defined so far in this process (each gets a unique command name). */
let scripts = 0;

/** Wrap a Redis failure in `BROKER_UNAVAILABLE` (retryable); ParleyErrors pass unchanged. */
export function redisUnavailable(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('BROKER_UNAVAILABLE', undefined, { cause: err });
}

/** The two connections, their heartbeat and readiness. Create with {@link RedisConnections.open}. */
export class RedisConnections {
  readonly command: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly #heartbeatMs: number;
  readonly #timer: NodeJS.Timeout;
  /** Both connections, command first, each with its heartbeat state. */
  readonly #links: readonly Link[];
  readonly #readyListeners: Array<(role: Role) => void> = [];
  #closed = false;

  /**
   * Connect both and wait until they are ready.
   * @throws ParleyError `BROKER_UNAVAILABLE` naming the server (never the password) when either is
   *   not ready within two heartbeats (at least 2 s).
   */
  static async open(options: RedisOptions): Promise<RedisConnections> {
    const connections = new RedisConnections(options);
    const deadlineMs = Math.max(2000, 2 * options.heartbeatMs);
    try {
      await Promise.all([connections.#whenReady(connections.command, deadlineMs), connections.#whenReady(connections.subscriber, deadlineMs)]);
      return connections;
    } catch (err) {
      await connections.close();
      const reason = err instanceof Error ? err.message : String(err);
      throw new ParleyError('BROKER_UNAVAILABLE', `Cannot reach Redis at ${redact(options.url)}: ${reason}`, { cause: err });
    }
  }

  private constructor(options: RedisOptions) {
    this.prefix = options.prefix;
    this.#heartbeatMs = options.heartbeatMs;
    const common = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 2 * options.heartbeatMs,
      connectTimeout: 2 * options.heartbeatMs,
      autoResubscribe: false,
      // Reconnect soon, then every half heartbeat at most: readiness comes back quickly after an outage.
      retryStrategy: (attempt: number) => Math.min(50 * attempt, Math.max(100, options.heartbeatMs / 2)),
    };
    this.command = new Redis(options.url, { ...common, connectionName: 'parley-command' });
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'parley-subscriber' });
    this.#links = ([['command', this.command], ['subscriber', this.subscriber]] as const).map(([role, connection]) => ({ role, connection, pinging: false, notReadyBeats: 0, wasReady: false }));
    for (const link of this.#links) {
      link.connection.on('error', (err) => options.onError(err, `redis ${link.role} connection`));
      link.connection.on('ready', () => {
        const again = link.wasReady;
        link.wasReady = true;
        link.notReadyBeats = 0;
        if (again) for (const listener of this.#readyListeners) listener(link.role);
      });
    }
    this.#timer = setInterval(() => this.#heartbeat(), options.heartbeatMs);
    this.#timer.unref();
  }

  /** Whether both connections are ready and answered their last heartbeat in time. */
  get healthy(): boolean {
    return this.#links.every((link) => link.connection.status === 'ready' && link.notReadyBeats === 0);
  }

  /** Register a listener for "this connection is ready again after being lost". */
  onReady(listener: (role: Role) => void): void {
    this.#readyListeners.push(listener);
  }

  /**
   * Define a Lua script on the command connection (sent by SHA after its first use) and return its
   * caller: `(…keys, …args)`, with the first `numberOfKeys` arguments being keys.
   * The caller rejects with `BROKER_UNAVAILABLE` on any failure.
   */
  script(lua: string, numberOfKeys: number): (...keysAndArgs: string[]) => Promise<unknown> {
    const name = `parleyScript${++scripts}`;
    this.command.defineCommand(name, { numberOfKeys, lua });
    const run = (this.command as unknown as Record<string, (...keysAndArgs: string[]) => Promise<unknown>>)[name] as (...keysAndArgs: string[]) => Promise<unknown>;
    return (...keysAndArgs) => run.apply(this.command, keysAndArgs).catch((err: unknown) => Promise.reject(redisUnavailable(err)));
  }

  /** Resolves when Redis answers a PING on the command connection. @throws ParleyError `BROKER_UNAVAILABLE`. */
  async ping(): Promise<void> {
    try {
      await this.command.ping();
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  /** Stop the heartbeat and close both connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#readyListeners.length = 0;
    await Promise.all([this.command, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  #heartbeat(): void {
    for (const link of this.#links) {
      const { connection } = link;
      if (connection.status !== 'ready') {
        // Stuck half-way (e.g. connected to a blackholed address, waiting forever for the ready check).
        link.notReadyBeats += 1;
        if (link.notReadyBeats >= 2 && (connection.status === 'connect' || connection.status === 'connecting')) {
          link.notReadyBeats = 0;
          connection.disconnect(true);
        }
        continue;
      }
      if (link.pinging) {
        link.pinging = false;
        link.notReadyBeats = 1;
        connection.disconnect(true);
        continue;
      }
      link.pinging = true;
      connection.ping().then(
        () => {
          link.pinging = false;
        },
        () => undefined,
      );
    }
  }

  #whenReady(connection: Redis, deadlineMs: number): Promise<void> {
    if (connection.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`not ready within ${deadlineMs} ms`));
      }, deadlineMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        connection.off('ready', onReady);
      };
      connection.on('ready', onReady);
    });
  }
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured REDIS_URL';
  }
}
