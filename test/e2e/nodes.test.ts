/**
 * Many nodes behave as one (issue: scale-out): nodes on one PostgreSQL and one Redis — separate
 * processes, or in-process nodes where a test needs to reach inside — clients spread over them,
 * real sockets. Timeline events (messages and joins, which share a room's seqs), relay rooms,
 * member caps, presence, typing and room closing cross nodes; a message whose publish was lost
 * still reaches every node, from the store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requirePostgres, requireRedis } from '../support/services.ts';
import { startCluster } from '../support/cluster.ts';
import { RawClient } from '../support/ws-client.ts';
import { post } from '../support/api.ts';
import { startNodeProcess } from '../support/node-process.ts';
import { eventually } from '../support/eventually.ts';
import { announces } from '../support/presence-changes.ts';
import { openPostgresStore } from '../../src/engines/store/postgres.ts';
import { Redis } from 'ioredis';
import { parsePrometheus, total } from '../support/prometheus.ts';
import type { TimelineEvent } from '../../src/protocol/index.ts';

const databaseUrl = await requirePostgres();
const redisUrl = await requireRedis();

if (databaseUrl !== undefined && redisUrl !== undefined) {
  const urls = { databaseUrl, redisUrl };

  describe('many nodes as one', () => {
    test('members on three node processes send to the same rooms at once; each sees every message once, and every event since its join with no seq missing, in seq order', async () => {
      await using cluster = await startCluster(0, urls);
      const nodes = await Promise.all([1, 2, 3].map(() => startNodeProcess(cluster.env)));
      try {
        const rooms = [];
        for (const name of ['one', 'two']) rooms.push((await post(nodes[0]!.url, '/api/v1/admin/rooms', { name }, cluster.env.PARLEY_ADMIN_TOKEN)) as { room: { id: string }; joinCode: string });
        const clients: Array<{ client: RawClient; roomId: string; joinedAt: number }> = [];
        for (let i = 0; i < 12; i++) {
          const { room, joinCode } = rooms[i % 2]!;
          const node = nodes[i % 3]!;
          const { token } = (await post(node.url, '/api/v1/join', { roomId: room.id, code: joinCode, name: `user ${i}` })) as { token: string };
          const client = await RawClient.connect(`${node.url.replace('http', 'ws')}/ws`, token);
          const joined = await client.request({ type: 'join', roomId: room.id });
          clients.push({ client, roomId: room.id, joinedAt: (joined.result as { room: { lastSeq: number } }).room.lastSeq });
        }
        const perClient = 25;
        const acked = new Map<string, number[]>(rooms.map(({ room }) => [room.id, []]));
        await Promise.all(
          clients.map(async ({ client, roomId }, i) => {
            for (let n = 0; n < perClient; n++) {
              const reply = await client.request({ type: 'send', id: `c${i}-${n}`, roomId, body: `${i}:${n}` }, 20_000);
              acked.get(roomId)!.push((reply.result as { seq: number }).seq);
            }
          }),
        );
        const perRoom = 6 * perClient;
        for (const { client, roomId, joinedAt } of clients) {
          const seqs = [...acked.get(roomId)!].sort((x, y) => x - y);
          assert.equal(new Set(seqs).size, perRoom, 'every send was acked with its own seq');
          await client.waitForMessages(perRoom, roomId, 20_000);
          assert.deepEqual(client.messages(roomId).map((m) => m.seq), seqs, 'every acked message once, in seq order');
          const last = seqs.at(-1)!;
          assert.deepEqual(client.events(roomId).map((e) => e.seq), Array.from({ length: last - joinedAt }, (_, k) => joinedAt + k + 1), 'every event after the join once, in order, none missing');
        }
        for (const { client } of clients) await client.close();
      } finally {
        await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
      }
    });

    test('a relay room spans nodes: messages cross, a member resumes on another node from the shared buffer, and its state goes when the last member leaves', async () => {
      await using cluster = await startCluster(2, urls);
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      const { room, joinCode } = await a.createRoom({ kind: 'relay' });
      const ada = await a.member(room.id, joinCode, 'Ada');
      const bob = await b.member(room.id, joinCode, 'Bob');
      for (let i = 1; i <= 5; i++) await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `m${i}` });
      await bob.client.waitForMessages(5, room.id);
      const seen = bob.client.events(room.id).at(-1)!.seq;
      assert.equal(bob.client.messages(room.id).at(-1)!.body, 'm5');
      bob.client.socket.terminate();
      const later: number[] = [];
      for (let i = 6; i <= 8; i++) later.push(((await ada.client.request({ type: 'send', id: `a${i}`, roomId: room.id, body: `m${i}` })).result as { seq: number }).seq);
      assert.deepEqual(later, [seen + 1, seen + 2, seen + 3], 'nothing else happened in the room meanwhile');

      await using again = await RawClient.connect(a.wsUrl, bob.token);
      const reply = await again.request({ type: 'join', roomId: room.id, since: seen });
      assert.deepEqual([(reply.result as { resume: string }).resume, (reply.result as { replayed: number }).replayed], ['replay', 3]);
      await again.waitForMessages(3, room.id);
      assert.deepEqual(again.events(room.id).map((e) => [e.seq, e.type === 'message' ? e.body : e.type]), [[seen + 1, 'm6'], [seen + 2, 'm7'], [seen + 3, 'm8']]);

      const keys = async () => {
        const redis = new Redis(redisUrl);
        try {
          return await redis.keys(`${cluster.redisPrefix}relay:${room.id}*`);
        } finally {
          redis.disconnect();
        }
      };
      assert.ok((await keys()).length > 0, 'relay state lives in Redis while members are in the room');
      await ada.client.close();
      await again.close();
      await eventually('relay state deleted', 5000, async () => (await keys()).length === 0);
    });

    test('a member cap holds across nodes: of 30 concurrent joins on two nodes to a room of 10, exactly 10 succeed', async () => {
      await using cluster = await startCluster(2, urls);
      const { room, joinCode } = await cluster.nodes[0]!.createRoom({ maxMembers: 10 });
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => cluster.nodes[i % 2]!.joinRoom(room.id, joinCode, `u${i}`)));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 10);
      for (const refused of outcomes.filter((o) => o.status === 'rejected')) assert.match(String((refused as PromiseRejectedResult).reason), /ROOM_FULL/);
    });

    test('presence and typing cross nodes, and a member who leaves is shown offline on the other node', async () => {
      await using cluster = await startCluster(2, urls);
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      const { room, joinCode } = await a.createRoom();
      const ada = await a.member(room.id, joinCode, 'Ada');
      const bob = await b.member(room.id, joinCode, 'Bob');
      await ada.client.next(announces(bob.user.id, true));
      await bob.client.request({ type: 'typing', roomId: room.id, active: true });
      await ada.client.next((f) => f.type === 'typing' && f.userId === bob.user.id && f.active === true);
      const members = (await (await fetch(`${a.url}/api/v1/rooms/${room.id}/members`, { headers: { authorization: `Bearer ${ada.token}` } })).json()) as { members: Array<{ name: string; online: boolean }> };
      assert.deepEqual(members.members.map((m) => [m.name, m.online]).sort(), [['Ada', true], ['Bob', true]]);
      await bob.client.close();
      await ada.client.next(announces(bob.user.id, false));
      await ada.client.close();
    });

    test('closing a room on one node tells members on every node, and no node accepts its messages', async () => {
      await using cluster = await startCluster(2, urls);
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      for (const kind of ['persistent', 'relay'] as const) {
        const { room, joinCode } = await a.createRoom({ kind });
        const bob = await b.member(room.id, joinCode, 'Bob');
        const closed = await a.admin(`/api/v1/admin/rooms/${room.id}/close`, { method: 'POST' });
        assert.equal(closed.status, 200);
        await bob.client.next((f) => f.type === 'event' && (f.event as TimelineEvent).type === 'room_closed' && (f.event as TimelineEvent).roomId === room.id);
        const reply = await bob.client.request({ type: 'send', id: 'late', roomId: room.id, body: 'too late' });
        assert.equal((reply.error as { code: string }).code, 'ROOM_CLOSED', kind);
        await bob.client.close();
      }
    });

    test('a message stored but never published (its node died between commit and publish) reaches members on every node within two position checks', async () => {
      await using cluster = await startCluster(2, urls, { PARLEY_POSITION_CHECK_INTERVAL_MS: '300' });
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      const { room, joinCode } = await a.createRoom();
      const ada = await a.member(room.id, joinCode, 'Ada');
      const bob = await b.member(room.id, joinCode, 'Bob');
      const first = ((await ada.client.request({ type: 'send', id: 'first', roomId: room.id, body: 'published' })).result as { seq: number }).seq;
      await bob.client.waitForMessages(1, room.id);

      // Another process's store writes a message and publishes nothing.
      const store = await openPostgresStore({ url: databaseUrl, schema: cluster.schema, groupCommitMaxBatch: 8 });
      const started = Date.now();
      try {
        await store.timeline.append({ id: randomUUID(), roomId: room.id, senderId: ada.user.id, senderName: 'Ada', clientId: 'silent', type: 'message', body: 'never published', createdAt: Date.now() });
      } finally {
        await store.close();
      }
      await Promise.all([ada.client.waitForMessages(2, room.id, 5000), bob.client.waitForMessages(2, room.id, 5000)]);
      assert.ok(Date.now() - started < 3 * 300 + 1000, `repaired in ${Date.now() - started} ms`);
      for (const client of [ada.client, bob.client]) {
        assert.deepEqual(client.messages(room.id).map((m) => [m.seq, m.body]), [[first, 'published'], [first + 1, 'never published']]);
        assert.equal(client.events(room.id).filter((e) => e.seq > first).length, 1, 'the repaired message is delivered once');
      }
      await ada.client.close();
      await bob.client.close();
    });

    test('each node\'s /metrics counts its own part: the sender\'s node publishes and stores, the reader\'s node delivers', async () => {
      await using cluster = await startCluster(2, urls);
      const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
      const { room, joinCode } = await a.createRoom();
      const ada = await a.member(room.id, joinCode, 'Ada');
      const bob = await b.member(room.id, joinCode, 'Bob');
      for (let i = 0; i < 3; i++) await ada.client.request({ type: 'send', id: `m${i}`, roomId: room.id, body: `hello ${i}` });
      await bob.client.waitForMessages(3, room.id);
      await ada.client.waitForMessages(3, room.id);
      const scrape = async (url: string) => parsePrometheus(await (await fetch(`${url}/metrics`)).text());
      const [onA, onB] = [await scrape(a.url), await scrape(b.url)];
      assert.equal(total(onA, 'parley_messages_in_total', { kind: 'persistent' }), 3);
      assert.equal(total(onB, 'parley_messages_in_total', { kind: 'persistent' }), 0);
      assert.ok(total(onA, 'parley_broker_publish_seconds_count', { ok: 'true' }) >= 3, 'every message was published to Redis');
      assert.ok(total(onA, 'parley_store_commit_batch_size_sum') >= 3);
      assert.equal(total(onB, 'parley_messages_out_total', { kind: 'persistent' }), 3);
      assert.equal(total(onB, 'parley_delivery_latency_seconds_count', { kind: 'persistent' }), 3, 'latency is measured from the message\'s acceptance on the other node');
      assert.equal(total(onA, 'parley_connections') + total(onB, 'parley_connections'), 2);
      await ada.client.close();
      await bob.client.close();
    });
  });
}
