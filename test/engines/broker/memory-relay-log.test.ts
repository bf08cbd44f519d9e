/** The in-process RelayLog against the RelayLog contract (single node). */
import { MemoryRelayLog } from '../../../src/engines/broker/memory-relay-log.ts';
import { relayLogContract } from '../../contracts/relay-log.contract.ts';

relayLogContract('memory', async () => ({ shared: false, node: async (options) => new MemoryRelayLog(options), dispose: async () => undefined }));
