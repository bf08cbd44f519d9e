/**
 * The few HTTP calls the UI makes: same origin, with the httpOnly session cookie the server set on
 * join, or (the embed page) with a bearer token held in memory. Failures are thrown as ParleyError
 * carrying the server's stable code.
 */
import { ParleyError, type ErrorBody, type MemberInfo, type RoomInfo } from '../../client/src/index.ts';

/** The session's user. */
export interface User {
  readonly id: string;
  readonly name: string;
}

/** The `parley_csrf` cookie's value: sent back as `x-csrf-token` with every change (double-submit CSRF protection). */
function csrfToken(): string {
  return /(?:^|;\s*)parley_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
}

/** The embed session's token, when the page has one: then no call sends cookies. */
let bearerToken: string | undefined;

/**
 * Authenticate every call with `token` (`Authorization: Bearer`) instead of the session cookie, and
 * send no cookies: the embed page, whose session must not depend on third-party cookies.
 */
export function useBearerToken(token: string): void {
  bearerToken = token;
}

async function call<T>(path: string, init?: { method: string; body?: unknown }): Promise<T> {
  const method = init?.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (init?.body !== undefined) headers['content-type'] = 'application/json';
  if (bearerToken !== undefined) headers.authorization = `Bearer ${bearerToken}`;
  else if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  const credentials = bearerToken === undefined ? 'same-origin' : 'omit';
  const res = await fetch(path, { method, credentials, headers, body: init?.body === undefined ? null : JSON.stringify(init.body) });
  const payload = (await res.json().catch(() => ({}))) as T & { error?: ErrorBody };
  if (!res.ok) throw payload.error !== undefined ? ParleyError.fromBody(payload.error) : new ParleyError('INTERNAL', `HTTP ${res.status}`);
  return payload;
}

/** Join a room by id and code as `name`; the server sets (or reuses) the session cookie. */
export function joinRoom(roomId: string, code: string, name: string): Promise<{ user: User; room: RoomInfo }> {
  return call('/api/v1/join', { method: 'POST', body: { roomId, name, ...(code === '' ? {} : { code }) } });
}

/** The current session with its rooms, or undefined when there is none (or it expired). */
export async function currentSession(): Promise<{ user: User; rooms: RoomInfo[] } | undefined> {
  try {
    return await call('/api/v1/session');
  } catch (err) {
    if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return undefined;
    throw err;
  }
}

/** Members of a room with their online state and read markers. */
export async function members(roomId: string): Promise<MemberInfo[]> {
  return (await call<{ members: MemberInfo[] }>(`/api/v1/rooms/${encodeURIComponent(roomId)}/members`)).members;
}

/** End the session (the server clears the cookie). */
export async function logout(): Promise<void> {
  await call('/api/v1/logout', { method: 'POST' });
}
