/**
 * The Broker port: room events to every node that serves the room (DESIGN.md, Ports; Centrifuge
 * `Broker`, socket.io `Adapter`). The memory engine calls the handler synchronously; the Redis engine
 * (scale-out) delivers through a dedicated subscriber connection. The core never branches on which
 * it has.
 *
 * Contract:
 * - `publish` delivers the event to the `onEvent` handler of every node subscribed to the room
 *   (this one included), at most once per node, byte for byte; a node not subscribed to the room
 *   receives nothing of it. Events of one room published by one node arrive in publish order.
 * - Delivery is a hint, never the truth (DESIGN.md rule 3): an event may be lost (Redis restarts, a
 *   subscriber lags) and events of different publishers may arrive in any order. Consumers detect
 *   seq gaps and repair them from the Store (persistent rooms) or the RelayLog (relay rooms).
 * - `publish` rejects with `BROKER_UNAVAILABLE` when the broker cannot be reached; nothing was sent.
 * - `subscribe` resolves once events published from then on reach this node; it and `unsubscribe`
 *   are reference-free: the core calls them once per room per node.
 * - The `onInterrupt` handler is called after this node's delivery was interrupted and has resumed
 *   (the subscriber connection was lost and is back, its rooms subscribed again): events published
 *   meanwhile may be lost, so consumers check every room they serve. The memory engine is never
 *   interrupted.
 */

import type { TimelineEventType } from '../../protocol/index.ts';

/** One room event, encoded once by the publisher and forwarded byte-for-byte to every socket. */
export interface RoomEvent {
  readonly roomId: string;
  /** The seq of a timeline event; absent for ephemeral events (typing, presence, read). */
  readonly seq?: number;
  /** The timeline event's type (present with `seq`), so a receiver decodes only the events it must act on. */
  readonly kind?: TimelineEventType;
  /** Relay rooms: the epoch `seq` belongs to (it restarts at 1 in a new epoch). */
  readonly epoch?: string;
  /** Timeline events: when the event was accepted (Unix ms), for the delivery latency metric. */
  readonly createdAt?: number;
  /** The complete server frame as JSON text. */
  readonly frame: string;
}

export interface Broker {
  publish(event: RoomEvent): Promise<void>;
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  /** Register the one handler for incoming events (call once, before subscribing). */
  onEvent(handler: (event: RoomEvent) => void): void;
  /** Register the one handler for "delivery was interrupted and has resumed" (see the contract). */
  onInterrupt(handler: () => void): void;
  close(): Promise<void>;
}
