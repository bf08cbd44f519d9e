/**
 * Who is acting. Produced by exactly one authenticator (session cookie/bearer, admin credential, and
 * later integrator JWTs, embed tickets…); the core only ever sees principals (DESIGN.md, Concepts).
 */
export interface Principal {
  /** Stable user id; the sender of every message this principal sends. */
  readonly userId: string;
  /** Display name shown to others. */
  readonly name: string;
  /** `admin` may manage every room; `user` acts only through room memberships. */
  readonly role: 'user' | 'admin';
}
