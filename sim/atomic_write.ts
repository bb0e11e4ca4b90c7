/**
 * Atomic file writes: the data goes to a temporary file in the target's folder, which is then renamed over
 * the target, so a reader sees the old file or the new one, never half of one. Model files, checkpoints,
 * curves and reports all go through it.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/sub/report.json`, "{}\n");
 * console.assert((await Deno.readTextFile(`${dir}/sub/report.json`)) === "{}\n");
 * ```
 *
 * @module
 */

const inFlight = new Set<string>();

/**
 * Whether `tmp` is the temporary file of a write this process has under way (so a sweep of stale
 * `*.tmp-*` files must leave it alone).
 *
 * @example
 * ```ts
 * import { isWriteInFlight } from "./atomic_write.ts";
 * console.assert(!isWriteInFlight("/tmp/x.tmp-1-abcd"));
 * ```
 */
export function isWriteInFlight(tmp: string): boolean {
  return inFlight.has(tmp);
}

/**
 * Writes `data` to `path` via a temporary file `<path>.tmp-<pid>-<id>` in the same folder (created if
 * missing) and a rename.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const path = `${await Deno.makeTempDir()}/a.txt`;
 * await writeFileAtomic(path, "hello");
 * console.assert(Deno.readTextFileSync(path) === "hello");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  inFlight.add(tmp);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  } finally {
    inFlight.delete(tmp);
  }
}
