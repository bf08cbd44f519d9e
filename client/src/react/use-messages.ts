/** `useMessages`: a room's messages in seq order, with paging back through history (issue 12). */
import { useSyncExternalStore } from 'react';
import type { ParleyClient } from '../client.ts';
import { ParleyError, type MessageEvent } from '../../../src/protocol/index.ts';
import { RoomClientStore, storeFor } from './client-store.ts';

/** Options of {@link useMessages}. */
export interface MessagesOptions {
  /** Events per history page (the server caps it at PARLEY_HISTORY_PAGE_MAX). Fixed by the first component to show the room. @default 50 */
  readonly pageSize?: number;
}

/** What {@link useMessages} returns; a new object only when one of its fields changes. */
export interface MessagesView {
  /** The room's messages as they stand now (edited, deleted as tombstones with `deletedAt`, reactions), ascending seq. */
  readonly messages: readonly MessageEvent[];
  /** False once a page said nothing older exists (or the room started over: `restart`). */
  readonly hasOlder: boolean;
  /** True while a page of older history is being read. */
  readonly loadingOlder: boolean;
  /**
   * Read the page of history just before the oldest event shown (the newest page when none is):
   * its messages join `messages`, none twice. Resolves at once when nothing older exists or a page
   * is already being read (with that read). Rejects with the client's ParleyError (NOT_JOINED, TIMEOUT…).
   */
  readonly loadOlder: () => Promise<void>;
  /** Why the newest page, read by itself after a fresh join, could not be read. */
  readonly error?: ParleyError;
}

/**
 * The messages of `roomId`, joined elsewhere with {@link useRoom}. After a fresh join (nothing
 * shown yet) the newest page is read by itself; older pages come with `loadOlder()`.
 */
export function useMessages(client: ParleyClient, roomId: string, options: MessagesOptions = {}): MessagesView {
  const store = storeFor(client, 'messages', roomId, () => new MessagesStore(client, roomId, options.pageSize ?? 50));
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The paging cursor and the sorted messages of one room, derived from the client's room state. */
class MessagesStore extends RoomClientStore<MessagesView> {
  readonly #pageSize: number;
  /** Lowest seq of any history page read (pages hold other events too, so the messages alone cannot tell). */
  #pageOldest: number | undefined;
  #hasOlder = true;
  #loading: Promise<void> | undefined;
  #error: ParleyError | undefined;
  #view: MessagesView;
  /** The room state `#view.messages` was sorted from. */
  #sortedFrom: object | undefined;

  constructor(client: ParleyClient, roomId: string, pageSize: number) {
    super(client, roomId);
    this.#pageSize = pageSize;
    this.#view = { messages: [], hasOlder: true, loadingOlder: false, loadOlder: this.#loadOlder };
  }

  protected override attach(): () => void {
    const mine = (roomId: string) => roomId === this.roomId;
    const offs = [
      this.client.on('roomState', ({ roomId }) => mine(roomId) && this.notify()),
      this.client.on('joined', ({ roomId }) => mine(roomId) && this.#loadFirstPage()),
      this.client.on('resync', ({ roomId, page }) => {
        if (!mine(roomId)) return;
        this.#pageOldest = page.events[0]?.seq;
        this.#hasOlder = page.hasMore;
        this.notify();
      }),
      this.client.on('restart', ({ roomId }) => {
        if (!mine(roomId)) return;
        this.#pageOldest = undefined;
        this.#hasOlder = false;
        this.notify();
      }),
    ];
    if (this.client.joined(this.roomId)) this.#loadFirstPage();
    return () => offs.forEach((off) => off());
  }

  protected override snapshot(): MessagesView {
    const state = this.client.roomState(this.roomId);
    const view = this.#view;
    // Sorted again only when the room's state changed (a new state object), kept when its messages did not.
    let messages = view.messages;
    if (state !== this.#sortedFrom) {
      this.#sortedFrom = state;
      messages = state === undefined ? [] : [...state.messages.values()].sort((a, b) => a.seq - b.seq);
    }
    const sameMessages = messages.length === view.messages.length && messages.every((m, i) => m === view.messages[i]);
    const loadingOlder = this.#loading !== undefined;
    if (sameMessages && view.hasOlder === this.#hasOlder && view.loadingOlder === loadingOlder && view.error === this.#error) return view;
    const next = { messages: sameMessages ? view.messages : messages, hasOlder: this.#hasOlder, loadingOlder, loadOlder: this.#loadOlder };
    this.#view = this.#error === undefined ? next : { ...next, error: this.#error };
    return this.#view;
  }

  /** Nothing shown and no page read yet (a fresh join): read the newest page. */
  #loadFirstPage(): void {
    if (this.#pageOldest !== undefined || (this.client.roomState(this.roomId)?.messages.size ?? 0) > 0) return;
    this.#loadOlder().catch((err: unknown) => {
      this.#error = err instanceof ParleyError ? err : new ParleyError('INTERNAL', undefined, { cause: err });
      this.notify();
    });
  }

  readonly #loadOlder = (): Promise<void> => {
    if (this.#loading !== undefined) return this.#loading;
    if (!this.#hasOlder) return Promise.resolve();
    const before = this.#oldestShown();
    const query = before === undefined ? { limit: this.#pageSize } : { before, limit: this.#pageSize };
    this.#loading = this.client
      .history(this.roomId, query)
      .then((page) => {
        const first = page.events[0]?.seq;
        if (first !== undefined) this.#pageOldest = Math.min(first, this.#pageOldest ?? first);
        this.#hasOlder = page.hasMore && first !== undefined;
        this.#error = undefined;
      })
      .finally(() => {
        this.#loading = undefined;
        this.notify();
      });
    this.notify();
    return this.#loading;
  };

  /** The lowest seq shown or paged so far: the next page ends before it. */
  #oldestShown(): number | undefined {
    let oldest = this.#pageOldest;
    for (const seq of this.client.roomState(this.roomId)?.messages.keys() ?? []) if (oldest === undefined || seq < oldest) oldest = seq;
    return oldest;
  }
}
