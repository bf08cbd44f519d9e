/**
 * Signed embed tickets (issue: identity): a fresh ticket signed by a configured integrator, from one
 * of its origins, opens an embed session once; every other ticket is refused with TICKET_INVALID or
 * TOKEN_REPLAYED. Real store (SQLite) and counters; tickets minted with the integrator example.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { EmbedTickets, type PresentedTicket } from '../../src/auth/embed-ticket.ts';
import { EmbedAuthenticator } from '../../src/auth/embed-session.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { SingleUse } from '../../src/core/single-use.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { openSqliteStore, sqliteFile } from '../../src/engines/store/sqlite.ts';
import { ParleyError, type EmbedTicket } from '../../src/protocol/index.ts';
import { encodeTicket, mintTicket, signTicket, type TicketFields } from '../../examples/embed/mint-ticket.ts';
import { tamperPayload } from '../support/integrator-tokens.ts';

const ACME = { id: 'acme', secret: randomBytes(32).toString('base64url'), allowedOrigins: ['https://app.acme.test', 'https://admin.acme.test'] };
const GLOBEX = { id: 'globex', secret: randomBytes(32).toString('base64url'), allowedOrigins: ['https://globex.test'] };
const SKEW_MS = 5_000;
const SESSION_TTL_MS = 600_000;
const FIELDS: TicketFields = { integratorId: 'acme', roomId: 'room-1', userId: 'u-42', displayName: 'Ada', role: 'moderator', origin: 'https://app.acme.test' };
/** What Chromium sends when app.acme.test frames /embed. */
const FRAMED = { fetchDest: 'iframe', referer: 'https://app.acme.test/' };

type Fixture = { tickets: EmbedTickets; sessions: EmbedAuthenticator; tokens: Tokens; sessionSecret: string; restart(): Promise<Fixture> };

/** EmbedTickets over a fresh SQLite store; `restart()` builds new counters and objects over the same store file. */
async function withTickets(fn: (fixture: Fixture) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-embed-'));
  const secret = randomBytes(32).toString('base64url');
  const opened: Array<{ close(): Promise<void> | void }> = [];
  const build = async (): Promise<Fixture> => {
    const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 16 });
    const counters = new MemoryCounters();
    opened.push(store, counters);
    const tokens = new Tokens(secret);
    const sessions = new EmbedAuthenticator(tokens, SESSION_TTL_MS);
    const tickets = new EmbedTickets({ integrators: [ACME, GLOBEX], sessions, singleUse: new SingleUse(counters, store.nonces), clockSkewMs: SKEW_MS });
    return { tickets, sessions, tokens, sessionSecret: secret, restart: async () => {
      for (const thing of opened.splice(0).reverse()) await thing.close();
      return build();
    } };
  };
  try {
    await fn(await build());
  } finally {
    for (const thing of opened.reverse()) await thing.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A ticket with explicit times, signed with `secret` (the integrator's by default). */
function signed(overrides: Partial<EmbedTicket> = {}, secret = ACME.secret): PresentedTicket {
  const now = Date.now();
  const ticket: EmbedTicket = { ...FIELDS, issuedAt: now, expiresAt: now + 30_000, nonce: randomBytes(16).toString('base64url'), ...overrides };
  const encoded = encodeTicket(ticket);
  return { ticket: encoded, signature: signTicket(encoded, secret), ...FRAMED };
}

async function refusal(tickets: EmbedTickets, presented: PresentedTicket): Promise<string> {
  try {
    await tickets.verify(presented);
  } catch (err) {
    assert.ok(err instanceof ParleyError, `not a ParleyError: ${String(err)}`);
    return err.code;
  }
  return 'accepted';
}

test('a fresh ticket from an allowed origin opens a session for <integratorId>:<userId> with the ticket\'s room granted at its role', () =>
  withTickets(async ({ tickets, sessions }) => {
    const before = Date.now();
    const { ticket, integrator, session } = await tickets.open({ ...mintTicket({ ...FIELDS, avatarUrl: 'https://cdn.acme.test/ada.png' }, ACME.secret), ...FRAMED });
    assert.equal(integrator.id, 'acme');
    assert.equal(ticket.userId, 'u-42');
    const principal = await sessions.authenticate({ bearer: session.token });
    assert.ok(principal !== undefined);
    assert.deepEqual({ ...principal, expiresAt: undefined }, { userId: 'acme:u-42', name: 'Ada', role: 'user', grants: [{ roomId: 'room-1', role: 'moderator' }], expiresAt: undefined });
    assert.ok(principal.expiresAt !== undefined && principal.expiresAt >= before + SESSION_TTL_MS - 1000 && principal.expiresAt <= Date.now() + SESSION_TTL_MS);
    assert.deepEqual(await sessions.authenticate({ queryToken: session.token }), principal, 'the WebSocket ?token= form works too');
    // Another integrator's users are other principals, even with the same user id.
    const other = await tickets.open({ ...mintTicket({ ...FIELDS, integratorId: 'globex', origin: 'https://globex.test' }, GLOBEX.secret), fetchDest: 'iframe' });
    assert.equal((await sessions.authenticate({ bearer: other.session.token }))?.userId, 'globex:u-42');
  }));

test('a ticket that is missing, unreadable or names no configured integrator is TICKET_INVALID', () =>
  withTickets(async ({ tickets }) => {
    const good = signed();
    assert.equal(await refusal(tickets, { ticket: undefined, signature: good.signature }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ticket: good.ticket, signature: undefined }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ticket: 'not base64url!', signature: good.signature }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ticket: Buffer.from('{"integratorId":').toString('base64url'), signature: good.signature }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ticket: 'A'.repeat(4097), signature: good.signature }), 'TICKET_INVALID');
    const unknown = signed({ integratorId: 'initech' }, randomBytes(32).toString('base64url'));
    assert.equal(await refusal(tickets, unknown), 'TICKET_INVALID');
  }));

test('a forged or tampered ticket is TICKET_INVALID: wrong signature, changed ticket, another integrator\'s key, non-canonical signature', () =>
  withTickets(async ({ tickets }) => {
    const good = signed();
    const flipped = (good.signature?.[0] === 'A' ? 'B' : 'A') + (good.signature ?? '').slice(1);
    assert.equal(await refusal(tickets, { ...good, signature: flipped }), 'TICKET_INVALID', 'one character of the signature changed');
    assert.equal(await refusal(tickets, { ...good, signature: (good.signature ?? '').slice(0, 42) }), 'TICKET_INVALID', 'a truncated signature');
    const claims = JSON.parse(Buffer.from(good.ticket ?? '', 'base64url').toString()) as EmbedTicket;
    assert.equal(await refusal(tickets, { ...good, ticket: encodeTicket({ ...claims, role: 'owner' }) }), 'TICKET_INVALID', 'the role raised, the signature kept');
    assert.equal(await refusal(tickets, { ...good, ticket: `${good.ticket}A` }), 'TICKET_INVALID', 'a character appended to the ticket');
    assert.equal(await refusal(tickets, signed({}, GLOBEX.secret)), 'TICKET_INVALID', 'signed with another integrator\'s secret');
    // The last of 43 base64url characters carries 2 spare bits: a variant decodes to the same bytes.
    const last = good.signature?.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = (good.signature ?? '').slice(0, 42) + alphabet[alphabet.indexOf(last) ^ 1];
    assert.deepEqual(Buffer.from(variant, 'base64url'), Buffer.from(good.signature ?? '', 'base64url'));
    assert.equal(await refusal(tickets, { ...good, signature: variant }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, good), 'accepted', 'none of the refusals above spent the nonce');
  }));

test('a signed ticket that does not follow the schema is TICKET_INVALID naming the field', () =>
  withTickets(async ({ tickets }) => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['nonce', { nonce: 'too-short' }],
      ['role', { role: 'admin' }],
      ['origin', { origin: 'https://app.acme.test/path' }],
      ['roomId', { roomId: 'bad room id' }],
      ['expiresAt', { expiresAt: 'soon' }],
      ['', { extra: true }],
    ];
    for (const [path, change] of cases) {
      const now = Date.now();
      const encoded = Buffer.from(JSON.stringify({ ...FIELDS, issuedAt: now, expiresAt: now + 30_000, nonce: randomBytes(16).toString('base64url'), ...change })).toString('base64url');
      await assert.rejects(tickets.verify({ ticket: encoded, signature: signTicket(encoded, ACME.secret) }), (err: unknown) => {
        assert.ok(err instanceof ParleyError);
        assert.equal(err.code, 'TICKET_INVALID');
        const issues = err.details?.issues as Array<{ path: string }>;
        assert.ok(issues.some((i) => i.path === path), `${JSON.stringify(change)}: ${err.message}`);
        return true;
      });
    }
  }));

test('a signed ticket whose displayName has control, bidirectional or zero-width characters is TICKET_INVALID naming displayName and why; a decomposed name opens a session composed (issue 11)', () =>
  withTickets(async ({ tickets }) => {
    for (const [displayName, reason] of [['Ada\r\nAdmin', /control characters/], ['Ada\u2066x', /bidirectional/], ['Ad\uFEFFa', /zero-width/], ['\u{1F600}'.repeat(65), /at most 64/]] as const) {
      await assert.rejects(tickets.verify(signed({ displayName })), (err: unknown) => {
        assert.ok(err instanceof ParleyError);
        assert.equal(err.code, 'TICKET_INVALID');
        const issues = err.details?.issues as Array<{ path: string; message: string }>;
        assert.deepEqual(issues.map((i) => i.path), ['displayName'], JSON.stringify(displayName));
        assert.match(issues[0]?.message ?? '', reason);
        return true;
      });
    }
    const opened = await tickets.open(signed({ displayName: 'Rene\u0301e \u{1F468}\u200D\u{1F469}\u200D\u{1F467}' }));
    assert.equal(opened.session.principal.name, 'Ren\u00e9e \u{1F468}\u200D\u{1F469}\u200D\u{1F467}');
  }));

test('a ticket lives at most 60 s: a longer or non-positive lifetime is TICKET_INVALID, exactly 60 s is accepted', () =>
  withTickets(async ({ tickets }) => {
    const now = Date.now();
    assert.equal(await refusal(tickets, signed({ issuedAt: now, expiresAt: now + 60_001 })), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, signed({ issuedAt: now - 30_000, expiresAt: now + 3_600_000 })), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, signed({ issuedAt: now, expiresAt: now })), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, signed({ issuedAt: now + 1000, expiresAt: now })), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, signed({ issuedAt: now, expiresAt: now + 60_000 })), 'accepted');
  }));

test('an expired ticket, or one issued in the future, is TICKET_INVALID beyond the clock skew and accepted within it', () =>
  withTickets(async ({ tickets }) => {
    const now = Date.now();
    assert.equal(await refusal(tickets, signed({ issuedAt: now - 60_000, expiresAt: now - SKEW_MS - 1000 })), 'TICKET_INVALID', 'expired');
    assert.equal(await refusal(tickets, signed({ issuedAt: now - 60_000, expiresAt: now - SKEW_MS + 2000 })), 'accepted', 'expired within the skew');
    assert.equal(await refusal(tickets, signed({ issuedAt: now + SKEW_MS + 2000, expiresAt: now + SKEW_MS + 30_000 })), 'TICKET_INVALID', 'from the future');
    assert.equal(await refusal(tickets, signed({ issuedAt: now + SKEW_MS - 2000, expiresAt: now + SKEW_MS + 30_000 })), 'accepted', 'from the future within the skew');
  }));

test('a ticket for an origin its integrator does not allow is TICKET_INVALID, even one another integrator allows', () =>
  withTickets(async ({ tickets }) => {
    assert.equal(await refusal(tickets, { ...signed({ origin: 'https://evil.test' }), referer: 'https://evil.test/' }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ...signed({ origin: 'https://globex.test' }), referer: 'https://globex.test/' }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ...signed({ origin: 'http://app.acme.test' }), referer: 'http://app.acme.test/' }), 'TICKET_INVALID', 'another scheme is another origin');
    assert.equal(await refusal(tickets, { ...signed({ origin: 'https://admin.acme.test' }), referer: 'https://admin.acme.test/x?y' }), 'accepted');
  }));

test('when the browser says how it fetches /embed, it must be an iframe on the ticket\'s origin; without those headers the ticket is accepted', () =>
  withTickets(async ({ tickets }) => {
    const ticket = signed();
    assert.equal(await refusal(tickets, { ...ticket, fetchDest: 'document' }), 'TICKET_INVALID', 'opened as a top-level page');
    assert.equal(await refusal(tickets, { ...ticket, fetchDest: 'empty' }), 'TICKET_INVALID', 'fetched by a script');
    assert.equal(await refusal(tickets, { ...ticket, referer: 'https://evil.test/' }), 'TICKET_INVALID', 'framed by another site');
    assert.equal(await refusal(tickets, { ...ticket, referer: 'https://admin.acme.test/' }), 'TICKET_INVALID', 'framed by another of the integrator\'s origins');
    assert.equal(await refusal(tickets, { ...ticket, referer: 'not a url' }), 'TICKET_INVALID');
    assert.equal(await refusal(tickets, { ...ticket, fetchDest: undefined, referer: undefined }), 'accepted', 'a browser that sends neither header (referrerpolicy="no-referrer", older browsers)');
  }));

test('a ticket opens once: its replay is TOKEN_REPLAYED, also after a restart that forgot the fast claims', () =>
  withTickets(async (fixture) => {
    const ticket = signed();
    await fixture.tickets.open(ticket);
    assert.equal(await refusal(fixture.tickets, ticket), 'TOKEN_REPLAYED');
    const restarted = await fixture.restart();
    assert.equal(await refusal(restarted.tickets, ticket), 'TOKEN_REPLAYED');
    assert.equal(await refusal(restarted.tickets, signed()), 'accepted', 'a new ticket still opens');
  }));

test('the embed authenticator accepts only live embed sessions: not invites or access tokens under the same key, not expired, not altered', () =>
  withTickets(async ({ tickets, sessions, tokens, sessionSecret }) => {
    const { session } = await tickets.open(signed());
    assert.ok(await sessions.authenticate({ bearer: session.token }));
    const invite = await tokens.sign('invite', 'acme:u-42', { name: 'Ada', grants: [{ roomId: 'room-1', role: 'owner' }] }, 60_000);
    assert.equal(await sessions.authenticate({ bearer: invite.token }), undefined, 'another kind of token');
    const access = await tokens.sign('access', 'acme:u-42', { name: 'Ada', grants: [{ roomId: 'room-1', role: 'owner' }] }, 60_000);
    assert.equal(await sessions.authenticate({ bearer: access.token }), undefined, 'another kind of token');
    const ticket: EmbedTicket = { ...FIELDS, issuedAt: 0, expiresAt: 0, nonce: 'n'.repeat(16) };
    const otherKey = await new EmbedAuthenticator(new Tokens(randomBytes(32).toString('base64url')), 60_000).issue(ticket);
    assert.equal(await sessions.authenticate({ bearer: otherKey.token }), undefined, 'signed with another key');
    const expired = await new EmbedAuthenticator(new Tokens(sessionSecret, () => Date.now() - 120_000), 60_000).issue(ticket);
    assert.equal(await sessions.authenticate({ bearer: expired.token }), undefined, 'expired');
    const raised = tamperPayload(session.token, { ...decodeJwt(session.token), grants: [{ roomId: 'room-1', role: 'owner' }] });
    assert.equal(await sessions.authenticate({ bearer: raised }), undefined, 'claims altered');
    assert.equal(await sessions.authenticate({ cookie: session.token }), undefined, 'never from a cookie');
    assert.equal(await sessions.authenticate({ bearer: randomBytes(32).toString('base64url') }), undefined, 'an opaque join-session token is not its kind');
  }));

