/**
 * Read credentials from request headers and URL: the `parley_session` cookie (join-code session),
 * the `parley_access` cookie (account access token), `Authorization: Bearer`, and `?token=`
 * (WebSocket clients that cannot set headers). Shared by HTTP and WebSocket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials } from '../auth/principal.ts';

/** Cookie holding a join-code session token. */
export const SESSION_COOKIE = 'parley_session';
/** Cookie holding an account's access token. */
export const ACCESS_COOKIE = 'parley_access';
/** Cookie holding an account's refresh token, sent only to {@link REFRESH_COOKIE_PATH}. */
export const REFRESH_COOKIE = 'parley_refresh';
/** The only path the refresh cookie is sent to: the account routes. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

export function credentialsFromHeaders(headers: IncomingHttpHeaders, url: string | undefined): Credentials {
  return {
    cookie: readCookie(headers.cookie, SESSION_COOKIE),
    accessCookie: readCookie(headers.cookie, ACCESS_COOKIE),
    bearer: readBearer(headers.authorization),
    queryToken: url === undefined ? undefined : readQueryToken(url),
  };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function readBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

function readQueryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
