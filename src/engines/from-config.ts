/**
 * Picks one engine per port from Config. Today: SQLite store under DATA_DIR, in-process broker,
 * presence and relay log (the embedded defaults). Scale-out engines plug in here.
 */
import type { Config } from '../config.ts';
import type { ChatPorts } from '../core/chat.ts';
import { openSqliteStore, sqliteFile } from './store/sqlite.ts';
import { MemoryBroker } from './broker/memory.ts';
import { MemoryRelayLog } from './broker/memory-relay-log.ts';
import { MemoryPresence } from './presence/memory.ts';

/** Open the store configured by `config` (creating and migrating it). */
export function storeFromConfig(config: Config) {
  return openSqliteStore({ file: sqliteFile(config.dataDir), synchronous: config.store.sqliteSynchronous, groupCommitMaxBatch: config.store.groupCommitMaxBatch });
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
