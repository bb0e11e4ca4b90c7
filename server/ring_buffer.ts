/**
 * A bounded ring of items keyed by consecutive sequence ids: the newest `capacity` items stay in memory,
 * older ones are evicted (the telemetry log on disk still has them).
 *
 * @example
 * ```ts
 * import { SeqRing } from "./ring_buffer.ts";
 * const ring = new SeqRing<string>(2);
 * ring.push(1, "a");
 * ring.push(2, "b");
 * ring.push(3, "c"); // evicts seq 1
 * console.assert(ring.oldestSeq === 2 && ring.get(3) === "c" && ring.get(1) === undefined);
 * ```
 *
 * @module
 */

/** A bounded ring of items with consecutive sequence ids. */
export class SeqRing<T> {
  readonly #items: (T | undefined)[];
  readonly #capacity: number;
  #oldest = 1;
  #newest = 0;

  /**
   * An empty ring holding at most `capacity` items.
   *
   * @example
   * ```ts
   * import { SeqRing } from "./ring_buffer.ts";
   * console.assert(new SeqRing<number>(8).size === 0);
   * ```
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`SeqRing capacity must be an integer >= 1, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#items = new Array(capacity);
  }

  /** Maximum number of items held. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Items held now. */
  get size(): number {
    return this.#newest - this.#oldest + 1;
  }

  /** Seq of the oldest item held (`newestSeq + 1` when empty). */
  get oldestSeq(): number {
    return this.#oldest;
  }

  /** Seq of the newest item pushed (0 before the first). */
  get newestSeq(): number {
    return this.#newest;
  }

  /** Appends `item` under `seq`, which must be `newestSeq + 1` (the first push may start anywhere). */
  push(seq: number, item: T): void {
    if (this.#newest === 0 && this.size === 0) {
      this.#oldest = seq;
    } else if (seq !== this.#newest + 1) {
      throw new RangeError(`SeqRing.push: expected seq ${this.#newest + 1}, got ${seq}`);
    }
    this.#items[seq % this.#capacity] = item;
    this.#newest = seq;
    if (this.size > this.#capacity) this.#oldest = seq - this.#capacity + 1;
  }

  /** The item with `seq`, or undefined when it was evicted or is not yet pushed. */
  get(seq: number): T | undefined {
    if (seq < this.#oldest || seq > this.#newest) return undefined;
    return this.#items[seq % this.#capacity];
  }

  /** Up to `max` items from `fromSeq` on (clamped to what is held), in order. */
  slice(fromSeq: number, max: number): T[] {
    const out: T[] = [];
    const start = Math.max(fromSeq, this.#oldest);
    const end = Math.min(this.#newest, start + max - 1);
    for (let s = start; s <= end; s++) out.push(this.#items[s % this.#capacity] as T);
    return out;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  dropOldest(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.#items[this.#oldest % this.#capacity];
    this.#items[this.#oldest % this.#capacity] = undefined;
    this.#oldest++;
    return item;
  }

  /** The oldest item, or undefined when empty. */
  peekOldest(): T | undefined {
    return this.size === 0 ? undefined : this.#items[this.#oldest % this.#capacity];
  }

  /** Drops every item (the sequence position is kept). */
  clear(): void {
    this.#items.fill(undefined);
    this.#oldest = this.#newest + 1;
  }
}
