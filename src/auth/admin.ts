/**
 * The admin credential: `Authorization: Bearer <PARLEY_ADMIN_TOKEN>`, compared in constant time
 * (over SHA-256 digests, so the comparison does not leak the token's length either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authenticator, Credentials, Principal } from './principal.ts';

/** The principal every admin request acts as. */
const ADMIN_PRINCIPAL: Principal = Object.freeze({ userId: 'admin', name: 'Admin', role: 'admin' });

export class AdminAuthenticator implements Authenticator {
  readonly #digest: Buffer;

  constructor(adminToken: string) {
    this.#digest = digest(adminToken);
  }

  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    return this.verify(credentials.bearer) ? ADMIN_PRINCIPAL : undefined;
  }

  /** Constant-time check of a presented token. */
  verify(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    return timingSafeEqual(digest(presented), this.#digest);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
