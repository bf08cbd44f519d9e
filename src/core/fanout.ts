/**
 * This node's room → subscriptions map. Each broker event is serialised once by its publisher and
 * turned into bytes once per node; the same Buffer is handed to every local socket in the room
 * (DESIGN.md, fast path).
 *
 * A subscription that is catching up (a join with `since`) buffers live message events until its
 * replay from the store is done, then drains the buffer; a per-subscription `lastSeq` drops any
 * message it already delivered. Together they give resume with no gap and no duplicate
 * (DESIGN.md, Resume; rule 4).
 *
 * Slow consumers: after a send, a peer whose send buffer exceeds `maxBufferedBytes` is closed with
 * 4500 (resumable), so one stalled reader cannot grow the server's memory (DESIGN.md rule 6).
 */
import { CLOSE_CODES } from '../protocol/index.ts';
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { Peer } from './ports/peer.ts';

/** A room event as delivered to sockets: its seq (messages only) and the frame's UTF-8 bytes, encoded once per node. */
interface Encoded {
  readonly seq: number | undefined;
  readonly bytes: Buffer;
}

/** One peer's membership of one room's event stream on this node. */
export class Subscription {
  /** Seq of the newest message delivered (or replayed) to this peer. */
  lastSeq = 0;
  /** Live events held back while the replay is sent; undefined once live. */
  pending: Encoded[] | undefined = [];

  constructor(
    readonly peer: Peer,
    readonly roomId: string,
  ) {}
}

export class Fanout {
  readonly #rooms = new Map<string, Set<Subscription>>();
  /** The broker subscription of each room this node serves (settled once active). */
  readonly #subscribed = new Map<string, Promise<void>>();

  /**
   * @param maxBufferedBytes per-socket send buffer limit in bytes (PARLEY_WS_MAX_BUFFERED_BYTES).
   * @param onEvent observer called for every event before delivery (room bookkeeping).
   */
  constructor(
    private readonly broker: Broker,
    private readonly maxBufferedBytes: number,
    private readonly onEvent: (event: RoomEvent) => void,
  ) {
    broker.onEvent((event) => this.#deliver(event));
  }

  /**
   * Register a subscription in catching-up state; subscribes the node to the room on first use.
   * Resolves only once the node's broker subscription is active, for the first subscriber and for
   * any that arrive while it is being set up.
   */
  async add(peer: Peer, roomId: string): Promise<Subscription> {
    const subscription = new Subscription(peer, roomId);
    let subs = this.#rooms.get(roomId);
    if (subs === undefined) {
      subs = new Set();
      this.#rooms.set(roomId, subs);
      this.#subscribed.set(roomId, this.broker.subscribe(roomId));
    }
    subs.add(subscription);
    await this.#subscribed.get(roomId);
    return subscription;
  }

  /** Remove a subscription; unsubscribes the node from the room when it was the last. */
  async remove(subscription: Subscription): Promise<void> {
    const subs = this.#rooms.get(subscription.roomId);
    if (subs === undefined || !subs.delete(subscription)) return;
    subscription.pending = undefined;
    if (subs.size === 0) {
      this.#rooms.delete(subscription.roomId);
      this.#subscribed.delete(subscription.roomId);
      await this.broker.unsubscribe(subscription.roomId);
    }
  }

  /**
   * Send replayed message frames to a catching-up subscription in seq order, advancing its lastSeq.
   * Replay honours back-pressure instead of the slow-consumer rule: once half the send buffer is in
   * use it waits until the socket has written what it holds, so a large catch-up neither overfills
   * memory nor trips the 4500 close. Stops early if the subscription is removed.
   */
  async replay(subscription: Subscription, frames: Iterable<{ seq: number; frame: string }>): Promise<void> {
    const { peer } = subscription;
    for (const { seq, frame } of frames) {
      if (subscription.pending === undefined) return;
      if (seq <= subscription.lastSeq) continue;
      subscription.lastSeq = seq;
      if (peer.bufferedBytes < this.maxBufferedBytes / 2) peer.send(frame);
      else await new Promise<void>((resolve) => peer.send(frame, resolve));
    }
  }

  /** End catch-up: deliver the held-back live events (skipping replayed seqs), then go live. */
  goLive(subscription: Subscription): void {
    const pending = subscription.pending;
    subscription.pending = undefined;
    if (pending === undefined) return;
    for (const event of pending) this.#deliverTo(subscription, event);
  }

  #deliver(event: RoomEvent): void {
    this.onEvent(event);
    const subs = this.#rooms.get(event.roomId);
    if (subs === undefined) return;
    const encoded: Encoded = { seq: event.seq, bytes: Buffer.from(event.frame) };
    for (const subscription of subs) {
      if (subscription.pending !== undefined) subscription.pending.push(encoded);
      else this.#deliverTo(subscription, encoded);
    }
  }

  #deliverTo(subscription: Subscription, event: Encoded): void {
    if (event.seq !== undefined) {
      if (event.seq <= subscription.lastSeq) return;
      subscription.lastSeq = event.seq;
    }
    this.#send(subscription.peer, event.bytes);
  }

  #send(peer: Peer, frame: string | Buffer): void {
    peer.send(frame);
    if (peer.bufferedBytes > this.maxBufferedBytes) peer.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer: resume by seq');
  }
}
