/**
 * Structured JSON logs (pino). Message bodies, ciphertext, tokens, cookies, join codes and secrets
 * are redacted wherever they appear under these keys; code must also never log them by value.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths removed from every log line. */
const REDACTED_PATHS = [
  'body',
  '*.body',
  'ciphertext',
  '*.ciphertext',
  'token',
  '*.token',
  'code',
  'joinCode',
  '*.joinCode',
  'adminToken',
  'password',
  '*.password',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.query.token',
];

/** Requests are logged without their query string, where tokens may travel (`/ws?token=`). */
function requestSerializer(req: { method?: string; url?: string; id?: string; ip?: string }) {
  return { id: req.id, method: req.method, path: req.url?.split('?', 1)[0], remoteAddress: req.ip };
}

/** Create the process logger at `level`; `destination` is for tests that capture output. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'parley' }, serializers: { req: requestSerializer } };
  return destination === undefined ? pino(options) : pino(options, destination as pino.DestinationStream);
}
