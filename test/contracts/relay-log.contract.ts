/**
 * The RelayLog contract (src/core/ports/relay-log.ts), run against every RelayLog engine (STYLE C4).
 * Nodes of a shared backend append to the same rooms; the memory engine serves one process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayLog, RelayLogOptions } from '../../src/core/ports/relay-log.ts';
import type { NewEvent, NewMessage } from '../../src/core/ports/store.ts';
import { eventually } from '../support/eventually.ts';
import { withBackend, type Backend } from './backend.ts';

/** A backend that opens RelayLog nodes with the given options; `shared` when they share rooms. */
export interface RelayLogBackend extends Backend {
  node(options: RelayLogOptions): Promise<RelayLog>;
}

export type RelayLogFactory = () => Promise<RelayLogBackend>;

let next = 0;
function message(roomId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  next += 1;
  return { id: `m-${next}`, roomId, senderId: 'ada', senderName: 'Ada', clientId: `c-${next}`, type: 'message', body: `hello ${next}`, createdAt: 1_700_000_000_000 + next, ...overrides };
}

/** The envelope of a non-message event (the caller adds `type` and its fields). */
function envelope(roomId: string, senderId = 'mod') {
  next += 1;
  return { id: `e-${next}`, roomId, senderId, senderName: senderId.toUpperCase(), clientId: `c-${next}`, createdAt: 1_700_000_000_000 + next };
}

const OPTIONS: RelayLogOptions = { bufferSize: 5, ttlMs: 60_000, dedupeWindowMs: 600_000 };

export function relayLogContract(name: string, factory: RelayLogFactory): void {
  const withNodes = (fn: (backend: RelayLogBackend) => Promise<void>) => withBackend(factory, fn);

  describe(`RelayLog contract: ${name}`, () => {
    test('appends of any event type get seq 1, 2, 3… in one epoch, which position reports; each event round-trips exactly', () =>
      withNodes(async (backend) => {
        const log = await backend.node({ ...OPTIONS, bufferSize: 10 });
        const before = await log.position('r');
        assert.equal(before.lastSeq, 0);
        const input = message('r', { body: 'quote " backslash \\ tab \t emoji 🎉 nul \u0000', senderName: 'Ådä' });
        const first = await log.append(input);
        assert.deepEqual(first, { event: { ...input, seq: 1 }, duplicate: false, epoch: before.epoch });
        const inputs: NewEvent[] = [
          message('r', { replyTo: 1 }),
          { ...envelope('r', 'bob'), type: 'member_joined', userId: 'bob', name: 'Bob', role: 'member' },
          { ...envelope('r', 'bob'), type: 'reaction_added', target: 1, key: '🎉' },
          { ...envelope('r'), type: 'member_banned', userId: 'eve', reason: null },
          { ...envelope('r'), type: 'member_muted', userId: 'bob', until: 1_800_000_000_000 },
          { ...envelope('r'), type: 'system', body: 'maintenance at noon' },
        ];
        for (const [i, event] of inputs.entries()) assert.deepEqual(await log.append(event), { event: { ...event, seq: i + 2 }, duplicate: false, epoch: before.epoch });
        assert.deepEqual(await log.position('r'), { epoch: before.epoch, lastSeq: 7 });
        assert.deepEqual((await log.since('r', 0, 100)).events, [{ ...input, seq: 1 }, ...inputs.map((event, i) => ({ ...event, seq: i + 2 }))]);
        assert.equal((await log.append(message('other'))).event.seq, 1, 'rooms count separately');
      }));

    test('an optional field left undefined is absent from the event, appended and read back alike', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const plain = message('r');
        assert.equal('replyTo' in plain, false);
        const appended = await log.append({ ...plain, replyTo: undefined });
        assert.deepEqual(appended.event, { ...plain, seq: 1 });
        assert.deepEqual((await log.since('r', 0, 10)).events, [{ ...plain, seq: 1 }]);
      }));

    test('events are kept as appended, not folded: an edit and a deletion follow the message, which reads back as sent', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const sent = (await log.append(message('r', { body: 'first draft' }))).event;
        const edit = (await log.append({ ...envelope('r', 'ada'), type: 'message_edited', target: sent.seq, body: 'final' })).event;
        const deletion = (await log.append({ ...envelope('r'), type: 'message_deleted', target: sent.seq })).event;
        assert.deepEqual((await log.since('r', 0, 10)).events, [sent, edit, deletion]);
        assert.deepEqual((await log.page('r', { limit: 10 })).events, [sent, edit, deletion]);
      }));

    test('a (sender, clientId) seen before returns the original event as a duplicate and appends nothing; another sender\'s or another room\'s same clientId is new', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const original = await log.append(message('r', { clientId: 'same' }));
        const retry = await log.append(message('r', { clientId: 'same', body: 'changed' }));
        assert.deepEqual(retry, { event: original.event, duplicate: true, epoch: original.epoch });
        assert.equal((await log.position('r')).lastSeq, 1);
        const other = await log.append(message('r', { clientId: 'same', senderId: 'bob' }));
        assert.deepEqual([other.duplicate, other.event.seq], [false, 2]);
        const elsewhere = await log.append(message('r2', { clientId: 'same' }));
        assert.deepEqual([elsewhere.duplicate, elsewhere.event.seq], [false, 1]);
        const reaction = await log.append({ ...envelope('r', 'ada'), clientId: 'same', type: 'reaction_added', target: 1, key: '👍' });
        assert.deepEqual([reaction.duplicate, reaction.event], [true, original.event], 'one clientId space per sender and room, whatever the event type');
      }));

    test('a resend after 600 other events, long gone from the buffer, is still a duplicate with the original id, seq and createdAt', () =>
      withNodes(async (backend) => {
        const log = await backend.node({ ...OPTIONS, bufferSize: 50 });
        const original = await log.append(message('r', { clientId: 'kept' }));
        const others = await log.append(message('r', { clientId: 'kept', senderId: 'bob' }));
        for (let i = 0; i < 599; i += 1) await log.append(message('r', { senderId: `u${i % 7}` }));
        const before = await log.position('r');
        assert.equal(before.lastSeq, 601);
        assert.equal((await log.since('r', 0, 1)).missing?.to, 551, 'the original left the buffer');
        const resend = message('r', { clientId: 'kept', senderName: 'Ada L.' });
        const retry = await log.append(resend);
        assert.deepEqual(retry, { event: { ...resend, id: original.event.id, seq: 1, createdAt: original.event.createdAt }, duplicate: true, epoch: original.epoch });
        const bobs = await log.append(message('r', { clientId: 'kept', senderId: 'bob' }));
        assert.deepEqual([bobs.duplicate, bobs.event.seq, bobs.event.id], [true, 2, others.event.id]);
        assert.deepEqual(await log.position('r'), before, 'duplicates append nothing');
        const elsewhere = await log.append(message('r2', { clientId: 'kept' }));
        assert.deepEqual([elsewhere.duplicate, elsewhere.event.seq], [false, 1], 'dedupe is per room');
      }));

    test('after the dedupe window the same clientId is a new event with a new seq, and is then deduplicated as that one', () =>
      withNodes(async (backend) => {
        const windowMs = 300;
        const log = await backend.node({ ...OPTIONS, dedupeWindowMs: windowMs });
        const acceptedAt = Date.now();
        const original = await log.append(message('r', { clientId: 'again' }));
        assert.equal((await log.append(message('r', { clientId: 'again' }))).duplicate, true);
        let renewed: Awaited<ReturnType<RelayLog['append']>> | undefined;
        await eventually('the clientId is accepted again', 5000, async () => {
          const attempt = await log.append(message('r', { clientId: 'again' }));
          if (!attempt.duplicate) renewed = attempt;
          else assert.equal(attempt.event.id, original.event.id);
          return !attempt.duplicate;
        });
        assert.ok(Date.now() - acceptedAt >= windowMs, 'not before the window has passed');
        assert.ok(renewed !== undefined);
        assert.equal(renewed.event.seq, 2);
        assert.equal(renewed.epoch, original.epoch);
        const retry = await log.append(message('r', { clientId: 'again' }));
        assert.deepEqual([retry.duplicate, retry.event], [true, renewed.event]);
      }));

    test('since answers up to `limit` buffered events after a seq, in order, and names what already left the buffer', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const sent = [];
        for (let i = 0; i < 8; i++) sent.push((await log.append(message('r'))).event);
        const all = await log.since('r', 0, 100);
        assert.deepEqual(all.events, sent.slice(3), 'the newest five');
        assert.deepEqual(all.missing, { from: 1, to: 3 });
        assert.equal(all.lastSeq, 8);
        const first = await log.since('r', 0, 2);
        assert.deepEqual([first.events, first.missing, first.lastSeq], [sent.slice(3, 5), { from: 1, to: 3 }, 8]);
        const recent = await log.since('r', 6, 100);
        assert.deepEqual(recent.events, sent.slice(6));
        assert.equal(recent.missing, undefined);
        assert.deepEqual((await log.since('r', 5, 1)).events, [sent[5]]);
        assert.deepEqual((await log.since('r', 8, 10)).events, []);
        assert.deepEqual((await log.since('empty', 0, 10)).events, []);
      }));

    test('page answers what the buffer holds: after, before or the newest, ascending, hasMore only for buffered events', () =>
      withNodes(async (backend) => {
        const log = await backend.node({ ...OPTIONS, bufferSize: 6 });
        for (let i = 0; i < 10; i++) await log.append(message('p'));
        const seqs = async (query: Parameters<RelayLog['page']>[1]) => {
          const page = await log.page('p', query);
          return [page.events.map((e) => e.seq), page.hasMore];
        };
        // Seqs 5..10 are buffered.
        assert.deepEqual(await seqs({ after: 0, limit: 4 }), [[5, 6, 7, 8], true]);
        assert.deepEqual(await seqs({ after: 6, limit: 4 }), [[7, 8, 9, 10], false]);
        assert.deepEqual(await seqs({ after: 8, limit: 4 }), [[9, 10], false]);
        assert.deepEqual(await seqs({ after: 10, limit: 4 }), [[], false]);
        assert.deepEqual(await seqs({ before: 11, limit: 4 }), [[7, 8, 9, 10], true]);
        assert.deepEqual(await seqs({ before: 9, limit: 4 }), [[5, 6, 7, 8], false], 'seqs 1–4 left the buffer');
        assert.deepEqual(await seqs({ before: 5, limit: 4 }), [[], false]);
        assert.deepEqual(await seqs({ limit: 4 }), [[7, 8, 9, 10], true]);
        assert.deepEqual(await seqs({ limit: 50 }), [[5, 6, 7, 8, 9, 10], false]);
        assert.deepEqual(await seqs({ after: 5, before: 10, limit: 2 }), [[6, 7], true]);
        assert.deepEqual(await log.page('unknown', { limit: 5 }), { events: [], hasMore: false });
      }));

    test('since and page refuse a limit that is not an integer ≥ 1', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const refused = { code: 'VALIDATION_FAILED', details: { field: 'limit' } };
        await assert.rejects(log.since('r', 0, 0), refused);
        await assert.rejects(log.since('r', 0, 1.5), refused);
        await assert.rejects(log.page('r', { limit: 0 }), refused);
      }));

    test('drop forgets the room and its dedupe: the next append starts at seq 1 in a new epoch, and a retry is a new event there', () =>
      withNodes(async (backend) => {
        const log = await backend.node(OPTIONS);
        const first = await log.append(message('r', { clientId: 'before-drop' }));
        await log.drop('r');
        const retry = await log.append(message('r', { clientId: 'before-drop' }));
        assert.deepEqual([retry.duplicate, retry.event.seq], [false, 1]);
        assert.notEqual(retry.epoch, first.epoch);
        assert.deepEqual((await log.page('r', { limit: 10 })).events, [retry.event]);
      }));

    test('a room without appends for its ttl is forgotten, with its dedupe', () =>
      withNodes(async (backend) => {
        const log = await backend.node({ ...OPTIONS, ttlMs: 200 });
        const first = await log.append(message('r', { clientId: 'before-ttl' }));
        await eventually('the room is forgotten', 5000, async () => (await log.position('r')).epoch !== first.epoch);
        assert.equal((await log.position('r')).lastSeq, 0);
        const retry = await log.append(message('r', { clientId: 'before-ttl' }));
        assert.deepEqual([retry.duplicate, retry.event.seq], [false, 1]);
      }));

    test('concurrent appends from every node get distinct, gap-free seqs in one epoch', () =>
      withNodes(async (backend) => {
        const nodes = backend.shared ? [await backend.node(OPTIONS), await backend.node(OPTIONS), await backend.node(OPTIONS)] : [await backend.node(OPTIONS)];
        const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (nodes[i % nodes.length] as RelayLog).append(message('busy', { senderId: `u${i % 7}` }))));
        assert.deepEqual(results.map((r) => r.event.seq).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
        assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
      }));

    test('the same (sender, clientId) appended concurrently on every node is stored once; every other attempt is its duplicate', () =>
      withNodes(async (backend) => {
        const nodes = backend.shared ? [await backend.node(OPTIONS), await backend.node(OPTIONS), await backend.node(OPTIONS)] : [await backend.node(OPTIONS)];
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (nodes[i % nodes.length] as RelayLog).append(message('race', { clientId: 'once' }))));
        assert.equal(results.filter((r) => !r.duplicate).length, 1);
        assert.deepEqual(new Set(results.map((r) => `${r.event.seq}/${r.event.id}`)).size, 1);
        assert.equal((await (nodes[0] as RelayLog).position('race')).lastSeq, 1);
      }));

    test('authority stamps: an append requiring the stamp succeeds until a change begins; a change withholds the stamp and moves it on, on every node; a change that never ends keeps it withheld; a forgotten room invalidates stamps', () =>
      withNodes(async (backend) => {
        const a = await backend.node(OPTIONS);
        const b = backend.shared ? await backend.node(OPTIONS) : a;
        const s0 = await a.authority('au');
        assert.equal(typeof s0, 'string');
        assert.equal(await b.authority('au'), s0, 'every node reads the same stamp');
        assert.equal((await a.appendIfAuthority(message('au'), s0 as string))?.event.seq, 1);
        const retried = message('au');
        assert.equal((await a.appendIfAuthority(retried, s0 as string))?.event.seq, 2);
        assert.deepEqual(await a.appendIfAuthority(retried, s0 as string).then((r) => [r?.duplicate, r?.event.seq]), [true, 2], 'dedupe holds for conditional appends');

        await b.beginChange('au');
        assert.equal(await a.authority('au'), undefined, 'no stamp while a change is under way');
        assert.equal(await a.appendIfAuthority(message('au'), s0 as string), undefined, 'a stamp from before the change is refused');
        assert.equal((await a.position('au')).lastSeq, 2, 'a refused conditional append stores nothing');
        assert.equal((await a.append(message('au'))).event.seq, 3, 'unconditional appends go on');
        await b.endChange('au');
        const s1 = await a.authority('au');
        assert.equal(typeof s1, 'string');
        assert.notEqual(s1, s0);
        assert.equal(await a.appendIfAuthority(message('au'), s0 as string), undefined);
        assert.equal((await a.appendIfAuthority(message('au'), s1 as string))?.event.seq, 4);

        await a.beginChange('au');
        await b.beginChange('au');
        await a.endChange('au');
        assert.equal(await b.authority('au'), undefined, 'one of two changes still under way');
        await b.endChange('au');
        const s2 = await b.authority('au');
        assert.notEqual(s2, undefined);
        assert.notEqual(s2, s1);

        await a.beginChange('au');
        await a.drop('au');
        const fresh = await b.authority('au');
        assert.notEqual(fresh, undefined, 'a forgotten room starts with no change under way');
        assert.notEqual(fresh, s2);
        assert.equal(await b.appendIfAuthority(message('au'), s2 as string), undefined, 'a stamp of the forgotten epoch is refused');
        await a.endChange('au');
        const after = await a.authority('au');
        assert.notEqual(after, undefined, 'an end without its begin does not withhold the stamp');
        assert.notEqual(after, fresh, 'but still moves it on');
      }));
  });
}
