/**
 * Commands waiting for their reply, keyed by command id. A request either settles with its reply,
 * times out with a retryable ParleyError, or — for sends — stays in flight across reconnects and is
 * sent again with the SAME id (the server's clientId dedupe turns that into the first ack).
 */
import { ParleyError, type ErrorBody } from '../../src/protocol/errors.ts';

interface Pending {
  readonly promise: Promise<unknown>;
  readonly text: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: ParleyError) => void;
  readonly resend: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  sent: boolean;
}

export class Requests {
  readonly #pending = new Map<string, Pending>();

  /** @param timeoutMs how long a sent request waits for its reply before failing (ms). */
  constructor(private readonly timeoutMs: number) {}

  /**
   * Register a command and send it now if `send` succeeds. With `resend`, a request that could not
   * be sent, or was in flight when the socket dropped, is sent again by {@link resend}.
   * A second request with an id still pending shares the first one's outcome.
   * Rejects with the reply's error, `TIMEOUT` when no reply came in time, or `CONNECTION_LOST`.
   */
  request(id: string, frame: Record<string, unknown>, send: (text: string) => boolean, resend: boolean): Promise<unknown> {
    const existing = this.#pending.get(id);
    if (existing !== undefined) return existing.promise;
    let resolve!: (result: unknown) => void;
    let reject!: (error: ParleyError) => void;
    const promise = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
    const pending: Pending = { promise, text: JSON.stringify({ ...frame, id }), resolve, reject, resend, timer: undefined, sent: false };
    this.#pending.set(id, pending);
    this.#send(id, pending, send);
    if (!pending.sent && !resend) this.#fail(id, new ParleyError('CONNECTION_LOST', 'Not connected'));
    return promise;
  }

  /** Settle the request a reply answers. Returns false if no request has this id. */
  settle(id: string, reply: { result?: unknown; error?: ErrorBody }): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (reply.error !== undefined) pending.reject(ParleyError.fromBody(reply.error));
    else pending.resolve(reply.result);
    return true;
  }

  /** The socket dropped: fail what cannot be resent, keep the rest for {@link resend}. */
  disconnected(): void {
    for (const [id, pending] of this.#pending) {
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.sent = false;
      if (!pending.resend) this.#fail(id, new ParleyError('CONNECTION_LOST', 'The connection closed before the reply arrived'));
    }
  }

  /** Send again every resendable request that is not in flight, in the order they were made. */
  resend(send: (text: string) => boolean): void {
    for (const [id, pending] of this.#pending) if (!pending.sent) this.#send(id, pending, send);
  }

  /** Fail everything (client closed). */
  clear(): void {
    for (const id of [...this.#pending.keys()]) this.#fail(id, new ParleyError('CONNECTION_LOST', 'The client was closed'));
  }

  #send(id: string, pending: Pending, send: (text: string) => boolean): void {
    pending.sent = send(pending.text);
    if (pending.sent) pending.timer = setTimeout(() => this.#fail(id, new ParleyError('TIMEOUT', `No reply to ${id} within ${this.timeoutMs} ms`)), this.timeoutMs);
  }

  #fail(id: string, error: ParleyError): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.reject(error);
  }
}
