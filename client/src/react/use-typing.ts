/** `useTyping`: who is typing in a room now (issue 12). */
import { useSyncExternalStore } from 'react';
import type { ParleyClient } from '../client.ts';
import type { TypingPush } from '../../../src/protocol/index.ts';
import { RoomClientStore, storeFor } from './client-store.ts';

/**
 * The names of the other members typing in `roomId` (joined elsewhere with {@link useRoom}), in the
 * order they started. A name drops out when its member stops, when the push's `ttlMs` passes without
 * a renewal, or when the connection drops. The same array until it changes.
 */
export function useTyping(client: ParleyClient, roomId: string): readonly string[] {
  const store = storeFor(client, 'typing', roomId, () => new TypingStore(client, roomId));
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Typing members with their expiry (Unix ms), kept only while a component is subscribed; one timer for the nearest expiry. */
class TypingStore extends RoomClientStore<readonly string[]> {
  readonly #typing = new Map<string, { name: string; untilMs: number }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #names: readonly string[] = [];

  protected override attach(): () => void {
    const offs = [
      this.client.on('typing', (push) => push.roomId === this.roomId && this.#onTyping(push)),
      this.client.on('state', ({ state }) => state !== 'open' && this.#update(() => this.#typing.clear())),
    ];
    return () => {
      offs.forEach((off) => off());
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#typing.clear();
      this.#names = [];
    };
  }

  protected override snapshot(): readonly string[] {
    return this.#names;
  }

  #onTyping(push: TypingPush): void {
    if (push.userId === this.client.user?.id) return;
    this.#update(() => {
      // A renewal keeps its place in the order; a member who stopped and starts again goes last.
      const known = this.#typing.get(push.userId);
      if (!push.active) return void this.#typing.delete(push.userId);
      if (known === undefined) this.#typing.set(push.userId, { name: push.name, untilMs: Date.now() + push.ttlMs });
      else known.untilMs = Date.now() + push.ttlMs;
    });
  }

  /** Apply `change`, drop expired entries, re-arm the timer for the next expiry, and notify if the names changed. */
  #update(change: () => void): void {
    change();
    const now = Date.now();
    for (const [userId, { untilMs }] of this.#typing) if (untilMs <= now) this.#typing.delete(userId);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#typing.size > 0) {
      const next = Math.min(...[...this.#typing.values()].map((t) => t.untilMs));
      this.#timer = setTimeout(() => this.#update(() => undefined), next - now);
    }
    const names = [...this.#typing.values()].map((t) => t.name);
    if (names.length !== this.#names.length || names.some((name, i) => name !== this.#names[i])) {
      this.#names = names;
      this.notify();
    }
  }
}
