/**
 * A timing wheel for periodic sweeps over many items (issue 11, "Joining and reconnecting at
 * scale"): instead of one tick that visits every socket at once (which stalls the event loop for
 * as long as the population takes), the items are spread over `slots` slots and each tick visits
 * one slot. Ticking every `periodMs / slots` ms visits each item once per `periodMs`, as the
 * unsliced sweep did, while each tick does about 1/`slots` of the work.
 *
 * Items join slots round-robin, so slots stay within a few items of each other as items come and go.
 */
export class Wheel<T> {
  readonly #slots: Array<Set<T>>;
  readonly #slotOf = new Map<T, number>();
  #next = 0;
  #hand = 0;

  /** @param slots how many slots (ticks per period), at least 1. */
  constructor(slots: number) {
    this.#slots = Array.from({ length: Math.max(1, Math.floor(slots)) }, () => new Set<T>());
  }

  /** How many slots the wheel has. */
  get slots(): number {
    return this.#slots.length;
  }

  /** How many items it holds. */
  get size(): number {
    return this.#slotOf.size;
  }

  /** Add an item (once; adding it again changes nothing). */
  add(item: T): void {
    if (this.#slotOf.has(item)) return;
    const slot = this.#next;
    this.#next = (this.#next + 1) % this.#slots.length;
    this.#slots[slot]!.add(item);
    this.#slotOf.set(item, slot);
  }

  /** Remove an item; returns whether it was there. */
  delete(item: T): boolean {
    const slot = this.#slotOf.get(item);
    if (slot === undefined) return false;
    this.#slotOf.delete(item);
    this.#slots[slot]!.delete(item);
    return true;
  }

  /** The items of the slot under the hand (a copy: callers may add and delete), then move the hand on. */
  turn(): T[] {
    const items = [...this.#slots[this.#hand]!];
    this.#hand = (this.#hand + 1) % this.#slots.length;
    return items;
  }

  /** Every item, in no particular order. */
  values(): IterableIterator<T> {
    return this.#slotOf.keys();
  }
}

/**
 * How to slice a sweep of period `periodMs`: ticks about every `targetTickMs` (default 250 ms), at
 * most `maxSlots` slots. Returns the slot count and the tick interval in ms (their product is `periodMs`).
 */
export function wheelTiming(periodMs: number, targetTickMs = 250, maxSlots = 200): { slots: number; tickMs: number } {
  const slots = Math.max(1, Math.min(maxSlots, Math.round(periodMs / targetTickMs)));
  return { slots, tickMs: periodMs / slots };
}
