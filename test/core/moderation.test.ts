/**
 * Moderation across nodes (src/core/moderation.ts; issue: abuse resistance — moderation): a mute,
 * a deletion and a ban made through one node take effect on members' sockets held by another node
 * of the same deployment (one PostgreSQL, one Redis), and the audit log is one log for all nodes.
 * The single-node guarantees, route by route: test/transports/http/moderation.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { RawClient } from '../support/ws-client.ts';
import { call } from '../support/api.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  describe('moderation across nodes', () => {
    test('a mute, a deletion and a ban made through one node take effect on sockets of another node, and both nodes read one audit log', async () => {
      await using cluster = await startCluster(2, { databaseUrl, redisUrl });
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      const { room, joinCode } = await a.createRoom({ name: 'Across' });
      const invite = await a.admin(`/api/v1/rooms/${room.id}/invites`, { body: { role: 'moderator' } });
      const mod = await call(a.url, 'POST', '/api/v1/join', undefined, { roomId: room.id, invite: ((await invite.json()) as { invite: string }).invite, name: 'Mod' });
      assert.equal(mod.status, 200);
      const modToken = mod.json.token as string;
      const ada = await b.member(room.id, joinCode, 'Ada');
      const bob = await b.member(room.id, joinCode, 'Bob');
      await using adaSocket = ada.client;
      await using bobSocket = bob.client;

      // Mute through node A; Ada's socket on node B is refused at once after the push.
      const until = Date.now() + 60_000;
      assert.equal((await call(a.url, 'PUT', `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`, modToken, { until })).status, 200);
      await adaSocket.next((f) => f.type === 'member_muted' && f.mutedUntil === until);
      assert.equal(((await adaSocket.request({ type: 'send', id: 'muted', roomId: room.id, body: 'hello?' })).error as { code: string }).code, 'MEMBER_MUTED');
      assert.equal((await call(a.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`, modToken)).status, 200);
      await adaSocket.next((f) => f.type === 'member_muted' && f.mutedUntil === null);
      assert.equal(((await adaSocket.request({ type: 'send', id: 'spam', roomId: room.id, body: 'buy now' })).result as { seq: number }).seq, 1);
      await bobSocket.waitForMessages(1, room.id);

      // Delete through node A; Bob's socket on node B gets the tombstone.
      const deleted = await call(a.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/1`, modToken);
      assert.equal(deleted.status, 200);
      assert.equal((await bobSocket.next((f) => f.type === 'message_deleted')).deletedAt, deleted.json.deletedAt);

      // Ban through node A; Ada's socket on node B leaves the room, and node B refuses her return.
      assert.equal((await call(a.url, 'PUT', `/api/v1/rooms/${room.id}/bans/${ada.user.id}`, modToken, {})).status, 200);
      await adaSocket.next((f) => f.type === 'member' && f.userId === ada.user.id && f.removed === true);
      await bobSocket.next((f) => f.type === 'member' && f.userId === ada.user.id && f.removed === true);
      assert.equal(((await adaSocket.request({ type: 'send', id: 'again', roomId: room.id, body: 'back' })).error as { code: string }).code, 'NOT_JOINED');
      assert.equal((await call(b.url, 'POST', '/api/v1/join', ada.token, { roomId: room.id, code: joinCode })).json.error?.code, 'BANNED');

      const read = async (node: typeof a) => ((await (await node.admin(`/api/v1/admin/audit?roomId=${room.id}`)).json()) as { entries: Array<{ id: string; action: string }> }).entries;
      const fromA = await read(a);
      assert.deepEqual(fromA.map((e) => e.action).reverse(), ['member_muted', 'message_refused', 'member_unmuted', 'message_deleted', 'member_banned', 'join_refused']);
      assert.deepEqual(await read(b), fromA);
      await using late = await RawClient.connect(b.wsUrl, bob.token);
      await late.request({ type: 'join', roomId: room.id, since: 0 });
      await late.waitForMessages(1, room.id);
      assert.equal(late.messages(room.id)[0]?.body, '', 'a member resuming on another node gets the tombstone');
    });
  });
}
