/**
 * The Metrics port: what the core reports about its own work, for operators (issue: abuse resistance
 * and operations — `/metrics`). The observability layer implements it with Prometheus counters and
 * histograms; the core never knows how. Calls are cheap and never throw; the send and fan-out paths
 * call them once per message or per event, never per socket.
 */
import type { ErrorCode, ResumeOutcome, RoomKind } from '../../protocol/index.ts';

export interface Metrics {
  /** A send was acked in a room of `kind`: a new message (stored, or taken by the relay log), or a retry's `duplicate` ack. */
  acked(kind: RoomKind, duplicate: boolean): void;
  /** This node wrote one message to `deliveries` sockets, `latencyMs` after the message was accepted (on any node). */
  messageDelivered(kind: RoomKind, deliveries: number, latencyMs: number): void;
  /** A join was answered, with how it resumed. */
  joined(outcome: ResumeOutcome): void;
  /** A request or frame was refused with `code` (errors and rejections, HTTP and WebSocket alike). */
  refused(code: ErrorCode): void;
  /** A socket was closed for reading too slowly (4500). */
  slowConsumerClosed(): void;
  /** Messages this node read back from the store or relay log to fill a gap the broker left. */
  repaired(kind: RoomKind, messages: number): void;
}

/** Metrics that go nowhere: the default for tests and tools that build a core without a registry. */
export const NO_METRICS: Metrics = {
  acked: () => undefined,
  messageDelivered: () => undefined,
  joined: () => undefined,
  refused: () => undefined,
  slowConsumerClosed: () => undefined,
  repaired: () => undefined,
};
