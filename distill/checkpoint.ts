/**
 * Trainer checkpoints: one file holding a JSON header and named float32 arrays (network weights, Adam
 * moments), written atomically (temp file + rename) so a crash mid-write leaves the previous checkpoint
 * intact. Reading validates the magic, the header and every array's extent, and names the file and the
 * array on any mismatch.
 *
 * A write killed midway (SIGKILL, power loss) can leave a `<name>.tmp-<pid>-<id>` file beside the
 * checkpoint; {@linkcode removeStaleTemps} deletes those, and both {@linkcode writeCheckpoint} and
 * {@linkcode readCheckpoint} (a resume) call it first, so a run folder holds no partial files once a run
 * has restarted. One process writes a run folder at a time.
 *
 * Layout: 8-byte magic `FKDCKPT1`, uint32 little-endian header length, the UTF-8 JSON header, zero padding
 * to a multiple of 4, then the arrays back to back as float32 little-endian.
 *
 * @example
 * ```ts
 * import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
 * const path = await Deno.makeTempFile({ suffix: ".ckpt" });
 * await writeCheckpoint(path, { iteration: 3 }, { w: Float32Array.of(1, 2) });
 * const { meta, arrays } = await readCheckpoint(path);
 * console.assert((meta as { iteration: number }).iteration === 3 && arrays.w[1] === 2);
 * ```
 *
 * @module
 */

import { isWriteInFlight, writeFileAtomic } from "../sim/atomic_write.ts";
import { InputError } from "../sim/input_error.ts";

const MAGIC = "FKDCKPT1";

/**
 * A checkpoint that cannot be read or resumed from; the message names the file and what is wrong.
 *
 * @example
 * ```ts
 * import { CheckpointError, readCheckpoint } from "./checkpoint.ts";
 * const err = await readCheckpoint("/nonexistent.ckpt").catch((e) => e);
 * console.assert(err instanceof CheckpointError);
 * ```
 */
export class CheckpointError extends InputError {
  /** Builds the error with its full message (`Cannot load checkpoint "<file>": ...`). */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/**
 * Deletes the partial `<path>.tmp-*` files an interrupted atomic write left beside `path` (not those this
 * process is writing); returns the names removed. A missing folder is not an error.
 *
 * @example
 * ```ts
 * import { removeStaleTemps } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/checkpoint.ckpt.tmp-123-abcd`, "partial");
 * console.assert((await removeStaleTemps(`${dir}/checkpoint.ckpt`)).length === 1);
 * ```
 */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const prefix = `${path.slice(slash + 1)}.tmp-`;
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const full = slash >= 0 ? `${path.slice(0, slash + 1)}${entry.name}` : entry.name;
      if (!entry.isFile || !entry.name.startsWith(prefix) || isWriteInFlight(full)) continue;
      await Deno.remove(full).then(() => removed.push(full), () => {});
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return removed;
}

/** Writes `meta` and `arrays` to `path` atomically. */
export async function writeCheckpoint(
  path: string,
  meta: unknown,
  arrays: Record<string, Float32Array>,
): Promise<void> {
  const entries = Object.entries(arrays);
  let offset = 0;
  const index = entries.map(([name, a]) => {
    const e = { name, offset, length: a.length };
    offset += a.length;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ meta, arrays: index }));
  const headerEnd = 12 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  for (const [i, [, a]] of entries.entries()) data.set(a, index[i].offset);
  await removeStaleTemps(path);
  await writeFileAtomic(path, bytes);
}

/** Reads a checkpoint written by {@linkcode writeCheckpoint}; throws naming the file on any defect. */
export async function readCheckpoint(
  path: string,
): Promise<{ meta: unknown; arrays: Record<string, Float32Array> }> {
  let bytes: Uint8Array;
  await removeStaleTemps(path);
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new CheckpointError(`Cannot load checkpoint "${path}": ${(e as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new CheckpointError(`Cannot load checkpoint "${path}": ${why}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    fail(`not a fleetkd checkpoint (expected magic "${MAGIC}")`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + headerLength > bytes.length) {
    fail(
      `header of ${headerLength} bytes runs past the end of the ${bytes.length}-byte file (truncated?)`,
    );
  }
  let header: { meta: unknown; arrays: { name: string; offset: number; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || !Array.isArray(header.arrays)) fail(`header has no "arrays" list`);
  const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
  const available = Math.floor((bytes.length - dataStart) / 4);
  // Copy to an aligned buffer: the file's bytes may not start at a 4-byte boundary.
  const data = new Float32Array(Math.max(0, available));
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + available * 4));
  const arrays: Record<string, Float32Array> = {};
  for (const [i, a] of header.arrays.entries()) {
    if (
      typeof a?.name !== "string" || !Number.isInteger(a.offset) || !Number.isInteger(a.length) ||
      a.offset < 0 || a.length < 0
    ) {
      fail(
        `field "arrays[${i}]" must be {name, offset, length} with integer extents, got ${
          JSON.stringify(a)
        }`,
      );
    }
    if (a.offset + a.length > available) {
      fail(
        `array "${a.name}" needs floats ${a.offset}..${
          a.offset + a.length
        }, file holds ${available} (truncated?)`,
      );
    }
    arrays[a.name] = data.subarray(a.offset, a.offset + a.length);
  }
  return { meta: header.meta, arrays };
}
