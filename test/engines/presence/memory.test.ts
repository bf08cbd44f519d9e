/** The in-process Presence against the Presence contract (single node). */
import { MemoryPresence } from '../../../src/engines/presence/memory.ts';
import { presenceContract } from '../../contracts/presence.contract.ts';

presenceContract('memory', async () => ({ shared: false, node: async () => new MemoryPresence(), dispose: async () => undefined }));
