/**
 * Picks one engine per port from Config. Store: PostgreSQL when `DATABASE_URL` is set, else the
 * SQLite file under DATA_DIR. Broker, presence and relay log: in-process (the embedded defaults).
 * Scale-out engines plug in here, selected by configuration only.
 */
import type { Config } from '../config.ts';
import type { ChatPorts } from '../core/chat.ts';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore, sqliteFile } from './store/sqlite.ts';
import { openPostgresStore } from './store/postgres.ts';
import { MemoryBroker } from './broker/memory.ts';
import { MemoryRelayLog } from './broker/memory-relay-log.ts';
import { MemoryPresence } from './presence/memory.ts';

/**
 * Open the store configured by `config` (creating and migrating it).
 * @throws ParleyError `STORE_UNAVAILABLE` when the database cannot be opened or migrated.
 */
export function storeFromConfig(config: Config): Promise<Store> {
  const { databaseUrl, pgPoolMax, sqliteSynchronous, groupCommitMaxBatch, groupCommitWindowMs } = config.store;
  if (databaseUrl !== undefined) return openPostgresStore({ url: databaseUrl, poolMax: pgPoolMax, groupCommitMaxBatch, groupCommitWindowMs });
  return openSqliteStore({ file: sqliteFile(config.dataDir), synchronous: sqliteSynchronous, groupCommitMaxBatch, groupCommitWindowMs });
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

/** Build every port's engine from `config`. */
export async function enginesFromConfig(config: Config): Promise<ChatPorts> {
  return {
    store: await storeFromConfig(config),
    broker: new MemoryBroker(),
    presence: new MemoryPresence(),
    relayLog: new MemoryRelayLog(config.limits.relayBufferSize),
  };
}
