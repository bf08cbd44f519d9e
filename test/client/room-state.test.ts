/**
 * The room-state reducer (client/src/room-state.ts): each event type changes the state as the
 * protocol's docstrings say; applying an event twice changes nothing; and a client that reads
 * history (messages as they stand now) and then receives events it already contains — a resume, a
 * gap fill — ends in the same state as one that applied every event live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEvent, applyEventInPlace, applyEvents, emptyRoomState, type MessageEvent, type RoomState, type TimelineEvent } from '../../client/src/index.ts';
import { plain } from './sdk-test.ts';

const ROOM = 'room';
const T0 = 1_700_000_000_000;

/** The envelope of event `seq`, caused by `senderId`, accepted at T0 + seq·10 ms. */
function envelope(seq: number, senderId: string) {
  return { id: `e${seq}`, roomId: ROOM, seq, senderId, senderName: senderId.toUpperCase(), clientId: `c${seq}`, createdAt: T0 + seq * 10 };
}

/** {@link plain}, with each message's reaction keys sorted: what history can tell about a room. */
function unordered(state: RoomState) {
  const p = plain(state);
  return { ...p, messages: p.messages.map(([seq, m]) => [seq, m.reactions === undefined ? m : { ...m, reactions: [...m.reactions].sort((a, b) => a.key.localeCompare(b.key)) }] as const) };
}


test('edit replaces the body and sets editedAt to the event\'s createdAt; delete empties the body, drops the reactions and sets deletedAt', () => {
  const events: TimelineEvent[] = [
    { ...envelope(1, 'ada'), type: 'message', body: 'helo' },
    { ...envelope(2, 'bob'), type: 'message', body: 'hi', replyTo: 1 },
    { ...envelope(3, 'ada'), type: 'message_edited', target: 1, body: 'hello' },
    { ...envelope(4, 'bob'), type: 'reaction_added', target: 2, key: '👍' },
    { ...envelope(5, 'mod'), type: 'message_deleted', target: 2 },
    { ...envelope(6, 'bob'), type: 'message_edited', target: 2, body: 'back from the dead?' },
    { ...envelope(7, 'bob'), type: 'reaction_added', target: 2, key: '👍' },
  ];
  const state = applyEvents(emptyRoomState(), events);
  assert.deepEqual(state.messages.get(1), { ...envelope(1, 'ada'), type: 'message', body: 'hello', editedAt: T0 + 30 });
  assert.deepEqual(state.messages.get(2), { ...envelope(2, 'bob'), type: 'message', body: '', replyTo: 1, deletedAt: T0 + 50 }, 'a tombstone takes no edit and no reaction');
  assert.equal('reactions' in (state.messages.get(2) as object), false);
});

test('reactions are one set of members per key, keys and members in the order they reacted; an emptied key is dropped, and `reactions` is absent when none remain', () => {
  const react = (seq: number, user: string, key: string, active = true): TimelineEvent => ({ ...envelope(seq, user), type: active ? 'reaction_added' : 'reaction_removed', target: 1, key });
  let state = applyEvent(emptyRoomState(), { ...envelope(1, 'ada'), type: 'message', body: 'vote' });
  state = applyEvents(state, [react(2, 'bob', '👍'), react(3, 'cy', '❤️'), react(4, 'ada', '👍'), react(5, 'bob', '👍'), react(6, 'cy', '👍')]);
  assert.deepEqual(state.messages.get(1)?.reactions, [{ key: '👍', userIds: ['bob', 'ada', 'cy'] }, { key: '❤️', userIds: ['cy'] }]);
  state = applyEvents(state, [react(7, 'bob', '👍', false), react(8, 'cy', '❤️', false), react(9, 'bob', '👍')]);
  assert.deepEqual(state.messages.get(1)?.reactions, [{ key: '👍', userIds: ['ada', 'cy', 'bob'] }]);
  state = applyEvents(state, [react(10, 'ada', '👍', false), react(11, 'cy', '👍', false), react(12, 'bob', '👍', false), react(13, 'bob', '👍', false)]);
  assert.equal('reactions' in (state.messages.get(1) as object), false);
  // Keys are ordered by their first current reaction (as the server reads them back): when 🎉's first
  // reaction is taken back, its next one (seq 16) is newer than 🚀's first (seq 15).
  state = applyEvents(state, [react(14, 'ada', '🎉'), react(15, 'bob', '🚀'), react(16, 'cy', '🎉'), react(17, 'ada', '🎉', false)]);
  assert.deepEqual(state.messages.get(1)?.reactions, [{ key: '🚀', userIds: ['bob'] }, { key: '🎉', userIds: ['cy'] }]);
});

test('membership, moderation and room events: joins, role changes, mutes, leaves, bans, renames and closing', () => {
  const events: TimelineEvent[] = [
    { ...envelope(1, 'ada'), type: 'member_joined', userId: 'ada', name: 'Ada', role: 'owner' },
    { ...envelope(2, 'bob'), type: 'member_joined', userId: 'bob', name: 'Bob', role: 'member' },
    { ...envelope(3, 'eve'), type: 'member_joined', userId: 'eve', name: 'Eve', role: 'guest' },
    { ...envelope(4, 'ada'), type: 'member_role_changed', userId: 'bob', role: 'moderator' },
    { ...envelope(5, 'bob'), type: 'member_muted', userId: 'eve', until: T0 + 60_000 },
    { ...envelope(6, 'bob'), type: 'member_banned', userId: 'eve', reason: null },
    { ...envelope(7, 'bob'), type: 'member_banned', userId: 'mal', reason: 'spam' },
    { ...envelope(8, 'bob'), type: 'member_unbanned', userId: 'mal' },
    { ...envelope(9, 'cy'), type: 'member_joined', userId: 'cy', name: 'Cy', role: 'member' },
    { ...envelope(10, 'cy'), type: 'member_left', userId: 'cy' },
    { ...envelope(11, 'ada'), type: 'room_updated', name: 'Renamed' },
    { ...envelope(12, 'ada'), type: 'room_updated' },
    { ...envelope(13, 'ops'), type: 'system', body: 'Maintenance at noon' },
    { ...envelope(14, 'ada'), type: 'room_closed' },
  ];
  const state = applyEvents(emptyRoomState({ name: 'Lobby', closedAt: null }), events);
  assert.deepEqual(plain(state), {
    messages: [],
    members: [
      ['ada', { name: 'Ada', role: 'owner', mutedUntil: null }],
      ['bob', { name: 'Bob', role: 'moderator', mutedUntil: null }],
    ],
    bans: ['eve'],
    name: 'Renamed',
    closedAt: T0 + 140,
  });
});

test('the reducer is pure: the state given is never changed, and an event that changes nothing returns the same state', () => {
  const before = applyEvent(emptyRoomState(), { ...envelope(1, 'ada'), type: 'message', body: 'hi' });
  const snapshot = plain(before);
  const after = applyEvent(before, { ...envelope(2, 'bob'), type: 'reaction_added', target: 1, key: '👍' });
  assert.deepEqual(plain(before), snapshot);
  assert.notEqual(after, before);
  assert.equal(applyEvent(after, { ...envelope(3, 'bob'), type: 'reaction_added', target: 1, key: '👍' }), after);
  assert.equal(applyEvent(after, { ...envelope(4, 'bob'), type: 'message_edited', target: 99, body: 'unknown target' }), after);
});

// ---- properties ----

const USERS = ['ada', 'bob', 'cy'] as const;
const KEYS = ['👍', '❤️', '😂'] as const;

/** One step of a room's life, with targets as indexes into the seqs so far (any seq, existing or not). */
const step = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('message' as const), user: fc.constantFrom(...USERS), body: fc.string({ minLength: 1, maxLength: 4 }), reply: fc.option(fc.nat(), { nil: undefined }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('edit' as const), user: fc.constantFrom(...USERS), target: fc.nat(), body: fc.string({ minLength: 1, maxLength: 4 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), user: fc.constantFrom(...USERS), target: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('react' as const), user: fc.constantFrom(...USERS), target: fc.nat(), key: fc.constantFrom(...KEYS) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constantFrom('member_joined', 'member_left', 'member_removed', 'member_banned', 'member_unbanned', 'member_muted', 'member_unmuted'), user: fc.constantFrom(...USERS), target: fc.constantFrom(...USERS), role: fc.constantFrom('owner', 'moderator', 'member', 'guest') }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('member_role_changed' as const), user: fc.constantFrom(...USERS), target: fc.constantFrom(...USERS), role: fc.constantFrom('owner', 'moderator', 'member', 'guest') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constantFrom('room_updated', 'room_closed', 'system'), user: fc.constantFrom(...USERS), name: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }) }), weight: 1 },
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/**
 * Number the steps as a room's timeline: seq 1…n, createdAt increasing. Reactions are valid as the
 * server writes them: a `reaction_added` only when absent, a `reaction_removed` only when present.
 */
function timeline(steps: Step[]): TimelineEvent[] {
  const messageSeqs: number[] = [];
  const given = new Set<string>();
  return steps.map((s, i): TimelineEvent => {
    const seq = i + 1;
    const base = envelope(seq, s.user);
    // Mostly an existing message; sometimes one this room never had.
    const target = (n: number) => (messageSeqs.length === 0 || n % 7 === 6 ? seq + 100 : (messageSeqs[n % messageSeqs.length] as number));
    switch (s.kind) {
      case 'message': {
        messageSeqs.push(seq);
        return { ...base, type: 'message', body: s.body, ...(s.reply === undefined || seq === 1 ? {} : { replyTo: 1 + (s.reply % (seq - 1)) }) };
      }
      case 'edit':
        return { ...base, type: 'message_edited', target: target(s.target), body: s.body };
      case 'delete':
        return { ...base, type: 'message_deleted', target: target(s.target) };
      case 'react': {
        const on = target(s.target);
        const id = `${on} ${s.key} ${s.user}`;
        const active = !given.has(id);
        if (active) given.add(id);
        else given.delete(id);
        return { ...base, type: active ? 'reaction_added' : 'reaction_removed', target: on, key: s.key };
      }
      case 'member_joined':
        return { ...base, type: 'member_joined', userId: s.target, name: s.target.toUpperCase(), role: s.role };
      case 'member_banned':
        return { ...base, type: 'member_banned', userId: s.target, reason: null };
      case 'member_muted':
        return { ...base, type: 'member_muted', userId: s.target, until: base.createdAt + 60_000 };
      case 'member_left':
      case 'member_removed':
      case 'member_unbanned':
      case 'member_unmuted':
        return { ...base, type: s.kind, userId: s.target };
      case 'member_role_changed':
        return { ...base, type: 'member_role_changed', userId: s.target, role: s.role };
      case 'room_updated':
        return { ...base, type: 'room_updated', ...(s.name === undefined ? {} : { name: s.name }) };
      case 'room_closed':
        return { ...base, type: 'room_closed' };
      case 'system':
        return { ...base, type: 'system', body: 'notice' };
    }
  });
}

/** A room's timeline with three cut points: history holds seq ≤ `upTo`, its messages as they stood at `asOf` ≥ upTo; the replay starts after `since` ≤ upTo. */
const scenario = fc
  .array(step, { maxLength: 40 })
  .map(timeline)
  .chain((events) =>
    fc
      .nat({ max: events.length })
      .chain((upTo) => fc.tuple(fc.constant(events), fc.constant(upTo), fc.integer({ min: upTo, max: events.length }), fc.nat({ max: upTo }))),
  );

test('property: applying any event twice in a row changes nothing', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }).map(timeline), (events) => {
      let once = emptyRoomState();
      let twice = emptyRoomState();
      for (const event of events) {
        once = applyEvent(once, event);
        const first = applyEvent(twice, event);
        const second = applyEvent(first, event);
        assert.equal(second, first, `event ${event.seq} (${event.type}) applied again changed the state`);
        twice = second;
      }
      assert.deepEqual(plain(twice), plain(once));
    }),
    { numRuns: 500 },
  );
});

test('property: folding in place (what a client does with its own state) gives the state the pure reducer gives, with a new state object exactly when something changed', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }).map(timeline), (events) => {
      let pure = emptyRoomState();
      let owned = emptyRoomState();
      for (const event of events) {
        const next = applyEvent(pure, event);
        const nextOwned = applyEventInPlace(owned, event);
        assert.equal(nextOwned !== owned, next !== pure, `event ${event.seq} (${event.type}) changed one state and not the other`);
        pure = next;
        owned = nextOwned;
        assert.deepEqual(plain(owned), plain(pure));
      }
    }),
    { numRuns: 300 },
  );
});

/** The server's reading of a message's reactions (src/engines/store/timeline/read.ts): members by seq, keys by their first member's seq. */
function serverReactions(events: TimelineEvent[], target: number) {
  const rows = new Map<string, { key: string; userId: string; seq: number }>();
  for (const e of events) {
    if (e.type === 'message_deleted' && e.target === target) rows.clear();
    if ((e.type === 'reaction_added' || e.type === 'reaction_removed') && e.target === target) {
      if (e.type === 'reaction_added') rows.set(`${e.key} ${e.senderId}`, { key: e.key, userId: e.senderId, seq: e.seq });
      else rows.delete(`${e.key} ${e.senderId}`);
    }
  }
  const keys = new Map<string, string[]>();
  for (const row of [...rows.values()].sort((a, b) => a.seq - b.seq)) keys.set(row.key, [...(keys.get(row.key) ?? []), row.userId]);
  return [...keys].map(([key, userIds]) => ({ key, userIds }));
}

test('property: reactions applied live are ordered as the server reads them back', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }).map(timeline), (events) => {
      const live = applyEvents(emptyRoomState(), events);
      for (const [seq, message] of live.messages) {
        if (message.deletedAt !== undefined) continue; // a tombstone takes no reactions
        assert.deepEqual(message.reactions ?? [], serverReactions(events, seq), `message ${seq}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: any timeline applied live equals its history (messages as they stand) followed by a replay of events it already contains and those after it', () => {
  fc.assert(
    fc.property(scenario, ([events, upTo, asOf, since]) => {
      const live = applyEvents(emptyRoomState(), events);
      const standing = applyEvents(emptyRoomState(), events.slice(0, asOf)).messages;
      const history = events.slice(0, upTo).map((e): TimelineEvent => (e.type === 'message' ? (standing.get(e.seq) as MessageEvent) : e));
      const resumed = applyEvents(applyEvents(emptyRoomState(), history), events.slice(since));
      // Exact, but for the order of reaction keys whose first reaction was taken back after the
      // history was read: history carries no reaction seqs (see room-state.ts).
      assert.deepEqual(unordered(resumed), unordered(live));
      if (asOf === events.length) assert.deepEqual(plain(resumed), plain(live), 'history read after every event: exact');
    }),
    { numRuns: 4000 },
  );
});

test('a message read from history followed by the events it already contains stays equal to it', () => {
  const events: TimelineEvent[] = [
    { ...envelope(1, 'ada'), type: 'message', body: 'draft' },
    { ...envelope(2, 'bob'), type: 'reaction_added', target: 1, key: '👍' },
    { ...envelope(3, 'ada'), type: 'message_edited', target: 1, body: 'final' },
    { ...envelope(4, 'cy'), type: 'reaction_added', target: 1, key: '👍' },
    { ...envelope(5, 'bob'), type: 'reaction_removed', target: 1, key: '👍' },
  ];
  const standing = applyEvents(emptyRoomState(), events).messages.get(1) as MessageEvent;
  assert.deepEqual(standing, { ...envelope(1, 'ada'), type: 'message', body: 'final', editedAt: T0 + 30, reactions: [{ key: '👍', userIds: ['cy'] }] });
  const resumed = applyEvents(emptyRoomState(), [standing, ...events.slice(1)]);
  assert.deepEqual(resumed.messages.get(1), standing);
});
