/**
 * The frames a room's timeline is delivered in, each built once per event (DESIGN.md, fast path:
 * serialise once, hand the same bytes to every socket).
 */
import type { EventPush, GapPush, TimelineEvent, TimelineEventType } from '../../protocol/index.ts';

/** A timeline event as delivered to sockets: its seq and type, and the `event` push's UTF-8 bytes, encoded once per node. */
export interface Encoded {
  readonly seq: number;
  readonly kind: TimelineEventType;
  readonly bytes: Buffer;
  /** When the event was accepted (Unix ms), for the delivery latency metric. */
  readonly createdAt: number;
  /** The event itself when this node has it as a value (read from a source); else decoded on demand. */
  readonly event?: TimelineEvent | undefined;
}

/** The `event` push of one event. */
export function eventFrame(event: TimelineEvent): string {
  const push: EventPush = { type: 'event', event };
  return JSON.stringify(push);
}

/** An event read from a source, encoded for delivery. */
export function encodeEvent(event: TimelineEvent): Encoded {
  return { seq: event.seq, kind: event.type, bytes: Buffer.from(eventFrame(event)), createdAt: event.createdAt, event };
}

/** The event an {@link Encoded} carries, decoding its frame only when the value did not come along. */
export function decodeEvent(encoded: Encoded): TimelineEvent {
  return encoded.event ?? (JSON.parse(encoded.bytes.toString('utf8')) as EventPush).event;
}

/** The `gap` push for one subscription: seqs `from`..`to` are gone and will not be delivered. */
export function gapFrame(roomId: string, from: number, to: number): string {
  const push: GapPush = { type: 'gap', roomId, from, to };
  return JSON.stringify(push);
}
