/**
 * One room's message stream as this node delivers it: in seq order, each seq once, with no silent
 * gap, whatever the Broker does (DESIGN.md rule 3: pub/sub is a hint, not the truth).
 *
 * The feed knows the newest seq it delivered (`lastSeq`). A message event:
 * - at or below `lastSeq` is a repeat and is dropped;
 * - right after it is delivered, then any held successors that now follow on;
 * - further ahead is held, and a repair is scheduled: if the missing events have not arrived within
 *   {@link REORDER_GRACE_MS} (publishers on different nodes race), the feed reads them from the
 *   source of truth — the Store for persistent rooms, the RelayLog for relay rooms — and delivers
 *   them in order. What a relay room's buffer no longer holds is announced as a gap, never skipped.
 * Repairs are also started by the Fanout's position checks (`repairTo`): a message committed
 * but never published, or lost with every later one, is found there.
 *
 * A relay room whose epoch changes (it was emptied everywhere and started over) is reset to the new
 * epoch; subscriptions are told with a `resync` push.
 */
import type { GapPush, Message, MessagePush } from '../protocol/index.ts';
import type { Store } from './ports/store.ts';
import type { RelayLog } from './ports/relay-log.ts';

/** How long a feed waits for an out-of-order event's predecessors before reading them from the source (ms). */
const REORDER_GRACE_MS = 50;

/** How long a failed repair waits before trying again (ms). */
const RETRY_MS = 1000;

/** Most messages read from the source per repair round. */
const REPAIR_PAGE = 500;

/** Most events held while waiting for a gap to close; beyond it they are dropped and read back from the source. */
const MAX_HELD = 10_000;

/** A room event as delivered to sockets: its seq (messages only) and the frame's UTF-8 bytes, encoded once per node. */
export interface Encoded {
  readonly seq: number | undefined;
  readonly bytes: Buffer;
  /** Messages: when the message was accepted (Unix ms). */
  readonly createdAt?: number | undefined;
}

/** What a feed hands to its room's subscriptions, in order. */
export type Delivery = Encoded | { readonly gap: { readonly from: number; readonly to: number } } | { readonly resync: string };

/** What a feed needs from the Fanout: the sources of truth and where its deliveries go. */
export interface FeedContext {
  readonly store: Store;
  readonly relayLog: RelayLog;
  /** Hand one delivery to every subscription of the room. */
  readonly deliver: (roomId: string, delivery: Delivery) => void;
  /** Report a repair that failed (it is retried). */
  readonly onError: (err: unknown, context: string) => void;
  /** Report messages read back from the source to fill a gap. */
  readonly onRepaired: (kind: 'persistent' | 'relay', messages: number) => void;
}

export class RoomFeed {
  /** Seq of the newest message delivered; undefined until the feed knows the room's position. */
  #lastSeq: number | undefined;
  /** Relay rooms: the epoch `lastSeq` belongs to. */
  #epoch: string | undefined;
  /** Message events ahead of `lastSeq + 1`, by seq. */
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
   * Set the starting position (read once the node's broker subscription is active): events at or
   * below it were committed before and are the business of each subscription's resume.
   */
  start(lastSeq: number, epoch: string | undefined): void {
    this.#jumpTo(lastSeq);
    this.#epoch = epoch;
    this.#advance();
  }

  /** Take one message event from the broker. */
  receive(seq: number, epoch: string | undefined, encoded: Encoded): void {
    if (this.#closed) return;
    if (this.kind === 'relay' && epoch !== undefined && this.#epoch !== undefined && epoch !== this.#epoch) this.#reset(epoch);
    if (this.#lastSeq !== undefined && seq <= this.#lastSeq) return;
    if (this.#held.size >= MAX_HELD) this.#held.clear();
    this.#held.set(seq, encoded);
    this.#target = Math.max(this.#target, seq - 1);
    if (this.#lastSeq !== undefined) this.#advance();
  }

  /**
   * The room's position as a check read it: repair up to `lastSeq` now, or, for a relay room whose
   * epoch changed, start over in the new epoch.
   */
  repairTo(lastSeq: number, epoch: string | undefined): void {
    if (this.#closed || this.#lastSeq === undefined) return;
    if (this.kind === 'relay' && epoch !== undefined && epoch !== this.#epoch) this.#reset(epoch);
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
        for (const message of fetched.messages) {
          if (message.seq !== (this.#lastSeq as number) + 1) continue;
          this.#lastSeq = message.seq;
          this.#held.delete(message.seq);
          this.context.deliver(this.roomId, encodeMessage(message));
          repaired += 1;
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

  async #read(after: number): Promise<{ messages: Message[]; missing?: { from: number; to: number } | undefined }> {
    if (this.kind === 'persistent') return this.context.store.messages.page(this.roomId, { after, limit: REPAIR_PAGE });
    const found = await this.context.relayLog.since(this.roomId, after);
    if (found.epoch !== this.#epoch) {
      this.#reset(found.epoch);
      return { messages: [] };
    }
    return { messages: found.messages.slice(0, REPAIR_PAGE), missing: found.missing };
  }

  /** A relay room started over: forget the old epoch and tell the subscriptions. */
  #reset(epoch: string): void {
    this.#epoch = epoch;
    this.#lastSeq = 0;
    this.#target = 0;
    this.#held.clear();
    this.context.deliver(this.roomId, { resync: epoch });
  }
}

/** The encoded `message` push of a message read from a source. */
export function encodeMessage(message: Message): Encoded {
  return { seq: message.seq, bytes: Buffer.from(messageFrame(message)), createdAt: message.createdAt };
}

/** The `message` push of one message. */
export function messageFrame(message: Message): string {
  const push: MessagePush = { type: 'message', message };
  return JSON.stringify(push);
}

/** The `gap` push for one subscription. */
export function gapFrame(roomId: string, from: number, to: number): string {
  const push: GapPush = { type: 'gap', roomId, from, to };
  return JSON.stringify(push);
}
