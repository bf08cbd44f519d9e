/**
 * Logs (pino): JSON lines, or one readable line per entry for a developer's terminal (issue 12,
 * `LOG_FORMAT`). Message bodies, ciphertext, tokens, cookies, join codes and secrets are redacted
 * wherever they appear under these keys, in both formats (the pretty one formats the redacted
 * line); code must also never log them by value.
 */
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { prettyLine } from './pretty-line.ts';

export type { Logger };

/** `json`: one JSON object per line, for log collectors; `pretty`: one readable line, for a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * The format `LOG_FORMAT` names (`setting`), or when it is unset (issue 12): pretty for a developer
 * watching a terminal (NODE_ENV=development and standard output is a TTY), JSON everywhere else
 * (containers, pipes, tests).
 */
export function chooseLogFormat(setting: LogFormat | undefined, env: 'development' | 'production' | 'test', stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  return setting ?? (env === 'development' && stdoutIsTty ? 'pretty' : 'json');
}

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

/** How {@link createLogger} writes: `format` (default json) to `destination` (default stdout; tests capture output). */
export interface LogOutput {
  readonly format?: LogFormat;
  readonly destination?: NodeJS.WritableStream;
}

/** Create the process logger at `level`. */
export function createLogger(level: string, output: LogOutput = {}): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'parley' }, serializers: { req: requestSerializer } };
  const { format = 'json', destination } = output;
  if (format === 'pretty') return pino(options, prettyStream(destination));
  return destination === undefined ? pino(options) : pino(options, destination as pino.DestinationStream);
}

/**
 * pino-pretty in this process (not a worker transport, so the line format can be a function),
 * writing synchronously so the last lines before an exit are not lost; colours on a terminal only.
 */
function prettyStream(destination: NodeJS.WritableStream | undefined): pino.DestinationStream {
  return pinoPretty({
    destination: destination ?? 1,
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    hideObject: true,
    messageFormat: prettyLine,
  });
}
