/**
 * The per-run telemetry log on disk: one JSON object per line (NDJSON), each line starting with
 * `{"seq":N,"type":"...",` so a reader finds events by sequence id without parsing whole lines.
 *
 * Writes are buffered in memory and flushed when the buffer grows past a threshold, every
 * `flushIntervalMs`, before a read and on close. An append-only log is not written atomically (a temp file
 * and rename per flush would copy the whole file), but it is never corrupt for a reader: only complete
 * lines (ending in a newline) are read, so a partial last line from a crash is ignored. A sparse in-memory
 * index (seq -> byte offset every {@linkcode INDEX_EVERY} lines) lets a reconnecting client's catch-up read
 * start near its position instead of at the top of the file.
 *
 * @example
 * ```ts
 * import { NdjsonLog, readNdjsonLog } from "./ndjson_log.ts";
 * const path = await Deno.makeTempFile({ suffix: ".ndjson" });
 * const log = await NdjsonLog.create(path);
 * log.append({ seq: 1, type: "tick", data: '{"seq":1,"type":"tick","tick":1}' });
 * await log.close();
 * const [entry] = await readNdjsonLog(path, 1, 10);
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
}

/** Lines between two entries of the sparse seq -> offset index. */
export const INDEX_EVERY = 64;

const LINE_HEAD = /^\{"seq":(\d+),"type":"([A-Za-z0-9_-]+)"/;
const NEWLINE = 10;
const READ_CHUNK = 64 * 1024;

/** Options of {@linkcode NdjsonLog.create}. */
export interface NdjsonLogOptions {
  /** Flush at least this often while lines are pending, ms (default 250). */
  flushIntervalMs?: number;
  /** Flush as soon as this many bytes are pending (default 256 KiB). */
  flushBytes?: number;
}

/**
 * A buffered, append-only NDJSON writer with a sparse seq index, readable while being written.
 *
 * @example
 * ```ts
 * import { NdjsonLog } from "./ndjson_log.ts";
 * const log = await NdjsonLog.create(await Deno.makeTempFile());
 * for (let seq = 1; seq <= 3; seq++) {
 *   log.append({ seq, type: "tick", data: `{"seq":${seq},"type":"tick"}` });
 * }
 * console.assert((await log.read(2, 10)).length === 2);
 * await log.close();
 * ```
 */
export class NdjsonLog {
  /** Path of the log file. */
  readonly path: string;
  readonly #file: Deno.FsFile;
  readonly #flushIntervalMs: number;
  readonly #flushBytes: number;
  readonly #encoder = new TextEncoder();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Logical bytes appended (flushed + pending). */
  #appendedBytes = 0;
  #flushedBytes = 0;
  #lines = 0;
  #indexSeq: number[] = [];
  #indexOffset: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #error: Error | undefined;

  private constructor(path: string, file: Deno.FsFile, options: NdjsonLogOptions) {
    this.path = path;
    this.#file = file;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#flushBytes = options.flushBytes ?? 256 * 1024;
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

  /** Bytes appended but not yet on disk. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Lines appended so far. */
  get lines(): number {
    return this.#lines;
  }

  /** The first write error, if any (later appends are dropped once writing failed). */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Buffers one entry's line; never blocks. Throws after `close()`. */
  append(entry: StreamEntry): void {
    if (this.#closed) {
      throw new Error(`Cannot append to telemetry log "${this.path}": it is closed`);
    }
    if (this.#error) return;
    if (this.#lines % INDEX_EVERY === 0) {
      this.#indexSeq.push(entry.seq);
      this.#indexOffset.push(this.#appendedBytes);
    }
    const bytes = this.#encoder.encode(entry.data + "\n");
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.#appendedBytes += bytes.length;
    this.#lines++;
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
    if (this.#pendingBytes === 0) return;
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
    try {
      let written = 0;
      while (written < buf.length) written += await this.#file.write(buf.subarray(written));
      this.#flushedBytes += size;
    } catch (e) {
      this.#error = new Error(
        `Cannot write telemetry log "${this.path}": ${(e as Error).message}`,
      );
      throw this.#error;
    }
  }

  /**
   * Up to `max` entries with seq >= `fromSeq`, read back from disk after a flush.
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
  async read(fromSeq: number, max: number): Promise<StreamEntry[]> {
    if (!this.#closed) await this.flush();
    // Start at the last indexed line at or before fromSeq.
    let lo = 0;
    let hi = this.#indexSeq.length - 1;
    let start = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#indexSeq[mid] <= fromSeq) {
        start = this.#indexOffset[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return await readNdjsonLog(this.path, fromSeq, max, start, this.#flushedBytes);
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
      this.#file.close();
    }
  }
}

/**
 * Reads up to `max` entries with seq >= `fromSeq` from an NDJSON telemetry log, starting at byte
 * `startOffset` and stopping at byte `endOffset` (default: end of file). Only complete lines count: a
 * partial last line (a crash mid-write) is ignored, as are lines that do not start with the entry header.
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
  startOffset = 0,
  endOffset = Number.POSITIVE_INFINITY,
): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  if (max <= 0) return out;
  using file = await Deno.open(path, { read: true });
  if (startOffset > 0) await file.seek(startOffset, Deno.SeekMode.Start);
  const decoder = new TextDecoder();
  let position = startOffset;
  let carry: Uint8Array = new Uint8Array(0);
  const buf = new Uint8Array(READ_CHUNK);
  while (position < endOffset && out.length < max) {
    const want = Math.min(buf.length, endOffset - position);
    const n = await file.read(buf.subarray(0, want));
    if (n === null || n === 0) break;
    position += n;
    let chunk = buf.subarray(0, n);
    if (carry.length > 0) {
      const joined = new Uint8Array(carry.length + n);
      joined.set(carry);
      joined.set(chunk, carry.length);
      chunk = joined;
    }
    let lineStart = 0;
    for (let i = 0; i < chunk.length && out.length < max; i++) {
      if (chunk[i] !== NEWLINE) continue;
      const line = decoder.decode(chunk.subarray(lineStart, i));
      lineStart = i + 1;
      const head = LINE_HEAD.exec(line);
      if (!head) continue;
      const seq = Number(head[1]);
      if (seq >= fromSeq) out.push({ seq, type: head[2], data: line });
    }
    carry = chunk.slice(lineStart);
  }
  return out;
}
