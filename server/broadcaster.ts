/**
 * One run's event fan-out. The run publishes each event once; it goes into a bounded in-memory ring and
 * into the run's NDJSON log. Subscribers do not get pushed copies: each keeps a cursor (the next seq it
 * needs) and pulls batches when its connection can take more, so a slow client costs nothing but its
 * cursor and can never stall the run or other clients. A cursor that has fallen behind the ring (a slow
 * client or a reconnect with an old `Last-Event-ID`) is served from the log on disk (a "catch-up read"),
 * so nobody misses an event. Reads are bounded in bytes as well as in count. When the run ends, the ring is
 * dropped and every read comes from the log, except when writing the log failed: then the ring is kept, so
 * the events that never reached the disk can still be read.
 *
 * Each event's bytes are built once: `line` (its UTF-8 JSON, which the log writes) inside `frame` (its
 * Server-Sent Events framing, which every SSE client of a live run shares without copying).
 *
 * @example
 * ```ts
 * import { Broadcaster } from "./broadcaster.ts";
 * import { NdjsonLog } from "./ndjson_log.ts";
 * const b = new Broadcaster({ ringSize: 2, log: await NdjsonLog.create(await Deno.makeTempFile()) });
 * for (let i = 0; i < 5; i++) b.publish("tick", (seq) => ({ seq, type: "tick", i }));
 * // A read serves the log's part only (1..3); the next one continues from memory (4..5).
 * const fromLog = await b.read(1, 100);
 * const fromRing = await b.read(fromLog.at(-1)!.seq + 1, 100);
 * console.assert(fromLog.map((e) => e.seq).join() === "1,2,3");
 * console.assert(fromRing.map((e) => e.seq).join() === "4,5");
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

/** An event as published: its JSON text, and its bytes with their SSE framing. */
export interface LiveEntry extends StreamEntry {
  /** The UTF-8 JSON (a view into `frame`). */
  readonly line: Uint8Array;
  /** `id: <seq>\nevent: <type>\ndata: <line>\n\n`. */
  readonly frame: Uint8Array;
}

const encoder = new TextEncoder();

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
  readonly #ring: SeqRing<LiveEntry>;
  readonly #counters: BroadcastCounters;
  readonly #maxRingBytes: number;
  #ringBytes = 0;
  #lastSeq = 0;
  #closed = false;
  #wake: () => void = () => {};
  #ended: Promise<void>;
  #onEnded: () => void = () => {};
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
    this.#ended = new Promise((resolve) => (this.#onEnded = resolve));
  }

  /**
   * A broadcaster over the finished log of an earlier run (e.g. found after a restart): already closed,
   * every read comes from `log`.
   *
   * @example
   * ```ts
   * import { Broadcaster } from "./broadcaster.ts";
   * import { NdjsonLog } from "./ndjson_log.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, '{"seq":1,"type":"status"}\n');
   * const b = Broadcaster.ended(await NdjsonLog.open(path));
   * console.assert(b.closed && b.lastSeq === 1);
   * ```
   */
  static ended(log: NdjsonLog, counters?: BroadcastCounters): Broadcaster {
    const b = new Broadcaster({ log, counters, ringSize: 1 });
    b.#lastSeq = log.lastSeq;
    b.#closed = true;
    b.#wake();
    b.#onEnded();
    return b;
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

  /** Resolves once {@linkcode Broadcaster.close} has finished. */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /**
   * Publishes one event: `build(seq)` returns the event object, whose first two keys must be `seq` and
   * `type` (the log reader relies on it). Returns the seq. Never blocks. `reserveBytes` is passed to the
   * log's append (room kept below its size cap); when the log refuses the event, nothing is published and
   * its error is thrown.
   */
  publish(
    type: string,
    build: (seq: number) => { seq: number; type: string },
    reserveBytes = 0,
  ): number {
    if (this.#closed) throw new Error("Cannot publish: the broadcaster is closed");
    const seq = this.#lastSeq + 1;
    const data = JSON.stringify(build(seq));
    const head = `id: ${seq}\nevent: ${type}\ndata: `;
    const frame = encoder.encode(`${head}${data}\n\n`);
    // The head is ASCII, so its length in bytes is its length in characters.
    const entry: LiveEntry = { seq, type, data, frame, line: frame.subarray(head.length, -2) };
    this.#log.append(entry, reserveBytes);
    const ring = this.#ring;
    if (ring.size === ring.capacity) this.#ringBytes -= sizeOf(ring.peekOldest()!);
    ring.push(seq, entry);
    this.#ringBytes += sizeOf(entry);
    while (this.#ringBytes > this.#maxRingBytes && ring.size > 1) {
      this.#ringBytes -= sizeOf(ring.dropOldest()!);
    }
    this.#lastSeq = seq;
    this.#counters.eventsPublished++;
    const wake = this.#wake;
    this.#changed = this.#arm();
    wake();
    return seq;
  }

  /**
   * Events with seq >= `fromSeq`, at most `max` of them and `maxBytes` bytes of JSON (but at least one when
   * one is available): from memory when the ring still holds `fromSeq`, else from the log. An empty list
   * means none is published yet, or (see {@linkcode Broadcaster.available}) the event is lost.
   */
  async read(
    fromSeq: number,
    max: number,
    maxBytes = Number.POSITIVE_INFINITY,
  ): Promise<StreamEntry[]> {
    const from = Math.max(1, Math.floor(fromSeq));
    if (from > this.#lastSeq || max <= 0) return [];
    const ring = this.#ring;
    if (from >= ring.oldestSeq && ring.size > 0) {
      const out: StreamEntry[] = [];
      let bytes = 0;
      for (let s = from; s <= ring.newestSeq && out.length < max; s++) {
        const e = ring.get(s)!;
        if (out.length > 0 && bytes + e.line.length > maxBytes) break;
        bytes += e.line.length;
        out.push(e);
      }
      return out;
    }
    this.#counters.catchUpReads++;
    // Read from disk only what the ring does not hold; the rest follows from memory on the next read.
    const upTo = ring.size > 0 ? ring.oldestSeq - from : max;
    return await this.#log.read(from, Math.min(max, upTo), maxBytes);
  }

  /**
   * Whether event `seq` (<= lastSeq) can still be read: it is in memory or on disk. False only for events
   * lost with a failed log write (published live, never written, and no longer in memory).
   */
  available(seq: number): boolean {
    if (seq > this.#lastSeq) return false;
    if (this.#ring.size > 0 && seq >= this.#ring.oldestSeq) return true;
    return seq <= this.#log.lastDurableSeq || !this.#log.error && !this.#closed;
  }

  /** The first seq after `seq` that can be read (lastSeq + 1 when none). */
  nextAvailable(seq: number): number {
    if (this.#ring.size > 0 && this.#ring.oldestSeq > seq) return this.#ring.oldestSeq;
    return this.#lastSeq + 1;
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

  /**
   * Ends the stream: wakes every waiter and closes the log; the ring is dropped (reads go to the log)
   * unless writing the log failed, when it keeps the events the disk never got.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#log.close();
    } finally {
      if (!this.#log.error) {
        this.#ring.clear();
        this.#ringBytes = 0;
      }
      this.#wake();
      this.#onEnded();
    }
  }
}

function sizeOf(e: LiveEntry): number {
  return e.data.length + e.frame.length;
}
