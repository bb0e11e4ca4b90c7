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

/** Where a model came from. */
export interface Provenance {
  /** The command line that produced it. */
  command: string;
  /** Root seed. */
  seed: number;
  /** Environment steps of training. */
  steps: number;
  /** ISO date of the end of training. */
  date: string;
  /** `git rev-parse HEAD` (+ `-dirty`), or `"unknown"` outside a git checkout. */
  codeVersion: string;
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
  fields: { command: string; seed: number; steps: number },
): Promise<Provenance> {
  return {
    ...fields,
    date: new Date().toISOString(),
    codeVersion: await codeVersion(),
    deno: Deno.version.deno,
  };
}
