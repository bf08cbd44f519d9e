/** JSON API requests for tests, authenticated by a bearer `token` (or none). */
import assert from 'node:assert/strict';
import type { TestServer } from './server.ts';

/** A JSON answer, with the error body when there is one. */
export type ApiJson = Record<string, unknown> & { error?: { code: string; details?: Record<string, unknown> } };

/** `method path` against `base` (`http://127.0.0.1:PORT`) as `token`; resolves the status and JSON body. */
export async function call(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: ApiJson }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as ApiJson };
}

/** A room created with `POST /api/v1/rooms` by a newcomer "Owner", who owns it (`body` adds to the request or replaces its name), and Owner's join. */
export async function ownedRoom(server: TestServer, body: Record<string, unknown> = {}) {
  const lobby = await server.createRoom({ joinRule: 'open' });
  const owner = await server.joinRoom(lobby.room.id, null, 'Owner');
  const created = await call(server.url, 'POST', '/api/v1/rooms', owner.token, { name: 'Owned', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return { owner, room: created.json.room as { id: string }, joinCode: created.json.joinCode as string | null };
}

/** `POST path` with `body` against `base` as `token`; resolves the JSON body, rejects unless the status is 2xx. */
export async function post(base: string, path: string, body: unknown, token?: string): Promise<ApiJson> {
  const { status, json } = await call(base, 'POST', path, token, body);
  if (status < 200 || status > 299) throw new Error(`POST ${base}${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}
