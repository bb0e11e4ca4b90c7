/**
 * Size-bounded reads of input files (scenarios, element sets): only regular files (never a device, FIFO or
 * folder such as `/dev/zero`), at most `maxBytes`, checked before reading and enforced while reading, so
 * a file that grows or lies about its size cannot exhaust memory. A refusal is a
 * {@linkcode FileLimitError} whose message is the reason alone (`is a character device, expected a
 * regular file`, `is 5.0 MiB, more than the 4 MiB limit`); loaders wrap it into their own error naming
 * the file.
 *
 * @example
 * ```ts
 * import { readTextFileBoundedSync } from "./bounded_read.ts";
 * const text = readTextFileBoundedSync("data/tle/iss.tle", 1 << 20);
 * console.assert(text.startsWith("1 25544"));
 * ```
 *
 * @module
 */

/**
 * A file refused or not readable; the message says why, without the path (the caller names it).
 *
 * @example
 * ```ts
 * import { FileLimitError, readTextFileBoundedSync } from "./bounded_read.ts";
 * try {
 *   readTextFileBoundedSync("/dev/zero", 1024);
 * } catch (e) {
 *   console.assert(e instanceof FileLimitError);
 * }
 * ```
 */
export class FileLimitError extends Error {
  /** Builds the error with the reason. */
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = "FileLimitError";
  }
}

/**
 * Renders a byte count as `512 B`, `3.0 KiB`, `4 MiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./bounded_read.ts";
 * console.assert(formatBytes(64 * 1024 * 1024) === "64 MiB" && formatBytes(1536) === "1.5 KiB");
 * ```
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a folder";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a named pipe";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

function refuse(info: Deno.FileInfo, maxBytes: number): void {
  if (!info.isFile) throw new FileLimitError(`is ${kindOf(info)}, expected a regular file`);
  if (info.size > maxBytes) {
    throw new FileLimitError(
      `is ${formatBytes(info.size)}, more than the ${formatBytes(maxBytes)} limit`,
    );
  }
}

function why(e: unknown): FileLimitError {
  return e instanceof FileLimitError
    ? e
    : new FileLimitError(`cannot be read (${e instanceof Error ? e.message : e})`, { cause: e });
}

function decode(chunks: Uint8Array[], total: number): string {
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8 text; throws {@linkcode FileLimitError} otherwise
 * (also for a missing file: `cannot be read (...)`; its `cause` is the Deno error).
 *
 * @example
 * ```ts
 * import { readTextFileBoundedSync } from "./bounded_read.ts";
 * console.assert(readTextFileBoundedSync("deno.json", 1 << 20).includes("imports"));
 * ```
 */
export function readTextFileBoundedSync(path: string, maxBytes: number): string {
  try {
    refuse(Deno.statSync(path), maxBytes);
    using file = Deno.openSync(path, { read: true });
    refuse(file.statSync(), maxBytes);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = file.readSync(buf);
      if (n === null) break;
      total += n;
      if (total > maxBytes) {
        throw new FileLimitError(`is more than the ${formatBytes(maxBytes)} limit`);
      }
      chunks.push(buf.slice(0, n));
    }
    return decode(chunks, total);
  } catch (e) {
    throw why(e);
  }
}

/**
 * The asynchronous form of {@linkcode readTextFileBoundedSync}.
 *
 * @example
 * ```ts
 * import { readTextFileBounded } from "./bounded_read.ts";
 * console.assert((await readTextFileBounded("deno.json", 1 << 20)).includes("imports"));
 * ```
 */
export async function readTextFileBounded(path: string, maxBytes: number): Promise<string> {
  try {
    refuse(await Deno.stat(path), maxBytes);
    using file = await Deno.open(path, { read: true });
    refuse(await file.stat(), maxBytes);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      total += n;
      if (total > maxBytes) {
        throw new FileLimitError(`is more than the ${formatBytes(maxBytes)} limit`);
      }
      chunks.push(buf.slice(0, n));
    }
    return decode(chunks, total);
  } catch (e) {
    throw why(e);
  }
}
