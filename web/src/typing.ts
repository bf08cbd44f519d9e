/**
 * Typing indicators, both ways: who else is typing (each shown for the `ttlMs` the server gives,
 * unless renewed or cleared), and reporting this user's typing without flooding the server.
 */
import type { TypingPush } from '../../client/src/index.ts';
import { el } from './elements.ts';

/** While the user keeps typing, say so again this often (ms); below the server's indicator TTL. */
const RENEW_MS = 2000;
/** Say "stopped" after this long without a keystroke (ms). */
const IDLE_MS = 3000;

/** The "Ada is typing…" line. */
export class TypingIndicator {
  readonly element = el('div', { id: 'typing', 'aria-live': 'polite' });
  readonly #typists = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
  readonly #myId: string;

  constructor(myId: string) {
    this.#myId = myId;
  }

  /** Apply a `typing` push. */
  update(push: TypingPush): void {
    if (push.userId === this.#myId) return;
    this.clear(push.userId);
    if (push.active) this.#typists.set(push.userId, { name: push.name, timer: setTimeout(() => this.clear(push.userId), push.ttlMs) });
    this.#render();
  }

  /** Stop showing `userId` (their message arrived, or the indicator expired). */
  clear(userId: string): void {
    const typist = this.#typists.get(userId);
    if (typist === undefined) return;
    clearTimeout(typist.timer);
    this.#typists.delete(userId);
    this.#render();
  }

  dispose(): void {
    for (const userId of [...this.#typists.keys()]) this.clear(userId);
  }

  #render(): void {
    const names = [...this.#typists.values()].map((t) => t.name);
    this.element.textContent =
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length <= 3 ? `${names.join(', ')} are typing…` : 'Several people are typing…';
  }
}

/** Turns keystrokes into at most one `typing: true` per {@link RENEW_MS} and a `false` when the user stops. */
export class TypingReporter {
  readonly #send: (active: boolean) => void;
  #lastSentAt = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(send: (active: boolean) => void) {
    this.#send = send;
  }

  /** The composer's text changed; `hasText` is false once it is empty. */
  changed(hasText: boolean): void {
    if (!hasText) return this.stopped();
    const now = Date.now();
    if (now - this.#lastSentAt >= RENEW_MS) {
      this.#lastSentAt = now;
      this.#send(true);
    }
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stopped(), IDLE_MS);
  }

  /** The user sent, cleared the text, left the field or went idle. */
  stopped(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#lastSentAt === 0) return;
    this.#lastSentAt = 0;
    this.#send(false);
  }

  /** Forget the state without telling anyone (sending clears typing on the server). */
  reset(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#lastSentAt = 0;
  }
}
