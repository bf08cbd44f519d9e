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

/** A `member_joined` event of `userId` (its sender) in `roomId`, as a plain member, at T0. */
export const sampleJoin = (roomId: string, userId: string) =>
  ({ id: `${roomId}-join-${userId}`, roomId, type: 'member_joined', userId, name: userId, role: 'member', senderId: userId, senderName: userId, clientId: `join-${userId}`, createdAt: T0 }) as const;

/** Create {@link sampleRoom} `id` and let `userIds` join it, in order: their `member_joined` events take seqs 1..n. */
export async function roomWithMembers(store: Store, id: string, userIds: readonly string[], maxMembers = 100): Promise<void> {
  await store.rooms.create(sampleRoom(id, maxMembers));
  for (const userId of userIds) await store.timeline.commit(sampleJoin(id, userId), { authority: 'checked' });
}

/**
 * Create {@link sampleRoom} `id` and let Alice join it (the `member_joined` event takes seq 1), so
 * that {@link sampleMessage}s may be appended: their seqs start at 2.
 */
export function roomWithAlice(store: Store, id: string, maxMembers = 100): Promise<void> {
  return roomWithMembers(store, id, ['alice'], maxMembers);
}

/** [1, 2, …, n]. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** The seqs of n messages appended after Alice's join: [2, 3, …, n + 1]. */
export const afterJoin = (n: number): number[] => range(n).map((i) => i + 1);
