/**
 * Training provenance recorded with every saved model: the command, seed, environment steps, date and the
 * code version (git commit, with `-dirty` when the work tree had uncommitted changes).
 *
 * @example
 * ```ts
 * import { provenance } from "./provenance.ts";
 * const p = await provenance({ command: "train mpe/simple_spread", seed: 1, steps: 1000 });
 * console.log(p.codeVersion, p.date);
 * ```
 *
 * @module
 */

import type { Provenance } from "../policies/policy_set.ts";

/**
 * Where a model came from: the model files' provenance (command, seed, steps, date, code version, with
 * the code version from `git rev-parse HEAD` plus `-dirty`) and the Deno version that trained it.
 */
export interface TrainingProvenance extends Provenance {
  /** Deno version. */
  deno: string;
}

/** The code version of the checkout this process runs from. */
export async function codeVersion(): Promise<string> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  };
  try {
    const head = await run(["rev-parse", "HEAD"]);
    if (!head) return "unknown";
    const status = await run(["status", "--porcelain", "--untracked-files=no"]);
    return status ? `${head}-dirty` : head;
  } catch {
    return "unknown";
  }
}

/** Builds a provenance record dated now. */
export async function provenance(
  fields: { command: string; seed: number; steps: number; warmStart?: Provenance["warmStart"] },
): Promise<TrainingProvenance> {
  const { warmStart, ...rest } = fields;
  return {
    ...rest,
    ...(warmStart !== undefined ? { warmStart } : {}),
    date: new Date().toISOString(),
    codeVersion: await codeVersion(),
    deno: Deno.version.deno,
  };
}
