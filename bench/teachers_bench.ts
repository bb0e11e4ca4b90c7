/**
 * Teacher quality against each scenario's heuristic, on held-out seeds (issue 17's targets): on every SMAX
 * map the scripted heuristic's and the shipped teacher's win rates (95% Wilson intervals) and their paired
 * difference (95% CI over the same episodes), 200 episodes from seed 777001 (never used in training or
 * tuning); on `mpe/simple_spread` the teacher's gap to the optimal-assignment heuristic. Learned policies
 * act as their preset deploys them (argmax on SMAX and MPE), on the plain inference path, without the
 * latency model. Run standalone with `deno run -A bench/teachers_bench.ts`.
 *
 * @example
 * ```ts
 * import { SMAX_TARGETS } from "./teachers_bench.ts";
 * console.assert(SMAX_TARGETS["smax/3s5z"] === 0.9);
 * ```
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";
import {
  evaluateController,
  pairedDifference,
  pairedWinDifference,
  winRate,
} from "../distill/evaluate.ts";
import { actionModeOf, deployableModelsDir } from "../distill/scenario.ts";
import type { BenchRow } from "./report.ts";

const SUITE = "teachers";
const EPISODES = 200;
const SEED = 777001;

/** Issue 17's win-rate targets of the SMAX teachers. */
export const SMAX_TARGETS: Record<string, number> = {
  "smax/3m": 0.99,
  "smax/8m": 0.97,
  "smax/2s3z": 0.95,
  "smax/3s5z": 0.9,
  "smax/3s_vs_5z": 0.8,
};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  await initBackend("cpu");
  const rows: BenchRow[] = [];
  for (const envId of [...Object.keys(SMAX_TARGETS), "mpe/simple_spread"]) {
    const entry = defaultCatalog().get(envId);
    const env = entry.make();
    const dir = deployableModelsDir(entry)!;
    const teacher = await loadPolicySet(`${dir}/teacher`, {
      expect: { classes: env.classes },
      as: "plain",
    });
    const opts = { episodes: EPISODES, seed: SEED };
    const t = evaluateController(
      env,
      new PolicyController("teacher", teacher, { actions: actionModeOf(entry) }),
      opts,
    );
    const h = evaluateController(env, entry.heuristic!.make(env), opts);
    if (entry.successInfo === "won") {
      const hw = winRate(h), tw = winRate(t), d = pairedWinDifference(t, h);
      const target = SMAX_TARGETS[envId];
      rows.push({
        suite: SUITE,
        name: `${envId} heuristic win rate`,
        value: hw.rate * 100,
        unit: "% wins",
        note: `95% CI ${pct(hw.low)}-${pct(hw.high)}; return ${h.mean.toFixed(2)} ± ${
          h.ci95.toFixed(2)
        }; ${EPISODES} episodes from seed ${SEED}`,
      });
      rows.push({
        suite: SUITE,
        name: `${envId} teacher win rate`,
        value: tw.rate * 100,
        unit: "% wins",
        target: `>= ${target * 100}%`,
        met: tw.rate >= target,
        note: `95% CI ${pct(tw.low)}-${pct(tw.high)}; return ${t.mean.toFixed(2)} ± ${
          t.ci95.toFixed(2)
        }`,
      });
      rows.push({
        suite: SUITE,
        name: `${envId} teacher - heuristic win rate (paired)`,
        value: d.mean * 100,
        unit: "points",
        target: "paired 95% CI above 0",
        met: d.mean - d.ci95 > 0,
        note: `± ${(d.ci95 * 100).toFixed(1)} points`,
      });
    } else {
      const d = pairedDifference(t, h);
      const gap = (h.mean - t.mean) / Math.abs(h.mean);
      rows.push({
        suite: SUITE,
        name: `${envId} teacher gap to the assignment heuristic`,
        value: gap * 100,
        unit: "% below",
        target: "<= 5%",
        met: gap <= 0.05,
        note: `teacher ${t.mean.toFixed(2)} ± ${t.ci95.toFixed(2)}, heuristic ${
          h.mean.toFixed(2)
        } ± ${h.ci95.toFixed(2)}, paired ${d.mean.toFixed(2)} ± ${d.ci95.toFixed(2)}`,
      });
    }
  }
  return rows;
}

if (import.meta.main) console.table(await run());
