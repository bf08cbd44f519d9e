/** The in-process Counters against the Counters contract (single node). */
import { MemoryCounters } from '../../../src/engines/counters/memory.ts';
import { countersContract } from '../../contracts/counters.contract.ts';

countersContract('memory', async () => {
  const opened: MemoryCounters[] = [];
  return {
    shared: false,
    node: async () => {
      const counters = new MemoryCounters();
      opened.push(counters);
      return counters;
    },
    dispose: async () => void (await Promise.all(opened.map((c) => c.close()))),
  };
});
