/**
 * The room state a client derives from the timeline (issue 11; docs/protocol.md, "The state a
 * client derives") is the same however the client got the events: live, by resuming after being
 * away, or by paging history afterwards. Real server, SDK clients, a link that cuts one of them off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, type RoomState } from '../../client/src/index.ts';
import { startServer } from '../support/server.ts';
import { call, ownedRoom } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { Link } from './link.ts';
import { WS, plain } from './sdk-test.ts';

function clientFor(url: string, token: string) {
  const client = new ParleyClient({ WebSocket: WS, url, token, backoffBaseMs: 5, backoffMaxMs: 20 });
  return Object.assign(client, { [Symbol.dispose]: () => client.close() });
}

/** {@link plain} of a joined room's state. */
function visible(state: RoomState | undefined) {
  assert.ok(state !== undefined, 'the room is joined');
  return plain(state);
}

test('a member away during an edit, a delete, three reactions and a kick resumes and holds the same room state as a member who stayed, and as one who pages history afterwards', async () => {
  await using server = await startServer();
  const { owner, room, joinCode } = await ownedRoom(server);
  const join = (name: string) => server.joinRoom(room.id, joinCode, name);
  const [ada, bob, carol] = [await join('Ada'), await join('Bob'), await join('Carol')];
  await using link = await Link.open(server.url);
  using o = clientFor(server.url, owner.token);
  using a = clientFor(server.url, ada.token);
  using b = clientFor(link.url, bob.token);
  await Promise.all([o.connect(), a.connect(), b.connect()]);
  await Promise.all([o.join(room.id), a.join(room.id), b.join(room.id)]);

  const first = await a.send(room.id, 'first, with a typo');
  const second = await o.send(room.id, 'second');
  const third = await b.send(room.id, 'third', { replyTo: first.seq });
  await eventually('Bob holding the three messages', 5000, () => b.lastSeq(room.id) === third.seq);

  link.refuse();
  link.cut();
  await eventually('Bob noticing he is cut off', 5000, () => b.state !== 'open');
  await a.edit(room.id, first.seq, 'first, fixed');
  await o.delete(room.id, second.seq);
  await a.react(room.id, first.seq, '👍');
  await o.react(room.id, first.seq, '🎉');
  await a.react(room.id, third.seq, '👍');
  const kicked = await call(server.url, 'DELETE', `/api/v1/rooms/${room.id}/members/${carol.user.id}`, owner.token);
  assert.equal(kicked.status, 200, JSON.stringify(kicked.json));
  await eventually('Ada holding every event', 5000, () => visible(a.roomState(room.id)).members.every(([id]) => id !== carol.user.id));
  assert.ok(b.lastSeq(room.id) < a.lastSeq(room.id), 'Bob missed the changes');

  link.refuse(false);
  await eventually('Bob resuming to the newest seq', 10_000, () => b.lastSeq(room.id) === a.lastSeq(room.id));
  const stayed = visible(a.roomState(room.id));
  assert.deepEqual(visible(b.roomState(room.id)), stayed);

  const edited = stayed.messages.find(([seq]) => seq === first.seq)?.[1];
  assert.equal(edited?.body, 'first, fixed');
  assert.ok(edited?.editedAt !== undefined);
  assert.deepEqual(edited?.reactions, [
    { key: '👍', userIds: [ada.user.id] },
    { key: '🎉', userIds: [owner.user.id] },
  ]);
  const deleted = stayed.messages.find(([seq]) => seq === second.seq)?.[1];
  assert.deepEqual([deleted?.body, deleted?.deletedAt !== undefined], ['', true]);
  assert.equal(stayed.messages.find(([seq]) => seq === third.seq)?.[1].replyTo, first.seq);

  // A member who arrives now and pages the history holds the same messages.
  const dan = await join('Dan');
  using d = clientFor(server.url, dan.token);
  await d.connect();
  await d.join(room.id);
  await d.history(room.id, { limit: 100 });
  assert.deepEqual(visible(d.roomState(room.id)).messages, stayed.messages);
});
