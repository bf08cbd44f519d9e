/**
 * One room's timeline as this node delivers it: in seq order, each seq once, with no silent
 * gap, whatever the Broker does (DESIGN.md rule 3: pub/sub is a hint, not the truth).
 *
 * The feed knows the newest seq it delivered (`lastSeq`). A timeline event (every type):
 * - at or below `lastSeq` is a repeat and is dropped;
 * - right after it is delivered, then any held successors that now follow on;
 * - further ahead is held, and a repair is scheduled: if the missing events have not arrived within
 *   {@link REORDER_GRACE_MS} (publishers on different nodes race), the feed reads them from the
 *   room's timeline (the Timeline port: the Store for persistent rooms, the RelayLog for relay
 *   rooms) and delivers them in order. What a relay room's buffer no longer holds is announced as a gap, never skipped.
 * Repairs are also started by the Fanout's position checks (`repairTo`): an event committed
 * but never published, or lost with every later one, is found there.
 *
 * A room whose epoch changes (it was emptied everywhere and started over) is reset to the new
 * epoch; subscriptions are told with a `resync` push.
 */
import type { TimelineEvent } from '../protocol/index.ts';
import type { TimelinePosition, TimelineSource } from './ports/timeline.ts';
import { encodeEvent, type Encoded } from './timeline/frames.ts';

/** How long a feed waits for an out-of-order event's predecessors before reading them from the source (ms). */
const REORDER_GRACE_MS = 50;

/** How long a failed repair waits before trying again (ms). */
const RETRY_MS = 1000;

/** Most events read from the source per repair round. */
const REPAIR_PAGE = 500;

/** Most events held while waiting for a gap to close; beyond it they are dropped and read back from the source. */
const MAX_HELD = 10_000;

/** What a feed hands to its room's subscriptions, in order: events, ephemeral frames (no seq), gap and resync notices. */
export type Delivery = Encoded | { readonly ephemeral: Buffer } | { readonly gap: { readonly from: number; readonly to: number } } | { readonly resync: string };

/** What a feed needs from the Fanout: the room's timeline and where its deliveries go. */
export interface FeedContext {
  /** The room's timeline engine. */
  readonly source: TimelineSource;
  /** Hand one delivery to every subscription of the room. */
  readonly deliver: (roomId: string, delivery: Delivery) => void;
  /** Report a repair that failed (it is retried). */
  readonly onError: (err: unknown, context: string) => void;
  /** Report events read back from the source to fill a gap. */
  readonly onRepaired: (kind: 'persistent' | 'relay', events: number) => void;
}

export class RoomFeed {
  /** Seq of the newest message delivered; undefined until the feed knows the room's position. */
  #lastSeq: number | undefined;
  /** The epoch `lastSeq` belongs to (undefined until known). */
  #epoch: string | undefined;
  /** Events ahead of `lastSeq + 1`, by seq. */
  readonly #held = new Map<number, Encoded>();
  /** The newest seq known to exist (from a held event or a position check), to repair up to. */
  #target = 0;
  #repairTimer: NodeJS.Timeout | undefined;
  #repairing = false;
  #closed = false;

  constructor(
    readonly roomId: string,
    readonly kind: 'persistent' | 'relay',
    private readonly context: FeedContext,
  ) {}

  /** Newest seq delivered, or undefined before {@link start}. */
  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }

  /**
   * The feed's position: the newest seq delivered and its epoch, or undefined while either is
   * unknown. Every event after it that was or will be committed reaches the feed's subscriptions,
   * by the broker or by a repair.
   */
  get position(): TimelinePosition | undefined {
    return this.#lastSeq === undefined || this.#epoch === undefined ? undefined : { epoch: this.#epoch, lastSeq: this.#lastSeq };
  }

  /**
   * Set the starting position (read once the node's broker subscription is active): events at or
   * below it were committed before and are the business of each subscription's resume.
   */
  start(lastSeq: number, epoch: string | undefined): void {
    this.#jumpTo(lastSeq);
    this.#epoch = epoch;
    this.#advance();
  }

  /** Take one timeline event from the broker. */
  receive(seq: number, epoch: string | undefined, encoded: Encoded): void {
    if (this.#closed) return;
    if (epoch !== undefined && this.#epoch !== undefined && epoch !== this.#epoch) this.#reset(epoch);
    if (this.#lastSeq !== undefined && seq <= this.#lastSeq) return;
    if (this.#held.size >= MAX_HELD) this.#held.clear();
    this.#held.set(seq, encoded);
    this.#target = Math.max(this.#target, seq - 1);
    if (this.#lastSeq !== undefined) this.#advance();
  }

  /**
   * The room's position as a check read it: repair up to `lastSeq` now, or, for a room whose epoch
   * changed, start over in the new epoch.
   */
  repairTo(lastSeq: number, epoch: string | undefined): void {
    if (this.#closed || this.#lastSeq === undefined) return;
    if (epoch !== undefined && this.#epoch !== undefined && epoch !== this.#epoch) this.#reset(epoch);
    if (lastSeq <= this.#lastSeq) return;
    this.#target = Math.max(this.#target, lastSeq);
    void this.#repair();
  }

  /** Stop: no more deliveries or repairs. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#repairTimer);
    this.#held.clear();
  }

  /** Deliver held events that follow on; schedule a repair if a gap remains before a held one. */
  #advance(): void {
    if (this.#lastSeq === undefined) return;
    let next = this.#held.get(this.#lastSeq + 1);
    while (next !== undefined) {
      this.#held.delete(this.#lastSeq + 1);
      this.#lastSeq += 1;
      this.context.deliver(this.roomId, next);
      next = this.#held.get(this.#lastSeq + 1);
    }
    if (this.#held.size > 0 && this.#repairTimer === undefined && !this.#repairing) this.#scheduleRepair(REORDER_GRACE_MS);
  }

  /** Set `lastSeq` past events not delivered one by one (the start, a gap), dropping the held ones it passed. */
  #jumpTo(lastSeq: number): void {
    this.#lastSeq = lastSeq;
    for (const seq of this.#held.keys()) if (seq <= lastSeq) this.#held.delete(seq);
  }

  /** Run a repair in `ms` milliseconds. */
  #scheduleRepair(ms: number): void {
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = undefined;
      void this.#repair();
    }, ms);
    this.#repairTimer.unref();
  }

  /** Read what is missing up to `#target` from the source of truth and deliver it in order. */
  async #repair(): Promise<void> {
    if (this.#repairing || this.#closed) return;
    this.#repairing = true;
    clearTimeout(this.#repairTimer);
    this.#repairTimer = undefined;
    try {
      while (!this.#closed && this.#lastSeq !== undefined && this.#lastSeq < this.#target) {
        const from = this.#lastSeq;
        const fetched = await this.#read(from);
        if (this.#lastSeq !== from) continue; // delivered meanwhile: read again from the new position
        if (fetched.missing !== undefined && fetched.missing.to > from) {
          const gap = { from: Math.max(fetched.missing.from, from + 1), to: fetched.missing.to };
          this.#jumpTo(gap.to);
          this.context.deliver(this.roomId, { gap });
        }
        let repaired = 0;
        for (const event of fetched.events) {
          if (event.seq !== (this.#lastSeq as number) + 1) continue;
          this.#lastSeq = event.seq;
          if (!this.#held.delete(event.seq)) repaired += 1;
          this.context.deliver(this.roomId, encodeEvent(event));
        }
        if (repaired > 0) this.context.onRepaired(this.kind, repaired);
        this.#advance();
        if (this.#lastSeq === from) break; // the source has nothing newer yet; a later event or check resumes
      }
    } catch (err) {
      this.context.onError(err, `repairing room ${this.roomId}`);
      this.#scheduleRepair(RETRY_MS);
    } finally {
      this.#repairing = false;
    }
  }

  async #read(after: number): Promise<{ events: TimelineEvent[]; missing?: { from: number; to: number } | undefined }> {
    const found = await this.context.source.since(this.roomId, after, REPAIR_PAGE);
    if (this.#epoch !== undefined && found.epoch !== this.#epoch) {
      this.#reset(found.epoch);
      return { events: [] };
    }
    this.#epoch = found.epoch;
    return found;
  }

  /** The room started over in a new epoch (a relay room emptied everywhere): forget the old one and tell the subscriptions. */
  #reset(epoch: string): void {
    this.#epoch = epoch;
    this.#lastSeq = 0;
    this.#target = 0;
    this.#held.clear();
    this.context.deliver(this.roomId, { resync: epoch });
  }
}
