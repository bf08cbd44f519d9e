/**
 * The Store contract (src/core/ports/store.ts), run against every Store engine (STYLE C4).
 * Engine-agnostic: it only uses the Store interface; each test gets a fresh store from the factory
 * and disposes it. Test names state the guarantee.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyError, type ErrorCode } from '../../src/protocol/errors.ts';
import type { AccountRecord, AuditRecord, MemberRecord, NewMessage, NewRoom, Store } from '../../src/core/ports/store.ts';

/** Creates one fresh, empty store; `dispose` closes it (also after `store.close()`) and removes its data. */
export type StoreFactory = () => Promise<{ store: Store; dispose(): Promise<void> }>;

const T0 = 1_700_000_000_000;

/** A room with defaults; override any field. */
function newRoom(id: string, overrides: Partial<NewRoom> = {}): NewRoom {
  return { id, name: `Room ${id}`, kind: 'persistent', maxMembers: 100, joinRule: 'open', e2ee: false, messagesPerMinute: null, joinCodeHash: null, epoch: 'epoch-1', createdAt: T0, ...overrides };
}

let nextId = 0;
/** A message with a fresh id; `clientId` defaults to a fresh one too. */
function newMessage(roomId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  nextId += 1;
  return { id: `msg-${nextId}`, roomId, senderId: 'alice', senderName: 'Alice', clientId: `client-${nextId}`, type: 'text', body: `hello ${nextId}`, createdAt: T0 + nextId, ...overrides };
}

/** A plain member of `roomId`, named after `userId`, joining at `joinedAt`. */
function newMember(roomId: string, userId: string, joinedAt = T0): Omit<MemberRecord, 'lastReadSeq' | 'mutedUntil'> {
  return { roomId, userId, name: `User ${userId}`, role: 'member', joinedAt };
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
    assert.equal(err.code, code);
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

  /** Append `count` messages to `roomId` one after another. */
  async function fill(store: Store, roomId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) await store.messages.append(newMessage(roomId));
  }

  describe(`Store contract: ${name}`, () => {
    describe('rooms', () => {
      test('create returns the room with lastSeq 0 and closedAt null, and get returns the same record', () =>
        withStore(async (store) => {
          const input = newRoom('r1', { kind: 'relay', maxMembers: 7, joinRule: 'code', messagesPerMinute: 42, joinCodeHash: 'ab'.repeat(32), epoch: 'e-9' });
          const created = await store.rooms.create(input);
          assert.deepEqual(created, { ...input, lastSeq: 0, closedAt: null });
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

      test('close sets closedAt, and closing again keeps the first closedAt', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('c'));
          assert.equal((await store.rooms.close('c', T0 + 10))?.closedAt, T0 + 10);
          assert.equal((await store.rooms.close('c', T0 + 20))?.closedAt, T0 + 10);
          assert.equal((await store.rooms.get('c'))?.closedAt, T0 + 10);
        }));

      test('setJoinCodeHash replaces the hash and null clears it', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('j', { joinRule: 'code', joinCodeHash: 'a'.repeat(64) }));
          assert.equal((await store.rooms.setJoinCodeHash('j', 'b'.repeat(64)))?.joinCodeHash, 'b'.repeat(64));
          assert.equal((await store.rooms.get('j'))?.joinCodeHash, 'b'.repeat(64));
          assert.equal((await store.rooms.setJoinCodeHash('j', null))?.joinCodeHash, null);
          assert.equal((await store.rooms.get('j'))?.joinCodeHash, null);
        }));

      test('close and setJoinCodeHash of an unknown room return undefined and create nothing', () =>
        withStore(async (store) => {
          assert.equal(await store.rooms.close('ghost', T0), undefined);
          assert.equal(await store.rooms.setJoinCodeHash('ghost', 'c'.repeat(64)), undefined);
          assert.equal(await store.rooms.get('ghost'), undefined);
        }));
    });

    describe('messages: append', () => {
      test('append stores every field as given, assigns seq 1, 2, 3 and advances the room lastSeq', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('a'));
          const first = newMessage('a', { body: 'héllo 👋 <b>not html</b>', senderName: 'Ålice' });
          const r1 = await store.messages.append(first);
          assert.deepEqual(r1, { message: { ...first, seq: 1 }, duplicate: false });
          assert.equal((await store.messages.append(newMessage('a'))).message.seq, 2);
          assert.equal((await store.messages.append(newMessage('a'))).message.seq, 3);
          assert.equal((await store.rooms.get('a'))?.lastSeq, 3);
          const page = await store.messages.page('a', { after: 0, limit: 1 });
          assert.deepEqual(page.messages, [{ ...first, seq: 1 }]);
        }));

      test('append assigns gap-free, strictly increasing seq per room under 500 concurrent appends', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('busy'));
          await store.rooms.create(newRoom('other'));
          const sends = Array.from({ length: 500 }, (_, i) => newMessage(i % 5 === 0 ? 'other' : 'busy', { senderId: `user-${i % 7}` }));
          const results = await Promise.all(sends.map((m) => store.messages.append(m)));
          for (const roomId of ['busy', 'other']) {
            const mine = results.filter((r) => r.message.roomId === roomId);
            assert.ok(mine.every((r) => !r.duplicate));
            const seqs = mine.map((r) => r.message.seq).sort((x, y) => x - y);
            assert.deepEqual(seqs, Array.from({ length: mine.length }, (_, i) => i + 1), `seqs of ${roomId} are 1..n`);
            const stored = await store.messages.page(roomId, { after: 0, limit: 500 });
            assert.deepEqual(stored.messages.map((m) => m.seq), seqs);
            assert.deepEqual(new Set(stored.messages.map((m) => m.id)), new Set(mine.map((r) => r.message.id)));
            assert.equal((await store.rooms.get(roomId))?.lastSeq, mine.length);
          }
        }));

      test('a repeated (room, sender, clientId) returns the first message with duplicate=true and stores one row', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('d'));
          const original = await store.messages.append(newMessage('d', { clientId: 'same', body: 'first' }));
          const retry = await store.messages.append(newMessage('d', { clientId: 'same', body: 'second' }));
          assert.equal(retry.duplicate, true);
          assert.deepEqual(retry.message, original.message);
          const page = await store.messages.page('d', { limit: 10 });
          assert.deepEqual(page.messages, [original.message]);
          assert.equal((await store.rooms.get('d'))?.lastSeq, 1);
        }));

      test('concurrent repeats of one clientId store one row: one append is new, the others return it as duplicate', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('d'));
          const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.messages.append(newMessage('d', { clientId: 'burst', body: `try ${i}` }))));
          assert.equal(results.filter((r) => !r.duplicate).length, 1);
          const stored = results.find((r) => !r.duplicate)?.message;
          for (const r of results) assert.deepEqual(r.message, stored);
          assert.equal((await store.messages.page('d', { limit: 10 })).messages.length, 1);
          assert.equal((await store.rooms.get('d'))?.lastSeq, 1);
        }));

      test('the same clientId from another sender or in another room is a different message', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('x'));
          await store.rooms.create(newRoom('y'));
          const a = await store.messages.append(newMessage('x', { clientId: 'k', senderId: 'alice' }));
          const b = await store.messages.append(newMessage('x', { clientId: 'k', senderId: 'bob' }));
          const c = await store.messages.append(newMessage('y', { clientId: 'k', senderId: 'alice' }));
          assert.deepEqual([a.duplicate, b.duplicate, c.duplicate], [false, false, false]);
          assert.deepEqual([a.message.seq, b.message.seq, c.message.seq], [1, 2, 1]);
        }));

      test('a closed room rejects append with ROOM_CLOSED and stores nothing', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('closed'));
          await store.messages.append(newMessage('closed'));
          await store.rooms.close('closed', T0 + 1);
          await assert.rejects(store.messages.append(newMessage('closed')), parley('ROOM_CLOSED'));
          assert.equal((await store.messages.page('closed', { limit: 10 })).messages.length, 1);
          assert.equal((await store.rooms.get('closed'))?.lastSeq, 1);
        }));

      test('a retry of a message stored before the room closed still returns the original with duplicate=true', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('late'));
          const original = await store.messages.append(newMessage('late', { clientId: 'before-close' }));
          await store.rooms.close('late', T0 + 1);
          const retry = await store.messages.append(newMessage('late', { clientId: 'before-close' }));
          assert.deepEqual(retry, { message: original.message, duplicate: true });
        }));

      test('append to a missing room rejects with ROOM_NOT_FOUND', () =>
        withStore(async (store) => {
          await assert.rejects(store.messages.append(newMessage('nowhere')), parley('ROOM_NOT_FOUND'));
          assert.equal((await store.messages.page('nowhere', { limit: 10 })).messages.length, 0);
        }));

      test('rejected appends in a concurrent burst neither fail nor renumber the accepted ones', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('open'));
          await store.rooms.create(newRoom('shut'));
          await store.rooms.close('shut', T0);
          const sends = Array.from({ length: 30 }, (_, i) => newMessage(['open', 'shut', 'gone'][i % 3] as string));
          const settled = await Promise.allSettled(sends.map((m) => store.messages.append(m)));
          const accepted: number[] = [];
          settled.forEach((s, i) => {
            const roomId = sends[i]?.roomId;
            if (roomId === 'open') {
              assert.equal(s.status, 'fulfilled');
              if (s.status === 'fulfilled') accepted.push(s.value.message.seq);
            } else {
              assert.equal(s.status, 'rejected');
              if (s.status === 'rejected') parley(roomId === 'shut' ? 'ROOM_CLOSED' : 'ROOM_NOT_FOUND')(s.reason);
            }
          });
          assert.deepEqual(accepted.sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i + 1));
          assert.equal((await store.rooms.get('shut'))?.lastSeq, 0);
        }));
    });

    describe('messages: page', () => {
      /** A store whose room 'p' holds seqs 1..10 and room 'q' holds 3 messages. */
      async function withTen(fn: (store: Store) => Promise<void>): Promise<void> {
        await withStore(async (store) => {
          await store.rooms.create(newRoom('p'));
          await store.rooms.create(newRoom('q'));
          await fill(store, 'p', 10);
          await fill(store, 'q', 3);
          await fn(store);
        });
      }
      const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);

      test('page after returns the first `limit` messages after the seq, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.messages.page('p', { after: 0, limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[1, 2, 3, 4], true]);
          const p2 = await store.messages.page('p', { after: 6, limit: 4 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[7, 8, 9, 10], false]);
          const p3 = await store.messages.page('p', { after: 8, limit: 4 });
          assert.deepEqual([seqs(p3), p3.hasMore], [[9, 10], false]);
          const p4 = await store.messages.page('p', { after: 10, limit: 4 });
          assert.deepEqual([seqs(p4), p4.hasMore], [[], false]);
        }));

      test('page before returns the last `limit` messages before the seq, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.messages.page('p', { before: 11, limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[7, 8, 9, 10], true]);
          const p2 = await store.messages.page('p', { before: 5, limit: 4 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[1, 2, 3, 4], false]);
          const p3 = await store.messages.page('p', { before: 3, limit: 4 });
          assert.deepEqual([seqs(p3), p3.hasMore], [[1, 2], false]);
          const p4 = await store.messages.page('p', { before: 1, limit: 4 });
          assert.deepEqual([seqs(p4), p4.hasMore], [[], false]);
        }));

      test('page with neither after nor before returns the newest `limit` messages, ascending, with hasMore', () =>
        withTen(async (store) => {
          const p1 = await store.messages.page('p', { limit: 4 });
          assert.deepEqual([seqs(p1), p1.hasMore], [[7, 8, 9, 10], true]);
          const p2 = await store.messages.page('p', { limit: 10 });
          assert.deepEqual([seqs(p2), p2.hasMore], [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
          const p3 = await store.messages.page('p', { limit: 50 });
          assert.deepEqual([seqs(p3).length, p3.hasMore], [10, false]);
        }));

      test('pages contain only the requested room, and an empty or unknown room gives an empty page', () =>
        withTen(async (store) => {
          const q = await store.messages.page('q', { limit: 50 });
          assert.deepEqual(seqs(q), [1, 2, 3]);
          assert.ok(q.messages.every((m) => m.roomId === 'q'));
          await store.rooms.create(newRoom('empty'));
          assert.deepEqual(await store.messages.page('empty', { limit: 5 }), { messages: [], hasMore: false });
          assert.deepEqual(await store.messages.page('unknown', { after: 0, limit: 5 }), { messages: [], hasMore: false });
        }));
    });

    describe('members', () => {
      test('add creates a member with lastReadSeq 0; adding again returns it unchanged with created=false', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('m'));
          const first = await store.members.add(newMember('m', 'u1'), 10);
          assert.deepEqual(first, { member: { ...newMember('m', 'u1'), lastReadSeq: 0, mutedUntil: null }, created: true });
          const again = await store.members.add({ ...newMember('m', 'u1', T0 + 5), name: 'Renamed', role: 'owner' }, 10);
          assert.deepEqual(again, { member: first.member, created: false });
          assert.deepEqual(await store.members.get('m', 'u1'), first.member);
        }));

      test('members.add refuses past maxMembers with ROOM_FULL even when adds race', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('cap', { maxMembers: 5 }));
          const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.members.add(newMember('cap', `u${i}`, T0 + i), 5)));
          const admitted = settled.filter((s) => s.status === 'fulfilled');
          assert.equal(admitted.length, 5);
          for (const s of settled) if (s.status === 'rejected') parley('ROOM_FULL')(s.reason);
          assert.equal((await store.members.list('cap')).length, 5);
        }));

      test('an existing member is returned, not refused, when the room is full', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('full', { maxMembers: 2 }));
          await store.members.add(newMember('full', 'a'), 2);
          await store.members.add(newMember('full', 'b'), 2);
          await assert.rejects(store.members.add(newMember('full', 'c'), 2), parley('ROOM_FULL'));
          assert.equal((await store.members.add(newMember('full', 'a'), 2)).created, false);
        }));

      test('a name another current member holds in any case (NFC, lowercase) is refused with NAME_TAKEN, also when adds race; the same user re-adds, other rooms and freed names are unaffected', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('names'));
          await store.rooms.create(newRoom('other'));
          const named = (roomId: string, userId: string, name: string) => ({ ...newMember(roomId, userId), name });
          await store.members.add(named('names', 'alex-1', 'Alex'), 10);
          for (const [userId, name] of [['alex-2', 'alex'], ['alex-3', 'ALEX'], ['rene-2', 'Rene\u0301e']] as const) {
            if (userId === 'rene-2') await store.members.add(named('names', 'rene-1', 'ren\u00e9e'), 10);
            await assert.rejects(store.members.add(named('names', userId, name), 10), (err: unknown) => {
              parley('NAME_TAKEN')(err);
              assert.match((err as ParleyError).message, /already has this name/);
              return true;
            });
          }
          assert.equal((await store.members.add(named('names', 'alex-1', 'ALEX'), 10)).created, false, 'the same user re-adding is not refused');
          assert.equal((await store.members.add(named('other', 'alex-2', 'alex'), 10)).created, true, 'names are unique per room only');
          assert.deepEqual((await store.members.list('names')).map((m) => [m.userId, m.name]), [['alex-1', 'Alex'], ['rene-1', 'ren\u00e9e']]);

          const settled = await Promise.allSettled(['Sam', 'SAM', 'sam', 'sAm', 'Sam'].map((name, i) => store.members.add(named('names', `sam-${i}`, name), 10)));
          assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1, 'of racing adds under one name exactly one succeeds');
          for (const s of settled) if (s.status === 'rejected') parley('NAME_TAKEN')(s.reason);

          assert.equal(await store.members.remove('names', 'alex-1'), true);
          assert.equal((await store.members.add(named('names', 'alex-3', 'ALEX'), 10)).created, true, 'a name is free again once its member is gone');
        }));

      test('add to an unknown room rejects with ROOM_NOT_FOUND, a new member of a closed room with ROOM_CLOSED', () =>
        withStore(async (store) => {
          await assert.rejects(store.members.add(newMember('ghost', 'u'), 10), parley('ROOM_NOT_FOUND'));
          await store.rooms.create(newRoom('shut'));
          await store.rooms.close('shut', T0);
          await assert.rejects(store.members.add(newMember('shut', 'u'), 10), parley('ROOM_CLOSED'));
          assert.deepEqual(await store.members.list('shut'), []);
        }));

      test('list returns members by join time, get returns one member or undefined, roomsOf lists a user\'s rooms', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('r1'));
          await store.rooms.create(newRoom('r2'));
          await store.members.add(newMember('r1', 'late', T0 + 2), 10);
          await store.members.add(newMember('r1', 'early', T0 + 1), 10);
          await store.members.add(newMember('r2', 'early', T0 + 3), 10);
          assert.deepEqual((await store.members.list('r1')).map((m) => m.userId), ['early', 'late']);
          assert.equal((await store.members.get('r2', 'early'))?.joinedAt, T0 + 3);
          assert.equal(await store.members.get('r2', 'late'), undefined);
          assert.deepEqual((await store.members.roomsOf('early')).sort(), ['r1', 'r2']);
          assert.deepEqual(await store.members.roomsOf('nobody'), []);
        }));

      test('markRead never moves the marker backwards', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('rd'));
          await store.members.add(newMember('rd', 'u'), 10);
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
          await store.rooms.create(newRoom('p1'));
          await store.rooms.create(newRoom('p2'));
          await fill(store, 'p1', 3);
          const ids = ['p1', 'p2', 'missing', ...Array.from({ length: 1200 }, (_, i) => `absent-${i}`)];
          assert.deepEqual(await store.rooms.lastSeqs(ids), new Map([['p1', 3], ['p2', 0]]));
          assert.deepEqual(await store.rooms.lastSeqs([]), new Map());
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

    describe('moderation: e2ee rooms, mutes, tombstones', () => {
      test('a room created with e2ee keeps the flag; one created without it is not e2ee', () =>
        withStore(async (store) => {
          assert.equal((await store.rooms.create(newRoom('secret', { e2ee: true }))).e2ee, true);
          assert.equal((await store.rooms.get('secret'))?.e2ee, true);
          const plain: NewRoom = { id: 'plain', name: 'Plain', kind: 'persistent', maxMembers: 5, joinRule: 'open', messagesPerMinute: null, joinCodeHash: null, epoch: 'e', createdAt: T0 };
          assert.equal((await store.rooms.create(plain)).e2ee, false, 'e2ee defaults to false');
        }));

      test('setMutedUntil sets and clears a member\'s mute, and is undefined for a non-member', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('mu'));
          await store.members.add(newMember('mu', 'u'), 10);
          assert.equal((await store.members.setMutedUntil('mu', 'u', T0 + 60_000))?.mutedUntil, T0 + 60_000);
          assert.equal((await store.members.get('mu', 'u'))?.mutedUntil, T0 + 60_000);
          assert.equal((await store.members.setMutedUntil('mu', 'u', null))?.mutedUntil, null);
          assert.equal((await store.members.get('mu', 'u'))?.mutedUntil, null);
          assert.equal(await store.members.setMutedUntil('mu', 'stranger', T0), undefined);
        }));

      test('erase leaves a tombstone in place: empty body, deletedAt set, seq and dedupe key kept; erasing again keeps the first deletedAt', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('t'));
          const sent = (await store.messages.append(newMessage('t', { clientId: 'keep', body: 'to be erased' }))).message;
          await store.messages.append(newMessage('t'));
          const erased = await store.messages.erase('t', 1, T0 + 100);
          assert.deepEqual(erased, { ...sent, body: '', deletedAt: T0 + 100 });
          assert.equal((await store.messages.erase('t', 1, T0 + 200))?.deletedAt, T0 + 100);
          const { messages } = await store.messages.page('t', { after: 0, limit: 10 });
          assert.deepEqual(messages.map((m) => [m.seq, m.body, m.deletedAt]), [[1, '', T0 + 100], [2, messages[1]?.body, undefined]]);
          const retry = await store.messages.append(newMessage('t', { clientId: 'keep', body: 'to be erased' }));
          assert.deepEqual(retry, { message: { ...sent, body: '', deletedAt: T0 + 100 }, duplicate: true }, 'a retry of an erased message gets the tombstone, not a copy');
          assert.equal((await store.rooms.get('t'))?.lastSeq, 2);
        }));

      test('erase of a message that does not exist is undefined and changes nothing', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('t0'));
          await store.messages.append(newMessage('t0'));
          assert.equal(await store.messages.erase('t0', 2, T0), undefined);
          assert.equal(await store.messages.erase('nowhere', 1, T0), undefined);
          assert.equal((await store.messages.page('t0', { limit: 5 })).messages[0]?.deletedAt, undefined);
        }));
    });

    describe('bans', () => {
      const ban = (roomId: string, userId: string, overrides: Partial<{ actorId: string; reason: string | null; createdAt: number }> = {}) => ({ roomId, userId, actorId: 'mod', reason: 'spam', createdAt: T0, ...overrides });

      test('a ban ends the membership in the same call and is returned as stored', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('b'));
          const { member: joined } = await store.members.add(newMember('b', 'eve'), 10);
          const result = await store.bans.add(ban('b', 'eve'));
          assert.deepEqual(result, { ban: ban('b', 'eve'), created: true, removed: joined });
          assert.equal(await store.members.get('b', 'eve'), undefined);
          assert.deepEqual(await store.bans.get('b', 'eve'), ban('b', 'eve'));
        }));

      test('a banned user is refused by members.add with BANNED, in that room only, until the ban is lifted', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('b1'));
          await store.rooms.create(newRoom('b2'));
          await store.bans.add(ban('b1', 'eve'));
          await assert.rejects(store.members.add(newMember('b1', 'eve'), 10), parley('BANNED'));
          assert.deepEqual(await store.members.list('b1'), []);
          assert.equal((await store.members.add(newMember('b2', 'eve'), 10)).created, true, 'another room admits them');
          assert.equal(await store.bans.remove('b1', 'eve'), true);
          assert.equal(await store.bans.remove('b1', 'eve'), false);
          assert.equal((await store.members.add(newMember('b1', 'eve'), 10)).created, true);
        }));

      test('banning again keeps the first ban (created=false); a non-member can be banned (removed undefined)', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('b3'));
          assert.deepEqual(await store.bans.add(ban('b3', 'later', { reason: null })), { ban: ban('b3', 'later', { reason: null }), created: true, removed: undefined });
          const again = await store.bans.add(ban('b3', 'later', { actorId: 'other', reason: 'again', createdAt: T0 + 5 }));
          assert.deepEqual(again, { ban: ban('b3', 'later', { reason: null }), created: false, removed: undefined });
        }));

      test('list returns the room\'s bans oldest first; get of an unknown ban is undefined; a ban of an unknown room is ROOM_NOT_FOUND', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('b4'));
          await store.bans.add(ban('b4', 'second', { createdAt: T0 + 2 }));
          await store.bans.add(ban('b4', 'first', { createdAt: T0 + 1 }));
          assert.deepEqual((await store.bans.list('b4')).map((b) => b.userId), ['first', 'second']);
          assert.deepEqual(await store.bans.list('nowhere'), []);
          assert.equal(await store.bans.get('b4', 'nobody'), undefined);
          await assert.rejects(store.bans.add(ban('ghost', 'eve')), parley('ROOM_NOT_FOUND'));
        }));

      test('bans and adds racing for one user never leave a banned member behind', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('race', { maxMembers: 1000 }));
          const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
          await Promise.allSettled(users.flatMap((u) => [store.members.add(newMember('race', u), 1000), store.bans.add(ban('race', u))]));
          for (const u of users) {
            assert.notEqual(await store.bans.get('race', u), undefined);
            assert.equal(await store.members.get('race', u), undefined, `${u} is banned and must not be a member`);
          }
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
          await store.rooms.create(newRoom('kept'));
          await store.members.add({ roomId: 'kept', userId: 'eve', name: 'Eve', role: 'member', joinedAt: T0 }, 10);
          await store.audit.append(entry('100', 'kept', { action: 'member_banned' }));
          await store.bans.add({ roomId: 'kept', userId: 'eve', actorId: 'mod', reason: null, createdAt: T0 });
          await store.bans.remove('kept', 'eve');
          await store.rooms.close('kept', T0 + 1);
          assert.deepEqual((await store.audit.page({ roomId: 'kept', limit: 5 })).entries.map((e) => e.action), ['member_banned']);
        }));
    });

    describe('lifecycle', () => {
      test('ping resolves on an open store', () =>
        withStore(async (store) => {
          await store.ping();
        }));

      test('close commits every append issued before it: each one resolves with its seq, none is dropped', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('z'));
          const pending = Array.from({ length: 50 }, () => store.messages.append(newMessage('z')));
          await store.close();
          const results = await Promise.all(pending);
          assert.deepEqual(results.map((r) => r.message.seq).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
        }));

      test('after close, appends and queries reject with STORE_UNAVAILABLE, and close again resolves', () =>
        withStore(async (store) => {
          await store.rooms.create(newRoom('z'));
          await store.close();
          await assert.rejects(store.messages.append(newMessage('z')), parley('STORE_UNAVAILABLE'));
          await assert.rejects(store.rooms.get('z'), parley('STORE_UNAVAILABLE'));
          await store.close();
        }));
    });
  });
}
