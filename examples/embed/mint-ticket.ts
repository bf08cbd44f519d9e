/**
 * Mint a signed embed ticket, as an integrator's backend does for every page view that shows the
 * chat (docs/embedding.md). The ticket is the JSON of `EmbedTicket` (src/protocol/embed.ts),
 * base64url-encoded; the signature is the base64url HMAC-SHA256 of that exact string under the
 * integrator's secret. Any language with HMAC-SHA256 can do the same in a few lines.
 *
 * Usage (prints the URL to put in an iframe on ORIGIN within 60 seconds; it opens the room once):
 *
 *   EMBED_PARLEY_URL=http://127.0.0.1:3000 EMBED_INTEGRATOR_ID=acme EMBED_INTEGRATOR_SECRET=… \
 *     node --import tsx examples/embed/mint-ticket.ts ROOM_ID USER_ID "Display Name" ORIGIN [ROLE]
 *
 * These variables are the example's own: they are not Parley settings, which start with PARLEY_.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EMBED_TICKET_MAX_LIFETIME_MS, EmbedTicket } from '../../src/protocol/embed.ts';

/** What the integrator decides about a ticket; the times and the nonce are filled in by {@link mintTicket}. */
export type TicketFields = Omit<EmbedTicket, 'issuedAt' | 'expiresAt' | 'nonce'>;

/** A ticket ready for `GET /embed?ticket=&signature=`. */
export interface SignedTicket {
  readonly ticket: string;
  readonly signature: string;
}

/** base64url of the ticket's JSON: the `ticket` parameter. */
export function encodeTicket(ticket: EmbedTicket): string {
  return Buffer.from(JSON.stringify(ticket), 'utf8').toString('base64url');
}

/** base64url(HMAC-SHA256(secret, ticket)) over the exact `ticket` string: the `signature` parameter. */
export function signTicket(ticket: string, secret: string): string {
  return createHmac('sha256', secret).update(ticket).digest('base64url');
}

/**
 * Mint a ticket valid from `now` for `lifetimeMs`, with a fresh random nonce.
 * @param options.now Unix ms (default: the clock). @param options.lifetimeMs default and maximum 60 s.
 * @throws ZodError when a field is not valid (a ticket Parley would refuse is never signed).
 */
export function mintTicket(fields: TicketFields, secret: string, options: { now?: number; lifetimeMs?: number } = {}): SignedTicket {
  const issuedAt = options.now ?? Date.now();
  const ticket = EmbedTicket.parse({
    ...fields,
    issuedAt,
    expiresAt: issuedAt + (options.lifetimeMs ?? EMBED_TICKET_MAX_LIFETIME_MS),
    nonce: randomBytes(16).toString('base64url'),
  });
  const encoded = encodeTicket(ticket);
  return { ticket: encoded, signature: signTicket(encoded, secret) };
}

/** The `/embed` URL of a signed ticket on the Parley server at `parleyUrl`. */
export function embedUrl(parleyUrl: string, signed: SignedTicket): string {
  const url = new URL('/embed', parleyUrl);
  url.searchParams.set('ticket', signed.ticket);
  url.searchParams.set('signature', signed.signature);
  return url.href;
}

function main(argv: string[], env: Record<string, string | undefined>): number {
  const [roomId, userId, displayName, origin, role = 'member'] = argv;
  const { EMBED_PARLEY_URL: parleyUrl = 'http://127.0.0.1:3000', EMBED_INTEGRATOR_ID: integratorId, EMBED_INTEGRATOR_SECRET: secret } = env;
  if (roomId === undefined || userId === undefined || displayName === undefined || origin === undefined || integratorId === undefined || secret === undefined) {
    console.error('usage: EMBED_INTEGRATOR_ID=… EMBED_INTEGRATOR_SECRET=… [EMBED_PARLEY_URL=…] node --import tsx examples/embed/mint-ticket.ts ROOM_ID USER_ID "Display Name" ORIGIN [ROLE]');
    return 2;
  }
  const signed = mintTicket({ integratorId, roomId, userId, displayName, origin, role: EmbedTicket.shape.role.parse(role) }, secret);
  console.log(embedUrl(parleyUrl, signed));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
