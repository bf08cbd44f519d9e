/**
 * Picks one engine per port from Config, by configuration only (DESIGN.md, Ports):
 * - Store: PostgreSQL when `DATABASE_URL` is set, else the SQLite file under DATA_DIR;
 * - Broker, Presence, RelayLog, Counters: Redis when `REDIS_URL` is set, else in-process.
 * The embedded defaults need nothing installed; several nodes need PostgreSQL and Redis.
 */
import type { Config } from '../config.ts';
import type { ChatPorts } from '../core/chat.ts';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore, sqliteFile } from './store/sqlite.ts';
import { openPostgresStore } from './store/postgres.ts';
import { MemoryBroker } from './broker/memory.ts';
import { MemoryRelayLog } from './broker/memory-relay-log.ts';
import { MemoryPresence } from './presence/memory.ts';
import { MemoryCounters } from './counters/memory.ts';
import { RedisConnections } from './redis-client.ts';
import { RedisBroker } from './broker/redis.ts';
import { RedisRelayLog } from './broker/redis-relay-log.ts';
import { RedisPresence } from './presence/redis.ts';
import { RedisCounters } from './counters/redis.ts';
import type { OnCommit } from './store/group-commit.ts';

/** Every port's engine, what readiness checks they need, and how to close them. */
export interface Engines extends ChatPorts {
  /** One check per external dependency (`store`, `redis`): resolves when it answers, rejects with why not. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  /** Close every engine, the store last (it flushes pending writes). */
  close(): Promise<void>;
}

/** What the engines report to, for metrics; every hook is optional. */
export interface EngineObserver {
  readonly onError?: (err: unknown, context: string) => void;
  readonly storeCommit?: OnCommit;
  readonly brokerPublish?: (ms: number, ok: boolean) => void;
}

/**
 * Open the store configured by `config` (creating and migrating it).
 * @throws ParleyError `STORE_UNAVAILABLE` when the database cannot be opened or migrated.
 */
export function storeFromConfig(config: Config, observer: EngineObserver = {}): Promise<Store> {
  const { databaseUrl, pgPoolMax, sqliteSynchronous, groupCommitMaxBatch, groupCommitWindowMs } = config.store;
  const onCommit = observer.storeCommit;
  if (databaseUrl !== undefined) return openPostgresStore({ url: databaseUrl, poolMax: pgPoolMax, groupCommitMaxBatch, groupCommitWindowMs, onCommit });
  return openSqliteStore({ file: sqliteFile(config.dataDir), synchronous: sqliteSynchronous, groupCommitMaxBatch, groupCommitWindowMs, onCommit });
}

/** Where the configured store lives, for messages: the SQLite file, or the PostgreSQL server and database (never the password). */
export function describeStore(config: Config): string {
  const url = config.store.databaseUrl;
  if (url === undefined) return `SQLite database ${sqliteFile(config.dataDir)}`;
  try {
    const { hostname, port, pathname } = new URL(url);
    return `PostgreSQL database ${pathname.slice(1) || '(default)'} on ${hostname || 'localhost'}${port === '' ? '' : `:${port}`}`;
  } catch {
    return 'PostgreSQL database of DATABASE_URL';
  }
}

/**
 * Build every port's engine from `config`. `observer.onError` receives background connection errors
 * (logged); its other hooks feed the metrics.
 * @throws ParleyError `STORE_UNAVAILABLE` or `BROKER_UNAVAILABLE` when a configured dependency is unreachable.
 */
export async function enginesFromConfig(config: Config, observer: EngineObserver = {}): Promise<Engines> {
  const onError = observer.onError ?? (() => undefined);
  const store = await storeFromConfig(config, observer);
  const { url, prefix, heartbeatMs } = config.redis;
  const relayOptions = { bufferSize: config.limits.relayBufferSize, ttlMs: config.limits.relayTtlMs, dedupeWindowMs: config.limits.relayDedupeWindowMs };
  if (url === undefined) {
    const broker = new MemoryBroker();
    const presence = new MemoryPresence();
    const counters = new MemoryCounters();
    return {
      store,
      broker,
      presence,
      counters,
      relayLog: new MemoryRelayLog(relayOptions),
      checks: { store: () => store.ping() },
      async close() {
        await Promise.all([broker.close(), presence.close(), counters.close()]);
        await store.close();
      },
    };
  }
  let redis: RedisConnections;
  try {
    redis = await RedisConnections.open({ url, prefix, heartbeatMs, onError });
  } catch (err) {
    await store.close();
    throw err;
  }
  const broker = new RedisBroker(redis, observer.brokerPublish);
  return {
    store,
    broker,
    presence: new RedisPresence(redis),
    counters: new RedisCounters(redis),
    relayLog: new RedisRelayLog(redis, relayOptions),
    checks: {
      store: () => store.ping(),
      redis: async () => {
        if (!redis.healthy) throw new Error('a Redis connection is down or missed its heartbeat');
        await redis.ping();
      },
    },
    async close() {
      await broker.close();
      await redis.close();
      await store.close();
    },
  };
}
