/**
 * Signed embed tickets (issue: identity — signed embed tickets; DESIGN.md rule 9). An integrator's
 * backend signs a short-lived ticket for one user and one room; `GET /embed` presents it, and a
 * ticket that passes every check below, in this order, opens an embed session (`embed-session.ts`):
 *
 * 1. the integrator named by the ticket is configured (`PARLEY_EMBED_INTEGRATORS`);
 * 2. `signature` is HMAC-SHA256(integrator secret, the exact `ticket` string), compared in constant time;
 * 3. the ticket parses as the protocol's {@link EmbedTicket};
 * 4. its lifetime `expiresAt − issuedAt` is positive and at most {@link EMBED_TICKET_MAX_LIFETIME_MS};
 * 5. it has not expired and was not issued in the future, give or take `clockSkewMs`;
 * 6. its `origin` is one of the integrator's `allowedOrigins`;
 * 7. what an honest browser says about the request agrees: `Sec-Fetch-Dest`, when sent, is `iframe`,
 *    and the `Referer`'s origin, when sent, is the ticket's `origin`;
 * 8. its nonce was never used: claimed through `SingleUse`, so a replay is refused on every node and
 *    after any restart.
 *
 * Step 1 reads the integrator id from the ticket before the signature is checked (the ticket names
 * its signer); nothing else of an unverified ticket is used. Tickets, signatures and secrets are
 * never logged, nor put in error messages.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EMBED_TICKET_MAX_CHARS, EMBED_TICKET_MAX_LIFETIME_MS, EmbedTicket, ParleyError } from '../protocol/index.ts';
import type { SingleUse } from '../core/single-use.ts';
import type { EmbedAuthenticator, EmbedSession } from './embed-session.ts';

/** One entry of `PARLEY_EMBED_INTEGRATORS`. */
export interface EmbedIntegrator {
  readonly id: string;
  /** HMAC-SHA256 key of its tickets. Never log it. */
  readonly secret: string;
  /** Origins that may frame `/embed` with its tickets (its CSP `frame-ancestors`). */
  readonly allowedOrigins: readonly string[];
}

/** A ticket as a request presents it, with the browser's own account of the request when it gave one. */
export interface PresentedTicket {
  /** `ticket`: base64url of the ticket's JSON. */
  readonly ticket: string | undefined;
  /** `signature`: base64url of the HMAC-SHA256 of `ticket`. */
  readonly signature: string | undefined;
  /** The `Sec-Fetch-Dest` request header. */
  readonly fetchDest?: string | undefined;
  /** The `Referer` request header. */
  readonly referer?: string | undefined;
}

/** A ticket that passed every check, and its integrator. */
export interface VerifiedTicket {
  readonly ticket: EmbedTicket;
  readonly integrator: EmbedIntegrator;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** base64url of 32 bytes, without padding. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

export class EmbedTickets {
  readonly #integrators: ReadonlyMap<string, EmbedIntegrator>;

  private readonly sessions: EmbedAuthenticator;
  private readonly singleUse: SingleUse;
  private readonly options: { readonly clockSkewMs: number };
  private readonly now: () => number;

  /**
   * @param options.clockSkewMs tolerated clock difference with integrators (PARLEY_JWT_CLOCK_SKEW_MS).
   * @param options.now clock in Unix ms. @default Date.now
   */
  constructor(options: {
    readonly integrators: readonly EmbedIntegrator[];
    readonly sessions: EmbedAuthenticator;
    readonly singleUse: SingleUse;
    readonly clockSkewMs: number;
    readonly now?: () => number;
  }) {
    this.#integrators = new Map(options.integrators.map((integrator) => [integrator.id, integrator]));
    this.sessions = options.sessions;
    this.singleUse = options.singleUse;
    this.options = { clockSkewMs: options.clockSkewMs };
    this.now = options.now ?? Date.now;
  }

  /**
   * Verify a presented ticket (see the file comment for the checks and their order).
   * @throws ParleyError `TICKET_INVALID` for every failed check but the last, `TOKEN_REPLAYED` for
   * a nonce already used, `STORE_UNAVAILABLE` when the nonce cannot be recorded.
   */
  async verify(presented: PresentedTicket): Promise<VerifiedTicket> {
    const { ticket, signature } = presented;
    const integrator = this.integratorOf(ticket);
    if (ticket === undefined || integrator === undefined) throw invalid('the ticket is missing, unreadable, or names no configured integrator');
    if (signature === undefined || !signatureMatches(integrator.secret, ticket, signature)) throw invalid('the signature does not match the ticket');
    const parsed = EmbedTicket.safeParse(decode(ticket));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw new ParleyError('TICKET_INVALID', `The embed ticket is malformed: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { details: { issues } });
    }
    const claims = parsed.data;
    const lifetimeMs = claims.expiresAt - claims.issuedAt;
    if (lifetimeMs <= 0 || lifetimeMs > EMBED_TICKET_MAX_LIFETIME_MS) throw invalid(`its lifetime (expiresAt − issuedAt) must be positive and at most ${EMBED_TICKET_MAX_LIFETIME_MS} ms`);
    const now = this.now();
    const skewMs = this.options.clockSkewMs;
    if (now >= claims.expiresAt + skewMs) throw invalid('it has expired');
    if (claims.issuedAt > now + skewMs) throw invalid('it was issued in the future: check the integrator\'s clock');
    if (!integrator.allowedOrigins.includes(claims.origin)) throw invalid('its origin is not one the integrator allows');
    if (presented.fetchDest !== undefined && presented.fetchDest !== 'iframe') throw invalid('it opens only inside an iframe');
    if (presented.referer !== undefined && originOf(presented.referer) !== claims.origin) throw invalid('the page that framed it is not on the ticket\'s origin');
    // The claim lasts as long as the ticket could still be accepted.
    if (!(await this.singleUse.claim(`embed:${integrator.id}:${claims.nonce}`, claims.expiresAt + skewMs))) {
      throw new ParleyError('TOKEN_REPLAYED', 'This embed ticket was already used: mint a new one for each page view');
    }
    return { ticket: claims, integrator };
  }

  /** Verify a presented ticket and open the session it grants. Throws as {@link verify}. */
  async open(presented: PresentedTicket): Promise<VerifiedTicket & { session: EmbedSession }> {
    const verified = await this.verify(presented);
    return { ...verified, session: await this.sessions.issue(verified.ticket) };
  }

  /**
   * The configured integrator a ticket names, read without checking its signature: for choosing the
   * key, and who may frame a refusal. Undefined when the ticket is missing, too long or unreadable.
   */
  integratorOf(ticket: string | undefined): EmbedIntegrator | undefined {
    if (ticket === undefined || ticket.length > EMBED_TICKET_MAX_CHARS || !BASE64URL.test(ticket)) return undefined;
    const value = decode(ticket);
    const id = value !== null && typeof value === 'object' ? (value as { integratorId?: unknown }).integratorId : undefined;
    return typeof id === 'string' ? this.#integrators.get(id) : undefined;
  }
}

function invalid(reason: string): ParleyError {
  return new ParleyError('TICKET_INVALID', `The embed ticket is not valid: ${reason}`);
}

/** Constant-time check of `signature` (canonical unpadded base64url of 32 bytes) against HMAC-SHA256(secret, ticket). */
function signatureMatches(secret: string, ticket: string, signature: string): boolean {
  if (!SIGNATURE.test(signature)) return false;
  const presented = Buffer.from(signature, 'base64url');
  // 43 characters carry 258 bits: refuse the variants whose two spare bits are set.
  if (presented.length !== 32 || presented.toString('base64url') !== signature) return false;
  const expected = createHmac('sha256', secret).update(ticket).digest();
  return timingSafeEqual(presented, expected);
}

/** The JSON value a base64url ticket encodes, or undefined. */
function decode(ticket: string): unknown {
  try {
    return JSON.parse(Buffer.from(ticket, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
