/**
 * The Timeline port (issue 11; DESIGN.md, Timeline): a room's one ordered, gap-free stream of typed
 * events. Two engines, chosen once per room when it is served: the Store's (persistent rooms:
 * `Store.timeline`, durable) and the relay buffer's (relay rooms: `RelayLog`, short and ephemeral).
 * The core reads positions and events through this one shape and never branches on room kind.
 *
 * Contract shared by both engines:
 * - Seqs are per room, gap-free and strictly increasing (within one `epoch`); every event a reader
 *   gets has the seq it was appended with.
 * - `since(roomId, after, limit)` answers up to `limit` events with seq > after, ascending, and the
 *   position at the time of the read; `missing` names seqs after `after` the engine no longer holds
 *   (relay buffers only: the caller tells the client, never skips silently).
 * - A `message` event read back is the message as it stands now (latest body and `editedAt`,
 *   tombstone, reactions); see src/protocol/timeline.ts.
 * - Every method rejects with `STORE_UNAVAILABLE` (store) or `BROKER_UNAVAILABLE` (relay) when its
 *   engine cannot be reached.
 */
import type { TimelineEvent } from '../../protocol/index.ts';

/** A room's position: the newest seq (0 before the first event) within `epoch`. */
export interface TimelinePosition {
  readonly epoch: string;
  readonly lastSeq: number;
}

/** What {@link TimelineSource.since} answers. */
export interface TimelineRead extends TimelinePosition {
  readonly events: TimelineEvent[];
  /** Seqs `from`..`to` (inclusive) that are gone from the engine (relay buffers only). */
  readonly missing?: { readonly from: number; readonly to: number } | undefined;
}

/** A history request: with `after`, the first `limit` events after it; with `before`, the last `limit` before it; with neither, the newest `limit`. */
export interface PageQuery {
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly limit: number;
}

/** A page of events in ascending seq order; `hasMore` says whether more exist beyond it in the direction of travel. */
export interface TimelinePage {
  readonly events: TimelineEvent[];
  readonly hasMore: boolean;
}

/** Reading a room's timeline: what resume, history, the feed's gap repair and the position check need. */
export interface TimelineSource {
  /** The room's epoch and newest seq. */
  position(roomId: string): Promise<TimelinePosition>;
  /** Up to `limit` events after `after` (see the contract). `limit < 1` rejects with `VALIDATION_FAILED`. */
  since(roomId: string, after: number, limit: number): Promise<TimelineRead>;
  /** A history page (see {@link PageQuery}). `limit < 1` rejects with `VALIDATION_FAILED`. */
  page(roomId: string, query: PageQuery): Promise<TimelinePage>;
}
