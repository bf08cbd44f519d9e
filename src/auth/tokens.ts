/**
 * Parley's own signed tokens (jose, HS256 with `PARLEY_SESSION_SECRET`): account access tokens,
 * embed sessions and invites. Each kind has its own audience, so a token of one kind is never
 * accepted as another. They are checked on any node that shares the secret, without a store read.
 * Tokens from integrators are not these: see `jwt.ts`.
 */
import { SignJWT, jwtVerify, errors, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { ParleyError } from '../protocol/index.ts';

/** What a token is for. */
export type TokenKind = 'access' | 'embed' | 'invite';

/** The issuer of every token Parley signs. */
const ISSUER = 'parley';

/** A signed token and when it expires (Unix ms). `token` is secret: give it to its owner only, never log it. */
export interface SignedToken {
  readonly token: string;
  readonly expiresAt: number;
  /** The token's unique id (`jti`). */
  readonly id: string;
}

export class Tokens {
  readonly #key: Uint8Array;

  /** @param secret PARLEY_SESSION_SECRET. @param now clock in Unix ms. */
  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = new TextEncoder().encode(secret);
  }

  /** Sign `claims` as a token of `kind` for `subject`, valid for `ttlMs`. */
  async sign(kind: TokenKind, subject: string, claims: Record<string, unknown>, ttlMs: number): Promise<SignedToken> {
    const now = this.now();
    const expiresAt = now + ttlMs;
    const id = randomUUID();
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(`${ISSUER}:${kind}`)
      .setSubject(subject)
      .setJti(id)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.#key);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000, id };
  }

  /**
   * Verify a token of `kind`: signature (HS256 only), issuer, audience and expiry.
   * @throws ParleyError `UNAUTHENTICATED` for any token that is not a live one of this kind.
   */
  async verify(kind: TokenKind, token: string): Promise<JWTPayload & { sub: string; exp: number; jti: string }> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], issuer: ISSUER, audience: `${ISSUER}:${kind}`, currentDate: new Date(this.now()), requiredClaims: ['sub', 'exp', 'jti'] });
      return payload as JWTPayload & { sub: string; exp: number; jti: string };
    } catch (err) {
      const expired = err instanceof errors.JWTExpired;
      throw new ParleyError('UNAUTHENTICATED', expired ? 'The token has expired' : 'The token is not valid', { cause: err });
    }
  }
}

/** Whether a presented token has the shape of a JWT (three base64url parts), rather than an opaque session token. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
