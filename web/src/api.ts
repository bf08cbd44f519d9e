/**
 * The few HTTP calls the UI makes, on the same origin with the httpOnly session cookie.
 * Errors are thrown as ParleyError with the server's stable code.
 */
import { ParleyError, type ErrorBody, type MemberInfo, type RoomInfo } from '../../src/protocol/index.ts';

async function call<T>(path: string, init?: { method: string; body: unknown }): Promise<T> {
  const res = await fetch(path, {
    method: init?.method ?? 'GET',
    credentials: 'same-origin',
    headers: init === undefined ? {} : { 'content-type': 'application/json' },
    body: init === undefined ? null : JSON.stringify(init.body),
  });
  const payload = (await res.json().catch(() => ({}))) as T & { error?: ErrorBody };
  if (!res.ok) throw payload.error !== undefined ? ParleyError.fromBody(payload.error) : new ParleyError('INTERNAL', `HTTP ${res.status}`);
  return payload;
}

/** Join a room by id and code as `name`; the server sets the session cookie. */
export function joinRoom(roomId: string, code: string, name: string) {
  return call<{ user: { id: string; name: string }; room: RoomInfo }>('/api/v1/join', { method: 'POST', body: { roomId, name, ...(code === '' ? {} : { code }) } });
}

/** The current session, or undefined when there is none. */
export async function currentSession(): Promise<{ user: { id: string; name: string }; rooms: RoomInfo[] } | undefined> {
  try {
    return await call('/api/v1/session');
  } catch (err) {
    if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') return undefined;
    throw err;
  }
}

/** Members of a room with online state and read markers. */
export async function members(roomId: string): Promise<MemberInfo[]> {
  return (await call<{ members: MemberInfo[] }>(`/api/v1/rooms/${encodeURIComponent(roomId)}/members`)).members;
}
