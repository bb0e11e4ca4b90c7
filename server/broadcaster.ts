/**
 * One run's event fan-out. The run publishes each event once; it goes into a bounded in-memory ring and
 * into the run's NDJSON log. Subscribers do not get pushed copies: each keeps a cursor (the next seq it
 * needs) and pulls batches when its connection can take more, so a slow client costs nothing but its
 * cursor and can never stall the run or other clients. A cursor that has fallen behind the ring (a slow
 * client or a reconnect with an old `Last-Event-ID`) is served from the log on disk (a "catch-up read"),
 * so nobody misses an event. When the run ends, the ring is dropped and every read comes from the log.
 *
 * @example
 * ```ts
 * import { Broadcaster } from "./broadcaster.ts";
 * import { NdjsonLog } from "./ndjson_log.ts";
 * const b = new Broadcaster({ ringSize: 2, log: await NdjsonLog.create(await Deno.makeTempFile()) });
 * for (let i = 0; i < 5; i++) b.publish("tick", (seq) => ({ seq, type: "tick", i }));
 * const events = await b.read(1, 100); // seqs 1..3 come from the log, 4..5 from the ring
 * console.assert(events.map((e) => e.seq).join() === "1,2,3,4,5");
 * await b.close();
 * ```
 *
 * @module
 */

import type { NdjsonLog, StreamEntry } from "./ndjson_log.ts";
import { SeqRing } from "./ring_buffer.ts";

/** Counters a broadcaster reports into (see `server/metrics.ts`). */
export interface BroadcastCounters {
  /** Events published. */
  eventsPublished: number;
  /** Reads served from the log because the cursor was behind the ring. */
  catchUpReads: number;
}

/** Options of {@linkcode Broadcaster}. */
export interface BroadcasterOptions {
  /** Events kept in memory (default 4096). */
  ringSize?: number;
  /** Characters of event JSON kept in memory (default 64 Mi); the oldest events go first beyond it. */
  ringBytes?: number;
  /** The run's log; every event is appended to it. */
  log: NdjsonLog;
  /** Shared counters (a private set when omitted). */
  counters?: BroadcastCounters;
}

/** Fan-out of one run's events: a ring in memory, a log on disk, cursor-based readers. */
export class Broadcaster {
  readonly #log: NdjsonLog;
  readonly #ring: SeqRing<StreamEntry>;
  readonly #counters: BroadcastCounters;
  readonly #maxRingBytes: number;
  #ringBytes = 0;
  #lastSeq = 0;
  #closed = false;
  #wake: () => void = () => {};
  #changed: Promise<void>;
  #subscribers = 0;

  /**
   * A broadcaster writing to `options.log`.
   *
   * @example
   * ```ts
   * import { Broadcaster } from "./broadcaster.ts";
   * import { NdjsonLog } from "./ndjson_log.ts";
   * const b = new Broadcaster({ log: await NdjsonLog.create(await Deno.makeTempFile()) });
   * console.assert(b.lastSeq === 0);
   * await b.close();
   * ```
   */
  constructor(options: BroadcasterOptions) {
    this.#log = options.log;
    this.#ring = new SeqRing(options.ringSize ?? 4096);
    this.#maxRingBytes = options.ringBytes ?? 64 * 1024 * 1024;
    this.#counters = options.counters ?? { eventsPublished: 0, catchUpReads: 0 };
    this.#changed = this.#arm();
  }

  #arm(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Seq of the last event published (0 before the first). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Characters of event JSON held in memory. */
  get ringBytes(): number {
    return this.#ringBytes;
  }

  /** Oldest seq still held in memory. */
  get ringOldestSeq(): number {
    return this.#ring.oldestSeq;
  }

  /** True once {@linkcode Broadcaster.close} started: no more events will come. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Connected subscribers (see {@linkcode Broadcaster.attach}). */
  get subscribers(): number {
    return this.#subscribers;
  }

  /** The log this broadcaster writes. */
  get log(): NdjsonLog {
    return this.#log;
  }

  /**
   * Publishes one event: `build(seq)` returns the event object, whose first two keys must be `seq` and
   * `type` (the log reader relies on it). Returns the seq. Never blocks.
   */
  publish(type: string, build: (seq: number) => { seq: number; type: string }): number {
    if (this.#closed) throw new Error("Cannot publish: the broadcaster is closed");
    const seq = this.#lastSeq + 1;
    const entry: StreamEntry = { seq, type, data: JSON.stringify(build(seq)) };
    this.#log.append(entry);
    const ring = this.#ring;
    if (ring.size === ring.capacity) this.#ringBytes -= ring.peekOldest()!.data.length;
    ring.push(seq, entry);
    this.#ringBytes += entry.data.length;
    while (this.#ringBytes > this.#maxRingBytes && ring.size > 1) {
      this.#ringBytes -= ring.dropOldest()!.data.length;
    }
    this.#lastSeq = seq;
    this.#counters.eventsPublished++;
    const wake = this.#wake;
    this.#changed = this.#arm();
    wake();
    return seq;
  }

  /**
   * Up to `max` events with seq >= `fromSeq` (an empty list when none is published yet): from memory when
   * the ring still holds `fromSeq`, else from the log.
   */
  async read(fromSeq: number, max: number): Promise<StreamEntry[]> {
    const from = Math.max(1, Math.floor(fromSeq));
    if (from > this.#lastSeq || max <= 0) return [];
    if (from >= this.#ring.oldestSeq && this.#ring.size > 0) return this.#ring.slice(from, max);
    this.#counters.catchUpReads++;
    // Read from disk only what the ring does not hold; the rest follows from memory on the next read.
    const upTo = this.#ring.size > 0 ? this.#ring.oldestSeq - from : max;
    return await this.#log.read(from, Math.min(max, upTo));
  }

  /** Resolves when an event with seq > `afterSeq` exists or the broadcaster is closed. */
  waitBeyond(afterSeq: number): Promise<void> {
    if (this.#lastSeq > afterSeq || this.#closed) return Promise.resolve();
    return this.#changed;
  }

  /** Counts a subscriber in; returns the function that counts it out (idempotent). */
  attach(): () => void {
    this.#subscribers++;
    let attached = true;
    return () => {
      if (attached) this.#subscribers--;
      attached = false;
    };
  }

  /** Ends the stream: wakes every waiter, drops the ring (reads go to the log) and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#log.close();
    } finally {
      this.#ring.clear();
      this.#ringBytes = 0;
      this.#wake();
    }
  }
}
