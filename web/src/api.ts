/**
 * The few HTTP calls the UI makes: same origin, with the httpOnly cookies the server set on join
 * or sign-in, or (the embed page) with a bearer token held in memory. Failures are thrown as
 * ParleyError carrying the server's stable code. A signed-in account's short-lived access cookie
 * is renewed with its refresh cookie when a call finds it expired.
 */
import { ParleyError, type ErrorBody, type MemberInfo, type RoomInfo } from '../../client/src/index.ts';
import type { AuditEntry } from '../../src/protocol/moderation.ts';

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

/** How to get into a room: its join code, or a single-use invite (empty for an open room). */
export type Admission = { readonly code: string } | { readonly invite: string };

/** Join a room by id with a code or an invite, as `name`; the server sets (or reuses) the session cookie. */
export function joinRoom(roomId: string, admission: Admission, name: string): Promise<{ user: User; room: RoomInfo }> {
  const pass = 'invite' in admission ? { invite: admission.invite } : admission.code === '' ? {} : { code: admission.code };
  return call('/api/v1/join', { method: 'POST', body: { roomId, name, ...pass } });
}

/** Create a room the session's user owns; answers with its join code (null for an open room). */
export function createRoom(room: { name: string; kind: 'persistent' | 'relay'; joinRule: 'code' | 'open'; e2ee: boolean }): Promise<{ room: RoomInfo; joinCode: string | null }> {
  return withFreshAccess(() => call('/api/v1/rooms', { method: 'POST', body: room }));
}

/** A single-use invite to `roomId` (owners and moderators), valid until `expiresAt` (Unix ms). */
export function createInvite(roomId: string): Promise<{ invite: string; expiresAt: number }> {
  return withFreshAccess(() => call(`/api/v1/rooms/${encodeURIComponent(roomId)}/invites`, { method: 'POST', body: { role: 'member' } }));
}

/** End the user's membership of `roomId`. */
export async function leaveRoom(roomId: string): Promise<void> {
  await withFreshAccess(() => call(`/api/v1/rooms/${encodeURIComponent(roomId)}/leave`, { method: 'POST' }));
}

/** The link that opens the join page of `roomId` with `admission` filled in. */
export function joinLink(roomId: string, admission: Admission): string {
  const query = new URLSearchParams({ room: roomId, ...('invite' in admission ? { invite: admission.invite } : admission.code === '' ? {} : { code: admission.code }) });
  return `${location.origin}/?${query}`;
}

/** The current session with its rooms, or undefined when there is none (or it expired). */
export async function currentSession(): Promise<{ user: User; rooms: RoomInfo[] } | undefined> {
  try {
    return await withFreshAccess(() => call('/api/v1/session'));
  } catch (err) {
    if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return undefined;
    throw err;
  }
}

/** A signed-in account. */
export interface Account {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly role: 'user' | 'admin';
}

/** Set while this browser is signed in to an account, so that guests never try a refresh. */
const SIGNED_IN_KEY = 'parley.signedIn';

/** Whether this browser is signed in to an account (not only a guest's join session). */
export function isSignedIn(): boolean {
  return localStorage.getItem(SIGNED_IN_KEY) !== null;
}

/** Create an account and sign in to it; the server sets the access and refresh cookies. */
export async function register(username: string, password: string, name: string): Promise<Account> {
  const { account } = await call<{ account: Account }>('/api/v1/auth/register', { method: 'POST', body: { username, password, ...(name === '' ? {} : { name }) } });
  localStorage.setItem(SIGNED_IN_KEY, '1');
  return account;
}

/** Sign in to an account; the server sets the access and refresh cookies. */
export async function login(username: string, password: string): Promise<Account> {
  const { account } = await call<{ account: Account }>('/api/v1/auth/login', { method: 'POST', body: { username, password } });
  localStorage.setItem(SIGNED_IN_KEY, '1');
  return account;
}

/** The signed-in account, or undefined. */
export async function currentAccount(): Promise<Account | undefined> {
  if (localStorage.getItem(SIGNED_IN_KEY) === null) return undefined;
  try {
    return (await withFreshAccess(() => call<{ account: Account }>('/api/v1/auth/me'))).account;
  } catch (err) {
    if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return undefined;
    throw err;
  }
}

let refreshing: Promise<boolean> | undefined;

/**
 * Renew the access cookie with the refresh cookie; resolves whether the account is signed in
 * afterwards. A refresh token is single-use and a reused one ends the sign-in, so renewals run one
 * at a time in this page and, through a Web Lock, across the browser's tabs: a tab that waited
 * first checks whether another one already renewed.
 */
function refreshAccess(): Promise<boolean> {
  const renew = async (): Promise<boolean> => {
    try {
      await call('/api/v1/auth/me');
      return true;
    } catch {
      // The access cookie is still expired: renew it below.
    }
    try {
      await call('/api/v1/auth/refresh', { method: 'POST' });
      return true;
    } catch {
      localStorage.removeItem(SIGNED_IN_KEY);
      return false;
    }
  };
  // Web Locks exist in secure contexts only (https, localhost); elsewhere this page alone is serialised.
  const serialised = async (): Promise<boolean> => (typeof navigator.locks === 'undefined' ? renew() : await navigator.locks.request('parley-refresh', renew));
  refreshing ??= serialised().finally(() => (refreshing = undefined));
  return refreshing;
}

/** Run `request`; if it finds a signed-in account's access expired, renew it once and run it again. */
async function withFreshAccess<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (!(err instanceof ParleyError && err.code === 'UNAUTHENTICATED') || localStorage.getItem(SIGNED_IN_KEY) === null || !(await refreshAccess())) throw err;
    return request();
  }
}

/**
 * A moderation or settings change to `roomId` at `path` under `/api/v1/rooms/:roomId` (e.g.
 * `/members/u1/mute`), with the API's own checks; resolves the answer's JSON. Rejects with the
 * server's ParleyError (FORBIDDEN for a role that may not do it).
 */
export function manageRoom<T = unknown>(roomId: string, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return withFreshAccess(() => call(`/api/v1/rooms/${encodeURIComponent(roomId)}${path}`, { method, body }));
}

/** One of the user's rooms as the sidebar shows it (`GET /api/v1/rooms`): `unread` at most 999, `lastActivityAt` Unix ms. */
export interface MyRoom {
  readonly room: RoomInfo;
  readonly role: MemberInfo['role'];
  readonly lastReadSeq: number;
  readonly unread: number;
  readonly lastActivityAt: number;
}

/** The user's rooms, the most recently active first, in one request. */
export async function myRooms(): Promise<MyRoom[]> {
  return (await withFreshAccess(() => call<{ rooms: MyRoom[] }>('/api/v1/rooms'))).rooms;
}

/**
 * A page of `roomId`'s audit log, newest first: up to `limit` entries older than entry id `before`
 * (the newest when absent); `hasMore` when older ones exist. Moderators, owners and admins (issue 12);
 * rejects with FORBIDDEN for other roles.
 */
export function auditLog(roomId: string, page: { before?: string; limit: number }): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
  const query = new URLSearchParams({ limit: String(page.limit), ...(page.before === undefined ? {} : { before: page.before }) });
  return withFreshAccess(() => call(`/api/v1/rooms/${encodeURIComponent(roomId)}/audit?${query}`));
}

/** Members of a room with their online state and read markers. */
export async function members(roomId: string): Promise<MemberInfo[]> {
  return (await call<{ members: MemberInfo[] }>(`/api/v1/rooms/${encodeURIComponent(roomId)}/members`)).members;
}

/** End the session: the join session and the account sign-in, if any (the server clears the cookies). */
export async function logout(): Promise<void> {
  await call('/api/v1/logout', { method: 'POST' });
  if (localStorage.getItem(SIGNED_IN_KEY) === null) return;
  await call('/api/v1/auth/logout', { method: 'POST' });
  localStorage.removeItem(SIGNED_IN_KEY);
}
