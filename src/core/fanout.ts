/**
 * This node's room → subscriptions map. Each broker event is serialised once by its publisher and
 * turned into bytes once per node; the same Buffer is handed to every local socket in the room
 * (DESIGN.md, fast path). Timeline events pass through the room's {@link RoomFeed} first, which puts
 * them in seq order and repairs gaps from the room's timeline (DESIGN.md rule 3). Events other than
 * messages are handed, in that order and repaired, to `onEvent` before the sockets get them: the
 * node's bookkeeping (roles, mutes, removals, closed rooms) follows the timeline, not broker hints.
 *
 * Gaps are looked for three ways: on every event (a seq ahead of the next), after the broker
 * reports an interruption (every room is checked at once), and by a periodic position check of
 * every room this node serves: a room whose stored position was already ahead of the feed at the
 * previous check, one interval ago, is repaired — so a message whose publish was lost is delivered
 * within two intervals, while one merely in flight costs no read.
 *
 * A subscription that is catching up (a join with `since`) buffers live deliveries until its
 * replay from the timeline is done, then drains the buffer; a per-subscription `lastSeq` drops any
 * event it already delivered. Together they give resume with no gap and no duplicate
 * (DESIGN.md, Resume; rule 4).
 *
 * Slow consumers: after a send, a peer whose send buffer exceeds `maxBufferedBytes` is closed with
 * 4500 (resumable), so one stalled reader cannot grow the server's memory (DESIGN.md rule 6); each
 * such socket is counted once, however many frames reach it while it closes.
 */
import { CLOSE_CODES, type ResyncPush, type TimelineEvent } from '../protocol/index.ts';
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { Peer } from './ports/peer.ts';
import type { RoomRecord } from './ports/store.ts';
import type { Metrics } from './ports/metrics.ts';
import { RoomFeed, type Delivery } from './room-feed.ts';
import { decodeEvent, gapFrame, type Encoded } from './timeline/frames.ts';
import type { Timelines } from './timeline/timelines.ts';
import type { TimelinePosition } from './ports/timeline.ts';

/** One peer's membership of one room's event stream on this node. */
export class Subscription {
  /** Seq of the newest event delivered (or replayed) to this peer. */
  lastSeq = 0;
  /** Live deliveries held back while the replay is sent; undefined once live. */
  pending: Delivery[] | undefined = [];

  constructor(
    readonly peer: Peer,
    readonly roomId: string,
  ) {}
}

/** A room served by this node: its subscriptions, its feed, and its broker subscription. */
interface ServedRoom {
  readonly subscriptions: Set<Subscription>;
  readonly feed: RoomFeed;
  /** Settles once the broker subscription is active and the feed knows the room's position. */
  readonly ready: Promise<void>;
  /** The room's position at the previous check (what the feed must have reached by the next). */
  checkedSeq: number;
}

/** Options of {@link Fanout}, in the units their names carry. */
export interface FanoutOptions {
  readonly broker: Broker;
  readonly timelines: Timelines;
  /** Per-socket send buffer limit in bytes (PARLEY_WS_MAX_BUFFERED_BYTES). */
  readonly maxBufferedBytes: number;
  /** Period of the position check, in ms (PARLEY_POSITION_CHECK_INTERVAL_MS). */
  readonly positionCheckIntervalMs: number;
  /** Told of every timeline event other than a message, in seq order, before its delivery (room bookkeeping). */
  readonly onEvent: (event: TimelineEvent) => void;
  /** Failures of background work (repairs, checks), to be logged. */
  readonly onError: (err: unknown, context: string) => void;
  /** Told of deliveries, repairs and slow-consumer closes. */
  readonly metrics: Metrics;
}

export class Fanout {
  readonly #rooms = new Map<string, ServedRoom>();
  readonly #timer: NodeJS.Timeout;
  /** Peers closed as slow consumers, so each is counted once. */
  readonly #closing = new WeakSet<Peer>();
  readonly options: FanoutOptions;
  #checking = false;

  constructor(options: FanoutOptions) {
    this.options = options;
    options.broker.onEvent((event) => this.#receive(event));
    options.broker.onInterrupt(() => void this.#check(true));
    this.#timer = setInterval(() => void this.#check(false), options.positionCheckIntervalMs);
    this.#timer.unref();
  }

  /**
   * Register a subscription in catching-up state; on first use of the room, subscribes this node
   * to it and reads its position. Resolves once both are done (for the first subscriber and for any
   * that arrive meanwhile). Rejects with the broker's or the source's error, subscribing nothing.
   */
  async add(peer: Peer, room: RoomRecord): Promise<Subscription> {
    const subscription = new Subscription(peer, room.id);
    const served = this.#rooms.get(room.id) ?? this.#serve(room);
    served.subscriptions.add(subscription);
    try {
      await served.ready;
    } catch (err) {
      served.subscriptions.delete(subscription);
      throw err;
    }
    return subscription;
  }

  /**
   * The position this node's feed of a served room has delivered up to (see `RoomFeed.position`),
   * or undefined for a room not served or not started. A join subscribed before reading it resumes
   * from it without a gap: every later event reaches the subscription through the feed.
   */
  position(roomId: string): TimelinePosition | undefined {
    return this.#rooms.get(roomId)?.feed.position;
  }

  /** Remove a subscription; stops serving the room when it was the last. */
  async remove(subscription: Subscription): Promise<void> {
    const served = this.#rooms.get(subscription.roomId);
    if (served === undefined || !served.subscriptions.delete(subscription)) return;
    subscription.pending = undefined;
    if (served.subscriptions.size === 0) await this.#stopServing(subscription.roomId, served);
  }

  /**
   * Send replayed event frames to a catching-up subscription in seq order, advancing its lastSeq.
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
      if (peer.bufferedBytes < this.options.maxBufferedBytes / 2) peer.send(frame);
      else await new Promise<void>((resolve) => peer.send(frame, resolve));
    }
  }

  /** End catch-up: deliver the held-back live events (skipping replayed seqs), then go live. */
  goLive(subscription: Subscription): void {
    const pending = subscription.pending;
    subscription.pending = undefined;
    if (pending === undefined) return;
    for (const delivery of pending) this.#deliverTo(subscription, delivery);
  }

  /** Stop the position check and every feed. */
  close(): void {
    clearInterval(this.#timer);
    for (const served of this.#rooms.values()) served.feed.close();
  }

  #serve(room: RoomRecord): ServedRoom {
    const feed = new RoomFeed(room.id, room.kind, {
      source: this.options.timelines.sourceFor(room),
      deliver: (roomId, delivery) => this.#deliver(roomId, delivery),
      onError: this.options.onError,
      onRepaired: (kind, events) => this.options.metrics.repaired(kind, events),
    });
    const served: ServedRoom = { subscriptions: new Set(), feed, ready: this.#start(room, feed), checkedSeq: 0 };
    this.#rooms.set(room.id, served);
    served.ready.catch(() => {
      if (this.#rooms.get(room.id) === served) void this.#stopServing(room.id, served);
    });
    return served;
  }

  async #start(room: RoomRecord, feed: RoomFeed): Promise<void> {
    await this.options.broker.subscribe(room.id);
    const position = await this.options.timelines.sourceFor(room).position(room.id);
    feed.start(position.lastSeq, position.epoch);
  }

  async #stopServing(roomId: string, served: ServedRoom): Promise<void> {
    this.#rooms.delete(roomId);
    served.feed.close();
    await this.options.broker.unsubscribe(roomId);
  }

  #receive(event: RoomEvent): void {
    const served = this.#rooms.get(event.roomId);
    if (served === undefined) return;
    if (event.seq === undefined || event.kind === undefined) {
      this.#deliver(event.roomId, { ephemeral: Buffer.from(event.frame) });
      return;
    }
    const encoded: Encoded = { seq: event.seq, kind: event.kind, bytes: Buffer.from(event.frame), createdAt: event.createdAt ?? Date.now() };
    served.feed.receive(event.seq, event.epoch, encoded);
  }

  #deliver(roomId: string, delivery: Delivery): void {
    const served = this.#rooms.get(roomId);
    if (served === undefined) return;
    if ('kind' in delivery && delivery.kind !== 'message') {
      try {
        this.options.onEvent(decodeEvent(delivery));
      } catch (err) {
        this.options.onError(err, `observing event ${delivery.seq} of room ${roomId}`);
      }
    }
    let written = 0;
    for (const subscription of served.subscriptions) {
      if (subscription.pending !== undefined) subscription.pending.push(delivery);
      else if (this.#deliverTo(subscription, delivery)) written += 1;
    }
    if ('kind' in delivery && delivery.kind === 'message') this.options.metrics.messageDelivered(served.feed.kind, written, Date.now() - delivery.createdAt);
  }

  /** Hand one delivery to one subscription; returns whether something was written. */
  #deliverTo(subscription: Subscription, delivery: Delivery): boolean {
    if ('gap' in delivery) {
      const { from, to } = delivery.gap;
      if (to <= subscription.lastSeq) return false;
      this.#send(subscription.peer, gapFrame(subscription.roomId, Math.max(from, subscription.lastSeq + 1), to));
      subscription.lastSeq = to;
      return true;
    }
    if ('resync' in delivery) {
      subscription.lastSeq = 0;
      const push: ResyncPush = { type: 'resync', roomId: subscription.roomId, epoch: delivery.resync };
      this.#send(subscription.peer, JSON.stringify(push));
      return true;
    }
    if ('ephemeral' in delivery) {
      this.#send(subscription.peer, delivery.ephemeral);
      return true;
    }
    if (delivery.seq <= subscription.lastSeq) return false;
    subscription.lastSeq = delivery.seq;
    this.#send(subscription.peer, delivery.bytes);
    return true;
  }

  #send(peer: Peer, frame: string | Buffer): void {
    peer.send(frame);
    if (peer.bufferedBytes > this.options.maxBufferedBytes && !this.#closing.has(peer)) {
      this.#closing.add(peer);
      this.options.metrics.slowConsumerClosed();
      peer.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer: resume by seq');
    }
  }

  /**
   * Compare every served room's position with its feed. `now`: repair up to the current position
   * at once (after an interruption); otherwise up to the position seen one check ago.
   */
  async #check(now: boolean): Promise<void> {
    if (this.#checking && !now) return;
    this.#checking = true;
    try {
      const rooms: Array<{ id: string; kind: 'persistent' | 'relay' }> = [];
      for (const [id, served] of this.#rooms) if (served.feed.lastSeq !== undefined) rooms.push({ id, kind: served.feed.kind });
      if (rooms.length === 0) return;
      const positions = await this.options.timelines.positions(rooms);
      for (const [roomId, position] of positions) {
        const served = this.#rooms.get(roomId);
        if (served === undefined) continue;
        served.feed.repairTo(now ? position.lastSeq : Math.min(position.lastSeq, served.checkedSeq), position.epoch);
        served.checkedSeq = position.lastSeq;
      }
    } catch (err) {
      this.options.onError(err, 'position check');
    } finally {
      this.#checking = false;
    }
  }
}
