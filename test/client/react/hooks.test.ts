/**
 * @parley/client/react (client/src/react/) against a real server: each hook rendered by React
 * itself (test/support/react-renderer.ts says why that renderer), its values checked as the
 * component saw them, render by render.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, type MessageEvent } from '../../../client/src/index.ts';
import { useConnectionState, useMessages, usePresence, useRoom, useTyping } from '../../../client/src/react/index.ts';
import { startServer, type TestServer } from '../../support/server.ts';
import { renderHook } from '../../support/react-renderer.ts';
import { WS, until } from '../sdk-test.ts';

/** Join `roomId` over HTTP as `name` and build a client (not connected) with the session token; closed when its `using` block ends. */
async function member(server: TestServer, roomId: string, code: string | null, name: string) {
  const { token, user } = await server.joinRoom(roomId, code, name);
  const client = new ParleyClient({ url: server.url, token, WebSocket: WS, backoffMaxMs: 100 });
  return Object.assign(client, { userId: user.id, [Symbol.dispose]: () => client.close() });
}

/** `values` without consecutive repeats. */
function distinct<T>(values: readonly T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

const bodies = (messages: readonly MessageEvent[]) => messages.map((m) => m.body);

test('useConnectionState goes idle → open, then open → reconnecting → open across a server restart', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  await using hook = await renderHook(() => useConnectionState(ada));
  assert.equal(hook.current, 'idle');
  await ada.connect();
  await until(() => hook.current === 'open', 'open');
  await server.restart();
  await until(() => hook.current === 'open' && hook.renders.includes('reconnecting'), 'open again after reconnecting');
  const seen = distinct(hook.renders);
  assert.deepEqual(seen.slice(seen.indexOf('open')), ['open', 'reconnecting', 'open']);
  assert.equal(hook.error, undefined);
});

test('useRoom joins on mount and leaves on unmount; useMessages shows messages in seq order as sent, loadOlder pages back with nothing twice', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Lobby' });
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  await ada.connect();
  await ada.join(room.id);
  for (let n = 1; n <= 12; n++) await ada.send(room.id, `m${n}`);

  await bob.connect();
  const hook = await renderHook(() => ({ room: useRoom(bob, room.id), view: useMessages(bob, room.id, { pageSize: 5 }) }));
  await until(() => hook.current.room.joined && hook.current.view.messages.length > 0 && !hook.current.view.loadingOlder, 'joined, newest page shown');
  assert.equal(hook.current.room.state?.name, 'Lobby');
  assert.deepEqual(bodies(hook.current.view.messages), ['m8', 'm9', 'm10', 'm11', 'm12'], 'after a fresh join, the newest page by itself');
  assert.equal(hook.current.view.hasOlder, true);

  const pages: string[][] = [];
  while (hook.current.view.hasOlder) {
    const before = hook.current.view.messages.length;
    const loading = hook.current.view.loadOlder();
    await until(() => hook.current.view.loadingOlder || !hook.current.view.hasOlder || hook.current.view.messages.length > before, 'loading shown');
    await loading;
    await until(() => !hook.current.view.loadingOlder, 'page shown');
    pages.push(bodies(hook.current.view.messages).slice(0, hook.current.view.messages.length - before));
  }
  assert.deepEqual(pages, [['m3', 'm4', 'm5', 'm6', 'm7'], ['m1', 'm2']], 'each page the one before, then the rest (events other than messages fill the pages)');
  await hook.current.view.loadOlder();
  assert.equal(hook.current.view.messages.length, 12, 'nothing more once hasOlder is false');

  // Live messages follow in the order sent, each once, whatever the interleaving of acks and pushes.
  for (let n = 13; n <= 20; n++) void ada.send(room.id, `m${n}`);
  await until(() => hook.current.view.messages.length === 20, 'live messages');
  const shown = hook.current.view.messages;
  assert.deepEqual(bodies(shown), Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
  assert.ok(shown.every((m, i) => i === 0 || m.seq > (shown[i - 1] as MessageEvent).seq), 'ascending seq');
  for (const render of hook.renders) assert.equal(new Set(render.view.messages.map((m) => m.seq)).size, render.view.messages.length, 'no render shows a message twice');

  // A change that is not a message (someone joins the room) changes the room's state, not the messages array.
  await server.joinRoom(room.id, joinCode, 'Cy');
  await until(() => [...(hook.current.room.state?.members.values() ?? [])].some((m) => m.name === 'Cy'), 'Cy in the room state');
  assert.equal(hook.current.view.messages, shown, 'the same array while the messages are the same');
  assert.equal(hook.error, undefined);

  await hook.unmount();
  await until(() => !bob.joined(room.id), 'left on unmount');
  await ada.send(room.id, 'after unmount');
  assert.equal(bob.roomState(room.id), undefined, 'the room is no longer followed');
});

test('useRoom: two components share one join, kept until the last unmounts; a refused join is reported as error', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  await ada.connect();
  const first = await renderHook(() => useRoom(ada, room.id));
  const second = await renderHook(() => useRoom(ada, room.id));
  await until(() => first.current.joined && second.current.joined, 'both joined');
  assert.equal(first.current.state, second.current.state, 'one room state');
  await first.unmount();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ada.joined(room.id), true, 'still shown by the second');
  await second.unmount();
  await until(() => !ada.joined(room.id), 'left when the last unmounts');

  await using missing = await renderHook(() => useRoom(ada, 'no-such-room'));
  await until(() => missing.current.error !== undefined, 'the join’s error');
  assert.equal(missing.current.error?.code, 'ROOM_NOT_FOUND');
  assert.equal(missing.current.joined, false);
});

test('usePresence lists who is online as members come and go', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  await ada.connect();
  await using hook = await renderHook(() => ({ room: useRoom(ada, room.id), online: usePresence(ada, room.id) }));
  const names = () => hook.current.online.map((m) => m.name);
  await until(() => hook.current.room.joined && names().join() === 'Ada', 'Ada alone');
  await bob.connect();
  await bob.join(room.id);
  await until(() => names().join() === 'Ada,Bob', 'Bob online');
  assert.equal(hook.current.online.find((m) => m.name === 'Bob')?.userId, bob.userId);
  bob.close();
  await until(() => names().join() === 'Ada', 'Bob offline');
  assert.deepEqual(distinct(hook.renders.map((r) => r.online)).map((online) => online.map((m) => m.name).join()), ['', 'Ada', 'Ada,Bob', 'Ada'], 'one new array per change, none in between');
});

test('useTyping shows who types, drops them when they stop or when the ttl passes without renewal', async () => {
  await using server = await startServer({ PARLEY_TYPING_TTL_MS: '500', PARLEY_TYPING_THROTTLE_MS: '0' });
  const { room, joinCode } = await server.createRoom();
  using ada = await member(server, room.id, joinCode, 'Ada');
  using bob = await member(server, room.id, joinCode, 'Bob');
  await Promise.all([ada.connect(), bob.connect()]);
  await bob.join(room.id);
  await using hook = await renderHook(() => ({ room: useRoom(ada, room.id), typing: useTyping(ada, room.id) }));
  await until(() => hook.current.room.joined, 'joined');

  ada.typing(room.id, true);
  bob.typing(room.id, true);
  await until(() => hook.current.typing.join() === 'Bob', 'Bob typing');
  bob.typing(room.id, false);
  await until(() => hook.current.typing.length === 0, 'Bob stopped');

  bob.typing(room.id, true);
  await until(() => hook.current.typing.join() === 'Bob', 'Bob typing again');
  const shownAt = Date.now();
  await until(() => hook.current.typing.length === 0, 'expired', 5_000);
  assert.ok(Date.now() - shownAt >= 400, 'dropped by the ttl, not before');
  assert.ok(hook.renders.every((r) => !r.typing.includes('Ada')), 'never oneself');
});
