/**
 * A fixed-size latency histogram with log-linear buckets (about 1 % relative precision from 1 µs to
 * ~10 minutes), so recording millions of samples costs one array increment each and percentiles
 * need no sort. The maximum is kept exactly.
 */

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 3000; // 1.01^3000 µs ≈ 9.3e12 µs, far beyond any bounded run

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #maxMs = 0;

  /** Record one sample, in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const us = ms * 1000;
    const index = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.#counts[index]! += 1;
    this.#total += 1;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  /** Number of samples recorded. */
  get count(): number {
    return this.#total;
  }

  /** Largest sample in ms (exact), or 0 when empty. */
  get maxMs(): number {
    return this.#maxMs;
  }

  /**
   * The value at quantile `q` (0–1) in ms: the upper bound of the bucket holding the q-th sample,
   * capped at the exact maximum. 0 when empty.
   */
  quantileMs(q: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(this.#maxMs, GROWTH ** i / 1000);
    }
    return this.#maxMs;
  }
}
