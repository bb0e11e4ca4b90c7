/**
 * Benchmark of the SMAC-style micromanagement environment (`sim/smax`): environment steps per second on one
 * core with uniformly random legal actions (the fleetkd `RandomController`), episodes auto-reset, on 3m
 * (target >= 20,000 steps/s) and on 3s5z (16 units). A step is 8 SC2 game loops plus observations, masks
 * and `state()` for the critic. Run standalone with `deno run -A bench/smax_bench.ts`.
 *
 * @example
 * ```ts
 * import { run } from "./smax_bench.ts";
 * const rows = await run();
 * console.assert(rows[0].unit === "steps/s");
 * ```
 *
 * @module
 */

import { RandomController } from "../sim/env/controller.ts";
import { SmaxEnv } from "../sim/smax/mod.ts";
import { type BenchRow, timeIt } from "./report.ts";

const SUITE = "smax";
const TARGET_STEPS_PER_S = 20_000;
const STEPS_PER_CALL = 10_000;

function measure(map: string): { stepsPerS: number; episodes: number; wins: number } {
  const env = new SmaxEnv({ map });
  const controller = new RandomController(env.classes, 1);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  const state = new Float32Array(env.stateSize);
  let seed = 0;
  let episodes = 0;
  let wins = 0;
  let result = env.reset(seed);
  controller.reset(seed);
  const seconds = timeIt(() => {
    for (let s = 0; s < STEPS_PER_CALL; s++) {
      controller.act(result, actions);
      result = env.step(actions);
      env.state(state);
      if (result.done) {
        episodes++;
        wins += result.infos.won;
        seed++;
        result = env.reset(seed);
        controller.reset(seed);
      }
    }
  }, 1000);
  return { stepsPerS: STEPS_PER_CALL / seconds, episodes, wins };
}

/** Runs the suite and returns its rows. */
export function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const map of ["3m", "3s5z"]) {
    const m = measure(map);
    const target = map === "3m";
    rows.push({
      suite: SUITE,
      name: `env steps/s, ${map}, random legal actions`,
      value: m.stepsPerS,
      unit: "steps/s",
      target: target ? ">= 20,000" : undefined,
      met: target ? m.stepsPerS >= TARGET_STEPS_PER_S : undefined,
      note: `one core; step + state(), auto-reset; ${m.episodes} episodes, random win rate ${
        (m.wins / Math.max(1, m.episodes)).toFixed(3)
      }`,
    });
  }
  return Promise.resolve(rows);
}

if (import.meta.main) console.table(await run());
