/**
 * The readable log line of `LOG_FORMAT=pretty` (issue 12), after pino-pretty's time and level:
 *   `request completed POST /api/v1/join → 200 4 ms #1f0c9a2e`
 *   `dependency unavailable context=redis`
 * The message, then for a request its method, path, status, duration and the request id's first 8
 * characters (which pair a request's lines), then every other field as `key=value` (nested keys
 * joined with dots), and an error's stack on the lines below. It formats the line pino already
 * redacted, so a redacted value reads `[redacted]` here too.
 */

/** Fields the line shows in its own way, or that pino-pretty shows before it. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'service', 'req', 'res', 'responseTime', 'reqId', 'err']);

/** pino-pretty's `messageFormat`: the text after `[time] LEVEL:` for one log entry. */
export function prettyLine(log: Record<string, unknown>, messageKey: string): string {
  const parts: string[] = [];
  const message = log[messageKey];
  if (message !== undefined) parts.push(String(message));
  const req = record(log.req);
  if (req !== undefined) parts.push(...[req.method, req.path].filter((part) => part !== undefined).map(String));
  const statusCode = record(log.res)?.statusCode;
  if (statusCode !== undefined) parts.push(`→ ${String(statusCode)}`);
  if (typeof log.responseTime === 'number') parts.push(`${Math.round(log.responseTime)} ms`);
  const reqId = log.reqId ?? req?.id;
  if (typeof reqId === 'string') parts.push(`#${reqId.slice(0, 8)}`);
  for (const [key, value] of Object.entries(log)) if (key !== messageKey && !SHOWN_APART.has(key)) parts.push(...pairs(key, value));
  return parts.join(' ') + errorText(log.err);
}

/** `key=value` for a plain value or a list of them, one pair per leaf for an object (`context.room=abc`, `issues.0.path=body`). */
function pairs(key: string, value: unknown): string[] {
  const nested = record(value);
  if (nested !== undefined) return Object.entries(nested).flatMap(([inner, leaf]) => pairs(`${key}.${inner}`, leaf));
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === 'object' && item !== null)) return value.flatMap((item, index) => pairs(`${key}.${index}`, item));
    return [`${key}=${value.join(',')}`];
  }
  const text = String(value);
  return [`${key}=${/\s/.test(text) || text === '' ? JSON.stringify(text) : text}`];
}

/** An error's stack (or message), indented on the lines below the entry; empty without one. */
function errorText(err: unknown): string {
  const error = record(err);
  if (error === undefined) return '';
  const text = typeof error.stack === 'string' ? error.stack : `${String(error.type ?? 'Error')}: ${String(error.message ?? '')}`;
  return `\n${text.replace(/^/gm, '    ')}`;
}

/** `value` as a plain object, or undefined. */
function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
