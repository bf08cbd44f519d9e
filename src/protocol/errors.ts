/**
 * The closed catalog of Parley error codes and the one error class used by the server,
 * the client SDK, HTTP responses and WebSocket frames alike (STYLE C7).
 *
 * Codes are stable SCREAMING_SNAKE strings: clients switch on them, never on messages.
 * `docs/errors.md` is generated from this table and a test fails when they disagree.
 */
import { z } from 'zod';

/** One catalog entry: HTTP status, whether retrying the same request may succeed, and its meaning. */
export interface ErrorSpec {
  /** HTTP status used when the error answers an HTTP request. */
  readonly status: number;
  /** True when the same request may succeed later unchanged (Centrifuge's `Temporary`). */
  readonly retryable: boolean;
  /** One line for the docs. */
  readonly meaning: string;
}

const catalog = {
  MALFORMED_FRAME: { status: 400, retryable: false, meaning: 'The WebSocket frame is not valid JSON text, or not a JSON object.' },
  MALFORMED_REQUEST: { status: 400, retryable: false, meaning: 'The HTTP request cannot be read: its body is empty where JSON is expected, is not valid JSON, or its Content-Type or length is wrong.' },
  UNKNOWN_FRAME_TYPE: { status: 400, retryable: false, meaning: 'The frame\'s `type` is not a command this server knows.' },
  VALIDATION_FAILED: { status: 400, retryable: false, meaning: 'A field is missing or invalid; `details.issues` names each field.' },
  UNSUPPORTED_VERSION: { status: 400, retryable: false, meaning: 'The client speaks a protocol version this server does not.' },
  UNAUTHENTICATED: { status: 401, retryable: false, meaning: 'No valid session or credential was presented, or it has expired.' },
  FORBIDDEN: { status: 403, retryable: false, meaning: 'The principal may not perform this action.' },
  BAD_JOIN_CODE: { status: 403, retryable: false, meaning: 'The join code is wrong for this room, or no room has this id: the same answer for both, so room ids cannot be probed.' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, meaning: 'The account name or password is wrong (the same answer whether or not the account exists).' },
  CSRF_FAILED: { status: 403, retryable: false, meaning: 'A cookie-authenticated request that changes state lacked the `x-csrf-token` header matching the `parley_csrf` cookie.' },
  INVITE_INVALID: { status: 403, retryable: false, meaning: 'The invite is forged, expired, or for another room.' },
  TOKEN_REPLAYED: { status: 403, retryable: false, meaning: 'This single-use token, ticket nonce or refresh token was already used.' },
  TICKET_INVALID: { status: 403, retryable: false, meaning: 'The embed ticket is malformed, forged, expired, too long-lived, or from an origin its integrator does not allow.' },
  NOT_MEMBER: { status: 404, retryable: false, meaning: 'The user acted upon (a member to kick, mute or promote) is not a member of this room.' },
  BANNED: { status: 403, retryable: false, meaning: 'The principal is banned from this room: no join code, invite, auth key or credential grant admits it until a moderator lifts the ban.' },
  BLOCKED: { status: 403, retryable: false, meaning: 'The other person of this direct conversation blocked you: your messages, edits, reactions and typing are refused until they unblock you.' },
  MEMBER_MUTED: { status: 403, retryable: false, meaning: 'A moderator muted this member: sends and typing are refused until `details.mutedUntil` (Unix ms).' },
  EDIT_WINDOW_CLOSED: { status: 403, retryable: false, meaning: 'The message is older than the edit window (`PARLEY_EDIT_WINDOW_MS`, `details.editWindowMs`): it can no longer be edited.' },
  ORIGIN_NOT_ALLOWED: { status: 403, retryable: false, meaning: 'The request\'s Origin is not in the configured allowlist.' },
  NOT_FOUND: { status: 404, retryable: false, meaning: 'No such route or resource.' },
  ROOM_NOT_FOUND: { status: 404, retryable: false, meaning: 'No room has this id, or the principal is not a member of it: the same answer for both, so room ids cannot be probed.' },
  USERNAME_TAKEN: { status: 409, retryable: false, meaning: 'An account with this name already exists.' },
  NOT_JOINED: { status: 409, retryable: false, meaning: 'This connection has not joined the room; send `join` first.' },
  NAME_TAKEN: { status: 409, retryable: false, meaning: 'Another current member of the room has this display name, compared ignoring case (NFC, then lowercase): join under another name.' },
  ROOM_FULL: { status: 409, retryable: false, meaning: 'The room has reached its `maxMembers`.' },
  TOO_MANY_ROOMS: { status: 409, retryable: false, meaning: 'This connection has joined the maximum number of rooms.' },
  ROOM_CLOSED: { status: 410, retryable: false, meaning: 'The room is closed: it accepts no new messages or members.' },
  MESSAGE_TOO_LARGE: { status: 413, retryable: false, meaning: 'The message body exceeds the room\'s size limit.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, meaning: 'The request body or frame exceeds the size limit.' },
  NOT_SEARCHABLE: { status: 422, retryable: false, meaning: 'The room\'s messages cannot be searched on the server: it is end-to-end encrypted (its bodies are opaque to the server) or a relay room (it stores no messages); `details.reason`: `e2ee` or `relay`.' },
  MESSAGE_REFUSED: { status: 422, retryable: false, meaning: 'The room\'s content policy refused the message (`details.reason`: `word_filter`); nothing was stored.' },
  RATE_LIMITED: { status: 429, retryable: true, meaning: 'Too many requests; retry after `details.retryAfterMs`.' },
  INTERNAL: { status: 500, retryable: true, meaning: 'An unexpected server error; it was logged, never sent.' },
  STORE_UNAVAILABLE: { status: 503, retryable: true, meaning: 'The message store is unreachable; nothing was stored, retry with the same clientId.' },
  BROKER_UNAVAILABLE: { status: 503, retryable: true, meaning: 'The message broker (Redis) is unreachable; nothing was sent, retry with the same clientId.' },
  JWKS_UNAVAILABLE: { status: 503, retryable: true, meaning: 'The integrator\'s key set (`PARLEY_JWT_JWKS_URL`) could not be fetched, so the token could not be checked; retry later.' },
  SHUTTING_DOWN: { status: 503, retryable: true, meaning: 'This node is draining; reconnect (to another node).' },
  CONNECTION_LOST: { status: 503, retryable: true, meaning: 'Client side: the connection closed before the reply arrived; retry with the same id.' },
  TIMEOUT: { status: 504, retryable: true, meaning: 'Client side: no reply arrived in time; the command may have been applied, so retry with the same id.' },
} as const satisfies Record<string, ErrorSpec>;

/** Every error code Parley emits. */
export type ErrorCode = keyof typeof catalog;

/** The catalog, typed so that a code without a status does not compile. */
export const ERROR_CATALOG: Readonly<Record<ErrorCode, ErrorSpec>> = catalog;

/** All codes, in catalog order. */
export const ERROR_CODES = Object.keys(catalog) as [ErrorCode, ...ErrorCode[]];

/** Wire shape of an error, identical in HTTP bodies (`{ error }`) and WebSocket frames. */
export const ErrorBody = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryable: z.boolean(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'ErrorBody', description: 'An error with a stable code; `retryable` says whether the same request may succeed later.' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * The one error class. Throw it anywhere; transports turn it into an HTTP status and body or a
 * WebSocket `reply`/`error` frame with {@link toErrorBody}.
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message ?? ERROR_CATALOG[code].meaning, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** HTTP status for this code. */
  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  /** Whether the same request may succeed later. */
  get retryable(): boolean {
    return ERROR_CATALOG[this.code].retryable;
  }

  /** Rebuild an error received over the wire (used by the SDK). */
  static fromBody(body: ErrorBody): ParleyError {
    return new ParleyError(body.code, body.message, body.details === undefined ? undefined : { details: body.details });
  }
}

/**
 * Normalise anything thrown into a ParleyError: a ParleyError passes through; anything else
 * becomes `INTERNAL` keeping the original as `cause` (to be logged, never sent).
 */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('INTERNAL', undefined, { cause: err });
}

/** The one function that builds the wire error body for HTTP and WebSocket alike. */
export function toErrorBody(err: ParleyError): ErrorBody {
  const body: ErrorBody = { code: err.code, message: err.message, retryable: err.retryable };
  if (err.details !== undefined) body.details = err.details;
  return body;
}

/** Turn Zod issues into `VALIDATION_FAILED` naming each bad field by its dotted path. */
export function validationError(issues: readonly z.core.$ZodIssue[], prefix = ''): ParleyError {
  const list = issues.map((i) => ({ path: prefix + i.path.map(String).join('.'), message: i.message }));
  const first = list[0];
  const message = first === undefined ? 'Invalid input' : `${first.path || '(root)'}: ${first.message}`;
  return new ParleyError('VALIDATION_FAILED', message, { details: { issues: list } });
}
