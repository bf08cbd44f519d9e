/**
 * The Broker port: room events to every node that serves the room (DESIGN.md, Ports; Centrifuge
 * `Broker`, socket.io `Adapter`). The memory engine calls the handler synchronously; the Redis engine
 * (scale-out) delivers through a subscriber connection. The core never branches on which it has.
 *
 * Contract:
 * - `publish` delivers the event to the `onEvent` handler of every node subscribed to the room
 *   (including this one), at most once per node; events of one room published by one node arrive in
 *   publish order. Delivery is a hint: consumers detect seq gaps and repair from the Store.
 * - `subscribe`/`unsubscribe` are reference-free: the core calls them once per room per node.
 */

/** One room event, encoded once by the publisher and forwarded byte-for-byte to every socket. */
export interface RoomEvent {
  readonly roomId: string;
  /** The message seq for `message` events; absent for ephemeral events (typing, presence, read). */
  readonly seq?: number;
  /** The complete server frame as JSON text. */
  readonly frame: string;
}

export interface Broker {
  publish(event: RoomEvent): Promise<void>;
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  /** Register the one handler for incoming events (call once, before subscribing). */
  onEvent(handler: (event: RoomEvent) => void): void;
  close(): Promise<void>;
}
