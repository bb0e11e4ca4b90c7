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

/** Writes `data` to `path` via a temporary file in the same folder (created if missing) and a rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
