/**
 * Accounts' way in (issue: identity): an access token of kind `access` (see `account-sessions.ts`),
 * from `Authorization: Bearer`, `?token=` or an `auth` frame, else from the `parley_access` cookie.
 * An explicitly presented token always decides: the cookie is read only when none is presented, so
 * a request carrying a header is never authenticated by a cookie it did not choose.
 * Checked without a store read: a token carries the name and role of its account when it was issued.
 */
import { presentedToken, type Authenticator, type Credentials, type Principal } from './principal.ts';
import { looksLikeJwt, type Tokens } from './tokens.ts';

export class AccountAuthenticator implements Authenticator {
  constructor(private readonly tokens: Tokens) {}

  /** The account's principal `{userId: account id, name, role, expiresAt, session: its refresh-token family}`, or undefined. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const token = presentedToken(credentials) ?? credentials.accessCookie;
    if (token === undefined || token.length > 4096 || !looksLikeJwt(token)) return undefined;
    let claims;
    try {
      claims = await this.tokens.verify('access', token);
    } catch {
      return undefined;
    }
    const { name, role, fam } = claims;
    if (typeof name !== 'string' || (role !== 'user' && role !== 'admin')) return undefined;
    const principal: Principal = { userId: claims.sub, name, role, expiresAt: claims.exp * 1000 };
    return typeof fam === 'string' ? { ...principal, session: { kind: 'account', familyId: fam } } : principal;
  }
}
