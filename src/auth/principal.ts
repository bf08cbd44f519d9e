/**
 * Authenticators turn credentials into a Principal; the core only sees principals (DESIGN.md).
 * Credentials are read from an HTTP request or WebSocket upgrade by the transport and handed here.
 */
import type { Principal } from '../core/principal.ts';

export type { Principal };

/** Credentials found on a request: the session cookie, an `Authorization: Bearer` token, or `?token=`. */
export interface Credentials {
  readonly cookie?: string | undefined;
  readonly bearer?: string | undefined;
  readonly queryToken?: string | undefined;
}

/** One way in. Resolves undefined when the credentials are not its kind or are invalid. */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
}
