/** Store records for engine tests: deterministic ids and times so assertions can name them. */
import { sql, type Kysely } from 'kysely';
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

/**
 * Rows as a store migrated up to 2026-12-03-02 (before message search) holds them: a plaintext room
 * `plain` and an e2ee room `secret`, alice a member of both; in `plain` two messages with "old"
 * (seqs 1, 2), a deleted one (3) and a system notice with "old" (4); in `secret` a message with "old".
 */
export async function seedBeforeSearch(db: Kysely<unknown>): Promise<void> {
  for (const [id, e2ee] of [['plain', 0], ['secret', 1]] as const) {
    await sql`insert into rooms (id, name, kind, max_members, join_rule, epoch, last_seq, created_at, e2ee) values (${id}, ${id}, 'persistent', 10, 'open', 'e', 4, ${T0}, ${e2ee})`.execute(db);
    await sql`insert into members (room_id, user_id, name, role, joined_at, name_key) values (${id}, 'alice', 'Alice', 'member', ${T0}, 'alice')`.execute(db);
  }
  const rows = [
    ['plain', 1, 'message', 'old plain words', null],
    ['plain', 2, 'message', 'old words', null],
    ['plain', 3, 'message', '', T0 + 9],
    ['plain', 4, 'system', 'old notice', null],
    ['secret', 1, 'message', 'old opaque', null],
  ] as const;
  for (const [roomId, seq, type, body, deletedAt] of rows) {
    await sql`insert into events (id, room_id, seq, sender_id, sender_name, client_id, type, body, created_at, deleted_at)
      values (${`${roomId}-${seq}`}, ${roomId}, ${seq}, 'alice', 'Alice', ${`c${seq}`}, ${type}, ${body}, ${T0 + seq}, ${deletedAt})`.execute(db);
  }
}
