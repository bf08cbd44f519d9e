/**
 * Group commit: many writers share one transaction, so durability costs one commit (one fsync) per
 * batch instead of one per message (DESIGN.md, "Group commit"). Engine-agnostic: the engine supplies
 * `commit`, which writes a batch in ONE transaction, synchronously (better-sqlite3) or not (pg).
 *
 * Batching rule: items submitted in the same tick always share a batch. Under load, a batch also
 * waits for company: when submits have been arriving closer together than half the window (an
 * exponentially weighted average of the gaps between them, so at least two are expected per
 * window), the first item of a batch waits for others until the batch is full (`fullBatch` items,
 * enough to amortise the commit) or `windowMs` passed; at low load a lone item is committed on the
 * next tick, so waiting never costs latency when it would save nothing. Items submitted while a
 * batch is being committed form the next batch, written as soon as that commit ends. A batch holds
 * at most `maxBatch` items; the rest wait for the next batch.
 *
 * Acknowledgement rule (DESIGN.md rule 1): a caller's promise settles only after its batch's
 * transaction settled. If `commit` throws, every caller of that batch rejects with that error and
 * none is acked; an item-level outcome `{ ok: false }` rejects that caller alone.
 *
 * Timers: the only scheduled callback is one `setTimeout(windowMs)` (or `setImmediate` when not
 * waiting) per idle → busy transition, cancelled by `close()`. It is left referenced on purpose:
 * a pending write keeps the process alive until it is committed, for at most the window.
 */
import { ParleyError } from '../../protocol/errors.ts';

/** What `commit` says about one item of a batch, in submission order. */
export type ItemOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/** Writes one batch in a single transaction; resolves (or returns) only after it committed. */
export type CommitBatch<T, R> = (items: readonly T[]) => Promise<readonly ItemOutcome<R>[]> | readonly ItemOutcome<R>[];

/** Told of each batch handed to `commit`: its size, how long the commit took (ms), and whether it committed. */
export type OnCommit = (items: number, ms: number, ok: boolean) => void;

/** Counters for tests and metrics. */
export interface GroupCommitStats {
  /** Batches handed to `commit` (committed or not). */
  readonly batches: number;
  /** Items handed to `commit`. */
  readonly items: number;
  /** Size of the largest batch so far. */
  readonly largestBatch: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Default `fullBatch`: with 16 messages per SQLite transaction the commit's fsync and page writes
 * cost a fifth of what they cost one message alone, and larger batches save little more
 * (docs/performance.md).
 */
const FULL_BATCH = 16;

/** Batches submitted items into single-transaction commits. See the module comment for the rules. */
export class GroupCommit<T, R> {
  readonly #commit: CommitBatch<T, R>;
  readonly #maxBatch: number;
  readonly #fullBatch: number;
  readonly #windowMs: number;
  readonly #onCommit: OnCommit | undefined;
  #queue: Pending<T, R>[] = [];
  #scheduled: { cancel(): void } | undefined;
  /** True from the start of a drain until the queue was seen empty (set and cleared synchronously). */
  #draining = false;
  #drained: Promise<void> = Promise.resolve();
  #closed = false;
  #stats = { batches: 0, items: 0, largestBatch: 0 };
  /** `performance.now()` of the previous submit, and the weighted average gap between submits (ms). */
  #lastSubmitMs: number | undefined;
  #gapMs = Number.POSITIVE_INFINITY;

  /**
   * @param options.maxBatch most items per transaction (≥ 1; config `store.groupCommitMaxBatch`).
   * @param options.windowMs the longest the first item of a batch waits for others under load, in ms
   *   (config `store.groupCommitWindowMs`); 0 never waits beyond the tick. @default 0
   * @param options.fullBatch a waiting batch with this many items is committed at once. @default min(16, maxBatch)
   * @param options.onCommit told of every batch (metrics).
   * @param options.commit writes one batch in one transaction, returning one outcome per item in
   *   order; throwing (or rejecting) fails the whole batch.
   * @throws RangeError when maxBatch is not a positive integer.
   */
  constructor(options: { maxBatch: number; windowMs?: number; fullBatch?: number; commit: CommitBatch<T, R>; onCommit?: OnCommit | undefined }) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    this.#maxBatch = options.maxBatch;
    this.#fullBatch = Math.min(options.fullBatch ?? FULL_BATCH, options.maxBatch);
    this.#windowMs = options.windowMs ?? 0;
    this.#commit = options.commit;
    this.#onCommit = options.onCommit;
  }

  /**
   * Queue one item. Resolves with its outcome once its batch committed.
   * Rejects with the batch error if the transaction failed, with the item's own error, or with
   * `STORE_UNAVAILABLE` once {@link close} was called.
   */
  submit(item: T): Promise<R> {
    if (this.#closed) return Promise.reject(new ParleyError('STORE_UNAVAILABLE', 'The store is closed'));
    this.#observeArrival();
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#draining) return;
      if (this.#scheduled === undefined) this.#schedule();
      else if (this.#queue.length >= this.#fullBatch) this.#drainNow();
    });
  }

  /** A snapshot of the counters. */
  get stats(): GroupCommitStats {
    return { ...this.#stats };
  }

  /** Items waiting for a batch (not yet handed to `commit`). */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Refuse new items, commit everything already submitted, and resolve when the last batch settled.
   * Idempotent. Never rejects: failures reach the callers of the failed batch.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scheduled !== undefined) this.#drainNow();
    await this.#drained;
  }

  /** Update the average gap between submits with this one. */
  #observeArrival(): void {
    const now = performance.now();
    if (this.#lastSubmitMs !== undefined) {
      const gap = now - this.#lastSubmitMs;
      this.#gapMs = Number.isFinite(this.#gapMs) ? this.#gapMs * 0.75 + gap * 0.25 : gap;
    }
    this.#lastSubmitMs = now;
  }

  /** Cancel the scheduled drain and drain now. */
  #drainNow(): void {
    this.#scheduled?.cancel();
    this.#scheduled = undefined;
    this.#startDrain();
  }

  /** Start a drain after the collection window: `windowMs` when others are expected within it, else the same tick (setImmediate). */
  #schedule(): void {
    const run = () => {
      this.#scheduled = undefined;
      this.#startDrain();
    };
    if (this.#windowMs > 0 && this.#gapMs * 2 < this.#windowMs) {
      const timer = setTimeout(run, this.#windowMs);
      this.#scheduled = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(run);
      this.#scheduled = { cancel: () => clearImmediate(immediate) };
    }
  }

  #startDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#drained = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#run(batch);
      }
    } finally {
      // Cleared in the same synchronous step that saw the queue empty, so a submit arriving from
      // here on schedules a new drain and none can be stranded.
      this.#draining = false;
    }
  }

  async #run(batch: Pending<T, R>[]): Promise<void> {
    this.#stats.batches += 1;
    this.#stats.items += batch.length;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
    let outcomes: readonly ItemOutcome<R>[];
    const started = performance.now();
    try {
      outcomes = await this.#commit(batch.map((p) => p.item));
      if (outcomes.length !== batch.length) {
        throw new Error(`commit returned ${outcomes.length} outcomes for a batch of ${batch.length}`);
      }
    } catch (error) {
      this.#onCommit?.(batch.length, performance.now() - started, false);
      for (const p of batch) p.reject(error);
      return;
    }
    this.#onCommit?.(batch.length, performance.now() - started, true);
    batch.forEach((p, i) => {
      const outcome = outcomes[i] as ItemOutcome<R>;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
