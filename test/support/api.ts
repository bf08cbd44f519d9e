/** JSON API requests for tests, authenticated by a bearer `token` (or none). */

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

/** `POST path` with `body` against `base` as `token`; resolves the JSON body, rejects unless the status is 2xx. */
export async function post(base: string, path: string, body: unknown, token?: string): Promise<ApiJson> {
  const { status, json } = await call(base, 'POST', path, token, body);
  if (status < 200 || status > 299) throw new Error(`POST ${base}${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}
