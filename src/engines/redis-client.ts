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
  /** Per connection: a PING awaiting its answer, and how many beats it has not been ready for. */
  readonly #beat = new Map<Role, { pinging: boolean; notReadyBeats: number; wasReady: boolean }>();
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
    for (const [role, connection] of [['command', this.command], ['subscriber', this.subscriber]] as const) {
      this.#beat.set(role, { pinging: false, notReadyBeats: 0, wasReady: false });
      connection.on('error', (err) => options.onError(err, `redis ${role} connection`));
      connection.on('ready', () => {
        const beat = this.#beat.get(role);
        if (beat === undefined) return;
        const again = beat.wasReady;
        beat.wasReady = true;
        beat.notReadyBeats = 0;
        if (again) for (const listener of this.#readyListeners) listener(role);
      });
    }
    this.#timer = setInterval(() => this.#heartbeat(), options.heartbeatMs);
    this.#timer.unref();
  }

  /** Whether both connections are ready and answered their last heartbeat in time. */
  get healthy(): boolean {
    for (const [role, connection] of [['command', this.command], ['subscriber', this.subscriber]] as const) {
      if (connection.status !== 'ready' || this.#beat.get(role)?.notReadyBeats !== 0) return false;
    }
    return true;
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
    for (const [role, connection] of [['command', this.command], ['subscriber', this.subscriber]] as const) {
      const beat = this.#beat.get(role);
      if (beat === undefined) continue;
      if (connection.status !== 'ready') {
        // Stuck half-way (e.g. connected to a blackholed address, waiting forever for the ready check).
        beat.notReadyBeats += 1;
        if (beat.notReadyBeats >= 2 && (connection.status === 'connect' || connection.status === 'connecting')) {
          beat.notReadyBeats = 0;
          connection.disconnect(true);
        }
        continue;
      }
      if (beat.pinging) {
        beat.pinging = false;
        beat.notReadyBeats = 1;
        connection.disconnect(true);
        continue;
      }
      beat.pinging = true;
      connection.ping().then(
        () => {
          beat.pinging = false;
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
