/**
 * Who is acting. Produced by exactly one authenticator — a join-code session, an account, an
 * integrator's JWT, an embed ticket, the admin credential — and the core only ever sees principals
 * (DESIGN.md, Concepts): adding a way in never touches the core.
 */
import type { MemberRole } from '../protocol/index.ts';

/** A room the principal may enter without a join code, and the role it has there. */
export interface RoomGrant {
  readonly roomId: string;
  readonly role: MemberRole;
}

/**
 * The sign-in behind a principal's credential, so that ending it closes the sockets it opened
 * (`session-ends.ts`): a join session by the SHA-256 hex of its token (never the token), an
 * account sign-in by its refresh-token family. Credentials without one (integrator JWTs, embed
 * tickets, the admin token) end only when they expire.
 */
export type SessionRef = { readonly kind: 'join'; readonly id: string } | { readonly kind: 'account'; readonly familyId: string };

export interface Principal {
  /** Stable user id; the sender of every message this principal sends. */
  readonly userId: string;
  /** Display name shown to others. */
  readonly name: string;
  /** `admin` may manage every room; `user` acts only through room memberships. */
  readonly role: 'user' | 'admin';
  /**
   * Rooms granted by the credential itself (an integrator's token, an embed ticket): joining one
   * makes the principal a member with the granted role, no join code needed.
   */
  readonly grants?: readonly RoomGrant[];
  /** Unix ms when the credential expires; a socket is closed then unless a fresh one is presented. */
  readonly expiresAt?: number;
  /** The sign-in this credential belongs to, when ending it must end the principal's sockets. */
  readonly session?: SessionRef;
}
