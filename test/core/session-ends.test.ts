/**
 * The `session_ended` control channel (issue 11): it rides the broker on a channel no room id can
 * name, reaches the listeners and never the fan-out's handler, while room events still reach the
 * fan-out and never the listeners; each kind of ending matches exactly its principals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/engines/broker/memory.ts';
import { EndedSessions, SESSION_ENDS_CHANNEL, SessionEnds, endsPrincipal, parseSessionEnded, type SessionEnded } from '../../src/core/session-ends.ts';
import { RoomId } from '../../src/protocol/ids.ts';
import type { RoomEvent } from '../../src/core/ports/broker.ts';
import type { Principal } from '../../src/core/principal.ts';

test('the control channel can never be a room id', () => {
  assert.equal(RoomId.safeParse(SESSION_ENDS_CHANNEL).success, false);
});

test('control events reach the session-end listeners only; room events reach the core\'s handler only', async () => {
  const engine = new MemoryBroker();
  const ends = new SessionEnds(engine);
  const roomEvents: RoomEvent[] = [];
  const heard: SessionEnded[] = [];
  ends.broker.onEvent((event) => roomEvents.push(event));
  ends.onEnded((ended) => heard.push(ended));
  await ends.start();
  await ends.broker.subscribe('room-1');
  const ended: SessionEnded = { type: 'session_ended', scope: 'family', familyId: 'f1' };
  await ends.announce(ended);
  await ends.broker.publish({ roomId: 'room-1', frame: '{"type":"typing"}' });
  assert.deepEqual(heard, [ended]);
  assert.deepEqual(roomEvents.map((e) => e.roomId), ['room-1']);
});

test('each ending matches exactly the principals of its session', () => {
  const join: Principal = { userId: 'u1', name: 'A', role: 'user', session: { kind: 'join', id: 'h1' } };
  const admin: Principal = { userId: 'acc', name: 'B', role: 'admin', session: { kind: 'account', familyId: 'f1' } };
  const user: Principal = { userId: 'acc', name: 'B', role: 'user', session: { kind: 'account', familyId: 'f2' } };
  const integrator: Principal = { userId: 'u1', name: 'A', role: 'user' };
  const byJoin: SessionEnded = { type: 'session_ended', scope: 'join', sessionId: 'h1' };
  const byFamily: SessionEnded = { type: 'session_ended', scope: 'family', familyId: 'f1' };
  const byDemotion: SessionEnded = { type: 'session_ended', scope: 'account', accountId: 'acc', role: 'user' };
  const all = [join, admin, user, integrator];
  assert.deepEqual(all.filter((p) => endsPrincipal(byJoin, p)), [join]);
  assert.deepEqual(all.filter((p) => endsPrincipal(byFamily, p)), [admin]);
  assert.deepEqual(all.filter((p) => endsPrincipal(byDemotion, p)), [admin], 'a demotion ends the sockets still holding the old role');
});

test('malformed control frames are ignored', () => {
  for (const frame of ['nope', '{}', '{"type":"session_ended","scope":"join"}', '{"type":"session_ended","scope":"account","accountId":"a","role":"root"}']) {
    assert.equal(parseSessionEnded(frame), undefined, frame);
  }
  assert.deepEqual(parseSessionEnded('{"type":"session_ended","scope":"join","sessionId":"h"}'), { type: 'session_ended', scope: 'join', sessionId: 'h' });
});

test('a node remembers ended sessions for their retention, at most maxEntries, and matches them in O(1) by session', () => {
  let now = 0;
  const ended = new EndedSessions(1000, 2, () => now);
  const family: Principal = { userId: 'acc', name: 'B', role: 'user', session: { kind: 'account', familyId: 'f1' } };
  const admin: Principal = { userId: 'acc2', name: 'C', role: 'admin', session: { kind: 'account', familyId: 'f9' } };
  const join: Principal = { userId: 'u', name: 'A', role: 'user', session: { kind: 'join', id: 'h1' } };
  ended.remember({ type: 'session_ended', scope: 'family', familyId: 'f1' });
  ended.remember({ type: 'session_ended', scope: 'account', accountId: 'acc2', role: 'user' });
  assert.equal(ended.ends(family), true);
  assert.equal(ended.ends(admin), true, 'the old role is refused');
  assert.equal(ended.ends({ ...admin, role: 'user' }), false, 'the new role is not');
  assert.equal(ended.ends(join), false);
  ended.remember({ type: 'session_ended', scope: 'join', sessionId: 'h1' });
  assert.equal(ended.ends(join), true);
  assert.equal(ended.ends(family), false, 'the oldest went first past maxEntries');
  now = 1000;
  assert.equal(ended.ends(join), false, 'forgotten after the retention');
});
