/**
 * The discrete-event scheduler of the simulation kernel.
 *
 * Time is an integer count of microseconds held in a `number` (a safe integer, so up to about 285 years of
 * simulated time). Events run in order of (time, priority, insertion sequence): earlier first, then the lower
 * priority number, then first-in first-out. A handler may schedule further events, including at the current
 * time; those run after the same-time, same-priority events already queued.
 *
 * The queue is hand-written, in two tiers over struct-of-arrays typed arrays (no object per event):
 *
 * - a binary min-heap of (time, slot) holds the events due soonest;
 * - events at or after the end of the current "ladder" are appended to an unsorted overflow buffer. When the
 *   heap and the ladder run dry, the overflow's earlier part (at least half of it) is bucket-sorted by time
 *   (counting sort) into the ladder, and the ladder feeds the heap one bucket (about 32 events) at a time, so
 *   the heap stays small and cache-resident however many events are pending. Events scheduled before the
 *   ladder's end go straight into the heap, so a workload whose new events mostly fall there (or a very
 *   clustered time distribution) runs as a plain binary heap.
 *
 * Each event's priority and sequence number live in per-slot typed arrays, read only on time ties, and its
 * handler and generation in fixed-size chunks of plain arrays. `bench/scheduler_bench.ts` measures it against
 * `heap-js` on the same workloads. Cancellation is lazy (a tombstone left in place) and amortised O(1): the
 * queue is compacted whenever tombstones outnumber pending events, and `pending` is always exact.
 *
 * @example
 * ```ts
 * import { EventScheduler } from "./scheduler.ts";
 * const sim = new EventScheduler();
 * const log: string[] = [];
 * sim.schedule(20, (_s, t) => log.push(`b@${t}`));
 * sim.schedule(10, (s, t) => {
 *   log.push(`a@${t}`);
 *   s.scheduleIn(5, (_s2, t2) => log.push(`c@${t2}`));
 * });
 * const ran = sim.runUntil(100);
 * console.assert(ran === 3 && sim.now === 100);
 * console.assert(log.join(" ") === "a@10 c@15 b@20");
 * ```
 *
 * @module
 */

/**
 * Called once when its event runs, with the scheduler (whose `now` is already the event's time) and the
 * event's time in microseconds. It may schedule and cancel events but not call `step` or `runUntil`.
 *
 * @example
 * ```ts
 * import { type EventHandler, EventScheduler } from "./scheduler.ts";
 * let pings = 0;
 * const ping: EventHandler = (sim, t) => {
 *   pings++;
 *   if (pings < 3) sim.schedule(t + 1_000, ping);
 * };
 * const sim = new EventScheduler();
 * sim.schedule(0, ping);
 * sim.runUntil(10_000);
 * console.assert(pings === 3);
 * ```
 */
export type EventHandler = (scheduler: EventScheduler, timeUs: number) => void;

/**
 * Opaque identifier of a scheduled event, returned by `schedule` and `scheduleIn` and accepted by `cancel`.
 * It is a safe integer; an id stays unique to its event even after the event has run or been cancelled.
 *
 * @example
 * ```ts
 * import { type EventId, EventScheduler } from "./scheduler.ts";
 * const sim = new EventScheduler();
 * const id: EventId = sim.schedule(5, () => {});
 * console.assert(sim.cancel(id) && !sim.cancel(id));
 * ```
 */
export type EventId = number;

/**
 * Options of {@link EventScheduler}.
 *
 * @example
 * ```ts
 * import { EventScheduler, type EventSchedulerOptions } from "./scheduler.ts";
 * const options: EventSchedulerOptions = { startUs: 1_000_000, initialCapacity: 4096 };
 * console.assert(new EventScheduler(options).now === 1_000_000);
 * ```
 */
export interface EventSchedulerOptions {
  /** Initial clock value in microseconds, a safe integer. Default 0. */
  startUs?: number;
  /** Number of events the queue holds before it first grows, a positive integer. Default 1024. */
  initialCapacity?: number;
}

/** Number of bits of an {@link EventId} that hold the slot; the bits above hold the slot's generation. */
const SLOT_BITS = 25;
/** Maximum number of slots (events pending, including cancelled ones not yet dropped from the queue). */
const SLOT_LIMIT = 2 ** SLOT_BITS;
/** A slot whose generation reaches this is retired, so ids stay below 2^53 and are never reused. */
const GENERATION_LIMIT = 2 ** (53 - SLOT_BITS);
/** Handlers and generations are stored in plain arrays of 2^CHUNK_BITS slots each. */
const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
/** Target number of events per ladder bucket. */
const EVENTS_PER_BUCKET = 32;
/** Upper bound on the number of ladder buckets. */
const MAX_BUCKETS = 1 << 20;
/** Tombstones below this count never trigger a compaction. */
const MIN_COMPACT_TOMBSTONES = 64;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

type SlotChunk = (EventHandler | number | undefined)[];

/** A chunk of free slots (handler undefined, generation 0), copied for every new chunk. */
const EMPTY_CHUNK: SlotChunk = [];
for (let k = 0; k < CHUNK_SIZE; k++) EMPTY_CHUNK.push(undefined, 0);

/** Renders a user-supplied value for an error message. */
function show(x: unknown): string {
  if (typeof x === "number") return String(x);
  if (typeof x === "string") return `${JSON.stringify(x)} (a string)`;
  return typeof x === "function" ? "a function" : String(x);
}

/** Returns `a` if it holds `n` elements, else a larger copy (at least doubled). */
function ensureF64(a: Float64Array, n: number, keep: number): Float64Array {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, 2 * a.length));
  b.set(a.subarray(0, keep));
  return b;
}

/** Returns `a` if it holds `n` elements, else a larger copy (at least doubled). */
function ensureI32(a: Int32Array, n: number, keep: number): Int32Array {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, 2 * a.length));
  b.set(a.subarray(0, keep));
  return b;
}

/**
 * A discrete-event scheduler with an integer-microsecond clock.
 *
 * Events are ordered by (time, priority, insertion sequence): lower time first, then lower priority number,
 * then first-in first-out. Scheduling in the past or at a time that is not a safe integer throws. Scheduling
 * and dispatching allocate nothing per event (storage grows geometrically and is kept for reuse); `cancel`
 * is amortised O(1).
 *
 * If a handler throws, the error propagates out of `step`/`runUntil`; the event counts as run, the clock
 * stays at its time, and the scheduler remains usable.
 *
 * @example
 * ```ts
 * import { EventScheduler } from "./scheduler.ts";
 * const sim = new EventScheduler();
 * const order: string[] = [];
 * sim.schedule(10, () => order.push("low"), 5);
 * sim.schedule(10, () => order.push("high"), -1);
 * const timeout = sim.scheduleIn(50, () => order.push("timeout"));
 * sim.schedule(10, () => order.push("second high"), -1);
 * console.assert(sim.pending === 4 && sim.peekTime() === 10);
 * console.assert(sim.cancel(timeout));
 * let steps = 0;
 * while (sim.step()) steps++;
 * console.assert(steps === 3 && order.join(",") === "high,second high,low");
 * console.assert(sim.now === 10 && sim.pending === 0);
 * ```
 */
export class EventScheduler {
  #now: number;
  /** Live (scheduled, not cancelled, not run) events. */
  #live = 0;
  /** Cancelled events still queued somewhere. */
  #tombstones = 0;
  /** Next insertion sequence number. */
  #seq = 0;
  /** True while `step` or `runUntil` is running handlers. */
  #dispatching = false;

  // Tier 1, the heap: entries 0..#size-1 of `#time` and `#slotOf`, binary, minimum at index 0. Only time
  // and slot move during sifts; priority and sequence number live with the slot, read on time ties only.
  #size = 0;
  #time: Float64Array;
  #slotOf: Int32Array;

  // Tier 2, the ladder: entries sorted by bucket. Bucket b holds entries #bucketStart[b] to
  // #bucketStart[b+1]-1, with times in [#ladderBase + b * #bucketWidth, #ladderBase + (b+1) * #bucketWidth).
  // Buckets before #nextBucket have been moved into the heap; #ladderLo is where bucket #nextBucket starts,
  // so every entry left in the ladder has time >= #ladderLo. Events scheduled before #ladderEnd go into the
  // heap, later ones into the overflow.
  #ladderTime: Float64Array;
  #ladderSlot: Int32Array;
  #bucketStart: Int32Array;
  #bucketFill: Int32Array;
  #buckets = 0;
  #nextBucket = 0;
  #ladderBase = 0;
  #bucketWidth = 1;
  #ladderLo = 0;
  #ladderEnd = -Infinity;

  // Tier 3, the overflow: unsorted entries with time >= #ladderEnd.
  #overflowTime: Float64Array;
  #overflowSlot: Int32Array;
  #overflowSize = 0;

  // Slots: one per queued event; an event's id is (generation, slot). `#slots` holds, in chunks of
  // CHUNK_SIZE slots, each slot's handler (at 2k) and generation (at 2k+1) side by side, so dispatching an
  // event touches one line of slot data. The handler is undefined once the event has run or been
  // cancelled; a cancelled event stays queued as a tombstone until it reaches the heap top or a compaction.
  // A slot's generation is bumped when the slot is freed; free slots wait on `#free` as (slot, generation)
  // pairs. Sequence number (float64 at 2*slot) and priority (int32 at 4*slot+2) share one buffer.
  #slots: SlotChunk[] = [];
  #metaF64: Float64Array;
  #metaI32: Int32Array;
  #slotCount = 0;
  #free: Int32Array;
  #freeTop = 0;
  /** Generation of the slot `#allocateSlot` returned last. */
  #allocatedGeneration = 0;

  /**
   * Creates an empty scheduler whose clock reads `options.startUs` (default 0).
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler({ startUs: 500 });
   * console.assert(sim.now === 500 && sim.pending === 0);
   * ```
   */
  constructor(options: EventSchedulerOptions = {}) {
    const startUs = options.startUs ?? 0;
    if (!Number.isSafeInteger(startUs)) {
      throw new RangeError(
        `Cannot create EventScheduler: option "startUs" must be a safe integer number of microseconds, got ${
          show(startUs)
        }`,
      );
    }
    const capacity = options.initialCapacity ?? 1024;
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > SLOT_LIMIT) {
      throw new RangeError(
        `Cannot create EventScheduler: option "initialCapacity" must be an integer in [1, ${SLOT_LIMIT}], got ${
          show(capacity)
        }`,
      );
    }
    this.#now = startUs;
    this.#time = new Float64Array(capacity);
    this.#slotOf = new Int32Array(capacity);
    this.#ladderTime = new Float64Array(capacity);
    this.#ladderSlot = new Int32Array(capacity);
    this.#bucketStart = new Int32Array(64);
    this.#bucketFill = new Int32Array(64);
    this.#overflowTime = new Float64Array(capacity);
    this.#overflowSlot = new Int32Array(capacity);
    this.#metaF64 = new Float64Array(2 * capacity);
    this.#metaI32 = new Int32Array(this.#metaF64.buffer);
    this.#free = new Int32Array(2 * capacity);
  }

  /**
   * The current simulated time in microseconds: the time of the event running or last run, or the target
   * of the last `runUntil`.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * sim.schedule(7, (s, t) => console.assert(s.now === t && t === 7));
   * sim.step();
   * console.assert(sim.now === 7);
   * ```
   */
  get now(): number {
    return this.#now;
  }

  /**
   * The exact number of events scheduled and neither run nor cancelled.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * const a = sim.schedule(1, () => {});
   * sim.schedule(2, () => {});
   * sim.cancel(a);
   * console.assert(sim.pending === 1);
   * ```
   */
  get pending(): number {
    return this.#live;
  }

  /**
   * Schedules `handler` to run at absolute time `timeUs` (microseconds, a safe integer >= `now`) with the
   * given priority (an int32; lower runs first among events at the same time). Returns the event's id.
   *
   * @throws {RangeError} if `timeUs` is not a safe integer, is before `now`, or `priority` is not an int32.
   * @throws {TypeError} if `handler` is not a function.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler({ startUs: 10 });
   * sim.schedule(10, () => {}); // now is allowed
   * try {
   *   sim.schedule(5, () => {});
   * } catch (e) {
   *   console.assert(
   *     (e as Error).message ===
   *       "Cannot schedule event at t=5 us: it is before the current time t=10 us",
   *   );
   * }
   * ```
   */
  schedule(timeUs: number, handler: EventHandler, priority = 0): EventId {
    if (!Number.isSafeInteger(timeUs) || timeUs < this.#now) this.#throwBadTime(timeUs);
    if (typeof handler !== "function") {
      throw new TypeError(
        `Cannot schedule event at t=${timeUs} us: the handler must be a function, got ${
          show(handler)
        }`,
      );
    }
    if ((priority | 0) !== priority) {
      throw new RangeError(
        `Cannot schedule event at t=${timeUs} us with priority ${
          show(priority)
        }: the priority must be an integer in [${INT32_MIN}, ${INT32_MAX}]`,
      );
    }
    const slot = this.#allocateSlot();
    this.#slots[slot >>> CHUNK_BITS][(slot & CHUNK_MASK) << 1] = handler;
    this.#metaF64[2 * slot] = this.#seq++;
    this.#metaI32[4 * slot + 2] = priority;
    if (timeUs < this.#ladderEnd) {
      if (this.#size === this.#time.length) this.#growHeap(this.#size + 1);
      this.#siftUpNewest(this.#size++, timeUs, priority, slot);
    } else {
      const n = this.#overflowSize;
      if (n === this.#overflowTime.length) {
        this.#overflowTime = ensureF64(this.#overflowTime, n + 1, n);
        this.#overflowSlot = ensureI32(this.#overflowSlot, n + 1, n);
      }
      this.#overflowTime[n] = timeUs;
      this.#overflowSlot[n] = slot;
      this.#overflowSize = n + 1;
    }
    this.#live++;
    return this.#allocatedGeneration * SLOT_LIMIT + slot;
  }

  /**
   * Schedules `handler` to run `delayUs` microseconds (a safe integer >= 0) after `now`; see `schedule`.
   *
   * @throws {RangeError} if `delayUs` is negative or not a safe integer, or `now + delayUs` is not safe.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler({ startUs: 100 });
   * let at = -1;
   * sim.scheduleIn(25, (_s, t) => (at = t));
   * sim.runUntil(1_000);
   * console.assert(at === 125);
   * ```
   */
  scheduleIn(delayUs: number, handler: EventHandler, priority = 0): EventId {
    if (!Number.isSafeInteger(delayUs) || delayUs < 0) {
      throw new RangeError(
        `Cannot schedule event ${show(delayUs)} us after the current time t=${this.#now} us: ` +
          `the delay must be a non-negative safe integer number of microseconds`,
      );
    }
    return this.schedule(this.#now + delayUs, handler, priority);
  }

  /**
   * Cancels a pending event so it never runs. Returns true if it was pending, false if it already ran, was
   * already cancelled, was dropped by `clear`, or `id` is unknown.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * let ran = false;
   * const id = sim.schedule(3, () => (ran = true));
   * console.assert(sim.cancel(id) === true);
   * console.assert(sim.cancel(id) === false);
   * sim.runUntil(10);
   * console.assert(!ran && sim.pending === 0);
   * ```
   */
  cancel(id: EventId): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    const slot = id % SLOT_LIMIT;
    if (slot >= this.#slotCount) return false;
    const chunk = this.#slots[slot >>> CHUNK_BITS];
    const k = (slot & CHUNK_MASK) << 1;
    if (chunk[k] === undefined || chunk[k + 1] !== (id - slot) / SLOT_LIMIT) return false;
    chunk[k] = undefined;
    this.#live--;
    this.#tombstones++;
    if (this.#tombstones >= MIN_COMPACT_TOMBSTONES && this.#tombstones > this.#live) {
      this.#compact();
    }
    return true;
  }

  /**
   * The time of the next event to run, or undefined when none is pending.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * console.assert(sim.peekTime() === undefined);
   * sim.schedule(42, () => {});
   * sim.schedule(17, () => {});
   * console.assert(sim.peekTime() === 17);
   * ```
   */
  peekTime(): number | undefined {
    return this.#prepareLiveTop() ? this.#time[0] : undefined;
  }

  /**
   * Runs the next event: advances `now` to its time and calls its handler. Returns false, doing nothing,
   * when no event is pending.
   *
   * @throws {Error} if called from inside an event handler.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * sim.schedule(4, () => {});
   * console.assert(sim.step() === true && sim.now === 4);
   * console.assert(sim.step() === false && sim.now === 4);
   * ```
   */
  step(): boolean {
    if (this.#dispatching) this.#throwReentrant("step()");
    if (!this.#prepareLiveTop()) return false;
    const timeUs = this.#time[0];
    const handler = this.#takeTop() as EventHandler;
    this.#now = timeUs;
    this.#dispatching = true;
    try {
      handler(this, timeUs);
    } finally {
      this.#dispatching = false;
    }
    return true;
  }

  /**
   * Runs every event with time <= `tUs` in order, including those that handlers schedule within that
   * horizon, then sets `now` to `tUs`. Returns the number of events run.
   *
   * @throws {RangeError} if `tUs` is not a safe integer or is before `now`.
   * @throws {Error} if called from inside an event handler.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * for (const t of [5, 10, 15]) sim.schedule(t, () => {});
   * console.assert(sim.runUntil(10) === 2 && sim.now === 10);
   * console.assert(sim.pending === 1 && sim.peekTime() === 15);
   * ```
   */
  runUntil(tUs: number): number {
    if (this.#dispatching) this.#throwReentrant("runUntil()");
    if (!Number.isSafeInteger(tUs) || tUs < this.#now) {
      throw new RangeError(
        Number.isSafeInteger(tUs)
          ? `Cannot run until t=${tUs} us: it is before the current time t=${this.#now} us`
          : `Cannot run until t=${
            show(tUs)
          } us: the time must be a safe integer number of microseconds`,
      );
    }
    let count = 0;
    this.#dispatching = true;
    try {
      // Fields are re-read every iteration: a handler may grow or compact the queue.
      while (this.#prepareTop()) {
        const timeUs = this.#time[0];
        if (timeUs > tUs) break;
        const handler = this.#takeTop();
        if (handler === undefined) continue; // a cancelled event
        this.#now = timeUs;
        count++;
        handler(this, timeUs);
      }
    } finally {
      this.#dispatching = false;
    }
    this.#now = tUs;
    return count;
  }

  /**
   * Drops every pending event (their ids become unknown to `cancel`). The clock is unchanged.
   *
   * @example
   * ```ts
   * import { EventScheduler } from "./scheduler.ts";
   * const sim = new EventScheduler();
   * const id = sim.schedule(9, () => {});
   * sim.clear();
   * console.assert(sim.pending === 0 && sim.peekTime() === undefined && !sim.cancel(id));
   * ```
   */
  clear(): void {
    this.#forEachQueued((slot, chunk, k) => {
      chunk[k] = undefined;
      this.#freeSlot(slot, chunk);
    });
    this.#resetQueue();
    this.#live = 0;
    this.#tombstones = 0;
  }

  // ---- internals -------------------------------------------------------------------------------------------

  #throwBadTime(timeUs: unknown): never {
    throw new RangeError(
      Number.isSafeInteger(timeUs)
        ? `Cannot schedule event at t=${timeUs} us: it is before the current time t=${this.#now} us`
        : `Cannot schedule event at t=${
          show(timeUs)
        } us: the time must be a safe integer number of microseconds`,
    );
  }

  #throwReentrant(method: string): never {
    throw new Error(
      `EventScheduler.${method} cannot be called from inside an event handler (at t=${this.#now} us); ` +
        `schedule a further event instead`,
    );
  }

  /**
   * Brings the earliest queued entry (possibly a tombstone) to the heap top, feeding the heap from the
   * ladder and rebuilding the ladder from the overflow as needed. Returns false when nothing is queued.
   */
  #prepareTop(): boolean {
    for (;;) {
      if (this.#nextBucket < this.#buckets) {
        // The heap top is the minimum if it is before everything left in the ladder.
        if (this.#size > 0 && this.#time[0] < this.#ladderLo) return true;
        this.#drainBucket();
      } else if (this.#size > 0) {
        return true; // the heap holds only times < #ladderEnd <= every overflow time
      } else if (this.#overflowSize > 0) {
        this.#rebuildLadder();
      } else {
        return false;
      }
    }
  }

  /** Like `#prepareTop`, but first drops cancelled entries from the top. */
  #prepareLiveTop(): boolean {
    while (this.#prepareTop()) {
      const slot = this.#slotOf[0];
      if (this.#slots[slot >>> CHUNK_BITS][(slot & CHUNK_MASK) << 1] !== undefined) return true;
      this.#takeTop();
    }
    return false;
  }

  /** Removes the heap's top entry, frees its slot and returns its handler (undefined for a tombstone). */
  #takeTop(): EventHandler | undefined {
    const slot = this.#slotOf[0];
    const chunk = this.#slots[slot >>> CHUNK_BITS];
    const k = (slot & CHUNK_MASK) << 1;
    const handler = chunk[k] as EventHandler | undefined;
    const n = --this.#size;
    if (n > 0) this.#siftDown(0, n, this.#time[n], this.#slotOf[n]);
    if (handler === undefined) {
      this.#tombstones--;
    } else {
      chunk[k] = undefined;
      this.#live--;
    }
    this.#freeSlot(slot, chunk);
    return handler;
  }

  /**
   * Moves the next non-empty ladder bucket into the heap, dropping its cancelled entries on the way. The
   * first pass reads every entry's handler with independent loads, so their cache misses overlap instead of
   * each stalling a later dispatch.
   */
  #drainBucket(): void {
    const start = this.#bucketStart;
    let b = this.#nextBucket;
    while (b < this.#buckets && start[b] === start[b + 1]) b++;
    if (b < this.#buckets) {
      const from = start[b], to = start[b + 1];
      const ladderTime = this.#ladderTime, ladderSlot = this.#ladderSlot, slots = this.#slots;
      let w = from;
      for (let j = from; j < to; j++) {
        const slot = ladderSlot[j];
        const chunk = slots[slot >>> CHUNK_BITS];
        if (chunk[(slot & CHUNK_MASK) << 1] === undefined) {
          this.#tombstones--;
          this.#freeSlot(slot, chunk);
        } else {
          ladderTime[w] = ladderTime[j];
          ladderSlot[w++] = slot;
        }
      }
      if (this.#size + w - from > this.#time.length) this.#growHeap(this.#size + w - from);
      for (let j = from; j < w; j++) this.#siftUp(this.#size++, ladderTime[j], ladderSlot[j]);
      b++;
    }
    this.#nextBucket = b;
    this.#ladderLo = this.#ladderBase + b * this.#bucketWidth;
  }

  /**
   * Bucket-sorts the overflow into a new ladder (counting sort: one pass to count, one to place). Called
   * only when the heap and the ladder are empty.
   *
   * The ladder covers [lo, lo + 2 * (mean - lo)] or a little more, where lo and mean are the overflow's
   * minimum and mean time; later entries stay in the overflow. By Markov's inequality that takes at least half
   * of the overflow each time, so the passes cost amortised O(1) per event, and a few far-future events (an
   * end-of-run event, say) do not stretch the buckets so wide that everything lands in the first.
   */
  #rebuildLadder(): void {
    const m = this.#overflowSize;
    const overflowTime = this.#overflowTime, overflowSlot = this.#overflowSlot;
    let lo = overflowTime[0], hi = lo, sum = 0;
    for (let j = 0; j < m; j++) {
      const t = overflowTime[j];
      sum += t;
      if (t < lo) lo = t;
      else if (t > hi) hi = t;
    }
    const cut = Math.max(lo + 1, Math.floor(lo + 2 * (sum / m - lo)) + 1);
    const span = Math.min(hi + 1, cut) - lo;
    const width = Math.ceil(span / Math.min(Math.ceil(m / EVENTS_PER_BUCKET), MAX_BUCKETS));
    const buckets = Math.ceil(span / width);
    const end = lo + buckets * width; // >= cut
    const start = this.#bucketStart = ensureI32(this.#bucketStart, buckets + 1, 0);
    const fill = this.#bucketFill = ensureI32(this.#bucketFill, buckets + 1, 0);
    start.fill(0, 0, buckets + 1);
    // Bucket index floor((t - lo) / width) is exact: both are safe integers and t - lo < 2^53.
    let n = 0;
    for (let j = 0; j < m; j++) {
      const t = overflowTime[j];
      if (t < end) {
        start[Math.floor((t - lo) / width) + 1]++;
        n++;
      }
    }
    for (let b = 1; b <= buckets; b++) start[b] += start[b - 1];
    for (let b = 0; b < buckets; b++) fill[b] = start[b];
    const ladderTime = this.#ladderTime = ensureF64(this.#ladderTime, n, 0);
    const ladderSlot = this.#ladderSlot = ensureI32(this.#ladderSlot, n, 0);
    let kept = 0; // entries at or after `end` stay, compacted to the front of the overflow
    for (let j = 0; j < m; j++) {
      const t = overflowTime[j];
      if (t < end) {
        const at = fill[Math.floor((t - lo) / width)]++;
        ladderTime[at] = t;
        ladderSlot[at] = overflowSlot[j];
      } else {
        overflowTime[kept] = t;
        overflowSlot[kept++] = overflowSlot[j];
      }
    }
    this.#overflowSize = kept;
    this.#buckets = buckets;
    this.#nextBucket = 0;
    this.#ladderBase = lo;
    this.#bucketWidth = width;
    this.#ladderLo = lo;
    this.#ladderEnd = end;
  }

  /** Calls `fn` for every queued entry: heap, ladder (undrained part) and overflow. */
  #forEachQueued(fn: (slot: number, chunk: SlotChunk, k: number) => void): void {
    const visit = (slots: Int32Array, from: number, to: number) => {
      for (let j = from; j < to; j++) {
        const slot = slots[j];
        fn(slot, this.#slots[slot >>> CHUNK_BITS], (slot & CHUNK_MASK) << 1);
      }
    };
    visit(this.#slotOf, 0, this.#size);
    if (this.#nextBucket < this.#buckets) {
      visit(
        this.#ladderSlot,
        this.#bucketStart[this.#nextBucket],
        this.#bucketStart[this.#buckets],
      );
    }
    visit(this.#overflowSlot, 0, this.#overflowSize);
  }

  /** Empties heap, ladder and overflow (slots are the caller's business). */
  #resetQueue(): void {
    this.#size = 0;
    this.#buckets = 0;
    this.#nextBucket = 0;
    this.#overflowSize = 0;
    this.#ladderEnd = -Infinity;
  }

  /**
   * Drops every tombstone: live entries are gathered into the overflow, to be bucket-sorted again on the
   * next dispatch. O(n), run when tombstones outnumber live events, so amortised O(1) per cancel.
   */
  #compact(): void {
    // Filter the overflow in place, then append the live entries of the heap and the ladder.
    let w = this.#keepLive(this.#overflowTime, this.#overflowSlot, 0, this.#overflowSize, 0);
    w = this.#keepLive(this.#time, this.#slotOf, 0, this.#size, w);
    if (this.#nextBucket < this.#buckets) {
      const from = this.#bucketStart[this.#nextBucket], to = this.#bucketStart[this.#buckets];
      w = this.#keepLive(this.#ladderTime, this.#ladderSlot, from, to, w);
    }
    this.#resetQueue();
    this.#overflowSize = w;
    this.#tombstones = 0;
  }

  /** Appends the live entries among `from..to-1` of (time, slotOf) to the overflow at `w`; frees the rest. */
  #keepLive(time: Float64Array, slotOf: Int32Array, from: number, to: number, w: number): number {
    for (let j = from; j < to; j++) {
      const slot = slotOf[j];
      const chunk = this.#slots[slot >>> CHUNK_BITS];
      if (chunk[(slot & CHUNK_MASK) << 1] === undefined) {
        this.#freeSlot(slot, chunk);
        continue;
      }
      if (w === this.#overflowTime.length) {
        this.#overflowTime = ensureF64(this.#overflowTime, w + 1, w);
        this.#overflowSlot = ensureI32(this.#overflowSlot, w + 1, w);
      }
      this.#overflowTime[w] = time[j];
      this.#overflowSlot[w] = slot;
      w++;
    }
    return w;
  }

  /** True if slot `a`'s event runs before slot `b`'s, given that their times are equal. */
  #tieBefore(a: number, b: number): boolean {
    const pa = this.#metaI32[4 * a + 2], pb = this.#metaI32[4 * b + 2];
    return pa < pb || (pa === pb && this.#metaF64[2 * a] < this.#metaF64[2 * b]);
  }

  /**
   * Places a just-scheduled entry (time `t`, priority `p`, slot) at hole `i`, moving up. Its sequence number
   * is the largest queued, so a parent with equal (time, priority) stays above it (FIFO).
   */
  #siftUpNewest(i: number, t: number, p: number, slot: number): void {
    const time = this.#time, slotOf = this.#slotOf, metaI32 = this.#metaI32;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = time[parent];
      if (pt < t || (pt === t && metaI32[4 * slotOf[parent] + 2] <= p)) break;
      time[i] = pt;
      slotOf[i] = slotOf[parent];
      i = parent;
    }
    time[i] = t;
    slotOf[i] = slot;
  }

  /** Places any entry (t, slot) at hole `i`, moving up. */
  #siftUp(i: number, t: number, slot: number): void {
    const time = this.#time, slotOf = this.#slotOf;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = time[parent];
      if (pt < t || (pt === t && this.#tieBefore(slotOf[parent], slot))) break;
      time[i] = pt;
      slotOf[i] = slotOf[parent];
      i = parent;
    }
    time[i] = t;
    slotOf[i] = slot;
  }

  /** Places the entry (t, slot) at hole `i` of a heap of `n` entries, moving down. */
  #siftDown(i: number, n: number, t: number, slot: number): void {
    const time = this.#time, slotOf = this.#slotOf;
    // `x <= y && (x < y || tie)` keeps the common, untied case to one comparison.
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = time[c];
      if (c + 1 < n) {
        const dt = time[c + 1];
        if (dt <= ct && (dt < ct || this.#tieBefore(slotOf[c + 1], slotOf[c]))) {
          c++;
          ct = dt;
        }
      }
      if (t <= ct && (t < ct || this.#tieBefore(slot, slotOf[c]))) break;
      time[i] = ct;
      slotOf[i] = slotOf[c];
      i = c;
    }
    time[i] = t;
    slotOf[i] = slot;
  }

  #growHeap(n: number): void {
    this.#time = ensureF64(this.#time, n, this.#size);
    this.#slotOf = ensureI32(this.#slotOf, n, this.#size);
  }

  /** Takes a free slot or creates one; its generation is left in `#allocatedGeneration`. */
  #allocateSlot(): number {
    if (this.#freeTop > 0) {
      this.#allocatedGeneration = this.#free[--this.#freeTop];
      return this.#free[--this.#freeTop];
    }
    const slot = this.#slotCount;
    if (slot === SLOT_LIMIT) {
      throw new RangeError(
        `Cannot schedule another event: the scheduler already holds its maximum of ${SLOT_LIMIT} events`,
      );
    }
    if (2 * slot === this.#free.length) {
      const capacity = Math.min(2 * slot, SLOT_LIMIT);
      const metaF64 = ensureF64(this.#metaF64, 2 * capacity, 2 * slot);
      this.#metaF64 = metaF64;
      this.#metaI32 = new Int32Array(metaF64.buffer);
      this.#free = ensureI32(this.#free, 2 * capacity, this.#freeTop);
    }
    if ((slot & CHUNK_MASK) === 0) this.#slots.push(EMPTY_CHUNK.slice());
    this.#slotCount = slot + 1;
    this.#allocatedGeneration = 0;
    return slot;
  }

  /**
   * Frees a slot that has left the queue (its handler already cleared): bumps its generation, so its old id
   * goes stale, and puts it on the free stack, or retires it for good when its generations are used up.
   */
  #freeSlot(slot: number, chunk: SlotChunk): void {
    const k = ((slot & CHUNK_MASK) << 1) + 1;
    const generation = (chunk[k] as number) + 1;
    if (generation === GENERATION_LIMIT) return;
    chunk[k] = generation;
    this.#free[this.#freeTop++] = slot;
    this.#free[this.#freeTop++] = generation;
  }
}
