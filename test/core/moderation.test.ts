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
import { RawClient, type Frame } from '../support/ws-client.ts';
import type { EventOf, TimelineEvent, TimelineEventType } from '../../src/protocol/index.ts';
import { call } from '../support/api.ts';

/** Whether `frame` is an `event` push of `type`. */
function isEvent<T extends TimelineEventType>(frame: Frame, type: T): frame is Frame & { event: EventOf<T> } {
  return frame.type === 'event' && (frame.event as TimelineEvent).type === type;
}

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

      // Mute through node A; Ada's socket on node B is refused at once after the event.
      const until = Date.now() + 60_000;
      assert.equal((await call(a.url, 'PUT', `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`, modToken, { until })).status, 200);
      await adaSocket.next((f) => isEvent(f, 'member_muted') && f.event.userId === ada.user.id && f.event.until === until);
      assert.equal(((await adaSocket.request({ type: 'send', id: 'muted', roomId: room.id, body: 'hello?' })).error as { code: string }).code, 'MEMBER_MUTED');
      assert.equal((await call(a.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${ada.user.id}/mute`, modToken)).status, 200);
      const unmuted = await adaSocket.next((f) => isEvent(f, 'member_unmuted') && f.event.userId === ada.user.id);
      const spam = (await adaSocket.request({ type: 'send', id: 'spam', roomId: room.id, body: 'buy now' })).result as { seq: number };
      assert.equal(spam.seq, (unmuted.event as TimelineEvent).seq + 1, 'the refused send took no seq; the message follows the unmute');
      await bobSocket.waitForMessages(1, room.id);

      // Delete through node A; Bob's socket on node B gets the tombstone.
      const deleted = await call(a.url, 'DELETE', `/api/v1/rooms/${room.id}/messages/${spam.seq}`, modToken);
      assert.equal(deleted.status, 200);
      const deletion = deleted.json as { seq: number; createdAt: number };
      const tombstone = (await bobSocket.next((f) => isEvent(f, 'message_deleted'))).event as TimelineEvent;
      assert.deepEqual(
        { type: tombstone.type, seq: tombstone.seq, target: (tombstone as { target?: number }).target, createdAt: tombstone.createdAt, senderName: tombstone.senderName },
        { type: 'message_deleted', seq: deletion.seq, target: spam.seq, createdAt: deletion.createdAt, senderName: 'Mod' },
      );

      // Ban through node A; Ada's socket on node B leaves the room, and node B refuses her return.
      assert.equal((await call(a.url, 'PUT', `/api/v1/rooms/${room.id}/bans/${ada.user.id}`, modToken, {})).status, 200);
      await adaSocket.next((f) => isEvent(f, 'member_banned') && f.event.userId === ada.user.id);
      await bobSocket.next((f) => isEvent(f, 'member_banned') && f.event.userId === ada.user.id);
      assert.equal(((await adaSocket.request({ type: 'send', id: 'again', roomId: room.id, body: 'back' })).error as { code: string }).code, 'NOT_JOINED');
      assert.equal((await call(b.url, 'POST', '/api/v1/join', ada.token, { roomId: room.id, code: joinCode })).json.error?.code, 'BANNED');

      const read = async (node: typeof a) => ((await (await node.admin(`/api/v1/admin/audit?roomId=${room.id}`)).json()) as { entries: Array<{ id: string; action: string }> }).entries;
      const fromA = await read(a);
      assert.deepEqual(fromA.map((e) => e.action).reverse(), ['member_muted', 'message_refused', 'member_unmuted', 'message_deleted', 'member_banned', 'join_refused']);
      assert.deepEqual(await read(b), fromA);
      await using late = await RawClient.connect(b.wsUrl, bob.token);
      await late.request({ type: 'join', roomId: room.id, since: 0 });
      await late.waitForMessages(1, room.id);
      const [resumed] = late.messages(room.id);
      assert.deepEqual({ seq: resumed?.seq, body: resumed?.body, deletedAt: resumed?.deletedAt }, { seq: spam.seq, body: '', deletedAt: deletion.createdAt }, 'a member resuming on another node gets the tombstone');
    });
  });
}
