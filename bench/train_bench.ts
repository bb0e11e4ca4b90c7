/**
 * Training throughput of `deno task train` (issue 17): environment steps per second of the MAPPO teacher's
 * iterations (rollout and update) with each scenario's preset, on the tfjs WASM backend as the task runs,
 * for smax/3m, smax/3s5z, mpe/simple_spread and fleet/leo-wildfire. One iteration warms up, the next two
 * are timed. On simple_spread the batched MPE environment (`MpeBatchEnv`, which the trainer now steps) is
 * measured next to the `VectorEnv` of single copies it replaced, interleaved in the same run. Rollout
 * workers (two collectors feeding one learner) are not built yet: every row is one worker. Run standalone
 * with `deno run -A bench/train_bench.ts`.
 *
 * @example
 * ```ts
 * import { TRAIN_SCENARIOS } from "./train_bench.ts";
 * console.assert(TRAIN_SCENARIOS.includes("smax/3m"));
 * ```
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { initBackend } from "../policies/backend.ts";
import { MappoTrainer } from "../distill/mappo.ts";
import type { BenchRow } from "./report.ts";

const SUITE = "train";
const TIMED_ITERATIONS = 2;

/** The scenarios measured. */
export const TRAIN_SCENARIOS = ["smax/3m", "smax/3s5z", "mpe/simple_spread", "fleet/leo-wildfire"];

/** The same environment without a batched form of its own, so the trainer wraps it in a VectorEnv. */
function unbatched(envId: string): () => MultiAgentEnv {
  return () => {
    const env = defaultCatalog().makeEnv(envId);
    return {
      id: env.id,
      classes: env.classes,
      agents: env.agents,
      stateSize: env.stateSize,
      maxSteps: env.maxSteps,
      reset: (seed: number) => env.reset(seed),
      step: (a: readonly Int32Array[]) => env.step(a),
      state: (out?: Float32Array) => env.state(out),
    };
  };
}

function stepsPerSecond(make: () => MultiAgentEnv, envId: string): number {
  const trainer = new MappoTrainer(make, {
    ...defaultCatalog().get(envId).preset.teacher,
    checkpointEvery: 0,
  });
  trainer.iterate();
  let seconds = 0;
  let steps = 0;
  for (let i = 0; i < TIMED_ITERATIONS; i++) {
    const s = trainer.iterate();
    seconds += s.seconds;
    steps += trainer.config.numEnvs * trainer.config.rolloutSteps;
  }
  trainer.dispose();
  return steps / seconds;
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  await initBackend("wasm");
  const rows: BenchRow[] = [];
  for (const envId of TRAIN_SCENARIOS) {
    const c = defaultCatalog().get(envId).preset.teacher;
    const note =
      `${c.numEnvs} copies x ${c.rolloutSteps} steps, ${c.epochs} epochs x ${c.minibatches} minibatches; 1 worker`;
    if (envId === "mpe/simple_spread") {
      const vector = stepsPerSecond(unbatched(envId), envId);
      const batched = stepsPerSecond(() => defaultCatalog().makeEnv(envId), envId);
      rows.push({
        suite: SUITE,
        name: `${envId} env steps/s (MpeBatchEnv)`,
        value: batched,
        unit: "steps/s",
        comparisonName: "VectorEnv of single copies, same run",
        comparison: vector,
        target: ">= 2x today's",
        met: batched >= 2 * vector,
        note,
      });
      continue;
    }
    const v = stepsPerSecond(() => defaultCatalog().makeEnv(envId), envId);
    rows.push({
      suite: SUITE,
      name: `${envId} env steps/s`,
      value: v,
      unit: "steps/s",
      target: ">= 2x today's (rollout workers not built; the update dominates)",
      met: false,
      note,
    });
  }
  return rows;
}

if (import.meta.main) console.table(await run());
