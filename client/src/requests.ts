/**
 * Commands waiting for their reply, keyed by command id (STYLE C12, after tRPC's
 * `requestManager.ts`). A request is either *outgoing* (not written yet: no socket, or its room is
 * not joined on this socket yet) or *in flight* (written, reply awaited).
 *
 * When the socket drops, in-flight requests go back to outgoing and are written again, with the
 * SAME id, once their gate opens on the next socket. For `send` the id is the clientId, so the
 * server's dedupe turns a resend into the first ack and the message is stored once. Other commands
 * (`history`, `read`, `leave`) are idempotent, so resending them is safe too. Joins opt out: the
 * room tracker rejoins with a fresh `since` instead.
 */
import { ParleyError, type ErrorBody } from '../../src/protocol/errors.ts';

/** How one request travels. */
export interface RequestOptions {
  /**
   * Write it again after a reconnect when no reply came. Without it, a request that cannot be
   * written as soon as its gate is open, or loses its socket in flight, fails with CONNECTION_LOST.
   */
  readonly resend: boolean;
  /** The room it is about: it waits until that room is joined on the current socket. */
  readonly roomId?: string | undefined;
  /**
   * Called synchronously with a successful result, before the frames that follow the reply are
   * handled (a promise continuation would run after them when several frames arrive together).
   */
  readonly onResult?: (result: unknown) => void;
}

interface Pending {
  readonly promise: Promise<unknown>;
  readonly text: string;
  readonly options: RequestOptions;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: ParleyError) => void;
  /** Set while in flight: fires TIMEOUT. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What the request table needs from the connection. */
export interface RequestWire {
  /** Whether a request for `roomId` (or a room-less one) may be written now. */
  canWrite(roomId: string | undefined): boolean;
  /** Write a frame; false when no socket is open. */
  write(text: string): boolean;
}

/** Size of `text` in UTF-8 bytes (what a WebSocket text frame carries). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point beyond U+FFFF
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The table of commands awaiting replies, in the order they were made. */
export class Requests {
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  /** Largest frame written (bytes); larger requests are refused with PAYLOAD_TOO_LARGE. */
  maxFrameBytes: number;
  readonly #wire: RequestWire;

  /**
   * @param timeoutMs how long an in-flight request waits for its reply before failing with TIMEOUT (ms).
   * @param maxFrameBytes largest frame the server accepts (bytes; PARLEY_WS_MAX_FRAME_BYTES): a
   *   larger one would make it close the socket with 1009, so it is refused here instead.
   */
  constructor(timeoutMs: number, maxFrameBytes: number, wire: RequestWire) {
    this.#timeoutMs = timeoutMs;
    this.maxFrameBytes = maxFrameBytes;
    this.#wire = wire;
  }

  /**
   * Register command `frame` under `id` and write it if its gate is open; otherwise it waits, with
   * no deadline, until {@link flush} can write it. A request with an id still pending shares the
   * first one's outcome (one send, one ack). Resolves with the reply's `result`; rejects with a
   * ParleyError: the reply's error, TIMEOUT (no reply `timeoutMs` after writing; the command may
   * have been applied, so retry with the same id), CONNECTION_LOST, or PAYLOAD_TOO_LARGE (at once,
   * nothing written) when the encoded frame exceeds `maxFrameBytes`.
   */
  request(id: string, frame: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    const existing = this.#pending.get(id);
    if (existing !== undefined) return existing.promise;
    const text = JSON.stringify({ ...frame, id });
    const bytes = utf8Bytes(text);
    if (bytes > this.maxFrameBytes) {
      const message = `The ${String(frame.type)} frame is ${bytes} bytes; the server accepts frames of at most ${this.maxFrameBytes} bytes`;
      return Promise.reject(new ParleyError('PAYLOAD_TOO_LARGE', message, { details: { limitBytes: this.maxFrameBytes, bytes } }));
    }
    let resolve!: (result: unknown) => void;
    let reject!: (error: ParleyError) => void;
    const promise = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
    const pending: Pending = { promise, text, options, resolve, reject, timer: undefined };
    this.#pending.set(id, pending);
    this.#write(id, pending);
    return promise;
  }

  /** Settle the request a `reply` frame answers. Returns false when no request has this id. */
  settle(id: string, reply: { result?: unknown; error?: ErrorBody }): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (reply.error !== undefined) {
      pending.reject(ParleyError.fromBody(reply.error));
    } else {
      try {
        pending.options.onResult?.(reply.result);
      } finally {
        pending.resolve(reply.result);
      }
    }
    return true;
  }

  /** Write every outgoing request whose gate is open, in the order they were made. */
  flush(): void {
    for (const [id, pending] of this.#pending) if (pending.timer === undefined) this.#write(id, pending);
  }

  /** The socket dropped: in-flight requests become outgoing again, or fail if they opted out of resending. */
  disconnected(): void {
    for (const [id, pending] of this.#pending) {
      if (pending.timer === undefined) continue;
      clearTimeout(pending.timer);
      pending.timer = undefined;
      if (!pending.options.resend) this.#fail(id, new ParleyError('CONNECTION_LOST', 'The connection closed before the reply arrived'));
    }
  }

  /** Fail every request about `roomId` that is still outgoing (the room was left or refused). */
  failRoom(roomId: string, error: ParleyError): void {
    for (const [id, pending] of this.#pending) if (pending.options.roomId === roomId && pending.timer === undefined) this.#fail(id, error);
  }

  /** Fail everything (the client closed, or the server closed with a terminal code). */
  failAll(error: ParleyError): void {
    for (const id of [...this.#pending.keys()]) this.#fail(id, error);
  }

  #write(id: string, pending: Pending): void {
    if (!this.#wire.canWrite(pending.options.roomId)) return;
    if (!this.#wire.write(pending.text)) {
      if (!pending.options.resend) this.#fail(id, new ParleyError('CONNECTION_LOST', 'The connection is closing'));
      return;
    }
    pending.timer = setTimeout(() => this.#fail(id, new ParleyError('TIMEOUT', `No reply to ${id} within ${this.#timeoutMs} ms`)), this.#timeoutMs);
  }

  #fail(id: string, error: ParleyError): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.reject(error);
  }
}
