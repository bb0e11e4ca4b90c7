/**
 * Stages of a resumable run (teacher training or student distillation): each invocation with a new
 * command that still has work to do opens a stage; the same command resumed (after Ctrl-C) continues its
 * stage, and an earlier stage's command replayed on a finished checkpoint adds nothing. The provenance
 * of the result lists every stage's command, joined by `&&`.
 *
 * @example
 * ```ts
 * import { enterStage, stagesCommand } from "./stages.ts";
 * const stages = [{ command: "train --steps 512", fromEnvSteps: 0, toEnvSteps: 512, seconds: 3 }];
 * const polish = { command: "train --steps 1024", fromEnvSteps: 512, toEnvSteps: 512, seconds: 0 };
 * enterStage(stages, polish, true);
 * console.assert(stagesCommand(stages) === "train --steps 512 && train --steps 1024");
 * ```
 *
 * @module
 */

/** What every stage records. */
export interface RunStage {
  /** The command line. */
  command: string;
  /** Environment steps when the stage began. */
  fromEnvSteps: number;
  /** Environment steps when it last checkpointed. */
  toEnvSteps: number;
  /** Wall-clock seconds spent in it, over every invocation. */
  seconds: number;
}

/**
 * The stage this invocation works in: the last one when `fresh.command` repeats it or no work is left,
 * else `fresh`, appended to `stages`.
 *
 * @example
 * ```ts
 * import { enterStage } from "./stages.ts";
 * const stages = [{ command: "a", fromEnvSteps: 0, toEnvSteps: 64, seconds: 1 }];
 * const same = enterStage(stages, { command: "a", fromEnvSteps: 64, toEnvSteps: 64, seconds: 0 }, true);
 * console.assert(same === stages[0] && stages.length === 1);
 * ```
 */
export function enterStage<S extends RunStage>(stages: S[], fresh: S, workLeft: boolean): S {
  const last = stages.at(-1);
  if (last && (last.command === fresh.command || !workLeft)) return last;
  stages.push(fresh);
  return fresh;
}

/**
 * Every stage's command in order, joined by `&&` (the run's provenance command).
 *
 * @example
 * ```ts
 * import { stagesCommand } from "./stages.ts";
 * console.assert(stagesCommand([{ command: "a", fromEnvSteps: 0, toEnvSteps: 1, seconds: 0 }]) === "a");
 * ```
 */
export function stagesCommand(stages: readonly RunStage[]): string {
  return stages.map((s) => s.command).join(" && ");
}

/**
 * Wall-clock seconds over every stage.
 *
 * @example
 * ```ts
 * import { stagesSeconds } from "./stages.ts";
 * console.assert(stagesSeconds([{ command: "a", fromEnvSteps: 0, toEnvSteps: 1, seconds: 2 }]) === 2);
 * ```
 */
export function stagesSeconds(stages: readonly RunStage[]): number {
  return stages.reduce((a, s) => a + s.seconds, 0);
}

/**
 * The one stage of a checkpoint written before stages were recorded: its command and seconds come from
 * the `summary.json` that run left in `outDir`, when there is one.
 *
 * @example
 * ```ts
 * import { legacyStage } from "./stages.ts";
 * const stage = await legacyStage(await Deno.makeTempDir(), 100);
 * console.assert(stage.command === "(not recorded)" && stage.toEnvSteps === 100);
 * ```
 */
export async function legacyStage(outDir: string, envSteps: number): Promise<RunStage> {
  const summary = await Deno.readTextFile(`${outDir}/summary.json`).then(JSON.parse).catch(() =>
    undefined
  );
  const command = summary?.provenance?.command;
  return {
    command: typeof command === "string" ? command : "(not recorded)",
    fromEnvSteps: 0,
    toEnvSteps: envSteps,
    seconds: typeof command === "string" && typeof summary.seconds === "number"
      ? summary.seconds
      : 0,
  };
}
