/**
 * In-process RelayLog: per relay room an epoch, a seq counter, a ring of the last `bufferSize`
 * events (constant time per append, whatever the buffer size) and a dedupe map of the
 * `(senderId, clientId)` accepted within the last `dedupeWindowMs`, in acceptance order, so that each
 * append prunes the expired ones from its head (memory: one small entry per event of the window).
 * A room untouched for `ttlMs` is forgotten when next used, and by a sweep of all rooms at most once
 * per `ttlMs` as appends go by. Limit: single process only; state is lost on restart (clients then
 * see a new epoch and resync, as the contract allows).
 */
import { randomUUID } from 'node:crypto';
import { ParleyError } from '../../protocol/errors.ts';
import type { TimelineEvent } from '../../protocol/index.ts';
import type { RelayLog, RelayLogOptions, RelayPosition } from '../../core/ports/relay-log.ts';
import type { AppendResult, NewEvent } from '../../core/ports/store.ts';
import type { PageQuery, TimelinePage, TimelineRead } from '../../core/ports/timeline.ts';

/** What dedupe remembers of an accepted event. */
interface Accepted {
  readonly id: string;
  readonly seq: number;
  readonly createdAt: number;
  /** Unix ms (engine clock) from which the `(senderId, clientId)` is new again. */
  readonly expiresAt: number;
}

interface RelayRoom {
  epoch: string;
  /** Unix ms of the last append (or of creation). */
  touchedAt: number;
  lastSeq: number;
  /**
   * Ring of the newest `bufferSize` events (all of them while fewer were appended): event `seq` sits
   * at `(seq - 1) % bufferSize`; allocated on first use.
   */
  ring: Array<TimelineEvent | undefined>;
  /** `JSON [senderId, clientId]` → the accepted event, oldest first (the dedupe window). */
  accepted: Map<string, Accepted>;
}

/** The event with its seq, without undefined fields (so it equals what the Redis engine reads back). */
export function withSeq(input: NewEvent, seq: number): TimelineEvent {
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) event[key] = value;
  event['seq'] = seq;
  return event as TimelineEvent;
}

/** Reject a page size that is not an integer ≥ 1 with `VALIDATION_FAILED` (details.field = 'limit'). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new ParleyError('VALIDATION_FAILED', 'limit must be an integer ≥ 1', { details: { field: 'limit' } });
}

export class MemoryRelayLog implements RelayLog {
  readonly #rooms = new Map<string, RelayRoom>();
  readonly bufferSize: number;
  readonly ttlMs: number;
  readonly dedupeWindowMs: number;
  /** Unix ms of the next sweep of forgotten rooms. */
  #sweepAt: number;

  /**
   * @param options buffer size, room TTL and dedupe window (see {@link RelayLogOptions}).
   * @param now clock in Unix ms (injectable for tests).
   */
  constructor(
    options: RelayLogOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.bufferSize = options.bufferSize;
    this.ttlMs = options.ttlMs;
    this.dedupeWindowMs = options.dedupeWindowMs;
    this.#sweepAt = now() + options.ttlMs;
  }

  async append(input: NewEvent): Promise<AppendResult & { epoch: string }> {
    const now = this.now();
    this.#sweep(now);
    const room = this.#room(input.roomId);
    for (const [key, entry] of room.accepted) {
      if (entry.expiresAt > now) break;
      room.accepted.delete(key);
    }
    const key = JSON.stringify([input.senderId, input.clientId]);
    const original = room.accepted.get(key);
    if (original !== undefined && original.expiresAt > now) {
      const buffered = original.seq > room.lastSeq - this.bufferSize ? room.ring[(original.seq - 1) % this.bufferSize] : undefined;
      const event = buffered ?? { ...withSeq(input, original.seq), id: original.id, createdAt: original.createdAt };
      return { event, duplicate: true, epoch: room.epoch };
    }
    const seq = room.lastSeq + 1;
    const event = withSeq(input, seq);
    room.lastSeq = seq;
    room.touchedAt = now;
    room.ring[(seq - 1) % this.bufferSize] = event;
    room.accepted.delete(key); // an expired entry not yet pruned: re-insert at the tail
    room.accepted.set(key, { id: event.id, seq, createdAt: event.createdAt, expiresAt: now + this.dedupeWindowMs });
    return { event, duplicate: false, epoch: room.epoch };
  }

  async position(roomId: string): Promise<RelayPosition> {
    const room = this.#room(roomId);
    return { epoch: room.epoch, lastSeq: room.lastSeq };
  }

  async since(roomId: string, after: number, limit: number): Promise<TimelineRead> {
    checkLimit(limit);
    const room = this.#room(roomId);
    const oldest = this.#oldest(room);
    const events = this.#range(room, Math.max(after + 1, oldest), Math.min(room.lastSeq, Math.max(after + 1, oldest) + limit - 1));
    const read = { epoch: room.epoch, lastSeq: room.lastSeq, events };
    return after + 1 < oldest ? { ...read, missing: { from: after + 1, to: oldest - 1 } } : read;
  }

  async page(roomId: string, query: PageQuery): Promise<TimelinePage> {
    checkLimit(query.limit);
    const room = this.#rooms.get(roomId);
    if (room === undefined || this.now() - room.touchedAt >= this.ttlMs) return { events: [], hasMore: false };
    let low = this.#oldest(room);
    let high = room.lastSeq;
    if (query.after !== undefined) low = Math.max(low, query.after + 1);
    if (query.before !== undefined) high = Math.min(high, query.before - 1);
    if (low > high) return { events: [], hasMore: false };
    if (query.after !== undefined) {
      const to = Math.min(high, low + query.limit - 1);
      return { events: this.#range(room, low, to), hasMore: to < high };
    }
    const from = Math.max(low, high - query.limit + 1);
    return { events: this.#range(room, from, high), hasMore: from > low };
  }

  async drop(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
  }

  /** The oldest seq still buffered (lastSeq + 1 when the room is empty). */
  #oldest(room: RelayRoom): number {
    return Math.max(1, room.lastSeq - this.bufferSize + 1);
  }

  /** Buffered events `from`..`to` inclusive (both within the buffer), ascending. */
  #range(room: RelayRoom, from: number, to: number): TimelineEvent[] {
    const events: TimelineEvent[] = [];
    for (let seq = from; seq <= to; seq++) events.push(room.ring[(seq - 1) % this.bufferSize] as TimelineEvent);
    return events;
  }

  /** Forget every room untouched for `ttlMs`, at most once per `ttlMs`. */
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + this.ttlMs;
    for (const [roomId, room] of this.#rooms) if (now - room.touchedAt >= this.ttlMs) this.#rooms.delete(roomId);
  }

  #room(roomId: string): RelayRoom {
    let room = this.#rooms.get(roomId);
    const now = this.now();
    if (room === undefined || now - room.touchedAt >= this.ttlMs) {
      room = { epoch: randomUUID(), touchedAt: now, lastSeq: 0, ring: [], accepted: new Map() };
      this.#rooms.set(roomId, room);
    }
    return room;
  }
}
