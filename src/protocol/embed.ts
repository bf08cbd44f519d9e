/**
 * Iframe embedding (issue: identity — signed embed tickets). An integrator's backend mints a ticket
 * for one of its users and one room, signs it with its secret, and points an iframe at
 * `/embed?ticket=<base64url(JSON)>&signature=<base64url(HMAC-SHA256(secret, ticket))>`. The ticket
 * is good for {@link EMBED_TICKET_MAX_LIFETIME_MS} at most and opens the room once. docs/embedding.md
 * describes the whole flow; `examples/embed/mint-ticket.ts` mints tickets with this schema.
 */
import { z } from 'zod';
import { ErrorBody } from './errors.ts';
import { RoomId } from './ids.ts';
import { MemberRole, RoomInfo } from './rooms.ts';
import { DisplayName } from './names.ts';

/** Longest accepted ticket lifetime, `expiresAt − issuedAt` (ms): a leaked ticket is useless soon after. */
export const EMBED_TICKET_MAX_LIFETIME_MS = 60_000;

/** Longest accepted `ticket` parameter (characters of base64url), checked before anything is decoded. */
export const EMBED_TICKET_MAX_CHARS = 4096;

/** An integrator's `id`, in `PARLEY_EMBED_INTEGRATORS` and in its tickets' `integratorId`. */
export const INTEGRATOR_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` is a web origin: http(s) scheme, host and port only (`https://app.example.com`), as browsers send it. */
export function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** The problem reported for a value that {@link isWebOrigin} refuses. */
export const WEB_ORIGIN_MESSAGE = 'must be an origin: scheme, host and port only, like https://app.example.com';

/** A web origin, as {@link isWebOrigin} accepts it. */
const WebOrigin = z.string().max(2048).refine(isWebOrigin, WEB_ORIGIN_MESSAGE);

/**
 * The signed embed ticket: what an integrator asserts about one user opening one room, from one of
 * its pages. Times are Unix epoch milliseconds. Unknown fields are refused.
 */
export const EmbedTicket = z
  .object({
    integratorId: z.string().regex(INTEGRATOR_ID_PATTERN, 'integratorId must be 1–64 characters of A–Z a–z 0–9 _ -').describe('The `id` of an integrator in `PARLEY_EMBED_INTEGRATORS`; its secret signs the ticket.'),
    roomId: RoomId,
    userId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'userId must be 1–128 printable ASCII characters').describe('The user\'s id at the integrator; Parley knows them as `<integratorId>:<userId>`.'),
    displayName: DisplayName.describe('Name shown to the other members.'),
    avatarUrl: z.url({ protocol: /^https?$/ }).max(2048).optional().describe('http(s) URL of the user\'s picture; carried in the session (not shown yet).'),
    role: MemberRole.describe('The role the user has in the room.'),
    origin: WebOrigin.describe('Origin (scheme, host and port, like `https://app.example.com`) of the integrator\'s page that frames Parley; one of the integrator\'s `allowedOrigins`.'),
    issuedAt: z.number().int().min(0).describe('Unix ms when the ticket was minted.'),
    expiresAt: z.number().int().min(0).describe(`Unix ms after which the ticket is refused; at most ${EMBED_TICKET_MAX_LIFETIME_MS} ms after issuedAt.`),
    nonce: z.string().regex(/^[\x21-\x7e]{16,128}$/, 'nonce must be 16–128 printable ASCII characters').describe('Random, unique per ticket (16 random bytes in base64url is plenty); a ticket opens the room once.'),
  })
  .strict()
  .meta({ id: 'EmbedTicket', description: 'A signed embed ticket, sent base64url-encoded as `ticket` to `GET /embed`.' });
export type EmbedTicket = z.infer<typeof EmbedTicket>;

/** Name of the `<meta>` tag through which `/embed` hands its page an {@link EmbedPage} (JSON in `content`). */
export const EMBED_PAGE_META = 'parley-embed';

/**
 * What `/embed` hands the embed page (the CSP forbids inline scripts, so it travels in a `<meta>`):
 * either the embed session — its bearer token, kept in the page's memory and never in a cookie,
 * the user and the room — or why the ticket was refused.
 */
export const EmbedPage = z.union([
  z.object({
    token: z.string().describe('Bearer token of the embed session: `Authorization: Bearer` on HTTP, `?token=` or an `auth` frame on /ws.'),
    expiresAt: z.number().int().describe('Unix ms when the session ends.'),
    user: z.object({ id: z.string(), name: z.string() }),
    room: RoomInfo,
  }),
  z.object({ error: ErrorBody }),
]);
export type EmbedPage = z.infer<typeof EmbedPage>;
