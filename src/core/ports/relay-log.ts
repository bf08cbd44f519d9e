/**
 * The RelayLog port: the relay engine of the Timeline port (src/core/ports/timeline.ts). Relay rooms
 * never store their events (DESIGN.md rule 5; Centrifuge keeps such history inside its broker): the
 * RelayLog numbers every timeline event of a relay room — messages, edits, deletes, reactions,
 * membership, moderation, room changes, system notices — and keeps the newest ones in a short,
 * bounded resume buffer. The memory engine serves one process; the Redis engine is shared by every
 * node, so a member resumes on any node.
 *
 * Contract:
 * - `append` assigns the room's next seq (gap-free and strictly increasing within one epoch, across
 *   all nodes; atomic: concurrent appends on different nodes never share a seq) and keeps the event
 *   in a buffer of at most `bufferSize` events per room.
 * - Events are kept exactly as appended, never folded: a relay room replays its raw events, so a
 *   `message` read back is the message as sent, and the `message_edited`, `message_deleted` and
 *   `reaction_*` events after it (when still buffered) must be applied in seq order by the reader.
 *   This differs from the store, whose `message` events read back as they stand now.
 * - Dedupe: an append whose `(roomId, senderId, clientId)` was accepted within the last
 *   `dedupeWindowMs` (PARLEY_RELAY_DEDUPE_WINDOW_MS, measured from the original's acceptance, on
 *   the engine's clock) stores nothing and answers `duplicate: true` with the original's `id`,
 *   `seq` and `createdAt`: the original event itself while it is still buffered, else the resent
 *   event with the original's `id`, `seq` and `createdAt` put back (the other fields are the
 *   resend's, which a faithful retry repeats). The window does not depend on the buffer size. Any
 *   event type shares one clientId space per sender and room. After the window the same clientId
 *   is a new event with a new seq.
 * - Dedupe holds within an epoch only: when a room's relay state is gone (`drop`, the TTL below,
 *   a Redis restart or flush) its epoch changes, numbering restarts at seq 1 and a retry of an
 *   event of the old epoch is a new event of the new epoch. Clients see the epoch change and resync.
 * - `since(roomId, after, limit)` answers the first `limit` buffered events with seq > after in
 *   order, with the position at the time of the read, and `missing` when seqs after `after` have
 *   already left the buffer (the caller must tell the client, never skip silently).
 * - `page(roomId, query)` is relay history: only what the buffer still holds, in ascending order,
 *   paged like the store (`after`: the first `limit` after it; `before`: the last `limit` before
 *   it; neither: the newest `limit`). `hasMore` says whether the buffer holds more beyond the page
 *   in the direction of travel; events that left the buffer are not counted.
 * - `position` reads the epoch and newest seq (0 before the first append); a room with no state yet
 *   gets its epoch there, so every node reports the same one.
 * - `drop` forgets the room (buffer and dedupe): the next append starts a new epoch at seq 1. A room
 *   without appends for the engine's TTL is forgotten the same way (relay state is ephemeral).
 * - Authority stamps let a node authorize a relay room's senders without reading the store for
 *   every message (issue 11: relay rooms as fast as before the timeline; DESIGN.md rule 12). Every
 *   durable change of a relay room (membership, roles, mutes, bans, closing) is bracketed by
 *   `beginChange` and `endChange`; each of the two moves the room's stamp on, and between them the
 *   room has no stamp (`authority` answers undefined). `appendIfAuthority(event, stamp)` appends
 *   exactly as `append` does, atomically with checking that `stamp` is still the room's stamp, and
 *   otherwise stores nothing and answers undefined. So a sender authorized from the store under a
 *   stamp read before that read stays authorized only until a change begins; a change whose
 *   `endChange` never comes (a crashed node) leaves the room without a stamp until its relay state
 *   is forgotten, which costs store reads, never a stale authorization. A stamp names its epoch:
 *   forgetting the room's state invalidates every stamp given before.
 * - `since` and `page` reject with `VALIDATION_FAILED` (details.field = 'limit') unless `limit` is
 *   an integer ≥ 1. Every method rejects with `BROKER_UNAVAILABLE` when the engine cannot be reached.
 */
import type { AppendResult, NewEvent } from './store.ts';
import type { TimelinePosition, TimelineSource } from './timeline.ts';

/** Seq position of a relay room: `lastSeq` within `epoch`. */
export type RelayPosition = TimelinePosition;

/** Sizes and times of a RelayLog engine (from src/config.ts). */
export interface RelayLogOptions {
  /** Events kept per room for resume and history (PARLEY_RELAY_BUFFER_SIZE), ≥ 1. */
  readonly bufferSize: number;
  /** A room without appends for this long is forgotten, ms (PARLEY_RELAY_TTL_MS). */
  readonly ttlMs: number;
  /** How long a `(senderId, clientId)` is recognised as a duplicate after it was accepted, ms (PARLEY_RELAY_DEDUPE_WINDOW_MS). */
  readonly dedupeWindowMs: number;
}

/** The relay rooms' timeline (see the contract above). */
export interface RelayLog extends TimelineSource {
  /**
   * Append any timeline event with the room's next seq; a duplicate (see the contract) stores nothing.
   * @returns the event as appended (or the original, for a duplicate) and the room's epoch.
   * @throws ParleyError `BROKER_UNAVAILABLE`.
   */
  append(event: NewEvent): Promise<AppendResult & { epoch: string }>;
  /**
   * Append like {@link append} if `stamp` is still the room's authority stamp; otherwise store
   * nothing and resolve undefined (see the contract). @throws ParleyError `BROKER_UNAVAILABLE`.
   */
  appendIfAuthority(event: NewEvent, stamp: string): Promise<(AppendResult & { epoch: string }) | undefined>;
  /** The room's authority stamp, or undefined while a change is under way (see the contract). @throws ParleyError `BROKER_UNAVAILABLE`. */
  authority(roomId: string): Promise<string | undefined>;
  /** A durable change of the room begins: its stamp moves on and is withheld until the change ends. @throws ParleyError `BROKER_UNAVAILABLE`. */
  beginChange(roomId: string): Promise<void>;
  /** The change begun last ends (committed or not): the stamp moves on again. @throws ParleyError `BROKER_UNAVAILABLE`. */
  endChange(roomId: string): Promise<void>;
  /** Forget the room's relay state; the next append starts a new epoch. @throws ParleyError `BROKER_UNAVAILABLE`. */
  drop(roomId: string): Promise<void>;
}
