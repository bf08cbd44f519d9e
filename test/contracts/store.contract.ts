/**
 * The Store contract (src/core/ports/store.ts), run against every Store engine (STYLE C4).
 * Engine-agnostic: it only uses the Store interface; each test gets a fresh store from the factory
 * and disposes it. Test names state the guarantee.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyError, type ErrorCode } from '../../src/protocol/errors.ts';
import type { MemberRole, MessageEvent, TimelineEvent } from '../../src/protocol/index.ts';
import type { AccountRecord, AuditRecord, ConversationJoin, MessageSearch, NewConversation, NewMessage, NewRoom, Store, StoreTimeline } from '../../src/core/ports/store.ts';

/** Creates one fresh, empty store; `dispose` closes it (also after `store.close()`) and removes its data. */
export type StoreFactory = () => Promise<{ store: Store; dispose(): Promise<void> }>;

const T0 = 1_700_000_000_000;

/** An event as `timeline.commit` takes it. */
type CommitEvent = Parameters<StoreTimeline['commit']>[0];
type EnvelopeKey = 'id' | 'roomId' | 'senderId' | 'senderName' | 'clientId' | 'createdAt';
/** A commit event's own fields, with any envelope field overridable. */
type EventFields = CommitEvent extends infer E ? (E extends CommitEvent ? Omit<E, EnvelopeKey> & Partial<Pick<E, EnvelopeKey>> : never) : never;

const checked = { authority: 'checked' } as const;
const asMember = { authority: 'member' } as const;

/** A room with defaults; override any field. */
function newRoom(id: string, overrides: Partial<NewRoom> = {}): NewRoom {
  return { id, name: `Room ${id}`, kind: 'persistent', maxMembers: 100, joinRule: 'open', e2ee: false, messagesPerMinute: null, joinCodeHash: null, epoch: 'epoch-1', createdAt: T0, ...overrides };
}

let nextId = 0;
/** A message from alice with a fresh id; `clientId` defaults to a fresh one too. */
function newMessage(roomId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  nextId += 1;
  return { id: `msg-${nextId}`, roomId, senderId: 'alice', senderName: 'Alice', clientId: `client-${nextId}`, type: 'message', body: `hello ${nextId}`, createdAt: T0 + nextId, ...overrides };
}

/** A commit event in `roomId` from 'mod' with a fresh id and clientId; override any field. */
function newEvent(roomId: string, fields: EventFields): CommitEvent {
  nextId += 1;
  return { id: `ev-${nextId}`, roomId, senderId: 'mod', senderName: 'Mod', clientId: `ev-client-${nextId}`, createdAt: T0 + nextId, ...fields } as CommitEvent;
}

/** A `member_joined` event of `userId` (the sender) with `role`, joining at `createdAt`. */
function joinEvent(roomId: string, userId: string, role: MemberRole = 'member', createdAt = T0): CommitEvent {
  return newEvent(roomId, { type: 'member_joined', userId, name: `User ${userId}`, role, senderId: userId, senderName: `User ${userId}`, createdAt });
}

/** A direct conversation room of `a` and `b` proposed under `id` (its key: the pair, sorted). */
function directRoom(id: string, a: string, b: string): NewConversation {
  return { ...newRoom(id, { joinRule: 'code', maxMembers: 2 }), conversation: 'direct', directKey: JSON.stringify([a, b].sort()) };
}

/** The `member_joined` events opening a conversation with `people` (opened by the first). */
function conversationJoins(people: readonly (string | [string, string])[]): ConversationJoin[] {
  const [first] = people;
  const opener = typeof first === 'string' ? first : (first?.[0] ?? 'nobody');
  return people.map((p) => {
    const [userId, name] = typeof p === 'string' ? [p, `User ${p}`] : p;
    nextId += 1;
    return { type: 'member_joined', id: `ev-${nextId}`, senderId: opener, senderName: `User ${opener}`, clientId: `ev-client-${nextId}`, createdAt: T0 + nextId, userId, name, role: 'member' };
  });
}

/** An account with defaults; override any field. */
function newAccount(id: string, overrides: Partial<AccountRecord> = {}): AccountRecord {
  return { id, username: id, name: `Name of ${id}`, role: 'user', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', createdAt: T0, ...overrides };
}

/** A refresh token record: `hash` issued at `at`, living `ttlMs`. */
function token(hash: string, at = T0, ttlMs = 60_000): { tokenHash: string; createdAt: number; expiresAt: number } {
  return { tokenHash: hash, createdAt: at, expiresAt: at + ttlMs };
}

/** Matcher for `assert.rejects`: a ParleyError with this code. */
function parley(code: ErrorCode): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ParleyError, `expected ParleyError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

/** Matcher for `assert.rejects`: a ParleyError VALIDATION_FAILED whose details name `field`. */
function validationFailed(field: string): (err: unknown) => true {
  return (err) => {
    parley('VALIDATION_FAILED')(err);
    assert.equal((err as ParleyError).details?.field, field);
    return true;
  };
}

/** Register the Store contract suites for one engine. */
export function storeContract(name: string, factory: StoreFactory): void {
  /** Run `fn` on a fresh store, disposing it whatever happens. */
  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const { store, dispose } = await factory();
    try {
      await fn(store);
    } finally {
      await dispose();
    }
  }

  /** Create room `id` and let `users` join it as members (one `member_joined` event each, seqs 1..n). */
  async function openRoom(store: Store, id: string, users: readonly (string | [string, MemberRole])[] = ['alice'], overrides: Partial<NewRoom> = {}): Promise<void> {
    await store.rooms.create(newRoom(id, overrides));
    for (const u of users) {
      const [userId, role] = typeof u === 'string' ? [u, 'member' as const] : u;
      await store.timeline.commit(joinEvent(id, userId, role), checked);
    }
  }

  /** How many members the room has (0 for no room), as a join reads it. */
  async function memberCount(store: Store, roomId: string): Promise<number> {
    return (await store.members.joinView(roomId, 'nobody'))?.memberCount ?? 0;
  }

  /** Append `count` messages from alice to `roomId` one after another. */
  async function fill(store: Store, roomId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) await store.timeline.append(newMessage(roomId));
  }

  /** Append a message and answer the stored event. */
  async function send(store: Store, roomId: string, overrides: Partial<NewMessage> = {}): Promise<MessageEvent> {
    return (await store.timeline.append(newMessage(roomId, overrides))).event;
  }

  /** Every event of a room, folded, ascending. */
  async function all(store: Store, roomId: string): Promise<TimelineEvent[]> {
    return (await store.timeline.page(roomId, { after: 0, limit: 1000 })).events;
  }

  /** The stored message at `seq`, folded. */
  async function messageAt(store: Store, roomId: string, seq: number): Promise<MessageEvent | undefined> {
    const [event] = (await store.timeline.page(roomId, { after: seq - 1, limit: 1 })).events;
    return event?.type === 'message' && event.seq === seq ? event : undefined;
  }

  describe(`Store contract: ${name}`, () => {
    describe('rooms', () => {
      test('create returns the room with lastSeq 0, closedAt null and no conversation, and get returns the same record', () =>
        withStore(async (store) => {
          const input = newRoom('r1', { kind: 'relay', maxMembers: 7, joinRule: 'code', messagesPerMinute: 42, joinCodeHash: 'ab'.repeat(32), epoch: 'e-9' });
          const created = await store.rooms.create(input);
          assert.deepEqual(created, { ...input, lastSeq: 0, closedAt: null, conversation: null });
          assert.deepEqual(await store.rooms.get('r1'), created);
        }));

      test('a duplicate room id is rejected with VALIDATION_FAILED naming the id, and the first room is kept', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('dup', { name: 'first' }));
          await assert.rejects(store.rooms.create(newRoom('dup', { name: 'second' })), validationFailed('id'));
          assert.equal((await store.rooms.get('dup'))?.name, 'first');
        }));

      test('get of an unknown room is undefined', () =>
        withStore(async (store) => {
          assert.equal(await store.rooms.get('missing'), undefined);
        }));

      test('list returns rooms newest first, honouring limit and offset', () =>
        withStore(async (store) => {
          for (let i = 0; i < 5; i += 1) await store.rooms.create(newRoom(`r${i}`, { createdAt: T0 + i }));
          assert.deepEqual((await store.rooms.list({ limit: 10, offset: 0 })).map((r) => r.id), ['r4', 'r3', 'r2', 'r1', 'r0']);
          assert.deepEqual((await store.rooms.list({ limit: 2, offset: 1 })).map((r) => r.id), ['r3', 'r2']);
          assert.deepEqual(await store.rooms.list({ limit: 2, offset: 5 }), []);
        }));

      test('setJoinCodeHash replaces the hash and null clears it', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('j', { joinRule: 'code', joinCodeHash: 'a'.repeat(64) }));
          assert.equal((await store.rooms.setJoinCodeHash('j', 'b'.repeat(64)))?.joinCodeHash, 'b'.repeat(64));
          assert.equal((await store.rooms.get('j'))?.joinCodeHash, 'b'.repeat(64));
          assert.equal((await store.rooms.setJoinCodeHash('j', null))?.joinCodeHash, null);
          assert.equal((await store.rooms.get('j'))?.joinCodeHash, null);
        }));

      test('setJoinCodeHash of an unknown room returns undefined and creates nothing', () =>
        withStore(async (store) => {
          assert.equal(await store.rooms.setJoinCodeHash('ghost', 'c'.repeat(64)), undefined);
          assert.equal(await store.rooms.get('ghost'), undefined);
        }));
    });

    describe('timeline: append', () => {
      test('append stores every field as given, takes the next seqs and advances the room lastSeq', () =>
        withStore(async (store) => {
          await openRoom(store, 'a');
          const first = newMessage('a', { body: 'héllo 👋 <b>not html</b>', senderName: 'Ålice' });
          const r1 = await store.timeline.append(first);
          assert.deepEqual(r1, { event: { ...first, seq: 2 }, duplicate: false });
          assert.equal((await store.timeline.append(newMessage('a'))).event.seq, 3);
          assert.equal((await store.timeline.append(newMessage('a'))).event.seq, 4);
          assert.equal((await store.rooms.get('a'))?.lastSeq, 4);
          assert.deepEqual((await store.timeline.page('a', { after: 1, limit: 1 })).events, [{ ...first, seq: 2 }]);
        }));

      test('a replyTo naming a message of the room is stored; one naming no message (or a non-message event) is refused with NOT_FOUND and takes no seq', () =>
        withStore(async (store) => {
          await openRoom(store, 'rp', ['alice', 'bob']);
          const asked = await send(store, 'rp');
          const answer = newMessage('rp', { senderId: 'bob', senderName: 'Bob', replyTo: asked.seq });
          assert.deepEqual((await store.timeline.append(answer)).event, { ...answer, seq: 4 });
          await assert.rejects(store.timeline.append(newMessage('rp', { replyTo: 99 })), parley('NOT_FOUND'));
          await assert.rejects(store.timeline.append(newMessage('rp', { replyTo: 1 })), parley('NOT_FOUND'), 'seq 1 is a member_joined event');
          assert.equal((await store.rooms.get('rp'))?.lastSeq, 4);
          assert.equal((await messageAt(store, 'rp', 4))?.replyTo, asked.seq);
        }));

      test('a sender who is not a member is refused with NOT_MEMBER, a guest with FORBIDDEN; neither takes a seq', () =>
        withStore(async (store) => {
          await openRoom(store, 'auth', [['visitor', 'guest']]);
          await assert.rejects(store.timeline.append(newMessage('auth', { senderId: 'stranger' })), parley('NOT_MEMBER'));
          await assert.rejects(store.timeline.append(newMessage('auth', { senderId: 'visitor' })), parley('FORBIDDEN'));
          assert.equal((await store.rooms.get('auth'))?.lastSeq, 1);
          assert.equal((await all(store, 'auth')).length, 1);
        }));

      test('moderators and owners may send as members do', () =>
        withStore(async (store) => {
          await openRoom(store, 'roles', [['boss', 'owner'], ['mod', 'moderator']]);
          assert.equal((await send(store, 'roles', { senderId: 'boss' })).seq, 3);
          assert.equal((await send(store, 'roles', { senderId: 'mod' })).seq, 4);
        }));

      test('a member muted at the message\'s createdAt is refused with MEMBER_MUTED naming mutedUntil; at or after mutedUntil the message is stored', () =>
        withStore(async (store) => {
          await openRoom(store, 'mute');
          await store.timeline.commit(newEvent('mute', { type: 'member_muted', userId: 'alice', until: T0 + 1000 }), checked);
          await assert.rejects(store.timeline.append(newMessage('mute', { createdAt: T0 + 999 })), (err) => {
            parley('MEMBER_MUTED')(err);
            assert.equal((err as ParleyError).details?.mutedUntil, T0 + 1000);
            return true;
          });
          assert.equal((await store.rooms.get('mute'))?.lastSeq, 2, 'the refused message took no seq');
          assert.equal((await send(store, 'mute', { createdAt: T0 + 1000 })).seq, 3);
          assert.equal((await send(store, 'mute', { createdAt: T0 + 5000 })).seq, 4);
        }));

      test('a member removed, banned or demoted to guest is refused from then on', () =>
        withStore(async (store) => {
          await openRoom(store, 'gone', ['kicked', 'banned', 'demoted', 'stays']);
          for (const senderId of ['kicked', 'banned', 'demoted', 'stays']) await send(store, 'gone', { senderId });
          await store.timeline.commit(newEvent('gone', { type: 'member_removed', userId: 'kicked' }), checked);
          await store.timeline.commit(newEvent('gone', { type: 'member_banned', userId: 'banned', reason: null }), checked);
          await store.timeline.commit(newEvent('gone', { type: 'member_role_changed', userId: 'demoted', role: 'guest' }), checked);
          await assert.rejects(store.timeline.append(newMessage('gone', { senderId: 'kicked' })), parley('NOT_MEMBER'));
          await assert.rejects(store.timeline.append(newMessage('gone', { senderId: 'banned' })), parley('NOT_MEMBER'));
          await assert.rejects(store.timeline.append(newMessage('gone', { senderId: 'demoted' })), parley('FORBIDDEN'));
          assert.equal((await send(store, 'gone', { senderId: 'stays' })).seq, 12);
        }));

      test('append assigns gap-free, strictly increasing seq per room under 500 concurrent appends', () =>
        withStore(async (store) => {
          const senders = Array.from({ length: 7 }, (_, i) => `user-${i}`);
          await openRoom(store, 'busy', senders);
          await openRoom(store, 'other', senders);
          const sends = Array.from({ length: 500 }, (_, i) => newMessage(i % 5 === 0 ? 'other' : 'busy', { senderId: `user-${i % 7}` }));
          const results = await Promise.all(sends.map((m) => store.timeline.append(m)));
          for (const roomId of ['busy', 'other']) {
            const mine = results.filter((r) => r.event.roomId === roomId);
            assert.ok(mine.every((r) => !r.duplicate));
            const seqs = mine.map((r) => r.event.seq).sort((x, y) => x - y);
            assert.deepEqual(seqs, Array.from({ length: mine.length }, (_, i) => i + 8), `seqs of ${roomId} follow the 7 joins gap-free`);
            const stored = await store.timeline.page(roomId, { after: 7, limit: 500 });
            assert.deepEqual(stored.events.map((m) => m.seq), seqs);
            assert.deepEqual(new Set(stored.events.map((m) => m.id)), new Set(mine.map((r) => r.event.id)));
            assert.equal((await store.rooms.get(roomId))?.lastSeq, mine.length + 7);
          }
        }));

      test('refused appends in a concurrent burst neither fail nor renumber the accepted ones', () =>
        withStore(async (store) => {
          await openRoom(store, 'open', ['alice', ['visitor', 'guest']]);
          await openRoom(store, 'shut');
          await store.timeline.commit(newEvent('shut', { type: 'room_closed' }), checked);
          const kinds = ['open', 'shut', 'gone', 'stranger', 'guest', 'reply'] as const;
          const sends = Array.from({ length: 36 }, (_, i) => {
            const kind = kinds[i % kinds.length] as (typeof kinds)[number];
            if (kind === 'stranger') return newMessage('open', { senderId: 'stranger' });
            if (kind === 'guest') return newMessage('open', { senderId: 'visitor' });
            if (kind === 'reply') return newMessage('open', { replyTo: 1000 });
            return newMessage(kind);
          });
          const expected: Record<(typeof kinds)[number], ErrorCode | undefined> = { open: undefined, shut: 'ROOM_CLOSED', gone: 'ROOM_NOT_FOUND', stranger: 'NOT_MEMBER', guest: 'FORBIDDEN', reply: 'NOT_FOUND' };
          const settled = await Promise.allSettled(sends.map((m) => store.timeline.append(m)));
          const accepted: number[] = [];
          settled.forEach((s, i) => {
            const code = expected[kinds[i % kinds.length] as (typeof kinds)[number]];
            if (code === undefined) {
              assert.equal(s.status, 'fulfilled');
              if (s.status === 'fulfilled') accepted.push(s.value.event.seq);
            } else {
              assert.equal(s.status, 'rejected');
              if (s.status === 'rejected') parley(code)(s.reason);
            }
          });
          assert.deepEqual(accepted.sort((x, y) => x - y), Array.from({ length: 6 }, (_, i) => i + 3));
          assert.equal((await store.rooms.get('open'))?.lastSeq, 8);
          assert.equal((await store.rooms.get('shut'))?.lastSeq, 2);
        }));

      test('in one batch, a message refused for its own reason does not make a later one with the same clientId a duplicate, and a later one refused for its own reason answers the stored one', () =>
        withStore(async (store) => {
          await openRoom(store, 'same');
          const target = await send(store, 'same');
          const tries = [{ replyTo: 404 }, { replyTo: target.seq }, { replyTo: 405 }].map((fields) => newMessage('same', { clientId: 'one', ...fields }));
          const [refused, stored, repeated] = await Promise.allSettled(tries.map((m) => store.timeline.append(m)));
          assert.equal(refused?.status, 'rejected');
          if (refused?.status === 'rejected') parley('NOT_FOUND')(refused.reason);
          assert.deepEqual(stored?.status === 'fulfilled' ? stored.value : stored, { event: { ...tries[1], seq: 3 }, duplicate: false });
          assert.deepEqual(repeated?.status === 'fulfilled' ? repeated.value : repeated, { event: { ...tries[1], seq: 3 }, duplicate: true });
          assert.equal((await store.rooms.get('same'))?.lastSeq, 3);
        }));

      test('a member removed while their appends are in flight has no message after the removal event', () =>
        withStore(async (store) => {
          await openRoom(store, 'race', ['alice', 'bob']);
          const sends = Array.from({ length: 60 }, () => store.timeline.append(newMessage('race', { senderId: 'bob' })));
          const removal = store.timeline.commit(newEvent('race', { type: 'member_removed', userId: 'bob' }), checked);
          const settled = await Promise.allSettled([...sends, removal]);
          const removedAt = (await removal).event?.seq ?? 0;
          for (const s of settled.slice(0, -1)) if (s.status === 'rejected') parley('NOT_MEMBER')(s.reason);
          const bobs = (await all(store, 'race')).filter((e) => e.type === 'message' && e.senderId === 'bob');
          assert.ok(bobs.every((e) => e.seq < removedAt), 'every stored message of bob precedes his removal');
          assert.equal(bobs.length, settled.filter((s) => s.status === 'fulfilled').length - 1);
          assert.deepEqual((await all(store, 'race')).map((e) => e.seq), Array.from({ length: bobs.length + 3 }, (_, i) => i + 1));
        }));

      test('authorize answers the refusal append would give, and resolves for a member who may send', () =>
        withStore(async (store) => {
          await openRoom(store, 'az', ['alice', ['visitor', 'guest'], 'hushed']);
          await store.timeline.commit(newEvent('az', { type: 'member_muted', userId: 'hushed', until: T0 + 1000 }), checked);
          await store.timeline.authorize('az', 'alice', T0);
          await store.timeline.authorize('az', 'hushed', T0 + 1000);
          await assert.rejects(store.timeline.authorize('az', 'hushed', T0 + 999), parley('MEMBER_MUTED'));
          await assert.rejects(store.timeline.authorize('az', 'visitor', T0), parley('FORBIDDEN'));
          await assert.rejects(store.timeline.authorize('az', 'stranger', T0), parley('NOT_MEMBER'));
          await assert.rejects(store.timeline.authorize('nowhere', 'alice', T0), parley('ROOM_NOT_FOUND'));
          await store.timeline.commit(newEvent('az', { type: 'room_closed' }), checked);
          await assert.rejects(store.timeline.authorize('az', 'alice', T0), parley('ROOM_CLOSED'));
        }));

      test('a repeated (room, sender, clientId) returns the first message with duplicate=true and stores one row', () =>
        withStore(async (store) => {
          await openRoom(store, 'd');
          const original = await store.timeline.append(newMessage('d', { clientId: 'same', body: 'first' }));
          const retry = await store.timeline.append(newMessage('d', { clientId: 'same', body: 'second' }));
          assert.equal(retry.duplicate, true);
          assert.deepEqual(retry.event, original.event);
          assert.deepEqual((await store.timeline.page('d', { after: 1, limit: 10 })).events, [original.event]);
          assert.equal((await store.rooms.get('d'))?.lastSeq, 2);
        }));

      test('concurrent repeats of one clientId store one row: one append is new, the others return it as duplicate', () =>
        withStore(async (store) => {
          await openRoom(store, 'd');
          const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.timeline.append(newMessage('d', { clientId: 'burst', body: `try ${i}` }))));
          assert.equal(results.filter((r) => !r.duplicate).length, 1);
          const stored = results.find((r) => !r.duplicate)?.event;
          for (const r of results) assert.deepEqual(r.event, stored);
          assert.equal((await store.rooms.get('d'))?.lastSeq, 2);
        }));

      test('the same clientId from another sender or in another room is a different message', () =>
        withStore(async (store) => {
          await openRoom(store, 'x', ['alice', 'bob']);
          await openRoom(store, 'y');
          const a = await store.timeline.append(newMessage('x', { clientId: 'k', senderId: 'alice' }));
          const b = await store.timeline.append(newMessage('x', { clientId: 'k', senderId: 'bob' }));
          const c = await store.timeline.append(newMessage('y', { clientId: 'k', senderId: 'alice' }));
          assert.deepEqual([a.duplicate, b.duplicate, c.duplicate], [false, false, false]);
          assert.deepEqual([a.event.seq, b.event.seq, c.event.seq], [3, 4, 2]);
        }));

      test('a retry answers the original as duplicate even after the room closed or the sender left', () =>
        withStore(async (store) => {
          await openRoom(store, 'late', ['alice', 'bob']);
          const fromAlice = await store.timeline.append(newMessage('late', { clientId: 'before' }));
          const fromBob = await store.timeline.append(newMessage('late', { clientId: 'before', senderId: 'bob' }));
          await store.timeline.commit(newEvent('late', { type: 'member_left', userId: 'bob', senderId: 'bob' }), checked);
          assert.deepEqual(await store.timeline.append(newMessage('late', { clientId: 'before', senderId: 'bob' })), { event: fromBob.event, duplicate: true });
          await store.timeline.commit(newEvent('late', { type: 'room_closed' }), checked);
          assert.deepEqual(await store.timeline.append(newMessage('late', { clientId: 'before' })), { event: fromAlice.event, duplicate: true });
        }));

      test('a closed room refuses append with ROOM_CLOSED, a missing one with ROOM_NOT_FOUND; nothing is stored', () =>
        withStore(async (store) => {
          await openRoom(store, 'closed');
          await send(store, 'closed');
          await store.timeline.commit(newEvent('closed', { type: 'room_closed' }), checked);
          await assert.rejects(store.timeline.append(newMessage('closed')), parley('ROOM_CLOSED'));
          assert.equal((await store.rooms.get('closed'))?.lastSeq, 3);
          await assert.rejects(store.timeline.append(newMessage('nowhere')), parley('ROOM_NOT_FOUND'));
          assert.deepEqual(await store.timeline.page('nowhere', { limit: 10 }), { events: [], hasMore: false });
        }));
    });

    describe('timeline: page and since', () => {
      /** A store whose room 'p' holds seqs 1..10 (alice's join, then 9 messages) and room 'q' 3 events. */
      async function withTen(fn: (store: Store) => Promise<void>): Promise<void> {
        await withStore(async (store) => {
          await openRoom(store, 'p');
          await openRoom(store, 'q');
          await fill(store, 'p', 9);
          await fill(store, 'q', 2);
          await fn(store);
        });
      }
      const seqs = (page: { events: { seq: number }[] }) => page.events.map((m) => m.seq);

      test('page after returns the first `limit` events after the seq, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.timeline.page('p', { after: 0, limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[1, 2, 3, 4], true]);
          assert.equal(p1.events[0]?.type, 'member_joined');
          const p2 = await store.timeline.page('p', { after: 6, limit: 4 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[7, 8, 9, 10], false]);
          const p3 = await store.timeline.page('p', { after: 8, limit: 4 });
          assert.deepEqual([seqs(p3), p3.hasMore], [[9, 10], false]);
          const p4 = await store.timeline.page('p', { after: 10, limit: 4 });
          assert.deepEqual([seqs(p4), p4.hasMore], [[], false]);
        }));

      test('page before returns the last `limit` events before the seq, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.timeline.page('p', { before: 11, limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[7, 8, 9, 10], true]);
          const p2 = await store.timeline.page('p', { before: 5, limit: 4 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[1, 2, 3, 4], false]);
          const p3 = await store.timeline.page('p', { before: 3, limit: 4 });
          assert.deepEqual([seqs(p3), p3.hasMore], [[1, 2], false]);
          const p4 = await store.timeline.page('p', { before: 1, limit: 4 });
          assert.deepEqual([seqs(p4), p4.hasMore], [[], false]);
        }));

      test('page with neither after nor before returns the newest `limit` events, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.timeline.page('p', { limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[7, 8, 9, 10], true]);
          const p2 = await store.timeline.page('p', { limit: 10 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
          const p3 = await store.timeline.page('p', { limit: 50 });
          assert.deepEqual([seqs(p3).length, p3.hasMore], [10, false]);
        }));

      test('pages contain only the requested room, an unknown room gives an empty page, and a limit below 1 is refused', () =>
        withTen(async (store) => {
          const q = await store.timeline.page('q', { limit: 50 });
          assert.deepEqual(seqs(q), [1, 2, 3]);
          assert.ok(q.events.every((m) => m.roomId === 'q'));
          assert.deepEqual(await store.timeline.page('unknown', { after: 0, limit: 5 }), { events: [], hasMore: false });
          await assert.rejects(store.timeline.page('p', { limit: 0 }), validationFailed('limit'));
        }));

      test('since answers up to `limit` events after a seq with the room\'s epoch and lastSeq; an unknown room is ROOM_NOT_FOUND', () =>
        withTen(async (store) => {
          const read = await store.timeline.since('p', 7, 2);
          assert.deepEqual([read.epoch, read.lastSeq, read.events.map((e) => e.seq)], ['epoch-1', 10, [8, 9]]);
          assert.deepEqual((await store.timeline.since('p', 10, 5)).events, []);
          assert.deepEqual(await store.timeline.position('q'), { epoch: 'epoch-1', lastSeq: 3 });
          await assert.rejects(store.timeline.since('unknown', 0, 5), parley('ROOM_NOT_FOUND'));
          await assert.rejects(store.timeline.position('unknown'), parley('ROOM_NOT_FOUND'));
          await assert.rejects(store.timeline.since('p', 0, 0), validationFailed('limit'));
        }));

      test('a message read back is folded as it stands now: latest body and editedAt, reactions by first seq with users in order, a tombstone without reactions', () =>
        withStore(async (store) => {
          await openRoom(store, 'f', ['alice', 'bob', 'carol']);
          const kept = await send(store, 'f', { body: 'first draft' });
          const gone = await send(store, 'f', { body: 'regrettable' });
          const plain = await send(store, 'f', { body: 'untouched' });
          const react = (senderId: string, target: number, key: string) => store.timeline.commit(newEvent('f', { type: 'reaction_added', target, key, senderId }), asMember);
          await store.timeline.commit(newEvent('f', { type: 'message_edited', target: kept.seq, body: 'final text', senderId: 'alice', createdAt: T0 + 5000 }), asMember);
          await react('bob', kept.seq, '👍');
          await react('carol', kept.seq, '🎉');
          await react('alice', kept.seq, '👍');
          await react('carol', kept.seq, '👍');
          await react('bob', gone.seq, '😮');
          await store.timeline.commit(newEvent('f', { type: 'reaction_removed', target: kept.seq, key: '👍', senderId: 'alice' }), asMember);
          await store.timeline.commit(newEvent('f', { type: 'message_deleted', target: gone.seq, senderId: 'alice', createdAt: T0 + 6000 }), asMember);
          const events = await all(store, 'f');
          assert.deepEqual(events.find((e) => e.seq === kept.seq), {
            ...kept,
            body: 'final text',
            editedAt: T0 + 5000,
            reactions: [
              { key: '👍', userIds: ['bob', 'carol'] },
              { key: '🎉', userIds: ['carol'] },
            ],
          });
          assert.deepEqual(events.find((e) => e.seq === gone.seq), { ...gone, body: '', deletedAt: T0 + 6000 });
          assert.deepEqual(events.find((e) => e.seq === plain.seq), plain, 'no optional field is set on a message never changed');
          assert.deepEqual((await store.timeline.since('f', kept.seq - 1, 1)).events[0], events.find((e) => e.seq === kept.seq), 'since folds as page does');
          assert.deepEqual(
            events.slice(6).map((e) => e.type),
            ['message_edited', 'reaction_added', 'reaction_added', 'reaction_added', 'reaction_added', 'reaction_added', 'reaction_removed', 'message_deleted'],
          );
          assert.equal(events.length, 14);
        }));

      test('every event type reads back with its own fields exactly as committed', () =>
        withStore(async (store) => {
          await openRoom(store, 'types', ['alice', ['mod', 'moderator']]);
          const m = await send(store, 'types');
          const committed = [
            newEvent('types', { type: 'message_edited', target: m.seq, body: 'edited', senderId: 'alice' }),
            newEvent('types', { type: 'reaction_added', target: m.seq, key: 'ok' }),
            newEvent('types', { type: 'reaction_removed', target: m.seq, key: 'ok' }),
            newEvent('types', { type: 'member_muted', userId: 'alice', until: T0 + 9 }),
            newEvent('types', { type: 'member_unmuted', userId: 'alice' }),
            newEvent('types', { type: 'member_role_changed', userId: 'alice', role: 'moderator' }),
            newEvent('types', { type: 'member_removed', userId: 'alice' }),
            newEvent('types', { type: 'member_banned', userId: 'alice', reason: 'spam' }),
            newEvent('types', { type: 'member_banned', userId: 'eve', reason: null }),
            newEvent('types', { type: 'member_unbanned', userId: 'alice' }),
            joinEvent('types', 'alice', 'guest', T0 + 77),
            newEvent('types', { type: 'member_left', userId: 'alice', senderId: 'alice' }),
            newEvent('types', { type: 'room_updated', name: 'Renamed' }),
            newEvent('types', { type: 'room_updated' }),
            newEvent('types', { type: 'system', body: 'Maintenance at noon' }),
            newEvent('types', { type: 'message_deleted', target: m.seq }),
            newEvent('types', { type: 'room_closed' }),
          ];
          const results = [];
          for (const e of committed) results.push(await store.timeline.commit(e, checked));
          const expected = committed.map((e, i) => ({ ...e, seq: m.seq + 1 + i }));
          assert.deepEqual(results, expected.map((event) => ({ event, duplicate: false })));
          const read = (await store.timeline.page('types', { after: m.seq, limit: 100 })).events;
          assert.deepEqual(read, expected.map((e) => (e.type === 'message_edited' ? { ...e, body: '' } : e)), 'the deleted message\'s edit bodies are erased too');
        }));
    });

    describe('timeline: commit', () => {
      test('seqs stay gap-free and strictly increasing when appends and commits interleave concurrently', () =>
        withStore(async (store) => {
          const users = Array.from({ length: 5 }, (_, i) => `u${i}`);
          await openRoom(store, 'mix', users);
          const first = await send(store, 'mix', { senderId: 'u0' });
          const writes = Array.from({ length: 120 }, (_, i) => {
            const senderId = `u${i % 5}`;
            if (i % 3 === 0) return store.timeline.commit(newEvent('mix', { type: 'reaction_added', target: first.seq, key: `k${i}`, senderId }), asMember).then((r) => r.event?.seq);
            if (i % 3 === 1) return store.timeline.commit(newEvent('mix', { type: 'system', body: `notice ${i}` }), checked).then((r) => r.event?.seq);
            return store.timeline.append(newMessage('mix', { senderId })).then((r) => r.event.seq);
          });
          const seqs = (await Promise.all(writes)).sort((a, b) => (a ?? 0) - (b ?? 0));
          assert.deepEqual(seqs, Array.from({ length: 120 }, (_, i) => i + 7));
          const stored = await all(store, 'mix');
          assert.deepEqual(stored.map((e) => e.seq), Array.from({ length: 126 }, (_, i) => i + 1));
          assert.equal((await store.rooms.get('mix'))?.lastSeq, 126);
        }));

      test('a commit whose clientId the sender used before answers the original event as duplicate and changes nothing', () =>
        withStore(async (store) => {
          await openRoom(store, 'dup', ['alice', 'bob']);
          const kick = newEvent('dup', { type: 'member_removed', userId: 'bob', clientId: 'kick-1' });
          const first = await store.timeline.commit(kick, checked);
          await store.timeline.commit(joinEvent('dup', 'bob'), checked);
          const again = await store.timeline.commit({ ...kick, id: 'other-id' }, checked);
          assert.deepEqual(again, { event: first.event, duplicate: true });
          assert.notEqual(await store.members.get('dup', 'bob'), undefined, 'the retry did not remove bob again');
          assert.equal((await store.rooms.get('dup'))?.lastSeq, 4);
        }));

      test('with authority member, a non-member, a guest and a muted member are refused and nothing is stored', () =>
        withStore(async (store) => {
          await openRoom(store, 'am', ['alice', ['visitor', 'guest'], 'hushed']);
          const m = await send(store, 'am');
          await store.timeline.commit(newEvent('am', { type: 'member_muted', userId: 'hushed', until: T0 + 1_000_000 }), checked);
          const reactAs = (senderId: string) => store.timeline.commit(newEvent('am', { type: 'reaction_added', target: m.seq, key: '+1', senderId }), asMember);
          await assert.rejects(reactAs('stranger'), parley('NOT_MEMBER'));
          await assert.rejects(reactAs('visitor'), parley('FORBIDDEN'));
          await assert.rejects(reactAs('hushed'), parley('MEMBER_MUTED'));
          assert.equal((await store.rooms.get('am'))?.lastSeq, 5);
          assert.equal((await messageAt(store, 'am', m.seq))?.reactions, undefined);
        }));

      test('message_edited replaces the body, keeps the previous ones as versions and refuses NOT_FOUND, FORBIDDEN and EDIT_WINDOW_CLOSED', () =>
        withStore(async (store) => {
          await openRoom(store, 'ed', ['alice', 'bob']);
          const m = await send(store, 'ed', { body: 'v1', createdAt: T0 + 100 });
          const edit = (body: string, createdAt: number, overrides: Partial<EventFields> = {}) =>
            store.timeline.commit(newEvent('ed', { type: 'message_edited', target: m.seq, body, senderId: 'alice', createdAt, ...overrides } as EventFields), { authority: 'member', editWindowMs: 1000 });
          await edit('v2', T0 + 200);
          await edit('v3', T0 + 1100);
          await assert.rejects(edit('late', T0 + 1101), (err) => {
            parley('EDIT_WINDOW_CLOSED')(err);
            assert.equal((err as ParleyError).details?.editWindowMs, 1000);
            return true;
          });
          await assert.rejects(edit('not mine', T0 + 300, { senderId: 'bob' }), parley('FORBIDDEN'));
          await assert.rejects(edit('nothing', T0 + 300, { target: 999 }), parley('NOT_FOUND'));
          await assert.rejects(edit('a join', T0 + 300, { target: 1 }), parley('NOT_FOUND'));
          assert.deepEqual(await messageAt(store, 'ed', m.seq), { ...m, body: 'v3', editedAt: T0 + 1100 });
          assert.deepEqual(await store.timeline.versions('ed', m.seq), [
            { body: 'v1', replacedAt: T0 + 200 },
            { body: 'v2', replacedAt: T0 + 1100 },
          ]);
          assert.deepEqual(await store.timeline.versions('ed', 999), []);
          assert.equal((await store.rooms.get('ed'))?.lastSeq, m.seq + 2);
        }));

      test('message_deleted erases the message to a tombstone and drops its reactions; members may delete only their own, moderators any; a deleted message cannot be edited, reacted to or deleted again', () =>
        withStore(async (store) => {
          await openRoom(store, 'del', ['alice', 'bob']);
          const own = await send(store, 'del', { body: 'mine' });
          const other = await send(store, 'del', { body: 'yours', senderId: 'bob' });
          await store.timeline.commit(newEvent('del', { type: 'reaction_added', target: own.seq, key: 'x', senderId: 'bob' }), asMember);
          await assert.rejects(store.timeline.commit(newEvent('del', { type: 'message_deleted', target: other.seq, senderId: 'alice' }), asMember), parley('FORBIDDEN'));
          const deleted = await store.timeline.commit(newEvent('del', { type: 'message_deleted', target: own.seq, senderId: 'alice', createdAt: T0 + 50 }), asMember);
          assert.equal(deleted.event?.type, 'message_deleted');
          await store.timeline.commit(newEvent('del', { type: 'message_deleted', target: other.seq, createdAt: T0 + 60 }), checked);
          assert.deepEqual(await messageAt(store, 'del', own.seq), { ...own, body: '', deletedAt: T0 + 50 });
          assert.deepEqual(await messageAt(store, 'del', other.seq), { ...other, body: '', deletedAt: T0 + 60 });
          await assert.rejects(store.timeline.commit(newEvent('del', { type: 'message_deleted', target: own.seq }), checked), parley('NOT_FOUND'));
          await assert.rejects(store.timeline.commit(newEvent('del', { type: 'message_edited', target: own.seq, body: 'back', senderId: 'alice' }), asMember), parley('NOT_FOUND'));
          await assert.rejects(store.timeline.commit(newEvent('del', { type: 'reaction_added', target: own.seq, key: 'y', senderId: 'bob' }), asMember), parley('NOT_FOUND'));
          await assert.rejects(store.timeline.commit(newEvent('del', { type: 'message_deleted', target: 404 }), checked), parley('NOT_FOUND'));
        }));

      test('reaction_added gives one reaction per member and key: a repeat is a duplicate answering the event that gave it; reaction_removed of one not given is NOT_FOUND', () =>
        withStore(async (store) => {
          await openRoom(store, 'rx', ['alice', 'bob']);
          const m = await send(store, 'rx');
          const add = (key: string, senderId = 'bob') => store.timeline.commit(newEvent('rx', { type: 'reaction_added', target: m.seq, key, senderId }), asMember);
          const given = await add('❤️');
          assert.equal(given.duplicate, false);
          assert.deepEqual(await add('❤️'), { event: given.event, duplicate: true });
          assert.equal((await add('❤️', 'alice')).duplicate, false, 'another member may give the same key');
          assert.equal((await store.rooms.get('rx'))?.lastSeq, m.seq + 2);
          const remove = (key: string) => store.timeline.commit(newEvent('rx', { type: 'reaction_removed', target: m.seq, key, senderId: 'bob' }), asMember);
          assert.equal((await remove('❤️')).duplicate, false);
          await assert.rejects(remove('❤️'), parley('NOT_FOUND'));
          await assert.rejects(remove('never'), parley('NOT_FOUND'));
          assert.deepEqual((await messageAt(store, 'rx', m.seq))?.reactions, [{ key: '❤️', userIds: ['alice'] }]);
          const again = await add('❤️');
          assert.equal(again.duplicate, false, 'a reaction taken back may be given again');
          assert.deepEqual((await messageAt(store, 'rx', m.seq))?.reactions, [{ key: '❤️', userIds: ['alice', 'bob'] }]);
        }));

      test('member_joined admits the user with the event\'s name, role and time, its read marker at the join\'s own seq; an existing member is a duplicate with no event', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('j'));
          const joined = await store.timeline.commit(joinEvent('j', 'u1', 'moderator', T0 + 5), checked);
          assert.equal(joined.event?.seq, 1);
          assert.deepEqual(await store.members.get('j', 'u1'), { roomId: 'j', userId: 'u1', name: 'User u1', role: 'moderator', lastReadSeq: 1, joinedAt: T0 + 5, mutedUntil: null }, 'history from before the join is never unread');
          assert.deepEqual(await store.timeline.commit(joinEvent('j', 'u1', 'owner', T0 + 9), checked), { event: undefined, duplicate: true });
          assert.equal((await store.members.get('j', 'u1'))?.role, 'moderator');
          assert.equal((await store.rooms.get('j'))?.lastSeq, 1);
        }));

      test('member_joined refuses ROOM_FULL at maxMembers even when joins race, yet admits nothing twice', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('cap', { maxMembers: 5 }));
          const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.timeline.commit(joinEvent('cap', `u${i}`), checked)));
          assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 5);
          for (const s of settled) if (s.status === 'rejected') parley('ROOM_FULL')(s.reason);
          assert.equal(await memberCount(store, 'cap'), 5);
          assert.equal((await store.rooms.get('cap'))?.lastSeq, 5);
          const member = (await store.members.page('cap', { limit: 1 })).members[0];
          assert.equal((await store.timeline.commit(joinEvent('cap', member?.userId ?? ''), checked)).duplicate, true, 'an existing member of a full room is a duplicate, not refused');
        }));

      test('member_joined refuses BANNED, ROOM_CLOSED in a closed room and ROOM_NOT_FOUND for an unknown room', () =>
        withStore(async (store) => {
          await openRoom(store, 'jr', ['alice']);
          await store.timeline.commit(newEvent('jr', { type: 'member_banned', userId: 'eve', reason: null }), checked);
          await assert.rejects(store.timeline.commit(joinEvent('jr', 'eve'), checked), parley('BANNED'));
          await store.timeline.commit(newEvent('jr', { type: 'room_closed' }), checked);
          await assert.rejects(store.timeline.commit(joinEvent('jr', 'newcomer'), checked), parley('ROOM_CLOSED'));
          assert.equal((await store.timeline.commit(joinEvent('jr', 'alice'), checked)).duplicate, true);
          await assert.rejects(store.timeline.commit(joinEvent('ghost', 'u'), checked), parley('ROOM_NOT_FOUND'));
          assert.equal(await memberCount(store, 'jr'), 1);
        }));

      test('member_left and member_removed end the membership; without one they refuse NOT_MEMBER', () =>
        withStore(async (store) => {
          await openRoom(store, 'lv', ['alice', 'bob']);
          await store.timeline.commit(newEvent('lv', { type: 'member_left', userId: 'alice', senderId: 'alice' }), checked);
          await store.timeline.commit(newEvent('lv', { type: 'member_removed', userId: 'bob' }), checked);
          assert.equal(await memberCount(store, 'lv'), 0);
          await assert.rejects(store.timeline.commit(newEvent('lv', { type: 'member_left', userId: 'alice', senderId: 'alice' }), checked), parley('NOT_MEMBER'));
          await assert.rejects(store.timeline.commit(newEvent('lv', { type: 'member_removed', userId: 'bob' }), checked), parley('NOT_MEMBER'));
          assert.equal((await store.rooms.get('lv'))?.lastSeq, 4);
        }));

      test('member_banned records the ban and ends the membership; banning again is a duplicate answering the first ban; member_unbanned lifts it or refuses NOT_FOUND', () =>
        withStore(async (store) => {
          await openRoom(store, 'bn', ['eve']);
          await store.rooms.create(newRoom('other'));
          const first = await store.timeline.commit(newEvent('bn', { type: 'member_banned', userId: 'eve', reason: 'spam', createdAt: T0 + 7 }), checked);
          assert.equal(await store.members.get('bn', 'eve'), undefined);
          assert.deepEqual(await store.bans.get('bn', 'eve'), { roomId: 'bn', userId: 'eve', actorId: 'mod', reason: 'spam', createdAt: T0 + 7 });
          assert.deepEqual(await store.timeline.commit(newEvent('bn', { type: 'member_banned', userId: 'eve', reason: 'again' }), checked), { event: first.event, duplicate: true });
          assert.equal((await store.timeline.commit(joinEvent('other', 'eve'), checked)).duplicate, false, 'another room admits them');
          await store.timeline.commit(newEvent('bn', { type: 'member_banned', userId: 'later', reason: null, createdAt: T0 + 3 }), checked);
          assert.deepEqual((await store.bans.list('bn')).map((b) => b.userId), ['later', 'eve']);
          await store.timeline.commit(newEvent('bn', { type: 'member_unbanned', userId: 'eve' }), checked);
          await assert.rejects(store.timeline.commit(newEvent('bn', { type: 'member_unbanned', userId: 'eve' }), checked), parley('NOT_FOUND'));
          assert.equal(await store.bans.get('bn', 'eve'), undefined);
          assert.equal((await store.timeline.commit(joinEvent('bn', 'eve'), checked)).duplicate, false);
        }));

      test('bans and joins racing for one user never leave a banned member behind', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('race', { maxMembers: 1000 }));
          const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
          await Promise.allSettled(users.flatMap((u) => [store.timeline.commit(joinEvent('race', u), checked), store.timeline.commit(newEvent('race', { type: 'member_banned', userId: u, reason: null }), checked)]));
          for (const u of users) {
            assert.notEqual(await store.bans.get('race', u), undefined);
            assert.equal(await store.members.get('race', u), undefined, `${u} is banned and must not be a member`);
          }
        }));

      test('member_role_changed, member_muted and member_unmuted update the membership, or refuse NOT_MEMBER', () =>
        withStore(async (store) => {
          await openRoom(store, 'mm', ['u']);
          await store.timeline.commit(newEvent('mm', { type: 'member_role_changed', userId: 'u', role: 'moderator' }), checked);
          await store.timeline.commit(newEvent('mm', { type: 'member_muted', userId: 'u', until: T0 + 60_000 }), checked);
          assert.deepEqual([(await store.members.get('mm', 'u'))?.role, (await store.members.get('mm', 'u'))?.mutedUntil], ['moderator', T0 + 60_000]);
          await store.timeline.commit(newEvent('mm', { type: 'member_unmuted', userId: 'u' }), checked);
          assert.equal((await store.members.get('mm', 'u'))?.mutedUntil, null);
          for (const fields of [
            { type: 'member_role_changed', userId: 'x', role: 'owner' },
            { type: 'member_muted', userId: 'x', until: T0 },
            { type: 'member_unmuted', userId: 'x' },
          ] as const) {
            await assert.rejects(store.timeline.commit(newEvent('mm', fields), checked), parley('NOT_MEMBER'));
          }
          assert.equal((await store.rooms.get('mm'))?.lastSeq, 4);
        }));

      test('room_updated renames the room; room_closed closes it once (again: a duplicate answering the first); a closed room refuses other events but still ends memberships', () =>
        withStore(async (store) => {
          await openRoom(store, 'rc', ['alice', 'bob', 'carol']);
          await store.timeline.commit(newEvent('rc', { type: 'room_updated', name: 'New name' }), checked);
          assert.equal((await store.rooms.get('rc'))?.name, 'New name');
          const closed = await store.timeline.commit(newEvent('rc', { type: 'room_closed', createdAt: T0 + 10 }), checked);
          assert.equal((await store.rooms.get('rc'))?.closedAt, T0 + 10);
          assert.deepEqual(await store.timeline.commit(newEvent('rc', { type: 'room_closed', createdAt: T0 + 20 }), checked), { event: closed.event, duplicate: true });
          assert.equal((await store.rooms.get('rc'))?.closedAt, T0 + 10);
          for (const fields of [{ type: 'system', body: 'hi' }, { type: 'room_updated', name: 'x' }, { type: 'member_muted', userId: 'alice', until: T0 }] as const) {
            await assert.rejects(store.timeline.commit(newEvent('rc', fields), checked), parley('ROOM_CLOSED'));
          }
          await store.timeline.commit(newEvent('rc', { type: 'member_left', userId: 'alice', senderId: 'alice' }), checked);
          await store.timeline.commit(newEvent('rc', { type: 'member_removed', userId: 'bob' }), checked);
          await store.timeline.commit(newEvent('rc', { type: 'member_banned', userId: 'carol', reason: null }), checked);
          assert.equal(await memberCount(store, 'rc'), 0);
          assert.equal((await store.rooms.get('rc'))?.lastSeq, 8);
          await assert.rejects(store.timeline.commit(newEvent('nowhere', { type: 'system', body: 'x' }), checked), parley('ROOM_NOT_FOUND'));
        }));

      test('in a relay room a commit applies its change and stores no event; message-targeting events refuse NOT_FOUND', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('relay', { kind: 'relay', maxMembers: 2 }));
          assert.deepEqual(await store.timeline.commit(joinEvent('relay', 'alice'), checked), { event: undefined, duplicate: false });
          assert.deepEqual(await store.timeline.commit(joinEvent('relay', 'alice'), checked), { event: undefined, duplicate: true });
          await store.timeline.commit(joinEvent('relay', 'bob'), checked);
          await assert.rejects(store.timeline.commit(joinEvent('relay', 'carol'), checked), parley('ROOM_FULL'));
          assert.deepEqual(await store.timeline.commit(newEvent('relay', { type: 'member_muted', userId: 'bob', until: T0 + 5 }), checked), { event: undefined, duplicate: false });
          assert.equal((await store.members.get('relay', 'bob'))?.mutedUntil, T0 + 5);
          await store.timeline.commit(newEvent('relay', { type: 'member_banned', userId: 'bob', reason: null }), checked);
          assert.equal(await store.members.get('relay', 'bob'), undefined);
          assert.notEqual(await store.bans.get('relay', 'bob'), undefined);
          for (const fields of [
            { type: 'message_edited', target: 1, body: 'x', senderId: 'alice' },
            { type: 'message_deleted', target: 1 },
            { type: 'reaction_added', target: 1, key: 'k', senderId: 'alice' },
            { type: 'reaction_removed', target: 1, key: 'k', senderId: 'alice' },
          ] as const) {
            await assert.rejects(store.timeline.commit(newEvent('relay', fields), checked), parley('NOT_FOUND'));
          }
          await store.timeline.commit(newEvent('relay', { type: 'room_closed', createdAt: T0 + 9 }), checked);
          assert.equal((await store.rooms.get('relay'))?.closedAt, T0 + 9);
          assert.deepEqual(await store.timeline.page('relay', { limit: 10 }), { events: [], hasMore: false });
          assert.equal((await store.rooms.get('relay'))?.lastSeq, 0);
        }));
    });

    describe('members', () => {
      test('get, getMany, joinView\'s count and page read the members; roomsOf lists a user\'s rooms', () =>
        withStore(async (store) => {
          await openRoom(store, 'r1', ['carol', 'alice', 'bob']);
          await openRoom(store, 'r2', ['alice']);
          assert.deepEqual(await store.members.get('r1', 'alice'), { roomId: 'r1', userId: 'alice', name: 'User alice', role: 'member', lastReadSeq: 2, joinedAt: T0, mutedUntil: null }, 'alice joined second: her marker is at her join');
          assert.equal(await store.members.get('r2', 'bob'), undefined);
          assert.deepEqual((await store.members.getMany('r1', ['bob', 'nobody', 'alice'])).map((m) => m.userId).sort(), ['alice', 'bob']);
          assert.deepEqual(await store.members.getMany('r1', []), []);
          assert.equal(await memberCount(store, 'r1'), 3);
          assert.equal(await store.members.joinView('unknown', 'nobody'), undefined);
          const p1 = await store.members.page('r1', { limit: 2 });
          assert.deepEqual([p1.members.map((m) => m.userId), p1.hasMore], [['alice', 'bob'], true]);
          const p2 = await store.members.page('r1', { after: 'bob', limit: 2 });
          assert.deepEqual([p2.members.map((m) => m.userId), p2.hasMore], [['carol'], false]);
          await assert.rejects(store.members.page('r1', { limit: 0 }), validationFailed('limit'));
          assert.deepEqual((await store.members.roomsOf('alice')).sort(), ['r1', 'r2']);
          assert.deepEqual(await store.members.roomsOf('nobody'), []);
        }));

      test('joinView reads the room, one user\'s membership and the member count together', () =>
        withStore(async (store) => {
          await openRoom(store, 'jv', ['carol', 'alice', 'bob']);
          await store.timeline.commit(newEvent('jv', { type: 'member_muted', userId: 'bob', until: T0 + 60_000 }), checked);
          await store.members.markRead('jv', 'bob', 2);
          const room = await store.rooms.get('jv');
          assert.deepEqual(await store.members.joinView('jv', 'bob'), { room, member: await store.members.get('jv', 'bob'), memberCount: 3 });
          const stranger = await store.members.joinView('jv', 'nobody');
          assert.deepEqual(stranger, { room, member: undefined, memberCount: 3 });
          assert.equal(await store.members.joinView('unknown', 'bob'), undefined);
          await store.rooms.create(newRoom('empty'));
          assert.equal((await store.members.joinView('empty', 'bob'))?.memberCount, 0);
        }));

      test('a name another current member holds in any case (NFC, lowercase) is refused with NAME_TAKEN, also when joins race; the same user joining again, other rooms and freed names are unaffected', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('names'));
          await store.rooms.create(newRoom('other'));
          const join = (roomId: string, userId: string, name: string) => store.timeline.commit(newEvent(roomId, { type: 'member_joined', userId, name, role: 'member', senderId: userId, senderName: name }), checked);
          await join('names', 'alex-1', 'Alex');
          await join('names', 'rene-1', 'ren\u00e9e');
          for (const [userId, name] of [['alex-2', 'alex'], ['alex-3', 'ALEX'], ['rene-2', 'Rene\u0301e']] as const) {
            await assert.rejects(join('names', userId, name), (err: unknown) => {
              parley('NAME_TAKEN')(err);
              assert.match((err as ParleyError).message, /already has this name/);
              return true;
            });
          }
          assert.equal((await join('names', 'alex-1', 'ALEX')).duplicate, true, 'the same user joining again is not refused');
          assert.equal((await join('other', 'alex-2', 'alex')).duplicate, false, 'names are unique per room only');
          const settled = await Promise.allSettled(['Sam', 'SAM', 'sam', 'sAm', 'Sam'].map((name, i) => join('names', `sam-${i}`, name)));
          assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1, 'of racing joins under one name exactly one succeeds');
          for (const s of settled) if (s.status === 'rejected') parley('NAME_TAKEN')(s.reason);
          await store.timeline.commit(newEvent('names', { type: 'member_left', userId: 'alex-1' }), checked);
          assert.equal((await join('names', 'alex-3', 'ALEX')).duplicate, false, 'a name is free again once its member is gone');
        }));

      test('getMany reads more members than one statement binds', () =>
        withStore(async (store) => {
          await openRoom(store, 'many', ['m1', 'm2']);
          const ids = [...Array.from({ length: 1200 }, (_, i) => `absent-${i}`), 'm2', 'm1'];
          assert.deepEqual((await store.members.getMany('many', ids)).map((m) => m.userId).sort(), ['m1', 'm2']);
        }));

      test('markRead never moves the marker backwards', () =>
        withStore(async (store) => {
          await openRoom(store, 'rd', ['u']);
          assert.equal(await store.members.markRead('rd', 'u', 5), 5);
          assert.equal(await store.members.markRead('rd', 'u', 3), 5);
          assert.equal(await store.members.markRead('rd', 'u', 5), 5);
          assert.equal(await store.members.markRead('rd', 'u', 8), 8);
          assert.equal((await store.members.get('rd', 'u'))?.lastReadSeq, 8);
          const racing = await Promise.all([4, 12, 9, 11, 2].map((seq) => store.members.markRead('rd', 'u', seq)));
          assert.ok(racing.every((v) => v !== undefined && v >= 8));
          assert.equal((await store.members.get('rd', 'u'))?.lastReadSeq, 12);
        }));

      test('markRead of a non-member returns undefined and creates no member', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('rd'));
          assert.equal(await store.members.markRead('rd', 'stranger', 3), undefined);
          assert.equal(await store.members.get('rd', 'stranger'), undefined);
        }));
    });

    describe('sessions', () => {
      const alice = { id: 'alice', name: 'Alice', createdAt: T0 };

      test('a created session resolves to its user until expiresAt, and not from expiresAt on', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.sessions.createUser(alice), alice);
          await store.sessions.create({ tokenHash: 'h1', userId: 'alice', createdAt: T0, expiresAt: T0 + 1000 });
          assert.deepEqual(await store.sessions.resolve('h1', T0 + 999), { user: alice, expiresAt: T0 + 1000 });
          assert.equal(await store.sessions.resolve('h1', T0 + 1000), undefined);
          assert.equal(await store.sessions.resolve('h1', T0 + 5000), undefined);
        }));

      test('an unknown token hash resolves to undefined', () =>
        withStore(async (store) => {
          assert.equal(await store.sessions.resolve('nope', T0), undefined);
        }));

      test('a revoked session no longer resolves, other sessions of the user still do, and revoking twice is harmless', () =>
        withStore(async (store) => {
          await store.sessions.createUser(alice);
          await store.sessions.create({ tokenHash: 'h1', userId: 'alice', createdAt: T0, expiresAt: T0 + 1000 });
          await store.sessions.create({ tokenHash: 'h2', userId: 'alice', createdAt: T0, expiresAt: T0 + 1000 });
          await store.sessions.revoke('h1');
          await store.sessions.revoke('h1');
          await store.sessions.revoke('never-existed');
          assert.equal(await store.sessions.resolve('h1', T0), undefined);
          assert.equal((await store.sessions.resolve('h2', T0))?.user.id, 'alice');
        }));
    });

    describe('accounts', () => {
      test('create stores the username lowercase; get and byUsername in any case return the same record', () =>
        withStore(async (store) => {
          const created = await store.accounts.create(newAccount('a1', { username: 'Ada.Lovelace', name: 'Ada' }));
          assert.deepEqual(created, newAccount('a1', { username: 'ada.lovelace', name: 'Ada' }));
          assert.deepEqual(await store.accounts.get('a1'), created);
          assert.deepEqual(await store.accounts.byUsername('ADA.LOVELACE'), created);
          assert.equal(await store.accounts.get('missing'), undefined);
          assert.equal(await store.accounts.byUsername('nobody'), undefined);
        }));

      test('a username taken in any case is refused with USERNAME_TAKEN and the first account is kept', () =>
        withStore(async (store) => {
          await store.accounts.create(newAccount('a1', { username: 'grace', name: 'First' }));
          await assert.rejects(store.accounts.create(newAccount('a2', { username: 'GrAcE', name: 'Second' })), parley('USERNAME_TAKEN'));
          assert.equal((await store.accounts.byUsername('grace'))?.name, 'First');
          assert.equal(await store.accounts.get('a2'), undefined);
        }));

      test('of concurrent registrations of one name in different cases exactly one succeeds', () =>
        withStore(async (store) => {
          const cases = ['linus', 'LINUS', 'Linus', 'lInUs', 'linuS', 'LiNuS'];
          const settled = await Promise.allSettled(cases.map((username, i) => store.accounts.create(newAccount(`id-${i}`, { username }))));
          assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 1);
          for (const r of settled) if (r.status === 'rejected') parley('USERNAME_TAKEN')(r.reason);
        }));

      test('a taken account id is refused with VALIDATION_FAILED naming the id', () =>
        withStore(async (store) => {
          await store.accounts.create(newAccount('same', { username: 'one' }));
          await assert.rejects(store.accounts.create(newAccount('same', { username: 'two' })), validationFailed('id'));
        }));

      test('setRole changes the role of the named account (any case); an unknown name gives undefined', () =>
        withStore(async (store) => {
          await store.accounts.create(newAccount('a1', { username: 'root' }));
          assert.equal((await store.accounts.setRole('ROOT', 'admin'))?.role, 'admin');
          assert.equal((await store.accounts.get('a1'))?.role, 'admin');
          assert.equal((await store.accounts.setRole('root', 'user'))?.role, 'user');
          assert.equal(await store.accounts.setRole('ghost', 'admin'), undefined);
        }));
    });

    describe('refresh tokens', () => {
      /** An account `acc` with family `f1` started by token `t0`. */
      async function family(store: Store): Promise<void> {
        await store.accounts.create(newAccount('acc'));
        await store.refreshTokens.issue('f1', 'acc', token('t0'));
      }

      test('rotation uses a live token once and makes the next one live; the used one is refused from then on', () =>
        withStore(async (store) => {
          await family(store);
          assert.deepEqual(await store.refreshTokens.rotate('t0', token('t1', T0 + 10), T0 + 10), { outcome: 'rotated', accountId: 'acc', familyId: 'f1' });
          assert.deepEqual(await store.refreshTokens.rotate('t1', token('t2', T0 + 20), T0 + 20), { outcome: 'rotated', accountId: 'acc', familyId: 'f1' });
          assert.equal((await store.refreshTokens.rotate('t1', token('x', T0 + 30), T0 + 30)).outcome, 'reused');
        }));

      test('presenting a used token revokes the whole family: every descendant is refused, other families live on', () =>
        withStore(async (store) => {
          await family(store);
          await store.refreshTokens.issue('f2', 'acc', token('other'));
          await store.refreshTokens.rotate('t0', token('t1'), T0 + 1);
          await store.refreshTokens.rotate('t1', token('t2'), T0 + 2);
          assert.deepEqual(await store.refreshTokens.rotate('t0', token('stolen'), T0 + 3), { outcome: 'reused', accountId: 'acc', familyId: 'f1' });
          assert.deepEqual(await store.refreshTokens.rotate('t2', token('t3'), T0 + 4), { outcome: 'invalid' }, 'the newest token of the family is revoked too');
          assert.deepEqual(await store.refreshTokens.rotate('stolen', token('s2'), T0 + 4), { outcome: 'invalid' }, 'the replay added no token');
          assert.equal((await store.refreshTokens.rotate('other', token('o2'), T0 + 5)).outcome, 'rotated');
        }));

      test('an expired token is refused from its expiresAt on and is not marked used; an unknown one is refused', () =>
        withStore(async (store) => {
          await family(store);
          assert.deepEqual(await store.refreshTokens.rotate('t0', token('late'), T0 + 60_000), { outcome: 'invalid' });
          assert.equal((await store.refreshTokens.rotate('t0', token('t1'), T0 + 59_999)).outcome, 'rotated', 'the refused attempt changed nothing');
          assert.deepEqual(await store.refreshTokens.rotate('never-issued', token('n'), T0), { outcome: 'invalid' });
        }));

      test('revokeFamily revokes every token of the family, is idempotent, and gives undefined for an unknown token', () =>
        withStore(async (store) => {
          await family(store);
          await store.refreshTokens.rotate('t0', token('t1'), T0 + 1);
          assert.deepEqual(await store.refreshTokens.revokeFamily('t1', T0 + 2), { familyId: 'f1', accountId: 'acc' });
          assert.deepEqual(await store.refreshTokens.revokeFamily('t0', T0 + 3), { familyId: 'f1', accountId: 'acc' });
          assert.deepEqual(await store.refreshTokens.rotate('t1', token('t2'), T0 + 4), { outcome: 'invalid' });
          assert.equal(await store.refreshTokens.revokeFamily('unknown', T0), undefined);
        }));

      test('of concurrent rotations of one token exactly one succeeds, and the replays revoke the family', () =>
        withStore(async (store) => {
          await family(store);
          const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.refreshTokens.rotate('t0', token(`next-${i}`), T0 + 1)));
          const winners = results.flatMap((r, i) => (r.outcome === 'rotated' ? [i] : []));
          assert.equal(winners.length, 1);
          assert.ok(results.every((r) => r.outcome === 'rotated' || r.outcome === 'reused'));
          assert.equal((await store.refreshTokens.rotate(`next-${winners[0]}`, token('after'), T0 + 2)).outcome, 'invalid');
        }));

      test('a rotation racing a revocation never leaves a live token in the family', () =>
        withStore(async (store) => {
          await store.accounts.create(newAccount('acc'));
          for (let i = 0; i < 10; i += 1) {
            await store.refreshTokens.issue(`f${i}`, 'acc', token(`r${i}`));
            await Promise.all([store.refreshTokens.rotate(`r${i}`, token(`r${i}-next`), T0 + 1), store.refreshTokens.revokeFamily(`r${i}`, T0 + 1)]);
            assert.deepEqual(await store.refreshTokens.rotate(`r${i}-next`, token(`r${i}-after`), T0 + 2), { outcome: 'invalid' }, `round ${i}`);
          }
        }));

      test('issuing a family for an unknown account is refused with VALIDATION_FAILED naming accountId', () =>
        withStore(async (store) => {
          await assert.rejects(store.refreshTokens.issue('f', 'nobody', token('t')), validationFailed('accountId'));
        }));
    });

    describe('positions', () => {
      test('lastSeqs reads the newest seq of each existing room in one call, leaving unknown ids out', () =>
        withStore(async (store) => {
          await openRoom(store, 'p1');
          await store.rooms.create(newRoom('p2'));
          await fill(store, 'p1', 2);
          const ids = ['p1', 'p2', 'missing', ...Array.from({ length: 1200 }, (_, i) => `absent-${i}`)];
          assert.deepEqual(await store.rooms.lastSeqs(ids), new Map([['p1', 3], ['p2', 0]]));
          assert.deepEqual(await store.rooms.lastSeqs([]), new Map());
        }));

      test('unread counts others\' messages after a seq that are not deleted, up to max; other event types never count', () =>
        withStore(async (store) => {
          await openRoom(store, 'un', ['alice', 'bob']);
          const first = await send(store, 'un', { senderId: 'bob' });
          await send(store, 'un', { senderId: 'alice' });
          const third = await send(store, 'un', { senderId: 'bob' });
          await send(store, 'un', { senderId: 'bob' });
          await store.timeline.commit(newEvent('un', { type: 'system', body: 'notice' }), checked);
          await store.timeline.commit(newEvent('un', { type: 'message_deleted', target: third.seq }), checked);
          assert.equal(await store.timeline.unread('un', 'alice', 0, 100), 2);
          assert.equal(await store.timeline.unread('un', 'alice', first.seq, 100), 1);
          assert.equal(await store.timeline.unread('un', 'alice', 0, 1), 1);
          assert.equal(await store.timeline.unread('un', 'bob', 0, 100), 1);
          assert.equal(await store.timeline.unread('un', 'carol', 0, 100), 3);
          assert.equal(await store.timeline.unread('nowhere', 'alice', 0, 100), 0);
        }));
    });

    describe('nonces', () => {
      test('claim records a key once: true the first time, false while it lives, true again once expired', () =>
        withStore(async (store) => {
          assert.equal(await store.nonces.claim('ticket:1', T0 + 1000, T0), true);
          assert.equal(await store.nonces.claim('ticket:1', T0 + 5000, T0 + 999), false);
          assert.equal(await store.nonces.claim('ticket:2', T0 + 1000, T0), true, 'keys are independent');
          assert.equal(await store.nonces.claim('ticket:1', T0 + 9000, T0 + 1000), true, 'expired at its expiresAt');
          assert.equal(await store.nonces.claim('ticket:1', T0 + 9000, T0 + 2000), false, 'the new record holds');
        }));

      test('of many concurrent claims of one key exactly one is true', () =>
        withStore(async (store) => {
          const claims = await Promise.all(Array.from({ length: 30 }, () => store.nonces.claim('jti:race', T0 + 60_000, T0)));
          assert.equal(claims.filter(Boolean).length, 1);
        }));
    });

    describe('e2ee rooms', () => {
      test('a room created with e2ee keeps the flag; one created without it is not e2ee', () =>
        withStore(async (store) => {
          assert.equal((await store.rooms.create(newRoom('secret', { e2ee: true }))).e2ee, true);
          assert.equal((await store.rooms.get('secret'))?.e2ee, true);
          const plain: NewRoom = { id: 'plain', name: 'Plain', kind: 'persistent', maxMembers: 5, joinRule: 'open', messagesPerMinute: null, joinCodeHash: null, epoch: 'e', createdAt: T0 };
          assert.equal((await store.rooms.create(plain)).e2ee, false, 'e2ee defaults to false');
        }));
    });

    describe('audit log', () => {
      const entry = (id: string, roomId: string, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
        id,
        at: T0 + Number(id),
        roomId,
        actorId: 'mod',
        actorName: 'Moderator',
        action: 'member_muted',
        targetId: 'eve',
        details: { mutedUntil: T0 + 1000, nested: { reason: 'spam' } },
        ...overrides,
      });

      test('append stores every field; page returns entries newest first with details as given', () =>
        withStore(async (store) => {
          const first = entry('001', 'r1');
          const second = entry('002', 'r1', { action: 'message_refused', actorId: 'eve', actorName: 'Eve', targetId: null, details: { reason: 'word_filter', clientId: 'c1' } });
          await store.audit.append(first);
          await store.audit.append(second);
          assert.deepEqual(await store.audit.page({ limit: 10 }), { entries: [second, first], hasMore: false });
        }));

      test('page filters by room, pages back with before, and says whether older entries exist', () =>
        withStore(async (store) => {
          for (let i = 1; i <= 7; i += 1) await store.audit.append(entry(String(i).padStart(3, '0'), i % 2 === 0 ? 'even' : 'odd'));
          const newest = await store.audit.page({ roomId: 'odd', limit: 2 });
          assert.deepEqual(newest.entries.map((e) => e.id), ['007', '005']);
          assert.equal(newest.hasMore, true);
          const older = await store.audit.page({ roomId: 'odd', before: '005', limit: 2 });
          assert.deepEqual(older.entries.map((e) => e.id), ['003', '001']);
          assert.equal(older.hasMore, false);
          assert.deepEqual((await store.audit.page({ before: '004', limit: 10 })).entries.map((e) => e.id), ['003', '002', '001']);
          assert.deepEqual(await store.audit.page({ roomId: 'none', limit: 5 }), { entries: [], hasMore: false });
        }));

      test('a taken id is refused with VALIDATION_FAILED naming the id; limit below 1 is refused', () =>
        withStore(async (store) => {
          await store.audit.append(entry('010', 'r'));
          await assert.rejects(store.audit.append(entry('010', 'r', { actorId: 'other' })), validationFailed('id'));
          await assert.rejects(store.audit.page({ limit: 0 }), parley('VALIDATION_FAILED'));
          assert.equal((await store.audit.page({ limit: 5 })).entries[0]?.actorId, 'mod');
        }));

      test('entries outlive their room\'s members and bans, and are kept after the room closed', () =>
        withStore(async (store) => {
          await openRoom(store, 'kept', ['eve']);
          await store.audit.append(entry('100', 'kept', { action: 'member_banned' }));
          await store.timeline.commit(newEvent('kept', { type: 'member_banned', userId: 'eve', reason: null }), checked);
          await store.timeline.commit(newEvent('kept', { type: 'member_unbanned', userId: 'eve' }), checked);
          await store.timeline.commit(newEvent('kept', { type: 'room_closed' }), checked);
          assert.deepEqual((await store.audit.page({ roomId: 'kept', limit: 5 })).entries.map((e) => e.action), ['member_banned']);
        }));
    });

    describe('search', () => {
      /** Search as `userId` (alice by default) for `text`; answers the hits as `roomId:seq:body`. */
      async function found(store: Store, text: string, query: Partial<Omit<MessageSearch, 'text'>> = {}): Promise<string[]> {
        const { hits } = await store.search.messages({ userId: 'alice', text, limit: 50, ...query });
        return hits.map((h) => `${h.roomId}:${h.seq}:${h.body}`);
      }

      test('finds appended messages holding every word, case ignored, the last word also as a prefix, newest first, with room and sender', () =>
        withStore(async (store) => {
          await openRoom(store, 's', ['alice', 'bob']);
          const a = await send(store, 's', { body: 'The quick brown Fox', createdAt: T0 + 10 });
          const b = await send(store, 's', { body: 'a QUICK fox again', senderId: 'bob', senderName: 'Bob', createdAt: T0 + 20 });
          await send(store, 's', { body: 'slow brown dog', createdAt: T0 + 30 });
          assert.deepEqual(await found(store, 'quick fox'), [`s:${b.seq}:a QUICK fox again`, `s:${a.seq}:The quick brown Fox`]);
          assert.deepEqual(await found(store, 'BROWN qui'), [`s:${a.seq}:The quick brown Fox`], 'the last word is a prefix');
          assert.deepEqual(await found(store, 'qui brown'), [], 'only the last word is a prefix');
          const { hits } = await store.search.messages({ userId: 'bob', text: 'again', limit: 5 });
          assert.deepEqual(hits, [{ roomId: 's', roomName: 'Room s', seq: b.seq, senderId: 'bob', senderName: 'Bob', createdAt: T0 + 20, body: 'a QUICK fox again' }]);
        }));

      test('finds words of any script, split where the words of the text are', () =>
        withStore(async (store) => {
          await openRoom(store, 'u');
          const m = await send(store, 'u', { body: 'Grüße aus Köln, привет мир! ελληνικά (x2) हिन्दी 東京タワー' });
          for (const text of ['grüße', 'köln', 'ПРИВЕТ', 'мир', 'ελλη', 'x2', 'हिन्दी', '東京']) assert.deepEqual(await found(store, text), [`u:${m.seq}:${m.body}`], text);
        }));

      test('only rooms the searcher is a member of now: a stranger finds nothing, even naming the room; a member who left finds nothing more', () =>
        withStore(async (store) => {
          await openRoom(store, 'mine', ['alice', 'bob']);
          await openRoom(store, 'theirs', ['carol']);
          const m = await send(store, 'mine', { body: 'shared secret' });
          await send(store, 'theirs', { body: 'shared secret too', senderId: 'carol' });
          assert.deepEqual(await found(store, 'secret'), [`mine:${m.seq}:shared secret`]);
          assert.deepEqual(await found(store, 'secret', { roomId: 'theirs' }), []);
          assert.deepEqual(await found(store, 'secret', { userId: 'mallory' }), []);
          await store.timeline.commit(newEvent('mine', { type: 'member_left', userId: 'bob', senderId: 'bob' }), checked);
          assert.deepEqual(await found(store, 'secret', { userId: 'bob' }), []);
        }));

      test('an edit re-indexes the message with its new body; a deletion drops it', () =>
        withStore(async (store) => {
          await openRoom(store, 'ed');
          const kept = await send(store, 'ed', { body: 'teh original typo' });
          const gone = await send(store, 'ed', { body: 'regrettable words' });
          await store.timeline.commit(newEvent('ed', { type: 'message_edited', target: kept.seq, body: 'the corrected text', senderId: 'alice' }), asMember);
          assert.deepEqual(await found(store, 'typo'), [], 'the old body is not found');
          assert.deepEqual(await found(store, 'corrected'), [`ed:${kept.seq}:the corrected text`]);
          await store.timeline.commit(newEvent('ed', { type: 'message_deleted', target: gone.seq, senderId: 'alice' }), asMember);
          assert.deepEqual(await found(store, 'regrettable'), []);
          await store.timeline.commit(newEvent('ed', { type: 'message_deleted', target: kept.seq, senderId: 'alice' }), asMember);
          assert.deepEqual(await found(store, 'corrected'), []);
        }));

      test('messages of e2ee rooms are never indexed, nor are system notices or edit events', () =>
        withStore(async (store) => {
          await openRoom(store, 'enc', ['alice'], { e2ee: true });
          await openRoom(store, 'plain');
          const e = await send(store, 'enc', { body: 'ciphertext lookalike' });
          await store.timeline.commit(newEvent('enc', { type: 'message_edited', target: e.seq, body: 'ciphertext again', senderId: 'alice' }), asMember);
          await store.timeline.commit(newEvent('plain', { type: 'system', body: 'ciphertext notice' }), checked);
          assert.deepEqual(await found(store, 'ciphertext'), []);
          assert.deepEqual(await found(store, 'ciphertext', { roomId: 'enc' }), []);
        }));

      test('filters by room, sender and time (inclusive), together', () =>
        withStore(async (store) => {
          await openRoom(store, 'f1', ['alice', 'bob']);
          await openRoom(store, 'f2', ['alice', 'bob']);
          const sent = [];
          for (const [i, roomId, senderId] of [[1, 'f1', 'alice'], [2, 'f1', 'bob'], [3, 'f2', 'alice'], [4, 'f2', 'bob'], [5, 'f1', 'bob']] as const) {
            sent.push(await send(store, roomId, { body: `report ${i}`, senderId, createdAt: T0 + i * 100 }));
          }
          const bodies = async (query: Partial<MessageSearch>) => (await found(store, 'report', query)).map((h) => h.split(':')[2]);
          assert.deepEqual(await bodies({}), ['report 5', 'report 4', 'report 3', 'report 2', 'report 1']);
          assert.deepEqual(await bodies({ roomId: 'f1' }), ['report 5', 'report 2', 'report 1']);
          assert.deepEqual(await bodies({ senderId: 'bob' }), ['report 5', 'report 4', 'report 2']);
          assert.deepEqual(await bodies({ from: T0 + 200, to: T0 + 400 }), ['report 4', 'report 3', 'report 2']);
          assert.deepEqual(await bodies({ roomId: 'f2', senderId: 'bob', from: T0 + 400 }), ['report 4']);
        }));

      test('pages with before = the last hit: every match once, none skipped, hasMore false on the last page, also with equal times', () =>
        withStore(async (store) => {
          await openRoom(store, 'p1');
          await openRoom(store, 'p2');
          // Five pairs sent at the same millisecond in two rooms, and one more in the same room at the same time.
          const expected = new Set<string>();
          for (let i = 0; i < 5; i += 1) {
            for (const roomId of ['p1', 'p2']) expected.add(`${roomId}:${(await send(store, roomId, { body: `page item ${i}`, createdAt: T0 + i })).seq}`);
          }
          expected.add(`p1:${(await send(store, 'p1', { body: 'page item again', createdAt: T0 + 4 })).seq}`);
          const seen: string[] = [];
          let before: MessageSearch['before'];
          let pages = 0;
          for (;;) {
            const page = await store.search.messages({ userId: 'alice', text: 'page item', limit: 3, before });
            pages += 1;
            seen.push(...page.hits.map((h) => `${h.roomId}:${h.seq}`));
            const last = page.hits.at(-1);
            if (!page.hasMore || last === undefined) break;
            before = { createdAt: last.createdAt, roomId: last.roomId, seq: last.seq };
          }
          assert.equal(pages, 4);
          assert.equal(seen.length, 11, 'no repeats');
          assert.deepEqual(new Set(seen), expected, 'no gaps');
        }));

      test('text is never query syntax: operators, quotes and column filters are plain words or separators; no word at all is VALIDATION_FAILED', () =>
        withStore(async (store) => {
          await openRoom(store, 'x');
          const m = await send(store, 'x', { body: 'body near the OR gate: not here' });
          for (const text of ['"near" OR', 'body:near', 'NEAR(body gate)', '^near*', 'not -here', "o'r gate", 'gate)']) {
            const hits = await found(store, text);
            assert.ok(hits.length <= 1, text);
          }
          assert.deepEqual(await found(store, 'body:near'), [`x:${m.seq}:${m.body}`], 'a column filter is two words');
          assert.deepEqual(await found(store, 'near OR'), [`x:${m.seq}:${m.body}`], 'OR is a word of the body');
          assert.deepEqual(await found(store, 'gate AND'), [], 'AND is a word, and the body has none');
          for (const text of ['', '   ', '"*^:()', '😀🎉', '-- ;']) {
            await assert.rejects(store.search.messages({ userId: 'alice', text, limit: 5 }), validationFailed('q'), JSON.stringify(text));
          }
          await assert.rejects(store.search.messages({ userId: 'alice', text: 'x', limit: 0 }), validationFailed('limit'));
        }));
    });

    describe('conversations and blocks', () => {
      test('opening a direct conversation inserts it with both members, their joins at seqs 1 and 2, and says it created it', () =>
        withStore(async (store) => {
          const opened = await store.conversations.open(directRoom('d1', 'ann', 'bob'), conversationJoins(['ann', 'bob']));
          assert.equal(opened.created, true);
          assert.equal(opened.room.id, 'd1');
          assert.equal(opened.room.conversation, 'direct');
          assert.equal(opened.room.lastSeq, 2);
          assert.deepEqual(opened.events.map((e) => [e.seq, e.type, 'userId' in e ? e.userId : '']), [[1, 'member_joined', 'ann'], [2, 'member_joined', 'bob']]);
          assert.equal(await memberCount(store, 'd1'), 2);
          assert.equal((await store.rooms.get('d1'))?.conversation, 'direct');
        }));

      test('opening the same pair again, in either order and under another proposed id, answers the first room and appends nothing', () =>
        withStore(async (store) => {
          await store.conversations.open(directRoom('d1', 'ann', 'bob'), conversationJoins(['ann', 'bob']));
          const again = await store.conversations.open(directRoom('d2', 'bob', 'ann'), conversationJoins(['bob', 'ann']));
          assert.equal(again.created, false);
          assert.equal(again.room.id, 'd1');
          assert.deepEqual(again.events, []);
          assert.equal(again.room.lastSeq, 2);
          assert.equal(await store.rooms.get('d2'), undefined);
        }));

      test('of concurrent opens of one pair, exactly one creates the room, and every one answers it with two members (50 pairs)', () =>
        withStore(async (store) => {
          for (let pair = 0; pair < 50; pair += 1) {
            const [a, b] = [`a${pair}`, `b${pair}`];
            const results = await Promise.all([
              store.conversations.open(directRoom(`p${pair}-x`, a, b), conversationJoins([a, b])),
              store.conversations.open(directRoom(`p${pair}-y`, b, a), conversationJoins([b, a])),
            ]);
            assert.equal(results.filter((r) => r.created).length, 1, `pair ${pair}: one creation`);
            assert.equal(results[0]?.room.id, results[1]?.room.id, `pair ${pair}: one room`);
            const id = results[0]?.room.id ?? '';
            assert.equal(await memberCount(store, id), 2);
            assert.deepEqual((await all(store, id)).map((e) => e.seq), [1, 2], `pair ${pair}: two joins, no more`);
            assert.equal(results.flatMap((r) => r.events).length, 2);
          }
        }));

      test('the two people of a direct conversation may have names that differ only in case', () =>
        withStore(async (store) => {
          const opened = await store.conversations.open(directRoom('d1', 'u1', 'u2'), conversationJoins([['u1', 'Alex'], ['u2', 'alex']]));
          assert.equal(await memberCount(store, opened.room.id), 2);
        }));

      test('opening a direct conversation again brings back a member who left', () =>
        withStore(async (store) => {
          await store.conversations.open(directRoom('d1', 'ann', 'bob'), conversationJoins(['ann', 'bob']));
          await store.timeline.commit(newEvent('d1', { type: 'member_left', userId: 'bob', senderId: 'bob' }), checked);
          const again = await store.conversations.open(directRoom('d2', 'ann', 'bob'), conversationJoins(['ann', 'bob']));
          assert.deepEqual(again.events.map((e) => [e.seq, 'userId' in e ? e.userId : '']), [[4, 'bob']]);
          assert.ok(await store.members.get('d1', 'bob'));
        }));

      test('a group conversation is inserted with its members; more members than maxMembers refuses ROOM_FULL and stores nothing', () =>
        withStore(async (store) => {
          const group: NewConversation = { ...newRoom('g1', { joinRule: 'code', maxMembers: 3 }), conversation: 'group' };
          const opened = await store.conversations.open(group, conversationJoins(['ann', 'bob', 'cy']));
          assert.equal(opened.room.conversation, 'group');
          assert.equal(await memberCount(store, 'g1'), 3);
          await assert.rejects(store.conversations.open({ ...group, id: 'g2' }, conversationJoins(['ann', 'bob', 'cy', 'dee'])), parley('ROOM_FULL'));
          assert.equal(await store.rooms.get('g2'), undefined);
          await assert.rejects(store.conversations.open(group, conversationJoins(['ann'])), validationFailed('id'));
        }));

      test('an ordinary room is no conversation', () =>
        withStore(async (store) => {
          assert.equal((await store.rooms.create(newRoom('r'))).conversation, null);
          assert.equal((await store.rooms.get('r'))?.conversation, null);
        }));

      test('sharedName answers the name under which a person is a member of a room the viewer shares, else undefined', () =>
        withStore(async (store) => {
          await openRoom(store, 'r', ['ann', 'bob']);
          assert.equal(await store.conversations.sharedName('ann', 'bob'), 'User bob');
          assert.equal(await store.conversations.sharedName('ann', 'cy'), undefined);
          await openRoom(store, 's', ['cy']);
          assert.equal(await store.conversations.sharedName('ann', 'cy'), undefined);
        }));

      test('blocks: add is idempotent and keeps the first time; has, list and remove answer what is stored', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.blocks.add({ blockerId: 'ann', blockedId: 'bob', createdAt: T0 }), { blockerId: 'ann', blockedId: 'bob', createdAt: T0 });
          assert.deepEqual(await store.blocks.add({ blockerId: 'ann', blockedId: 'bob', createdAt: T0 + 5 }), { blockerId: 'ann', blockedId: 'bob', createdAt: T0 });
          await store.blocks.add({ blockerId: 'ann', blockedId: 'cy', createdAt: T0 + 1 });
          assert.equal(await store.blocks.has('ann', 'bob'), true);
          assert.equal(await store.blocks.has('bob', 'ann'), false);
          assert.deepEqual((await store.blocks.list('ann')).map((b) => b.blockedId), ['bob', 'cy']);
          assert.equal(await store.blocks.remove('ann', 'bob'), true);
          assert.equal(await store.blocks.remove('ann', 'bob'), false);
          assert.equal(await store.blocks.has('ann', 'bob'), false);
        }));

      test('blockedInRoom is true only when another current member of the room blocks the user', () =>
        withStore(async (store) => {
          await store.conversations.open(directRoom('d1', 'ann', 'bob'), conversationJoins(['ann', 'bob']));
          await store.blocks.add({ blockerId: 'cy', blockedId: 'bob', createdAt: T0 });
          assert.equal(await store.blocks.blockedInRoom('d1', 'bob'), false, 'cy is not a member');
          await store.blocks.add({ blockerId: 'ann', blockedId: 'bob', createdAt: T0 });
          assert.equal(await store.blocks.blockedInRoom('d1', 'bob'), true);
          assert.equal(await store.blocks.blockedInRoom('d1', 'ann'), false);
          await store.blocks.remove('ann', 'bob');
          assert.equal(await store.blocks.blockedInRoom('d1', 'bob'), false);
        }));
    });

    describe('lifecycle', () => {
      test('ping resolves on an open store', () =>
        withStore(async (store) => {
          await store.ping();
        }));

      test('close commits every append issued before it: each one resolves with its seq, none is dropped', () =>
        withStore(async (store) => {
          await openRoom(store, 'z');
          const pending = Array.from({ length: 50 }, () => store.timeline.append(newMessage('z')));
          await store.close();
          const results = await Promise.all(pending);
          assert.deepEqual(results.map((r) => r.event.seq).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 2));
        }));

      test('after close, appends and queries reject with STORE_UNAVAILABLE, and close again resolves', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('z'));
          await store.close();
          await assert.rejects(store.timeline.append(newMessage('z')), parley('STORE_UNAVAILABLE'));
          await assert.rejects(store.timeline.commit(newEvent('z', { type: 'system', body: 'x' }), checked), parley('STORE_UNAVAILABLE'));
          await assert.rejects(store.timeline.page('z', { limit: 5 }), parley('STORE_UNAVAILABLE'));
          await assert.rejects(store.rooms.get('z'), parley('STORE_UNAVAILABLE'));
          await store.close();
        }));
    });
  });
}

