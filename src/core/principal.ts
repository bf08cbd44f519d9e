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
}
