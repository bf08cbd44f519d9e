/**
 * One HTTP request from a chosen local address (`127.0.0.2`, `127.0.0.3`, …: all of 127.0.0.0/8 is
 * loopback on Linux), so tests can be several clients as the server sees them (`request.ip`), with
 * every `Set-Cookie` parsed. Used by the account tests for per-address limits and cookie flags.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A cookie as the server set it: its value and its attribute list (`HttpOnly; SameSite=Lax; …`). */
export interface SetCookie {
  readonly value: string;
  readonly attributes: string;
}

export interface HttpAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: T;
  /** Cookies set by the answer, by name. */
  readonly cookies: ReadonlyMap<string, SetCookie>;
}

/** Options of {@link send}: a JSON `json` body, or a `raw` one with its own content type. */
export interface SendOptions {
  readonly method?: string;
  readonly json?: unknown;
  readonly raw?: { readonly contentType: string; readonly text: string };
  readonly headers?: Record<string, string>;
  /** Local address to connect from (default: the system's choice, 127.0.0.1). */
  readonly from?: string;
}

/** Send one request to `url` and read the whole JSON answer. */
export function send<T = Record<string, unknown>>(url: string, options: SendOptions = {}): Promise<HttpAnswer<T>> {
  const payload = options.json !== undefined ? JSON.stringify(options.json) : options.raw?.text;
  const contentType = options.json !== undefined ? 'application/json' : options.raw?.contentType;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...options.headers },
        ...(options.from === undefined ? {} : { localAddress: options.from }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const cookies = new Map<string, SetCookie>();
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair = '', ...attributes] = line.split(';');
            const eq = pair.indexOf('=');
            cookies.set(pair.slice(0, eq).trim(), { value: decodeURIComponent(pair.slice(eq + 1).trim()), attributes: attributes.map((a) => a.trim()).join('; ') });
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (text === '' ? {} : JSON.parse(text)) as T, cookies });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A `Cookie` header from name → value pairs. */
export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('; ');
}
