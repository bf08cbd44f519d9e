/**
 * What the load generator needs from a server under test, whatever its protocol: create rooms and
 * member credentials, open an authenticated connection, join a room, send with a client id, and
 * report acks and deliveries. Every driver reports the same fields (roomId, seq, body), so one
 * accounting of latency, loss and duplication serves every server.
 */

/** One member's credentials for one connection. */
export interface MemberCredentials {
  /** Display name (bare servers also use it as the user id). */
  readonly name: string;
  /** Bearer token for the WebSocket connection. */
  readonly token: string;
}

/** Rooms and members created for a scenario; `members[r]` belong to `roomIds[r]`. */
export interface Provisioned {
  readonly roomIds: readonly string[];
  readonly members: readonly (readonly MemberCredentials[])[];
  /** HTTP requests retried after a refusal (rate limit, busy store). */
  readonly retries: number;
}

/** Callbacks of one connection. Called synchronously from the socket's message handler. */
export interface ConnectionEvents {
  /** The send with this client id was acknowledged with this seq. */
  onAck(clientId: string, seq: number): void;
  /** A command failed; `id` is its client id when the server echoed one. */
  onError(id: string | undefined, code: string): void;
  /** A message was delivered to this connection. */
  onMessage(roomId: string, seq: number, body: string): void;
  /** The connection closed (not by the load generator). */
  onClose(code: number): void;
}

/** One open, authenticated connection. */
export interface Connection {
  /** Join a room (with `since`: resume after that seq; Parley only); resolves on the server's positive reply. */
  join(roomId: string, since?: number): Promise<void>;
  /** Send a text message; the outcome arrives through {@link ConnectionEvents}. */
  send(roomId: string, clientId: string, body: string): void;
  close(): void;
}

export interface Driver {
  /** Create `rooms` rooms of `membersPerRoom` members each (with `concurrency` requests in flight). */
  provision(rooms: number, membersPerRoom: number, concurrency: number): Promise<Provisioned>;
  /** Open one connection as `member`; resolves once the server has accepted and greeted it. */
  connect(member: MemberCredentials, events: ConnectionEvents): Promise<Connection>;
}

/** Run `count` tasks with at most `concurrency` in flight; rejects with the first failure. */
export async function inPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Reject after `ms` with `what` in the message, unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
