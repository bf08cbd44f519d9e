/**
 * Invites (issue: identity — relay join tokens): short-lived tokens an owner or moderator mints for
 * one room and role. Whoever presents one joins that room with that role, once: the token's `jti`
 * is claimed through `SingleUse`, so a replay is refused on any node and after any restart.
 */
import { ParleyError, MemberRole, type MemberRole as Role } from '../protocol/index.ts';
import type { SingleUse } from '../core/single-use.ts';
import type { SignedToken, Tokens } from './tokens.ts';

/** What a redeemed invite grants. */
export interface Invite {
  readonly roomId: string;
  readonly role: Role;
}

export class Invites {
  /** @param ttlMs lifetime of an invite (PARLEY_INVITE_TTL_MS). */
  constructor(
    private readonly tokens: Tokens,
    private readonly singleUse: SingleUse,
    private readonly ttlMs: number,
  ) {}

  /** Mint an invite to `roomId` with `role`, issued by `issuedBy` (a user id, recorded in the token). */
  mint(roomId: string, role: Role, issuedBy: string): Promise<SignedToken> {
    return this.tokens.sign('invite', issuedBy, { roomId, role }, this.ttlMs);
  }

  /**
   * Redeem an invite for `roomId`: valid, for that room, and never used before.
   * @throws ParleyError `INVITE_INVALID` (forged, expired, or for another room) or `TOKEN_REPLAYED`.
   */
  async redeem(token: string, roomId: string): Promise<Invite> {
    let claims;
    try {
      claims = await this.tokens.verify('invite', token);
    } catch (err) {
      throw new ParleyError('INVITE_INVALID', 'This invite is not valid or has expired', { cause: err });
    }
    const role = MemberRole.safeParse(claims.role);
    if (claims.roomId !== roomId || !role.success) throw new ParleyError('INVITE_INVALID', 'This invite is for another room');
    if (!(await this.singleUse.claim(`invite:${claims.jti}`, claims.exp * 1000))) throw new ParleyError('TOKEN_REPLAYED', 'This invite was already used');
    return { roomId, role: role.data };
  }
}
