/**
 * Embed sessions (issue: identity — signed embed tickets): what a verified embed ticket opens. The
 * session is one of Parley's own tokens of kind `embed` (`tokens.ts`), handed to the embed page,
 * which keeps it in memory and presents it as a bearer token — never a cookie, so the embed works
 * where the browser blocks third-party cookies. Its principal is `<integratorId>:<userId>` with the
 * ticket's room granted at the ticket's role: the first use of the room makes it a member
 * (`core/members.ts`), no join code needed.
 */
import { z } from 'zod';
import { MemberRole, RoomId, type EmbedTicket } from '../protocol/index.ts';
import { presentedToken, type Authenticator, type Credentials, type Principal } from './principal.ts';
import { looksLikeJwt, type Tokens } from './tokens.ts';

/**
 * The claims of an embed session token that make its principal (`sub` is the user id). The token also
 * carries the ticket's `avatarUrl`, when given (nothing shows avatars yet).
 */
const EmbedClaims = z.object({
  name: z.string().min(1),
  grants: z.array(z.object({ roomId: RoomId, role: MemberRole })).min(1),
});

/** A newly opened embed session. `token` is secret: give it to its page only, never log it. */
export interface EmbedSession {
  readonly token: string;
  /** Unix ms. */
  readonly expiresAt: number;
  readonly principal: Principal;
}

export class EmbedAuthenticator implements Authenticator {
  /** @param ttlMs lifetime of an embed session (PARLEY_EMBED_SESSION_TTL_MS). */
  constructor(
    private readonly tokens: Tokens,
    private readonly ttlMs: number,
  ) {}

  /** Open the session a verified ticket grants: the ticket's user, in the ticket's room with the ticket's role. */
  async issue(ticket: EmbedTicket): Promise<EmbedSession> {
    const userId = `${ticket.integratorId}:${ticket.userId}`;
    const grants = [{ roomId: ticket.roomId, role: ticket.role }];
    const claims = { name: ticket.displayName, ...(ticket.avatarUrl === undefined ? {} : { avatarUrl: ticket.avatarUrl }), grants };
    const { token, expiresAt } = await this.tokens.sign('embed', userId, claims, this.ttlMs);
    return { token, expiresAt, principal: { userId, name: ticket.displayName, role: 'user', grants, expiresAt } };
  }

  /** The principal of a live embed session token (bearer or `?token=`); undefined for anything else. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const token = presentedToken(credentials);
    if (token === undefined || !looksLikeJwt(token)) return undefined;
    let payload;
    try {
      payload = await this.tokens.verify('embed', token);
    } catch {
      return undefined;
    }
    const claims = EmbedClaims.safeParse(payload);
    if (!claims.success) return undefined;
    return { userId: payload.sub, name: claims.data.name, role: 'user', grants: claims.data.grants, expiresAt: payload.exp * 1000 };
  }
}
