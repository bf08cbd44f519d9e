/**
 * The frame envelope (STYLE C5): client → server **commands**, server → client **replies** that echo a
 * command's `id`, and unsolicited **pushes**. Every frame is one JSON object with a `type`.
 *
 * Rule: a command that carries an `id` gets exactly one `reply` with that id (a `result` or an
 * `error`); a command without an `id` gets no reply, and a failure comes back as an `error` push.
 */
import { z } from 'zod';
import { ErrorBody } from './errors.ts';
import { CommandId } from './ids.ts';

/** The protocol version this server speaks; sent in `welcome` and accepted in `hello`. */
export const PROTOCOL_VERSION = 1;

/** `ping` command: application-level heartbeat for clients that cannot send WebSocket pings (browsers). */
export const PingCommand = z
  .object({ type: z.literal('ping'), id: CommandId.optional() })
  .meta({ id: 'PingCommand', description: 'Heartbeat; answered with an empty result.' });
export type PingCommand = z.infer<typeof PingCommand>;

/**
 * `auth` command: present a credential over the socket instead of at the upgrade (a token must not
 * travel in a URL), or renew it before it expires. On a socket opened without credentials it must
 * be the first frame, within `PARLEY_WS_AUTH_TIMEOUT_MS`; the `welcome` push follows its reply.
 * A renewal must name the same user.
 */
export const AuthCommand = z
  .object({ type: z.literal('auth'), id: CommandId.optional(), token: z.string().min(1).max(8192).describe('A join-session token, an account access token, an integrator JWT or an embed session token.') })
  .meta({ id: 'AuthCommand', description: 'Authenticate this socket, or renew its credential.' });
export type AuthCommand = z.infer<typeof AuthCommand>;

/** Result of `auth`: who the socket now acts as, and until when (Unix ms; absent when the credential does not expire). */
export const AuthResult = z
  .object({ user: z.object({ id: z.string(), name: z.string() }), expiresAt: z.number().int().optional() })
  .meta({ id: 'AuthResult' });
export type AuthResult = z.infer<typeof AuthResult>;

/** The size limits a client must keep to (issue 12: a client refuses an oversized send itself instead of losing its socket). */
export const WireLimits = z
  .object({
    messageMaxBytes: z.number().int().describe('Largest message body in UTF-8 bytes (PARLEY_MESSAGE_MAX_BYTES): a longer `send` or `edit` is refused with MESSAGE_TOO_LARGE.'),
    frameMaxBytes: z.number().int().describe('Largest frame the server reads, in bytes (PARLEY_WS_MAX_FRAME_BYTES): a larger one closes the socket with 1009.'),
  })
  .meta({ id: 'WireLimits' });
export type WireLimits = z.infer<typeof WireLimits>;

/** Push, first frame on every connection: the authenticated principal, the heartbeat period and the size limits. */
export const WelcomePush = z
  .object({
    type: z.literal('welcome'),
    version: z.literal(PROTOCOL_VERSION),
    connectionId: z.string(),
    user: z.object({ id: z.string(), name: z.string() }),
    heartbeatIntervalMs: z.number().int().describe('The server pings this often; a client silent for two periods is dropped.'),
    limits: WireLimits,
  })
  .meta({ id: 'WelcomePush', description: 'Sent once after the upgrade: who you are, the heartbeat period and the size limits to keep to.' });
export type WelcomePush = z.infer<typeof WelcomePush>;

/** Reply to a command with an `id`: exactly one of `result` or `error`. */
export const ReplyFrame = z
  .union([
    z.object({ type: z.literal('reply'), id: z.string(), result: z.unknown() }),
    z.object({ type: z.literal('reply'), id: z.string(), error: ErrorBody }),
  ])
  .meta({ id: 'ReplyFrame', description: 'Answer to the command with the same `id`: `result` or `error`.' });
export type ReplyFrame = z.infer<typeof ReplyFrame>;

/** Push: an error not tied to a command id (malformed JSON, unknown type, or a command sent without id). */
export const ErrorPush = z
  .object({ type: z.literal('error'), error: ErrorBody })
  .meta({ id: 'ErrorPush', description: 'An error for a frame that carried no usable `id`. The socket stays open.' });
export type ErrorPush = z.infer<typeof ErrorPush>;

/** Result of commands that only succeed or fail (`leave`, `typing`, `ping`). */
export const EmptyResult = z.object({}).meta({ id: 'EmptyResult' });

/** Push: the server is going away (redeploy, drain); reconnect after `afterMs` (STYLE C5, tRPC). */
export const ReconnectPush = z
  .object({ type: z.literal('reconnect'), afterMs: z.number().int().min(0) })
  .meta({ id: 'ReconnectPush', description: 'The server is draining; reconnect (and resume by seq) after `afterMs`.' });
export type ReconnectPush = z.infer<typeof ReconnectPush>;
