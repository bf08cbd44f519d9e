/**
 * Authenticators turn credentials into a Principal; the core only sees principals (DESIGN.md).
 * Credentials are read from an HTTP request or WebSocket upgrade by the transport and handed here.
 */
import type { Principal } from '../core/principal.ts';

export type { Principal };

/**
 * Credentials found on a request: the join-session cookie, the account access cookie, an
 * `Authorization: Bearer` token, `?token=`, or (WebSockets) the token of an `auth` frame.
 */
export interface Credentials {
  /** `parley_session`: a join-code session token. */
  readonly cookie?: string | undefined;
  /** `parley_access`: an account's access token. */
  readonly accessCookie?: string | undefined;
  readonly bearer?: string | undefined;
  readonly queryToken?: string | undefined;
  /**
   * A credential was presented but cannot be read: a `parley_session` or `parley_access` cookie
   * that is not valid URL encoding, or an `Authorization: Bearer` without a token. Such a request
   * is refused (401), never served as if it carried no credential.
   */
  readonly malformed?: boolean | undefined;
}

/** One way in. Resolves undefined when the credentials are not its kind or are invalid. */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
}

/** The explicit token of a request, if any: the bearer token, else `?token=`. */
export function presentedToken(credentials: Credentials): string | undefined {
  return credentials.bearer ?? credentials.queryToken;
}

/** Several ways in, tried in order; the first that recognises the credentials decides. */
export class Authenticators implements Authenticator {
  constructor(private readonly chain: readonly Authenticator[]) {}

  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    for (const authenticator of this.chain) {
      const principal = await authenticator.authenticate(credentials);
      if (principal !== undefined) return principal;
    }
    return undefined;
  }
}
