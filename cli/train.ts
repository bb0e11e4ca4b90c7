/**
 * `deno task train`: trains a MAPPO teacher (KD-MARL stage 1).
 *
 * ```sh
 * deno task train --scenario mpe/simple_spread [--steps N] [--seed S] [--out DIR] [--resume] [--quiet]
 *                 [--lr START[:END]] [--entropy-coef X] [--label-smoothing X]
 *                 [--warm-start on|off] [--warm-start-episodes N] [--agent-id on|off]
 *                 [--recurrent on|off] [--chunk-length N] [--recipe preset|anchor] [--workers N]
 * ```
 *
 * `--workers N` spreads the PPO update over N cores (this thread and N - 1 Deno Workers computing shard
 * gradients, see `distill/grad_pool.ts`); 1, the default, is the single-threaded trainer bit for bit.
 *
 * `--lr` and `--entropy-coef` override the preset's learning-rate schedule (linear from START to END over
 * the run; one value holds it constant) and entropy bonus. With `--resume` and more `--steps` they start
 * a new stage of the run from its checkpoint (see `distill/teacher_run.ts`), e.g. to polish a teacher
 * at a lower learning rate once PPO has levelled off. `--label-smoothing` overrides the warm start's
 * (behaviour cloning of the scenario's baseline, fleet scenarios only): a clone with some entropy left
 * gives PPO other actions to sample than the baseline's.
 *
 * Writes `DIR/checkpoint.ckpt` every few iterations (and on Ctrl-C), `DIR/curves.csv` and
 * `DIR/curves.svg`, and at the end the teacher model in `DIR/model/` with `DIR/summary.json`. The
 * default DIR is `runs/<scenario id>/teacher`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { initBackend } from "../policies/backend.ts";
import { runTeacherTraining } from "../distill/teacher_run.ts";
import {
  checkWritableDir,
  CliError,
  intFlag,
  labelSmoothingFlag,
  lrFlag,
  MAX_SEED,
  MAX_STEPS,
  nonNegativeFlag,
  onOffFlag,
  resumeFlags,
  runCli,
  scenarioFlag,
  workersFlag,
} from "./cli_util.ts";
import type { WarmStartOptions } from "../distill/mappo.ts";

/**
 * The warm start a run uses: the preset's, switched off by `--warm-start off`, with `episodes`
 * (`--warm-start-episodes N`) replacing its demonstration episodes and scaling each DAgger round's
 * episodes by the same factor (at least 1). Undefined when off or when the preset has none.
 *
 * @example
 * ```ts
 * import { warmStartFor } from "./train.ts";
 * const ws = warmStartFor({ episodes: 500, epochs: 40, daggerRounds: 4, daggerEpisodes: 250 }, true, 50);
 * console.assert(ws!.episodes === 50 && ws!.daggerEpisodes === 25);
 * ```
 */
export function warmStartFor(
  preset: WarmStartOptions | undefined,
  on: boolean,
  episodes: number | undefined,
): WarmStartOptions | undefined {
  if (!preset || !on) return undefined;
  if (episodes === undefined) return preset;
  const dagger = preset.daggerEpisodes ?? preset.episodes;
  return {
    ...preset,
    episodes,
    daggerEpisodes: Math.max(1, Math.round((dagger * episodes) / preset.episodes)),
  };
}

/** The `--help` text. */
export const USAGE = `Usage: deno task train --scenario ID [flags]

Trains a MAPPO teacher (KD-MARL stage 1) with the scenario's preset (distill/presets.ts).

  --scenario ID        environment id, fleet scenario name or scenario file (e.g. leo-wildfire,
                       mpe/simple_spread, my-fleet.json)
  --steps N            total environment steps, 1..1e10 (default: the preset's); with --resume, a
                       new stage
  --seed S             root seed, 0..2147483647 (default 1)
  --out DIR            output folder (default runs/<id>/teacher)
  --resume             continue from DIR/checkpoint.ckpt (an error when there is none)
  --resume-if-present  continue from it when it exists, else start fresh
  --lr START[:END]     learning rate, linear from START to END (default: the preset's)
  --entropy-coef X     entropy bonus (default: the preset's)
  --label-smoothing X  warm start's label smoothing in [0, 1) (scenarios with a warm start only;
                       with --resume from a checkpoint it changes nothing: the warm start is done)
  --warm-start on|off  run the preset's behaviour-cloning warm start from the heuristic (default on
                       for fleet and mpe/simple_spread, off for the SMAX maps, whose shipped teachers
                       had none; none elsewhere); recorded in the provenance
  --warm-start-episodes N
                       the warm start's budget: N demonstration episodes (default the preset's, e.g.
                       500 on simple_spread), DAgger rounds scaled by the same factor; recorded in the
                       provenance
  --agent-id on|off    append a one-hot agent index to each actor's input (default: the preset's,
                       off); the model files record it (agentIdSize) for the runtime and the students
  --recurrent on|off   GRU actors and critic trained by BPTT over rollout chunks (default: the
                       preset's, off); needs --warm-start off where the preset has a warm start
  --chunk-length N     BPTT chunk length of a recurrent run (default 10; must divide the rollout)
  --recipe R           preset (default: the settings the shipped teacher was trained with) or anchor
                       (SMAX maps: the MAPPO paper's / JaxMARL's recipe, distill/presets.ts smaxAnchor:
                       recurrent, agent ids, per-map epochs and clip, 2-10M steps); other flags
                       override either
  --workers N          cores the PPO update uses, 1..the machine's cores (default 1): this thread
                       and N - 1 Deno Workers computing shard gradients of every minibatch; 1 is
                       the single-threaded trainer bit for bit, N > 1 the same update up to float32
                       rounding (bit-reproducible for a seed and N); feed-forward runs only
  --quiet              no progress bar
  --help               this text
`;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string" },
      steps: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      resume: { type: "boolean", default: false },
      "resume-if-present": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      lr: { type: "string" },
      "entropy-coef": { type: "string" },
      "label-smoothing": { type: "string" },
      "warm-start": { type: "string" },
      "warm-start-episodes": { type: "string" },
      "agent-id": { type: "string" },
      recurrent: { type: "string" },
      "chunk-length": { type: "string" },
      recipe: { type: "string" },
      workers: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.scenario) {
    throw new CliError("flag --scenario is required (e.g. --scenario mpe/simple_spread)");
  }
  const { envId, entry, make } = scenarioFlag(values.scenario);
  const preset = entry.preset;
  const steps = intFlag("steps", values.steps, 1, MAX_STEPS);
  const seed = intFlag("seed", values.seed, 0, MAX_SEED);
  const entropyCoef = nonNegativeFlag("entropy-coef", values["entropy-coef"]);
  const agentId = onOffFlag("agent-id", values["agent-id"]);
  const recurrent = onOffFlag("recurrent", values.recurrent);
  const chunkLength = intFlag("chunk-length", values["chunk-length"]);
  const recipe = values.recipe ?? "preset";
  if (recipe !== "preset" && recipe !== "anchor") {
    throw new CliError(`flag --recipe must be "preset" or "anchor", got "${recipe}"`);
  }
  if (recipe === "anchor" && !preset.anchor) {
    throw new CliError(
      `flag --recipe anchor: ${envId} has no anchor recipe (the SMAX maps have one)`,
    );
  }
  const config = {
    ...(recipe === "anchor" ? preset.anchor : preset.teacher),
    ...(steps !== undefined ? { totalEnvSteps: steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...lrFlag(values.lr),
    ...(entropyCoef !== undefined ? { entropyCoef } : {}),
    ...(agentId !== undefined ? { agentIdFeatures: agentId } : {}),
    ...(recurrent !== undefined ? { recurrent } : {}),
    ...(chunkLength !== undefined ? { chunkLength } : {}),
  };
  const workers = workersFlag(
    values.workers,
    navigator.hardwareConcurrency,
    (config as { recurrent?: boolean }).recurrent === true,
  );
  const labelSmoothing = labelSmoothingFlag(values["label-smoothing"]);
  const outDir = values.out ?? `runs/${envId}/teacher`;
  const baseline = entry.heuristic?.make;
  const warmOn = onOffFlag("warm-start", values["warm-start"]);
  const warmEpisodes = intFlag("warm-start-episodes", values["warm-start-episodes"]);
  // The preset's warm start runs by default; an offered one (SMAX) only with --warm-start on.
  const offered = preset.warmStart ?? preset.offeredWarmStart;
  const warmByDefault = preset.warmStart !== undefined;
  const hasWarmStart = offered !== undefined && baseline !== undefined;
  for (
    const [flag, given] of [
      ["--label-smoothing", labelSmoothing !== undefined],
      ["--warm-start", warmOn !== undefined],
      ["--warm-start-episodes", warmEpisodes !== undefined],
    ] as const
  ) {
    if (given && !hasWarmStart) {
      throw new CliError(`flag ${flag} applies to the warm start, and ${envId} has none`);
    }
  }
  if (
    (warmOn === false || (warmOn === undefined && !warmByDefault)) &&
    (warmEpisodes !== undefined || labelSmoothing !== undefined)
  ) {
    throw new CliError(
      `flags --warm-start-episodes and --label-smoothing set the warm start, and --warm-start is off${
        warmOn === undefined ? ` (${envId}'s is off by default: add --warm-start on)` : ""
      }`,
    );
  }
  const resume = await resumeFlags("train", outDir, values.resume, values["resume-if-present"]);
  await checkWritableDir("out", outDir);
  const warm = warmStartFor(offered, warmOn ?? warmByDefault, warmEpisodes);
  await initBackend("wasm");
  const result = await runTeacherTraining({
    envId,
    makeEnv: () => make(),
    config,
    outDir,
    resume,
    quiet: values.quiet,
    command: `deno task train ${args.join(" ")}`.trim(),
    workers,
    warmStart: warm && baseline
      ? {
        controllerFor: baseline,
        ...warm,
        ...(labelSmoothing !== undefined ? { labelSmoothing } : {}),
      }
      : hasWarmStart && (warmByDefault || warmOn === false)
      ? "off"
      : undefined,
  });
  console.log(
    `${
      result.interrupted ? "interrupted" : "trained"
    } ${envId}: ${result.iterations} iterations, ${result.envSteps} env steps, last mean return ${
      result.finalReturn.toFixed(3)
    }, ${result.seconds.toFixed(1)} s${result.modelDir ? `; model in ${result.modelDir}` : ""}`,
  );
}

if (import.meta.main) await runCli("train", () => main(Deno.args), USAGE);
