/**
 * In-process Broker: `publish` calls the registered handler synchronously for subscribed rooms.
 * The real default for a single node (STYLE C3). Limit: single process only — events never leave
 * it; never interrupted, so the `onInterrupt` handler is never called.
 */
import type { Broker, RoomEvent } from '../../core/ports/broker.ts';

export class MemoryBroker implements Broker {
  readonly #rooms = new Set<string>();
  #handler: ((event: RoomEvent) => void) | undefined;

  async publish(event: RoomEvent): Promise<void> {
    if (this.#handler !== undefined && this.#rooms.has(event.roomId)) this.#handler(event);
  }

  async subscribe(roomId: string): Promise<void> {
    this.#rooms.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
  }

  onEvent(handler: (event: RoomEvent) => void): void {
    this.#handler = handler;
  }

  onInterrupt(): void {}

  async close(): Promise<void> {
    this.#rooms.clear();
    this.#handler = undefined;
  }
}
