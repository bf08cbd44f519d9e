/**
 * Credential renewal in the SDK (`ParleyClient.renew`) against a real server with integrator JWTs
 * that expire in about two seconds: renewing on a live connection keeps it open past the first
 * token's expiry and every later reconnect presents the new token; a token for another user is
 * refused and changes nothing; after a close for expiry, the renewed token serves the next connect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ParleyClient, ParleyError, type ConnectionState } from '../../client/src/index.ts';
import { startServer } from '../support/server.ts';
import { eventually } from '../support/eventually.ts';
import { ISSUER, SECRET, mint } from '../support/integrator-tokens.ts';
import { Link } from './link.ts';
import { WS } from './sdk-test.ts';

/** A 1 s heartbeat sweep and no clock skew, so an expired token's socket closes within a second. */
const ENV = { PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: ISSUER, PARLEY_HEARTBEAT_INTERVAL_MS: '1000', PARLEY_JWT_CLOCK_SKEW_MS: '0' };

/** A client for `url` with `token`, recording its state changes; closed when its `using` block ends. */
function client(url: string, token: string) {
  const c = new ParleyClient({ url, token, WebSocket: WS, backoffBaseMs: 20 });
  const states: Array<{ state: ConnectionState; code?: number }> = [];
  c.on('state', (s) => states.push(s.close === undefined ? { state: s.state } : { state: s.state, code: s.close.code }));
  return Object.assign(c, { states, [Symbol.dispose]: () => c.close() });
}

test('renew() on a live connection keeps it open past the first token\'s expiry, and later reconnects present the new token', async () => {
  await using server = await startServer(ENV);
  await using link = await Link.open(server.url);
  const { room } = await server.createRoom();
  const short = await mint(SECRET, { sub: 'alice', name: 'Alice', rooms: [room.id] }, { expiresInS: 2 });
  using alice = client(link.url, short);
  using control = client(server.url, short);
  await alice.connect();
  const base = (await alice.join(room.id)).room.lastSeq;
  await control.connect();

  const fresh = await mint(SECRET, { sub: 'alice', name: 'Alice', rooms: [room.id] }, { expiresInS: 120 });
  const renewed = await alice.renew(fresh);
  assert.deepEqual(renewed, { user: { id: 'jwt:alice', name: 'Alice' }, expiresAt: (decodeJwt(fresh).exp as number) * 1000 });

  // The heartbeat sweep that closes the unrenewed control client passes over alice's socket too.
  await eventually('the unrenewed client to be closed', 10_000, () => control.state === 'closed');
  assert.deepEqual(control.states.at(-1), { state: 'closed', code: 4401 });
  assert.equal((await alice.send(room.id, 'after the first token expired')).seq, base + 1);
  assert.equal(alice.state, 'open');
  assert.ok(Date.now() > (decodeJwt(short).exp as number) * 1000);

  // The first token has expired: only the renewed one can open the next socket.
  const opened = alice.states.filter((s) => s.state === 'open').length;
  link.cut();
  await eventually('alice to reconnect', 10_000, () => alice.states.filter((s) => s.state === 'open').length > opened);
  assert.equal(alice.user?.id, 'jwt:alice');
  assert.equal((await alice.send(room.id, 'after a reconnect')).seq, base + 2);
});

test('renew() with another user\'s token rejects with FORBIDDEN, and the client keeps its user and its token', async () => {
  await using server = await startServer(ENV);
  await using link = await Link.open(server.url);
  const { room } = await server.createRoom();
  using alice = client(link.url, await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 120 }));
  await alice.connect();
  await alice.join(room.id);
  const bob = await mint(SECRET, { sub: 'bob', rooms: [room.id] }, { expiresInS: 120 });
  await assert.rejects(alice.renew(bob), (err: unknown) => err instanceof ParleyError && err.code === 'FORBIDDEN');
  await assert.rejects(alice.renew('not-a-token'), (err: unknown) => err instanceof ParleyError && err.code === 'UNAUTHENTICATED');
  assert.equal(alice.state, 'open');

  const opened = alice.states.filter((s) => s.state === 'open').length;
  link.cut();
  await eventually('alice to reconnect', 10_000, () => alice.states.filter((s) => s.state === 'open').length > opened);
  assert.equal(alice.user?.id, 'jwt:alice', 'the reconnect presented alice\'s token, not the refused one');
});

test('after a close for expiry (4401), renew() keeps the new token for the next connect()', async () => {
  await using server = await startServer(ENV);
  const { room } = await server.createRoom();
  using alice = client(server.url, await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 2 }));
  let joins = 0;
  alice.on('joined', () => joins++);
  await alice.connect();
  const base = (await alice.join(room.id)).room.lastSeq;
  await eventually('the expired token\'s connection to close', 10_000, () => alice.state === 'closed');
  assert.deepEqual(alice.states.at(-1), { state: 'closed', code: 4401 });

  assert.equal(await alice.renew(await mint(SECRET, { sub: 'alice', rooms: [room.id] }, { expiresInS: 120 })), undefined, 'no live socket to renew');
  assert.equal((await alice.connect()).user.id, 'jwt:alice');
  await eventually('the room to be rejoined by itself', 10_000, () => joins === 2);
  assert.equal((await alice.send(room.id, 'back')).seq, base + 1);
});
