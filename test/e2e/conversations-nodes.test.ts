/**
 * Direct conversations across nodes (issue 13): two people on two nodes sharing one PostgreSQL
 * (real concurrency: each node has its own connection pool) open a conversation with each other at
 * the same moment; exactly one conversation exists afterwards, every time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { call } from '../support/api.ts';
import type { RoomInfo } from '../../src/protocol/index.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  test('two people on two nodes opening a direct conversation with each other at once get one conversation (50 fresh pairs)', async () => {
    await using cluster = await startCluster(2, { databaseUrl, redisUrl });
    const one = cluster.nodes[0]!;
    const two = cluster.nodes[1]!;
    const { room: lobby } = await one.createRoom({ joinRule: 'open', name: 'Lobby' });
    for (let i = 0; i < 50; i++) {
      const a = await one.joinRoom(lobby.id, null, `A${i}`);
      const b = await two.joinRoom(lobby.id, null, `B${i}`);
      const [fromA, fromB] = await Promise.all([
        call(one.url, 'POST', '/api/v1/conversations/direct', a.token, { userId: b.user.id }),
        call(two.url, 'POST', '/api/v1/conversations/direct', b.token, { userId: a.user.id }),
      ]);
      assert.deepEqual([fromA.status, fromB.status].sort(), [200, 201], JSON.stringify([fromA.json, fromB.json]));
      const roomId = (fromA.json.room as RoomInfo).id;
      assert.equal((fromB.json.room as RoomInfo).id, roomId, `pair ${i}: one conversation`);
      const members = (await call(two.url, 'GET', `/api/v1/rooms/${roomId}/members?limit=10`, b.token)).json.members as Array<{ userId: string }>;
      assert.deepEqual(members.map((m) => m.userId).sort(), [a.user.id, b.user.id].sort());
      const history = (await call(one.url, 'GET', `/api/v1/rooms/${roomId}/messages?after=0&limit=10`, a.token)).json.events as Array<{ seq: number; type: string }>;
      assert.deepEqual(history.map((e) => [e.seq, e.type]), [[1, 'member_joined'], [2, 'member_joined']]);
    }
    const listed = await call(one.url, 'GET', '/api/v1/admin/rooms?limit=500', cluster.env.PARLEY_ADMIN_TOKEN);
    assert.equal((listed.json.rooms as RoomInfo[]).filter((r) => r.conversation === 'direct').length, 50, 'no stray conversation was stored');
  });
}
