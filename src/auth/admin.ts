/** The admin credential: `Authorization: Bearer <PARLEY_ADMIN_TOKEN>`, checked by {@link StaticToken}. */
import type { Authenticator, Credentials, Principal } from './principal.ts';
import { StaticToken } from './static-token.ts';

/** The principal every admin request acts as. */
const ADMIN_PRINCIPAL: Principal = Object.freeze({ userId: 'admin', name: 'Admin', role: 'admin' });

export class AdminAuthenticator implements Authenticator {
  readonly #token: StaticToken;

  constructor(adminToken: string) {
    this.#token = new StaticToken(adminToken);
  }

  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    return this.verify(credentials.bearer) ? ADMIN_PRINCIPAL : undefined;
  }

  /** Constant-time check of a presented token. */
  verify(presented: string | undefined): boolean {
    return this.#token.verify(presented);
  }
}
