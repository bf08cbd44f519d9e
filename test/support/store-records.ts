/** Store records for engine tests: deterministic ids and times so assertions can name them. */
import type { NewMessage, NewRoom, Store } from '../../src/core/ports/store.ts';

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
  type: 'message',
  body: `message ${i}`,
  createdAt: T0 + i,
  ...overrides,
});

/**
 * Create {@link sampleRoom} `id` and let Alice join it (the `member_joined` event takes seq 1), so
 * that {@link sampleMessage}s may be appended: their seqs start at 2.
 */
export async function roomWithAlice(store: Store, id: string, maxMembers = 100): Promise<void> {
  await store.rooms.create(sampleRoom(id, maxMembers));
  await store.timeline.commit(
    { id: `${id}-join-alice`, roomId: id, type: 'member_joined', userId: 'alice', name: 'Alice', role: 'member', senderId: 'alice', senderName: 'Alice', clientId: 'join', createdAt: T0 },
    { authority: 'checked' },
  );
}

/** [1, 2, …, n]. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** The seqs of n messages appended after Alice's join: [2, 3, …, n + 1]. */
export const afterJoin = (n: number): number[] => range(n).map((i) => i + 1);
