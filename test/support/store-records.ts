/** Store records for engine tests: deterministic ids and times so assertions can name them. */
import type { NewMessage, NewRoom } from '../../src/core/ports/store.ts';

/** A fixed epoch-ms base for record times. */
export const T0 = 1_700_000_000_000;

/** An open persistent room `id` with room for `maxMembers`. */
export const sampleRoom = (id: string, maxMembers = 100): NewRoom => ({ id, name: id, kind: 'persistent', maxMembers, joinRule: 'open', messagesPerMinute: null, joinCodeHash: null, epoch: 'e1', createdAt: T0 });

/** Message number `i` of a room from Alice: id `<room>-m<i>`, clientId `c<i>`. */
export const sampleMessage = (roomId: string, i: number, overrides: Partial<NewMessage> = {}): NewMessage => ({
  id: `${roomId}-m${i}`,
  roomId,
  senderId: 'alice',
  senderName: 'Alice',
  clientId: `c${i}`,
  type: 'text',
  body: `message ${i}`,
  createdAt: T0 + i,
  ...overrides,
});

/** [1, 2, …, n]. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
