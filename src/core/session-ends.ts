/**
 * Ending a session ends its sockets on every node (issue 11, "Doors"). A node-wide control channel
 * rides the Broker port: the reserved channel {@link SESSION_ENDS_CHANNEL} (its `!` can never be in a
 * RoomId, `protocol/ids.ts`) carries typed {@link SessionEnded} values, and every node subscribes to
 * it at start. Listeners on each node (the WebSocket transport, the principal cache) close the
 * matching sockets with 4401 and forget the matching cached principals.
 *
 * The seam: the Broker has one `onEvent` handler, registered by the fan-out. {@link SessionEnds.broker}
 * is the same broker with the control channel split off: handed to the core instead of the engine,
 * it gives the fan-out every room event and this class every control event, so neither the fan-out
 * nor the engines know the channel exists.
 *
 * Broker events are hints that may be lost (DESIGN.md rule 3). Redis loses pub/sub messages when a
 * subscriber's connection drops (also when it lags past its output buffer: Redis then drops the
 * connection), which the broker reports as an interruption: the transport then re-checks every
 * open socket's session against the store at once. A slow periodic re-check bounds the rest.
 */
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { Principal } from './principal.ts';

/** The reserved broker channel of control events; never a room id (RoomId refuses `!`). */
export const SESSION_ENDS_CHANNEL = '!session-ends';

/**
 * One ended session, as sent between nodes:
 * - `join`: the join session with this token hash ended (`POST /api/v1/logout`);
 * - `family`: the account sign-in with this refresh-token family ended (`POST /api/v1/auth/logout`,
 *   or a used refresh token presented again);
 * - `account`: the account now has `role`; its sockets authenticated with another role end
 *   (`parley accounts demote`).
 */
export type SessionEnded =
  | { readonly type: 'session_ended'; readonly scope: 'join'; readonly sessionId: string }
  | { readonly type: 'session_ended'; readonly scope: 'family'; readonly familyId: string }
  | { readonly type: 'session_ended'; readonly scope: 'account'; readonly accountId: string; readonly role: 'user' | 'admin' };

/** Whether `principal` authenticated with the session that `ended` ends. */
export function endsPrincipal(ended: SessionEnded, principal: Principal): boolean {
  const session = principal.session;
  switch (ended.scope) {
    case 'join':
      return session?.kind === 'join' && session.id === ended.sessionId;
    case 'family':
      return session?.kind === 'account' && session.familyId === ended.familyId;
    case 'account':
      return session?.kind === 'account' && principal.userId === ended.accountId && principal.role !== ended.role;
  }
}

/** Parse a control frame; undefined for anything that is not a well-formed `session_ended`. */
export function parseSessionEnded(frame: string): SessionEnded | undefined {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.type !== 'session_ended') return undefined;
  if (v.scope === 'join' && typeof v.sessionId === 'string') return { type: 'session_ended', scope: 'join', sessionId: v.sessionId };
  if (v.scope === 'family' && typeof v.familyId === 'string') return { type: 'session_ended', scope: 'family', familyId: v.familyId };
  if (v.scope === 'account' && typeof v.accountId === 'string' && (v.role === 'user' || v.role === 'admin')) return { type: 'session_ended', scope: 'account', accountId: v.accountId, role: v.role };
  return undefined;
}

/** Listener of ended sessions; called synchronously, on the node that receives the signal. */
export type SessionEndedListener = (ended: SessionEnded) => void;

export class SessionEnds {
  readonly #inner: Broker;
  readonly #listeners: SessionEndedListener[] = [];
  readonly #interrupted: Array<() => void> = [];
  /** The broker to hand to the core: the engine's, with the control channel routed here. */
  readonly broker: Broker;

  constructor(inner: Broker) {
    this.#inner = inner;
    const receive = (event: RoomEvent): void => {
      const ended = parseSessionEnded(event.frame);
      if (ended !== undefined) for (const listener of this.#listeners) listener(ended);
    };
    this.broker = {
      publish: (event) => inner.publish(event),
      subscribe: (roomId) => inner.subscribe(roomId),
      unsubscribe: (roomId) => inner.unsubscribe(roomId),
      onEvent: (handler) => inner.onEvent((event) => (event.roomId === SESSION_ENDS_CHANNEL ? receive(event) : handler(event))),
      onInterrupt: (handler) =>
        inner.onInterrupt(() => {
          handler();
          for (const listener of this.#interrupted) listener();
        }),
      close: () => inner.close(),
    };
  }

  /**
   * Subscribe this node to the control channel. Call after the core registered its `onEvent`
   * handler on {@link broker} (building the Chat does). Rejects with `BROKER_UNAVAILABLE`.
   */
  async start(): Promise<void> {
    await this.#inner.subscribe(SESSION_ENDS_CHANNEL);
  }

  /** Add a listener told of every ended session this node hears of (its own announcements included). */
  onEnded(listener: SessionEndedListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Add a listener told when this node's broker delivery was interrupted and has resumed: control
   * events published meanwhile may be lost, so open sockets' sessions should be checked at once.
   * Only called once the core registered its own interrupt handler on {@link broker}.
   */
  onInterrupted(listener: () => void): void {
    this.#interrupted.push(listener);
  }

  /**
   * Tell every node (this one included) that a session ended. Rejects with `BROKER_UNAVAILABLE`
   * when the broker cannot be reached; the periodic re-check still ends the sockets then.
   */
  announce(ended: SessionEnded): Promise<void> {
    return announceSessionEnded(this.#inner, ended);
  }
}

/**
 * Sessions this node heard end, remembered for `retainMs` (at most `maxEntries`, oldest dropped
 * first), so that a credential of an ended session that still verifies (an account access token is
 * checked without a store read) opens no new socket here, and one resolved just before the signal
 * is not accepted just after it. O(1) per look-up.
 */
export class EndedSessions {
  /** `join:<id>`, `family:<id>` → when it ended; `account:<id>` → when, and the account's new role. */
  readonly #ended = new Map<string, { readonly at: number; readonly role?: 'user' | 'admin' }>();

  /** @param retainMs how long an ending is remembered (ms). @param now clock in Unix ms. */
  constructor(
    private readonly retainMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(ended: SessionEnded): void {
    const key = ended.scope === 'join' ? `join:${ended.sessionId}` : ended.scope === 'family' ? `family:${ended.familyId}` : `account:${ended.accountId}`;
    this.#ended.delete(key);
    this.#ended.set(key, { at: this.now(), ...(ended.scope === 'account' ? { role: ended.role } : {}) });
    const cutoff = this.now() - this.retainMs;
    for (const [oldest, entry] of this.#ended) {
      if (this.#ended.size <= this.maxEntries && entry.at > cutoff) break;
      this.#ended.delete(oldest);
    }
  }

  /** Whether a remembered, unexpired ending ends `principal`. */
  ends(principal: Principal): boolean {
    const session = principal.session;
    if (session === undefined || this.#ended.size === 0) return false;
    const cutoff = this.now() - this.retainMs;
    const live = (key: string) => {
      const entry = this.#ended.get(key);
      return entry !== undefined && entry.at > cutoff ? entry : undefined;
    };
    if (session.kind === 'join') return live(`join:${session.id}`) !== undefined;
    if (live(`family:${session.familyId}`) !== undefined) return true;
    const account = live(`account:${principal.userId}`);
    return account !== undefined && account.role !== principal.role;
  }
}

/** Publish one ended session on a bare broker (the CLI, which runs no core). Rejects with `BROKER_UNAVAILABLE`. */
export async function announceSessionEnded(broker: Broker, ended: SessionEnded): Promise<void> {
  await broker.publish({ roomId: SESSION_ENDS_CHANNEL, frame: JSON.stringify(ended) });
}
