/**
 * The `study` suite: runs the shipped study plan (`study/plan-2core.json`; another with
 * `FLEETKD_STUDY_PLAN=FILE`) into `study/results/<plan name>/` (resumable: finished runs are kept) and
 * reports, per scenario and budget, whether KD-MARL beats each other method: the probability of
 * improvement `P(kd > X)` on return retention with its 95% CI (target: the CI above 0.5), and the
 * issue's headline target (KD beats both the scratch student and behaviour cloning on >= 3 scenarios at
 * >= 20x fewer FLOPs). `summary.md` beside the results has the full tables.
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import { runStudy } from "../distill/study.ts";
import { loadPlan } from "../distill/study_plan.ts";
import { studyStatistics } from "../distill/study_report.ts";
import type { BenchRow } from "./report.ts";

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  const file = Deno.env.get("FLEETKD_STUDY_PLAN") ?? "study/plan-2core.json";
  const plan = await loadPlan(file, defaultCatalog());
  await initBackend("wasm");
  const outDir = `study/results/${plan.name}`;
  const outcome = await runStudy(plan, { outDir, scenarios: defaultCatalog() });
  const rows: BenchRow[] = [];
  const beatsBoth = new Set<string>();
  // The same test at the widths a plan forces (Pareto points): what the method can do at >= 20x,
  // reported beside the headline, which counts only the sizes the budgets choose.
  const beatsBothForced = new Map<string, string[]>();
  const f = (x: number) => x.toFixed(3);
  for (const [group, methods] of studyStatistics(outcome.data)) {
    const kd = methods.find((m) => m.method === "kd");
    if (!kd) continue;
    const wins: Record<string, boolean> = {};
    for (const m of methods) {
      if (!m.pReturn) continue;
      wins[m.method] = m.pReturn.low > 0.5;
      rows.push({
        suite: "study",
        name: `${plan.name} plan, ${group}: P(kd > ${m.method})`,
        value: m.pReturn.point,
        unit: "probability of improvement",
        comparisonName: "",
        target: "95% CI above 0.5",
        met: m.pReturn.low > 0.5,
        note: `CI [${f(m.pReturn.low)}, ${f(m.pReturn.high)}]; return retention IQM kd ${
          f(kd.returnIqm.point)
        } vs ${m.method} ${f(m.returnIqm.point)} (${m.runs} and ${kd.runs} seeds)${
          m.pSuccess
            ? `; success: P ${f(m.pSuccess.point)} [${f(m.pSuccess.low)}, ${
              f(m.pSuccess.high)
            }], IQM kd ${f(kd.successIqm!.point)} vs ${f(m.successIqm!.point)}`
            : ""
        }; ${kd.flopsReduction.toFixed(1)}x fewer FLOPs than the teacher (min class ${
          kd.minClassReduction.toFixed(1)
        }x)`,
      });
    }
    // Scenarios at their budget-sized students (width sweeps are Pareto points, not scenarios).
    if (wins.scratch && wins.bc && kd.minClassReduction >= 20) {
      const scenario = group.split(" @ ")[0];
      if (!group.includes(", width")) beatsBoth.add(scenario);
      else {
        const at = `${kd.minClassReduction.toFixed(1)}x`;
        beatsBothForced.set(scenario, [...(beatsBothForced.get(scenario) ?? []), at]);
      }
    }
  }
  rows.push({
    suite: "study",
    name: `${plan.name} plan: scenarios where kd beats scratch and bc at >= 20x fewer FLOPs`,
    value: beatsBoth.size,
    unit: "scenarios",
    target: ">= 3",
    met: beatsBoth.size >= 3,
    note: `${outcome.data.cells.length} of ${outcome.total} runs; ${
      [...beatsBoth].join(", ") || "none"
    }; tables in ${outDir}/summary.md (plan ${file})`,
  });
  rows.push({
    suite: "study",
    name:
      `${plan.name} plan: scenarios where kd beats scratch and bc at >= 20x fewer FLOPs, widths forced by the plan`,
    value: beatsBothForced.size,
    unit: "scenarios",
    note: [...beatsBothForced].map(([s, at]) => `${s} at ${at.join(", ")}`).join("; ") ||
      "none",
  });
  return rows;
}

if (import.meta.main) console.table(await run());
