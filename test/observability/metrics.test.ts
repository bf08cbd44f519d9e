/**
 * `/metrics` (issue 6): a session over real sockets is scraped and parsed, and every named metric
 * counts what happened: connections, joins, messages in and out by room kind, acks and duplicate
 * acks, refusals by code, delivery latency, store batches, HTTP requests by route pattern, refused
 * upgrades and the process metrics. `PARLEY_METRICS_TOKEN` guards the endpoint; `PARLEY_METRICS=off`
 * removes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.ts';
import { has, parsePrometheus, total, type Sample } from '../support/prometheus.ts';
import { RawClient } from '../support/ws-client.ts';

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`, { headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

test('a session is counted: connections, joins, messages in and out by kind, acks, refusals, latency, batches, HTTP routes', async () => {
  await using server = await startServer();
  const persistent = await server.createRoom();
  const relay = await server.createRoom({ kind: 'relay' });
  const ada = await server.member(persistent.room.id, persistent.joinCode, 'Ada');
  const bob = await server.member(persistent.room.id, persistent.joinCode, 'Bob');
  const early = await ada.client.request({ type: 'join', roomId: relay.room.id });
  assert.equal((early.error as { code: string }).code, 'ROOM_NOT_FOUND', 'not yet a member of the relay room');
  const relayJoin = await server.joinRoom(relay.room.id, relay.joinCode, 'Ada', ada.token);
  assert.equal(relayJoin.room.id, relay.room.id);
  await ada.client.request({ type: 'join', roomId: relay.room.id });

  for (let i = 0; i < 5; i++) await ada.client.request({ type: 'send', id: `p${i}`, roomId: persistent.room.id, body: `hello ${i}` });
  await ada.client.request({ type: 'send', id: 'p0', roomId: persistent.room.id, body: 'hello 0' });
  await ada.client.request({ type: 'send', id: 'r0', roomId: relay.room.id, body: 'relayed' });
  await bob.client.waitForMessages(5, persistent.room.id);
  await ada.client.waitForMessages(5, persistent.room.id);
  ada.client.send('{not json');
  await ada.client.next((f) => f.type === 'error');
  await assert.rejects(RawClient.connect(server.wsUrl, 'not-a-token'), /401/);

  const samples = await scrape(server);
  assert.equal(total(samples, 'parley_connections'), 2);
  assert.equal(total(samples, 'parley_joins_total'), 3, 'two persistent joins and one relay join');
  assert.equal(total(samples, 'parley_messages_in_total', { kind: 'persistent' }), 5);
  assert.equal(total(samples, 'parley_messages_in_total', { kind: 'relay' }), 1);
  assert.equal(total(samples, 'parley_acks_total', { kind: 'persistent', duplicate: 'false' }), 5);
  assert.equal(total(samples, 'parley_acks_total', { kind: 'persistent', duplicate: 'true' }), 1, 'the retry of p0');
  assert.equal(total(samples, 'parley_messages_out_total', { kind: 'persistent' }), 10, 'five messages to two members');
  assert.equal(total(samples, 'parley_messages_out_total', { kind: 'relay' }), 1);
  assert.equal(total(samples, 'parley_delivery_latency_seconds_count', { kind: 'persistent' }), 5);
  assert.ok(total(samples, 'parley_delivery_latency_seconds_sum', { kind: 'persistent' }) >= 0);
  assert.equal(total(samples, 'parley_errors_total', { code: 'MALFORMED_FRAME' }), 1);
  assert.equal(total(samples, 'parley_errors_total', { code: 'ROOM_NOT_FOUND' }), 1, 'the join before the relay room was joined over HTTP');
  assert.equal(total(samples, 'parley_upgrades_refused_total', { status: '401' }), 1);
  assert.ok(total(samples, 'parley_store_commit_batch_size_count') >= 1);
  assert.ok(total(samples, 'parley_store_commit_batch_size_sum') >= 5, 'every persistent message was committed');
  assert.equal(total(samples, 'parley_store_commit_seconds_count', { ok: 'false' }), 0);
  assert.equal(total(samples, 'parley_http_request_seconds_count', { method: 'POST', route: '/api/v1/join', status: '200' }), 3);
  assert.ok(samples.every((s) => !/[0-9a-f]{8}-|room_/.test(Object.values(s.labels).join(' '))), 'no ids in label values');
  for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) assert.ok(has(samples, name), `missing ${name}`);

  await bob.client.close();
  assert.equal(total(await scrape(server), 'parley_connections'), 1, 'the gauge follows closes');
  await ada.client.close();
});

test('with PARLEY_METRICS_TOKEN, /metrics answers only that bearer token (401 UNAUTHENTICATED otherwise)', async () => {
  const token = randomBytes(32).toString('base64url');
  await using server = await startServer({ PARLEY_METRICS_TOKEN: token });
  const anonymous = await fetch(`${server.url}/metrics`);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } })).status, 401, 'the admin token is not the metrics token');
  assert.ok(has(await scrape(server, { authorization: `Bearer ${token}` }), 'parley_connections'));
});

test('PARLEY_METRICS=off removes /metrics', async () => {
  await using server = await startServer({ PARLEY_METRICS: 'off' });
  assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
});
