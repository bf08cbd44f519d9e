/**
 * The relay rooms' senders this node authorized from the store, each with the room's authority
 * stamp read before that store read (src/core/ports/relay-log.ts, authority stamps). A sender's
 * next message is appended on condition that the stamp is still the room's, so it needs no store
 * read until a change of the room begins (issue 11; DESIGN.md rule 12).
 *
 * Bounded: past `maxEntries` senders the whole map is forgotten at once (each forgotten sender
 * pays one store read on its next message), which keeps the bookkeeping to two map operations.
 */
export class SenderStamps {
  /** roomId → senderId → stamp. */
  readonly #rooms = new Map<string, Map<string, string>>();
  #size = 0;

  /** @param maxEntries most senders remembered across all rooms (≥ 1). */
  constructor(private readonly maxEntries: number) {}

  /** The stamp `senderId` was authorized under in `roomId`, if remembered. */
  get(roomId: string, senderId: string): string | undefined {
    return this.#rooms.get(roomId)?.get(senderId);
  }

  /** Remember that `senderId` was authorized in `roomId` under `stamp`. */
  set(roomId: string, senderId: string, stamp: string): void {
    let senders = this.#rooms.get(roomId);
    if (senders === undefined) this.#rooms.set(roomId, (senders = new Map()));
    if (!senders.has(senderId)) {
      if (this.#size >= this.maxEntries) {
        this.#rooms.clear();
        this.#size = 0;
        this.#rooms.set(roomId, (senders = new Map()));
      }
      this.#size += 1;
    }
    senders.set(senderId, stamp);
  }

  /** Forget `senderId`'s stamp in `roomId` (it is no longer the room's). */
  delete(roomId: string, senderId: string): void {
    const senders = this.#rooms.get(roomId);
    if (senders === undefined || !senders.delete(senderId)) return;
    this.#size -= 1;
    if (senders.size === 0) this.#rooms.delete(roomId);
  }
}
