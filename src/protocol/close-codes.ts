/**
 * The closed catalog of WebSocket close codes Parley sends, and the one rule the SDK applies to
 * decide whether to reconnect (STYLE C8; Centrifuge `disconnect.go`, Hocuspocus `CloseEvents.ts`).
 * Modelled like the error catalog (`errors.ts`): one table, code → name, meaning and whether to
 * reconnect; `CLOSE_CODES` (name → code), `shouldReconnect` and the docs (`npm run docs`) all
 * derive from it, so a code without an entry cannot be used.
 *
 * - Standard codes where one exists (RFC 6455 §7.4.1); 1002, 1007 and 1009 are sent by `ws` itself.
 * - Terminal codes are 4000 + HTTP status: do not reconnect without new input (a new token, a fix).
 * - Retryable codes are 4500–4599: reconnect with backoff and resume by seq.
 * Close reasons stay ≤ 123 bytes (the 125-byte control-frame limit minus the code).
 */

/** One catalog entry. */
export interface CloseCodeSpec {
  /** The SCREAMING_SNAKE name, the key of {@link CLOSE_CODES}. */
  readonly name: string;
  /** One line for the docs: what happened and what the client should do. */
  readonly meaning: string;
  /** Whether the client reconnects (with backoff, resuming by seq) after this close. */
  readonly reconnect: boolean;
}

const catalog = {
  1000: { name: 'NORMAL', reconnect: false, meaning: 'The session ended normally: the client or the server asked to close it.' },
  1001: { name: 'GOING_AWAY', reconnect: true, meaning: 'The server is shutting down or redeploying. Reconnect (to another node) and resume by seq.' },
  1002: { name: 'PROTOCOL_ERROR', reconnect: false, meaning: 'The client broke WebSocket framing (an unmasked frame, reserved bits, an unknown opcode). Fix the client first.' },
  1007: { name: 'INVALID_PAYLOAD', reconnect: false, meaning: 'A text frame was not valid UTF-8. Fix the client first.' },
  1009: { name: 'FRAME_TOO_BIG', reconnect: false, meaning: 'A frame exceeded `PARLEY_WS_MAX_FRAME_BYTES` (with `PARLEY_WS_COMPRESSION=on`, once inflated). Fix the client first.' },
  1011: { name: 'INTERNAL', reconnect: true, meaning: 'An unexpected server error. Reconnect with backoff.' },
  4401: { name: 'UNAUTHENTICATED', reconnect: false, meaning: 'The credentials are missing, invalid or expired, or their session ended (logout, sign-out, a replayed refresh token, a demotion). Obtain a new session or token before reconnecting.' },
  4403: { name: 'FORBIDDEN', reconnect: false, meaning: 'The principal is not allowed here (banned or removed).' },
  4429: { name: 'FLOOD', reconnect: false, meaning: 'The connection kept sending frames far over `PARLEY_WS_FRAMES_PER_SECOND` after `RATE_LIMITED` answers (more than `PARLEY_WS_FLOOD_FRAMES` over), and was cut off.' },
  4500: { name: 'SLOW_CONSUMER', reconnect: true, meaning: 'The client read too slowly and its send buffer passed `PARLEY_WS_MAX_BUFFERED_BYTES`. Reconnect and resume by seq.' },
  4501: { name: 'HEARTBEAT_TIMEOUT', reconnect: true, meaning: 'The client neither answered a ping nor sent a frame before the next heartbeat. Reconnect.' },
} as const satisfies Record<number, CloseCodeSpec>;

/** The catalog: every close code Parley sends, with its name, meaning and reconnect rule. */
export const CLOSE_CODE_CATALOG: { readonly [C in CloseCode]: (typeof catalog)[C] } = catalog;

/** A close code Parley may send. */
export type CloseCode = keyof typeof catalog;

/** The name of a close code in the catalog. */
export type CloseCodeName = (typeof catalog)[CloseCode]['name'];

/** Every catalogued code, in ascending order. */
export const CLOSE_CODE_LIST = Object.keys(catalog).map(Number) as CloseCode[];

/** Close codes by name (`CLOSE_CODES.UNAUTHENTICATED === 4401`), derived from the catalog. */
export const CLOSE_CODES = Object.fromEntries(CLOSE_CODE_LIST.map((code) => [catalog[code].name, code])) as { readonly [C in CloseCode as (typeof catalog)[C]['name']]: C };

/**
 * Codes Parley never sends but a client may still see (from a proxy or a browser) after which
 * reconnecting would repeat the same outcome: 1003 unsupported data, 1008 policy violation,
 * 1010 missing extension (RFC 6455 §7.4.1).
 */
const UNLISTED_TERMINAL: ReadonlySet<number> = new Set([1003, 1008, 1010]);

/**
 * Whether a client should reconnect after the socket closed with `code`: the catalog's `reconnect`
 * for its codes. For others: terminal are 4000–4499 (4000 + an HTTP 4xx status) and
 * {@link UNLISTED_TERMINAL}; everything else (1006 abnormal closure, 4500–4599, unknown codes) is
 * retried with backoff.
 */
export function shouldReconnect(code: number): boolean {
  if (Object.hasOwn(catalog, code)) return catalog[code as CloseCode].reconnect;
  if (UNLISTED_TERMINAL.has(code)) return false;
  return !(code >= 4000 && code < 4500);
}
