/**
 * In-process RelayLog: per relay room an epoch, a seq counter, a ring of the last `bufferSize`
 * events (constant time per append, whatever the buffer size), the authority stamp, and dedupe:
 * the `(senderId, clientId)` accepted within the last `dedupeWindowMs`, by sender then clientId (no
 * key string built per append), with a queue in acceptance order from whose head each append prunes
 * the expired ones (memory: one small entry per event of the window).
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

/** What dedupe remembers of an accepted event; one object serves the map and the acceptance queue. */
interface Accepted {
  readonly senderId: string;
  readonly clientId: string;
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
  /** senderId → clientId → the accepted event (the dedupe window). */
  accepted: Map<string, Map<string, Accepted>>;
  /** Every accepted entry in acceptance order, from `head` on (those before it were pruned). */
  expiries: Accepted[];
  head: number;
  /** Moves on at every `beginChange` and `endChange`; with the epoch, the room's authority stamp. */
  authority: number;
  /** Changes begun and not yet ended: while any is, the room has no stamp. */
  changing: number;
  /** `epoch:authority`, or undefined while a change is under way (kept with the two above). */
  stamp: string | undefined;
}

/** Pruned queue entries kept before the queue is compacted. */
const PRUNED_KEPT = 1024;

/** The event with its seq, without undefined fields (so it equals what the Redis engine reads back). */
export function withSeq(input: NewEvent, seq: number): TimelineEvent {
  let complete = true;
  for (const key in input) if ((input as Record<string, unknown>)[key] === undefined) complete = false;
  if (complete) return { ...input, seq } as TimelineEvent;
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) event[key] = value;
  event['seq'] = seq;
  return event as TimelineEvent;
}

/** Reject a page size that is not an integer ≥ 1 with `VALIDATION_FAILED` (details.field = 'limit'). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new ParleyError('VALIDATION_FAILED', 'limit must be an integer ≥ 1', { details: { field: 'limit' } });
}

/** Move the room's authority on by one, `changing` by `delta` (never below 0), and restamp it. */
function moveAuthority(room: RelayRoom, delta: 1 | -1): void {
  room.authority += 1;
  room.changing = Math.max(0, room.changing + delta);
  room.stamp = room.changing > 0 ? undefined : `${room.epoch}:${room.authority}`;
}

/**
 * Forget the dedupe entries expired at `now`, oldest first. A queue entry whose `(sender,
 * clientId)` was accepted again later (after expiring) is no longer the map's entry and is
 * skipped.
 */
function prune(room: RelayRoom, now: number): void {
  const { expiries } = room;
  while (room.head < expiries.length) {
    const oldest = expiries[room.head] as Accepted;
    if (oldest.expiresAt > now) break;
    room.head += 1;
    const sent = room.accepted.get(oldest.senderId);
    if (sent?.get(oldest.clientId) !== oldest) continue;
    sent.delete(oldest.clientId);
    if (sent.size === 0) room.accepted.delete(oldest.senderId);
  }
  if (room.head > PRUNED_KEPT && room.head * 2 > expiries.length) {
    room.expiries = expiries.slice(room.head);
    room.head = 0;
  }
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
    return this.#append(this.#room(input.roomId), input, now);
  }

  async appendIfAuthority(input: NewEvent, stamp: string): Promise<(AppendResult & { epoch: string }) | undefined> {
    const now = this.now();
    this.#sweep(now);
    const room = this.#room(input.roomId);
    return room.stamp === stamp ? this.#append(room, input, now) : undefined;
  }

  async authority(roomId: string): Promise<string | undefined> {
    return this.#room(roomId).stamp;
  }

  async beginChange(roomId: string): Promise<void> {
    moveAuthority(this.#room(roomId), 1);
  }

  async endChange(roomId: string): Promise<void> {
    moveAuthority(this.#room(roomId), -1);
  }

  #append(room: RelayRoom, input: NewEvent, now: number): AppendResult & { epoch: string } {
    prune(room, now);
    const { senderId, clientId } = input;
    let sent = room.accepted.get(senderId);
    const original = sent?.get(clientId);
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
    if (sent === undefined) room.accepted.set(senderId, (sent = new Map()));
    const accepted: Accepted = { senderId, clientId, id: event.id, seq, createdAt: event.createdAt, expiresAt: now + this.dedupeWindowMs };
    sent.set(clientId, accepted);
    room.expiries.push(accepted);
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
      const epoch = randomUUID();
      room = { epoch, touchedAt: now, lastSeq: 0, ring: [], accepted: new Map(), expiries: [], head: 0, authority: 0, changing: 0, stamp: `${epoch}:0` };
      this.#rooms.set(roomId, room);
    }
    return room;
  }
}
