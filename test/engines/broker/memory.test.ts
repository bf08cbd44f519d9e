/** The in-process Broker against the Broker contract (single node). */
import { MemoryBroker } from '../../../src/engines/broker/memory.ts';
import { brokerContract } from '../../contracts/broker.contract.ts';

brokerContract('memory', async () => ({
  shared: false,
  node: async () => new MemoryBroker(),
  dispose: async () => undefined,
}));
