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

/**
 * The credentials of a request. A cookie that cannot be decoded or an `Authorization: Bearer`
 * with no token is left out and flagged `malformed` (the caller answers 401).
 */
export function credentialsFromHeaders(headers: IncomingHttpHeaders, url: string | undefined): Credentials {
  const cookie = readCookie(headers.cookie, SESSION_COOKIE);
  const accessCookie = readCookie(headers.cookie, ACCESS_COOKIE);
  const bearer = readBearer(headers.authorization);
  const emptyBearer = bearer === undefined && headers.authorization !== undefined && /^\s*Bearer(\s|$)/i.test(headers.authorization);
  return {
    cookie: cookie === MALFORMED ? undefined : cookie,
    accessCookie: accessCookie === MALFORMED ? undefined : accessCookie,
    bearer,
    queryToken: url === undefined ? undefined : readQueryToken(url),
    ...(cookie === MALFORMED || accessCookie === MALFORMED || emptyBearer ? { malformed: true } : {}),
  };
}

/** What {@link readCookie} answers for a cookie whose value is not valid URL encoding. */
const MALFORMED = Symbol('malformed');

/** The token of an `Authorization: Bearer <token>` header. */
export function readBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The decoded value of cookie `name`; {@link MALFORMED} when it is not valid URL encoding. */
function readCookie(header: string | undefined, name: string): string | typeof MALFORMED | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim()) ?? MALFORMED;
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
