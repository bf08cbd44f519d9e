/**
 * Room changes whose broker event is lost (issue 11; DESIGN.md rules 3 and 12), on two nodes over
 * the real PostgreSQL and Redis: another process's store commits a ban, a mute, a demotion or the
 * room's closing and publishes nothing — exactly what a lost pub/sub event leaves behind. The
 * member's next send on the other node is refused from the durable record and nothing is stored;
 * the node then finds the event by its position check, delivers it, and acts on it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { eventually } from '../support/eventually.ts';
import { openPostgresStore } from '../../src/engines/store/postgres.ts';
import type { NewEvent } from '../../src/core/ports/store.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

type Change = Exclude<NewEvent, { type: 'message' }>;

const CASES: ReadonlyArray<{ name: string; change: (userId: string) => Record<string, unknown> & { type: Change['type'] }; refusal: string }> = [
  { name: 'a ban', change: (userId) => ({ type: 'member_banned', userId, reason: null }), refusal: 'ROOM_NOT_FOUND' },
  { name: 'a mute', change: (userId) => ({ type: 'member_muted', userId, until: Date.now() + 3_600_000 }), refusal: 'MEMBER_MUTED' },
  { name: 'a demotion to guest', change: (userId) => ({ type: 'member_role_changed', userId, role: 'guest' }), refusal: 'FORBIDDEN' },
  { name: 'the room closing', change: () => ({ type: 'room_closed' }), refusal: 'ROOM_CLOSED' },
];

if (databaseUrl !== undefined && redisUrl !== undefined) {
  describe('room changes whose broker event was lost', () => {
    for (const { name, change, refusal } of CASES) {
      test(`after ${name} committed without a publish, the member's next send on another node is refused with ${refusal} and nothing is stored; the node delivers the event from the store`, async () => {
        await using cluster = await startCluster(2, { databaseUrl, redisUrl }, { PARLEY_POSITION_CHECK_INTERVAL_MS: '300' });
        const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
        const { room, joinCode } = await a.createRoom();
        const bob = await b.member(room.id, joinCode, 'Bob');
        await using client = bob.client;
        const before = await client.request({ type: 'send', id: 'before', roomId: room.id, body: 'before' });
        assert.ok(before.result !== undefined);

        const store = await openPostgresStore({ url: databaseUrl, schema: cluster.schema, groupCommitMaxBatch: 8 });
        try {
          await store.timeline.commit(
            { id: randomUUID(), roomId: room.id, senderId: 'admin', senderName: 'Admin', clientId: randomUUID(), createdAt: Date.now(), ...change(bob.user.id) } as Change,
            { authority: 'checked' },
          );
          const reply = await client.request({ type: 'send', id: 'after', roomId: room.id, body: 'after' });
          assert.equal((reply.error as { code: string } | undefined)?.code, refusal);
          const { events } = await store.timeline.page(room.id, { limit: 100 });
          assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => (e.type === 'message' ? e.body : '')), ['before'], 'nothing after the change was stored');
        } finally {
          await store.close();
        }

        const type = change(bob.user.id).type;
        await eventually(`node b delivering the repaired ${type}`, 3000, () => client.events(room.id).some((e) => e.type === type));
      });
    }
  });
}
