/**
 * Training throughput of `deno task train` (issue 17): environment steps per second of the MAPPO teacher's
 * iterations (rollout and update) with each scenario's preset, on the tfjs WASM backend as the task runs,
 * for smax/3m, smax/3s5z, mpe/simple_spread and fleet/leo-wildfire, with 1 worker (today's single-threaded
 * trainer) and with 2 (`--workers 2`: the PPO update's minibatches split between the main thread and a Deno
 * Worker, see `distill/grad_pool.ts`). Both trainers are built side by side and their timed iterations
 * interleave (1, 2, 1, 2, ...), so a change in the machine's load hits both alike; each warms up for one
 * iteration first. The note gives each thread's CPU time per iteration (Linux `/proc/self/task`): on a
 * machine shared with other jobs, wall time far above CPU time means the threads waited for a core. On
 * simple_spread the batched MPE environment (`MpeBatchEnv`, which the trainer steps) is also measured next
 * to the `VectorEnv` of single copies it replaced. Run standalone with `deno run -A bench/train_bench.ts`.
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
const TIMED_ITERATIONS = 3;

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

/** CPU milliseconds of each thread of this process, by thread id (empty where /proc is missing). */
function threadCpu(): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  try {
    for (const e of Deno.readDirSync("/proc/self/task")) {
      const s = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`);
      const name = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out.set(e.name, { name, ms: (Number(f[11]) + Number(f[12])) * 10 });
    }
  } catch { /* not Linux */ }
  return out;
}

/** Measures trainers of `make` with each worker count, their timed iterations interleaved. */
async function measure(
  make: () => MultiAgentEnv,
  envId: string,
  workerCounts: readonly number[],
): Promise<{ stepsPerSecond: number; wallMs: number; cpu: string }[]> {
  const config = { ...defaultCatalog().get(envId).preset.teacher, checkpointEvery: 0 };
  const trainers: MappoTrainer[] = [];
  try {
    for (const w of workerCounts) {
      const t = new MappoTrainer(make, config);
      trainers.push(t);
      await t.startWorkers(w);
      t.iterate();
    }
    const seconds = trainers.map(() => 0);
    const cpu = trainers.map(() => ({ main: 0, workers: 0 }));
    for (let i = 0; i < TIMED_ITERATIONS; i++) {
      trainers.forEach((t, k) => {
        const before = threadCpu();
        seconds[k] += t.iterate().seconds;
        for (const [id, after] of threadCpu()) {
          const d = after.ms - (before.get(id)?.ms ?? 0);
          if (id === String(Deno.pid)) cpu[k].main += d;
          else if (after.name.startsWith("worker-")) cpu[k].workers += d;
        }
      });
    }
    const steps = TIMED_ITERATIONS * config.numEnvs! * config.rolloutSteps!;
    return trainers.map((_, k) => ({
      stepsPerSecond: steps / seconds[k],
      wallMs: (1000 * seconds[k]) / TIMED_ITERATIONS,
      cpu: `main thread ${Math.round(cpu[k].main / TIMED_ITERATIONS)} ms CPU${
        workerCounts[k] > 1
          ? ` + worker ${Math.round(cpu[k].workers / TIMED_ITERATIONS)} ms CPU`
          : ""
      }`,
    }));
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  await initBackend("wasm");
  const rows: BenchRow[] = [];
  for (const envId of TRAIN_SCENARIOS) {
    const c = defaultCatalog().get(envId).preset.teacher;
    const sizes =
      `${c.numEnvs} copies x ${c.rolloutSteps} steps, ${c.epochs} epochs x ${c.minibatches} minibatches`;
    const [one, two] = await measure(() => defaultCatalog().makeEnv(envId), envId, [1, 2]);
    const perIteration = (m: { wallMs: number; cpu: string }) =>
      `${Math.round(m.wallMs)} ms wall per iteration, ${m.cpu}`;
    rows.push({
      suite: SUITE,
      name: `${envId} env steps/s, 1 worker`,
      value: one.stepsPerSecond,
      unit: "steps/s",
      note: `${sizes}; today's trainer; ${perIteration(one)}`,
    });
    rows.push({
      suite: SUITE,
      name: `${envId} env steps/s, 2 workers`,
      value: two.stepsPerSecond,
      unit: "steps/s",
      comparisonName: "1 worker, same run",
      comparison: one.stepsPerSecond,
      target: ">= 2x 1 worker",
      met: two.stepsPerSecond >= 2 * one.stepsPerSecond,
      note: `${sizes}; --workers 2; ${perIteration(two)}`,
    });
    if (envId === "mpe/simple_spread") {
      const [vector] = await measure(unbatched(envId), envId, [1]);
      rows.push({
        suite: SUITE,
        name: `${envId} env steps/s, 1 worker, VectorEnv of single copies`,
        value: vector.stepsPerSecond,
        unit: "steps/s",
        comparisonName: "MpeBatchEnv, 1 worker, same run",
        comparison: one.stepsPerSecond,
        note: `${sizes}; ${perIteration(vector)}`,
      });
    }
  }
  return rows;
}

if (import.meta.main) console.table(await run());
