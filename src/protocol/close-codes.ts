/**
 * WebSocket close codes Parley sends, and the one rule the SDK applies to decide whether to
 * reconnect (STYLE C8; Centrifuge `disconnect.go`, Hocuspocus `CloseEvents.ts`).
 *
 * - Standard codes where one exists (RFC 6455 §7.4.1).
 * - Terminal codes are 4000 + HTTP status: do not reconnect without new input (a new token, a fix).
 * - Retryable codes are 4500–4599: reconnect with backoff and resume by seq.
 * Close reasons stay ≤ 123 bytes (the 125-byte control-frame limit minus the code).
 */
export const CLOSE_CODES = {
  /** 1000: the client or server ended the session normally. */
  NORMAL: 1000,
  /** 1001: the server is shutting down or redeploying; reconnect (to another node). */
  GOING_AWAY: 1001,
  /** 1002: the client broke WebSocket framing (RFC 6455 §5: unmasked frame, reserved bits, bad opcode). */
  PROTOCOL_ERROR: 1002,
  /** 1007: a text frame was not valid UTF-8 (RFC 6455 §8.1). */
  INVALID_PAYLOAD: 1007,
  /** 1008: the connection violated protocol policy (reserved; bad frames get an `error` frame instead). */
  POLICY_VIOLATION: 1008,
  /** 1009: a frame exceeded `PARLEY_WS_MAX_FRAME_BYTES` (with compression on: once inflated). */
  FRAME_TOO_BIG: 1009,
  /** 1011: unexpected server error. */
  INTERNAL: 1011,
  /** 4401: missing, invalid or expired credentials (also: no `auth` frame in time, a credential that expired unrenewed, or its session ended: logout, sign-out, a replayed refresh token, a demotion). */
  UNAUTHENTICATED: 4401,
  /** 4403: the principal is not allowed (banned, removed). */
  FORBIDDEN: 4403,
  /** 4409: replaced by a newer connection of the same session. */
  REPLACED: 4409,
  /** 4429: the connection kept sending frames far over its rate (`PARLEY_WS_FRAMES_PER_SECOND`) after `RATE_LIMITED` answers, and was cut off. */
  FLOOD: 4429,
  /** 4500: the client read too slowly and its send buffer passed the limit; resume by seq. */
  SLOW_CONSUMER: 4500,
  /** 4501: no heartbeat answer within the liveness window; reconnect. */
  HEARTBEAT_TIMEOUT: 4501,
  /** 4503: the server is overloaded; reconnect later. */
  OVERLOADED: 4503,
} as const;

/** Standard codes after which reconnecting would repeat the same outcome. */
const TERMINAL: ReadonlySet<number> = new Set([CLOSE_CODES.NORMAL, CLOSE_CODES.PROTOCOL_ERROR, CLOSE_CODES.INVALID_PAYLOAD, CLOSE_CODES.POLICY_VIOLATION, CLOSE_CODES.FRAME_TOO_BIG]);

/** A close code Parley may send. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * Whether a client should reconnect after the socket closed with `code`.
 * Terminal: 1000 (asked to end), 1002, 1007, 1008, 1009 (the client sent something it would send
 * again: fix it first) and 4000–4499. Everything else (1001, 1006 abnormal closure, 1011,
 * 4500–4599, unknown codes) is retried with backoff.
 */
export function shouldReconnect(code: number): boolean {
  if (TERMINAL.has(code)) return false;
  if (code >= 4000 && code < 4500) return false;
  return true;
}
