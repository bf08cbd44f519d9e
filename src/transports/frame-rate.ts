/**
 * The frame rate of one WebSocket, as a token bucket that may run into debt (issue: abuse
 * resistance; DESIGN.md, Delivery path step 1):
 * - the bucket holds up to `burst` tokens and refills at `perSecond`; each frame takes one;
 * - a frame that finds no token is refused (answered `RATE_LIMITED`, not processed) and still
 *   takes its token, so the bucket goes into debt: a client that waits the `retryAfterMs` it was
 *   told is served again, one that keeps sending digs deeper;
 * - once the debt passes `floodFrames`, the connection is flooding and is to be closed (4429).
 * A sender at R frames/s over `perSecond` is therefore cut off after about
 * floodFrames / (R − perSecond) seconds, and no refused frame costs more than its parse for an id.
 */

/** Limits of {@link FrameBucket}, as PARLEY_WS_FRAMES_PER_SECOND, _FRAME_BURST and _FLOOD_FRAMES. */
export interface FrameRate {
  /** Sustained frames per second. */
  readonly perSecond: number;
  /** Frames allowed at once (the bucket's size). */
  readonly burst: number;
  /** Refused frames a socket may owe before it counts as flooding. */
  readonly floodFrames: number;
}

/** What to do with a frame: serve it, refuse it (retry after ms), or close the flooding socket. */
export type FrameVerdict = { readonly kind: 'serve' } | { readonly kind: 'refuse'; readonly retryAfterMs: number } | { readonly kind: 'flood' };

const SERVE: FrameVerdict = { kind: 'serve' };
const FLOOD: FrameVerdict = { kind: 'flood' };

/** One socket's frame bucket: call {@link FrameBucket.take} for every frame it sends. */
export class FrameBucket {
  #tokens: number;
  #at: number;

  /** @param now Unix ms of the socket's opening (the bucket starts full). */
  constructor(
    private readonly rate: FrameRate,
    now: number,
  ) {
    this.#tokens = rate.burst;
    this.#at = now;
  }

  /** Account for one frame arriving at `now` (Unix ms). */
  take(now: number): FrameVerdict {
    this.#tokens = Math.min(this.rate.burst, this.#tokens + (Math.max(0, now - this.#at) * this.rate.perSecond) / 1000);
    this.#at = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return SERVE;
    if (this.#tokens < -this.rate.floodFrames) return FLOOD;
    // The next frame is served once the bucket holds a whole token again.
    return { kind: 'refuse', retryAfterMs: Math.ceil(((1 - this.#tokens) * 1000) / this.rate.perSecond) };
  }
}
