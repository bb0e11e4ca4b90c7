/**
 * The per-run telemetry log on disk: one JSON object per line (NDJSON), each line starting with
 * `{"seq":N,"type":"...",` so a reader finds events by sequence id without parsing whole lines.
 *
 * Writes are buffered in memory and flushed when the buffer grows past a threshold, every
 * `flushIntervalMs`, before a read of pending lines and on close. An append-only log is not written
 * atomically (a temp file and rename per flush would copy the whole file), but it is never corrupt for a
 * reader: only complete lines (ending in a newline) are read, so a partial last line from a crash is
 * ignored.
 *
 * Every line's end offset is indexed in memory (8 bytes per event), so a read of events `from..` opens the
 * file at the exact byte and reads only the bytes it returns: {@linkcode NdjsonLog.read} is bounded by a
 * byte budget as well as a count (but always returns at least one available event), whatever the size of
 * the events. A log written by an earlier server process is re-indexed by {@linkcode NdjsonLog.open} (one
 * sequential scan) and then served the same way.
 *
 * A log may have a byte cap (`maxBytes`): an append that would pass it throws {@linkcode LogFullError}
 * and writes nothing, so the file never grows past the cap. After a write error (e.g. a full disk) the
 * lines already written stay readable; later appends are dropped and {@linkcode NdjsonLog.error} says why.
 *
 * @example
 * ```ts
 * import { NdjsonLog } from "./ndjson_log.ts";
 * const path = await Deno.makeTempFile({ suffix: ".ndjson" });
 * const log = await NdjsonLog.create(path);
 * log.append({ seq: 1, type: "tick", data: '{"seq":1,"type":"tick","tick":1}' });
 * await log.close();
 * const reopened = await NdjsonLog.open(path);
 * const [entry] = await reopened.read(1, 10);
 * console.assert(entry.seq === 1 && JSON.parse(entry.data).tick === 1);
 * ```
 *
 * @module
 */

/** One published event: its sequence id, its type (the SSE event name) and its JSON text. */
export interface StreamEntry {
  /** Sequence id, consecutive from 1 within a run. */
  readonly seq: number;
  /** Event type, e.g. `"tick"` or `"status"`. */
  readonly type: string;
  /** The event as one line of JSON, starting with `{"seq":<seq>,"type":"<type>"`. */
  readonly data: string;
  /** The UTF-8 bytes of `data` (no newline), when the producer has them. */
  readonly line?: Uint8Array;
}

const LINE_HEAD = /^\{"seq":(\d+),"type":"([A-Za-z0-9_-]+)"/;
const NEWLINE = 10;
const NEWLINE_BYTES = Uint8Array.of(NEWLINE);
const SCAN_CHUNK = 1 << 20;
const HEAD_BYTES = 64;
const decoder = new TextDecoder();

/** Thrown by {@linkcode NdjsonLog.append} when the line would take the log past its byte cap. */
export class LogFullError extends Error {
  /**
   * A full-log error.
   *
   * @example
   * ```ts
   * import { LogFullError } from "./ndjson_log.ts";
   * console.assert(new LogFullError("full").name === "LogFullError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "LogFullError";
  }
}

/** Writes bytes somewhere; resolves with the number written (a test may inject failures). */
export type LogWriter = (file: Deno.FsFile, bytes: Uint8Array) => Promise<number>;

/** Options of {@linkcode NdjsonLog.create}. */
export interface NdjsonLogOptions {
  /** Flush at least this often while lines are pending, ms (default 250). */
  flushIntervalMs?: number;
  /** Flush as soon as this many bytes are pending (default 256 KiB). */
  flushBytes?: number;
  /** Largest size of the file, bytes (default: no cap). */
  maxBytes?: number;
  /** How bytes reach the file (default `file.write`); for fault-injection tests. */
  write?: LogWriter;
  /** Called with the bytes of every read from the file (for the server's metrics). */
  onRead?: (bytes: number) => void;
}

/** An entry read back from the file: `data` is decoded from `line` only when asked for. */
class LogEntry implements StreamEntry {
  readonly seq: number;
  readonly type: string;
  readonly line: Uint8Array;
  #data: string | undefined;
  constructor(seq: number, type: string, line: Uint8Array) {
    this.seq = seq;
    this.type = type;
    this.line = line;
  }
  get data(): string {
    return this.#data ??= decoder.decode(this.line);
  }
}

/** The seq and type at the head of a line, or undefined when it is not an entry line. */
function headOf(line: Uint8Array): { seq: number; type: string } | undefined {
  const m = LINE_HEAD.exec(decoder.decode(line.subarray(0, HEAD_BYTES)));
  return m ? { seq: Number(m[1]), type: m[2] } : undefined;
}

/**
 * A buffered, append-only NDJSON writer with a per-line offset index, readable while being written.
 *
 * @example
 * ```ts
 * import { NdjsonLog } from "./ndjson_log.ts";
 * const log = await NdjsonLog.create(await Deno.makeTempFile());
 * for (let seq = 1; seq <= 3; seq++) {
 *   log.append({ seq, type: "tick", data: `{"seq":${seq},"type":"tick"}` });
 * }
 * console.assert((await log.read(2, 10)).length === 2);
 * console.assert((await log.read(1, 10, 1)).length === 1); // a 1-byte budget still gets one event
 * await log.close();
 * ```
 */
export class NdjsonLog {
  /** Path of the log file. */
  readonly path: string;
  readonly #file: Deno.FsFile | undefined;
  readonly #flushIntervalMs: number;
  readonly #flushBytes: number;
  readonly #maxBytes: number;
  readonly #write: LogWriter;
  readonly #onRead: ((bytes: number) => void) | undefined;
  readonly #encoder = new TextEncoder();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Logical bytes appended (flushed + pending). */
  #appendedBytes = 0;
  #flushedBytes = 0;
  /** Seq of the first line (0 until the first append). */
  #firstSeq = 0;
  /** End offset (after the newline) of every line, in order. */
  #ends = new Float64Array(1024);
  #lines = 0;
  /** Lines wholly on disk. */
  #durableLines = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #error: Error | undefined;

  private constructor(path: string, file: Deno.FsFile | undefined, options: NdjsonLogOptions) {
    this.path = path;
    this.#file = file;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#flushBytes = options.flushBytes ?? 256 * 1024;
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#write = options.write ?? ((f, bytes) => f.write(bytes));
    this.#onRead = options.onRead;
  }

  /**
   * Creates (or truncates) the log at `path`, making its folder.
   *
   * @example
   * ```ts
   * import { NdjsonLog } from "./ndjson_log.ts";
   * const dir = await Deno.makeTempDir();
   * const log = await NdjsonLog.create(`${dir}/runs/r1.ndjson`);
   * await log.close();
   * ```
   */
  static async create(path: string, options: NdjsonLogOptions = {}): Promise<NdjsonLog> {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    return new NdjsonLog(path, file, options);
  }

  /**
   * Opens an existing log read-only (e.g. one an earlier server process wrote) and indexes its complete
   * lines in one sequential scan. Indexing stops at the first line that is not the next entry (a partial
   * or foreign line).
   *
   * @example
   * ```ts
   * import { NdjsonLog } from "./ndjson_log.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, '{"seq":1,"type":"tick"}\n{"seq":2,"type":"ti');
   * const log = await NdjsonLog.open(path);
   * console.assert(log.lastSeq === 1); // the partial line is ignored
   * ```
   */
  static async open(
    path: string,
    options: Pick<NdjsonLogOptions, "onRead"> = {},
  ): Promise<NdjsonLog> {
    const log = new NdjsonLog(path, undefined, options);
    log.#closed = true;
    using file = await Deno.open(path, { read: true });
    const buf = new Uint8Array(SCAN_CHUNK);
    let carry = new Uint8Array(0);
    let position = 0;
    let lineStart = 0;
    let expected = 0;
    scan: for (;;) {
      const n = await file.read(buf);
      if (n === null || n === 0) break;
      let chunk = buf.subarray(0, n);
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + n);
        joined.set(carry);
        joined.set(chunk, carry.length);
        chunk = joined;
      }
      const base = position - carry.length;
      let at = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, at);
        if (nl < 0) break;
        const head = headOf(chunk.subarray(at, nl));
        if (!head || (expected !== 0 && head.seq !== expected)) break scan;
        if (expected === 0) log.#firstSeq = head.seq;
        expected = head.seq + 1;
        log.#pushEnd(base + nl + 1);
        lineStart = base + nl + 1;
        at = nl + 1;
      }
      // Keep only the bytes of the line in progress (never more than one line).
      carry = chunk.slice(at);
      position += n;
    }
    log.#appendedBytes = log.#flushedBytes = lineStart;
    log.#durableLines = log.#lines;
    return log;
  }

  #pushEnd(end: number): void {
    if (this.#lines === this.#ends.length) {
      const grown = new Float64Array(this.#ends.length * 2);
      grown.set(this.#ends);
      this.#ends = grown;
    }
    this.#ends[this.#lines++] = end;
  }

  /** Bytes appended but not yet on disk. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Bytes appended so far (on disk and pending): the file's size once flushed. */
  get bytes(): number {
    return this.#appendedBytes;
  }

  /** Lines appended so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Seq of the last line appended (0 before the first). */
  get lastSeq(): number {
    return this.#lines === 0 ? 0 : this.#firstSeq + this.#lines - 1;
  }

  /** Seq of the last line wholly on disk (0 when none). */
  get lastDurableSeq(): number {
    return this.#durableLines === 0 ? 0 : this.#firstSeq + this.#durableLines - 1;
  }

  /** The first write error, if any (later appends are dropped once writing failed). */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Buffers one entry's line; never blocks. Throws after `close()`, and {@linkcode LogFullError} when
   * the line would take the file past `maxBytes - reserveBytes` (nothing is written then).
   */
  append(entry: StreamEntry, reserveBytes = 0): void {
    if (this.#closed) {
      throw new Error(`Cannot append to telemetry log "${this.path}": it is closed`);
    }
    if (this.#error) return;
    const bytes = entry.line ?? this.#encoder.encode(entry.data);
    const size = bytes.length + 1;
    if (this.#appendedBytes + size > this.#maxBytes - reserveBytes) {
      throw new LogFullError(
        `telemetry log "${this.path}" reached its size limit of ${this.#maxBytes} bytes`,
      );
    }
    if (this.#lines === 0) this.#firstSeq = entry.seq;
    else if (entry.seq !== this.lastSeq + 1) {
      throw new RangeError(`NdjsonLog.append: expected seq ${this.lastSeq + 1}, got ${entry.seq}`);
    }
    this.#pending.push(bytes, NEWLINE_BYTES);
    this.#pendingBytes += size;
    this.#appendedBytes += size;
    this.#pushEnd(this.#appendedBytes);
    if (this.#pendingBytes >= this.#flushBytes) {
      void this.flush().catch(() => {});
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => {});
      }, this.#flushIntervalMs);
    }
  }

  /** Writes every pending line to disk; concurrent calls are serialised. Rejects with a write error. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const next = this.#flushing.then(() => this.#writePending());
    this.#flushing = next.catch(() => {});
    return next;
  }

  async #writePending(): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#pendingBytes === 0 || !this.#file) return;
    const chunks = this.#pending;
    const size = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    const buf = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      buf.set(c, at);
      at += c.length;
    }
    let written = 0;
    try {
      while (written < buf.length) {
        written += await this.#write(this.#file, buf.subarray(written));
        this.#advanceDurable(this.#flushedBytes + written);
      }
      this.#flushedBytes += size;
    } catch (e) {
      this.#flushedBytes += written;
      this.#error = new Error(
        `Cannot write telemetry log "${this.path}": ${(e as Error).message}`,
      );
      throw this.#error;
    }
  }

  #advanceDurable(onDisk: number): void {
    while (this.#durableLines < this.#lines && this.#ends[this.#durableLines] <= onDisk) {
      this.#durableLines++;
    }
  }

  /**
   * Entries with seq >= `fromSeq` that are on disk: at most `max` of them and at most `maxBytes` bytes of
   * lines, but at least one when one is available. Pending lines are flushed first when asked for.
   *
   * @example
   * ```ts
   * import { NdjsonLog } from "./ndjson_log.ts";
   * const log = await NdjsonLog.create(await Deno.makeTempFile());
   * log.append({ seq: 1, type: "status", data: '{"seq":1,"type":"status"}' });
   * console.assert((await log.read(1, 5))[0].type === "status");
   * await log.close();
   * ```
   */
  async read(
    fromSeq: number,
    max: number,
    maxBytes = Number.POSITIVE_INFINITY,
  ): Promise<StreamEntry[]> {
    if (max <= 0 || this.#lines === 0) return [];
    const first = Math.max(0, Math.floor(fromSeq) - this.#firstSeq);
    if (first >= this.#lines) return [];
    if (first >= this.#durableLines && !this.#closed && !this.#error) {
      await this.flush().catch(() => {});
    }
    const durable = this.#durableLines;
    if (first >= durable) return [];
    const ends = this.#ends;
    const start = first === 0 ? 0 : ends[first - 1];
    let last = first; // exclusive
    while (
      last < durable && last - first < max && (last === first || ends[last] - start <= maxBytes)
    ) {
      last++;
    }
    const length = ends[last - 1] - start;
    const buf = new Uint8Array(length);
    {
      using file = await Deno.open(this.path, { read: true });
      if (start > 0) await file.seek(start, Deno.SeekMode.Start);
      let at = 0;
      while (at < length) {
        const n = await file.read(buf.subarray(at));
        if (n === null || n === 0) break;
        at += n;
      }
      this.#onRead?.(at);
      if (at < length) {
        throw new Error(
          `Cannot read telemetry log "${this.path}": expected ${length} bytes at ${start}, got ${at}`,
        );
      }
    }
    const out: StreamEntry[] = [];
    for (let i = first; i < last; i++) {
      const lineStart = (i === 0 ? 0 : ends[i - 1]) - start;
      const line = buf.subarray(lineStart, ends[i] - start - 1);
      const head = headOf(line);
      if (!head || head.seq !== this.#firstSeq + i) {
        throw new Error(
          `Cannot read telemetry log "${this.path}": line ${i + 1} is not event ${
            this.#firstSeq + i
          }`,
        );
      }
      out.push(new LogEntry(head.seq, head.type, line));
    }
    return out;
  }

  /** Flushes, stops the flush timer and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#file?.close();
    }
  }
}

/**
 * Reads up to `max` entries with seq >= `fromSeq` from an NDJSON telemetry log file (indexing it first,
 * see {@linkcode NdjsonLog.open}). Only complete lines count: a partial last line (a crash mid-write) is
 * ignored.
 *
 * @example
 * ```ts
 * import { readNdjsonLog } from "./ndjson_log.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"seq":1,"type":"tick"}\n{"seq":2,"type":"ti');
 * const entries = await readNdjsonLog(path, 1, 10);
 * console.assert(entries.length === 1); // the partial line is skipped
 * ```
 */
export async function readNdjsonLog(
  path: string,
  fromSeq: number,
  max: number,
): Promise<StreamEntry[]> {
  return await (await NdjsonLog.open(path)).read(fromSeq, max);
}
