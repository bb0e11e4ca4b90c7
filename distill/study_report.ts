/**
 * The KD-MARL study's report: from the cells' results and the scenarios' references, retention per
 * run, rliable statistics per method (`stats.ts`), CSV, a markdown summary and SVG charts.
 *
 * - Retention of a run: `(student - random) / (teacher - random)` on the held-out evaluation episodes,
 *   on return and, where the scenario has one, on its success figure (SMAX win rate, fleet value
 *   delivered): return retention can hide a loss of wins.
 * - Per scenario and budget, per method: mean and IQM of the runs' retention with stratified bootstrap
 *   95% CIs, and the probability that KD-MARL (`kd`) improves on the method, `P(kd > method)`, with its
 *   CI. A claim "KD beats X" needs the CI's lower bound above 0.5.
 * - Across scenarios (tasks), per budget: IQM and mean over every run of every scenario, bootstrap
 *   stratified by scenario, and `P(kd > method)` averaged over scenarios, as rliable aggregates.
 * - Charts: learning curves (mean retention over seeds vs env steps, per method) and, for groups with a
 *   width sweep, retention vs FLOPs per decision (the Pareto curve), as SVG.
 *
 * @example
 * ```ts
 * import { studyMarkdown } from "./study_report.ts";
 * console.log(studyMarkdown({ plan: { name: "x", file: "x.json", evalSeed: 1_000_000,
 *   evalEpisodes: 2, bootstrapReps: 100 }, cells: [], references: {}, total: 0 }));
 * ```
 *
 * @module
 */

import { lineChart, type Series } from "../viz/svg.ts";
import {
  aggregateMean,
  type Interval,
  iqm,
  probabilityOfImprovementCi,
  stratifiedBootstrapCi,
} from "./stats.ts";
import type { CellEvaluation, CellResult, StudyReference } from "./study_cell.ts";
import type { StudyPlan } from "./study_plan.ts";
import { observationBudgetTag } from "../policies/observation_view.ts";

/** What the report is built from. */
export interface StudyData {
  /** The plan (only these fields are read). */
  plan: Pick<StudyPlan, "name" | "file" | "evalSeed" | "evalEpisodes" | "bootstrapReps">;
  /** Finished cells. */
  cells: CellResult[];
  /** Reference per scenario. */
  references: Record<string, StudyReference>;
  /** Cells in the plan. */
  total: number;
}

/** One run's retention figures. */
export interface RunRetention {
  /** Return retention. */
  return: number;
  /** Success retention (NaN where undefined). */
  success: number;
}

function ratio(x: number, teacher: number, random: number): number {
  const d = teacher - random;
  return Math.abs(d) > 1e-12 ? (x - random) / d : Number.NaN;
}

/**
 * Retention of one evaluation against a reference (final or curve episodes).
 *
 * @example
 * ```ts
 * import { retentionOf } from "./study_report.ts";
 * const r = retentionOf({ envSteps: 0, return: 5, ci95: 0, success: 0.5 },
 *   { envSteps: 0, return: 10, ci95: 0, success: 1 }, { envSteps: 0, return: 0, ci95: 0, success: 0 });
 * console.assert(r.return === 0.5 && r.success === 0.5);
 * ```
 */
export function retentionOf(
  e: CellEvaluation,
  teacher: CellEvaluation,
  random: CellEvaluation,
): RunRetention {
  return {
    return: ratio(e.return, teacher.return, random.return),
    success: e.success !== undefined && teacher.success !== undefined &&
        random.success !== undefined
      ? ratio(e.success, teacher.success, random.success)
      : Number.NaN,
  };
}

/** Key of a comparison group: scenario, budget, width, observation budget, compute-budget group. */
function groupKey(c: CellResult): string {
  const k = c.cell;
  return `${k.scenario} @ ${k.steps} steps${k.width === undefined ? "" : `, width ${k.width}`}${
    k.observation === undefined ? "" : `, observation ${observationTag(k)}`
  }${k.budget ? ` (group ${k.group} budget)` : ""}`;
}

function observationTag(k: CellResult["cell"]): string {
  if (k.observation === undefined) return "";
  return k.observation === "auto" ? "auto" : observationBudgetTag(k.observation);
}

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

function fmtInterval(i: Interval | undefined, digits = 3): string {
  if (!i || !Number.isFinite(i.point)) return "n/a";
  return `${fmt(i.point, digits)} [${fmt(i.low, digits)}, ${fmt(i.high, digits)}]`;
}

/** Runs grouped by comparison group and method, in plan order. */
function grouped(data: StudyData): Map<string, Map<string, CellResult[]>> {
  const out = new Map<string, Map<string, CellResult[]>>();
  for (const c of data.cells) {
    const g = groupKey(c);
    if (!out.has(g)) out.set(g, new Map());
    const m = out.get(g)!;
    if (!m.has(c.cell.method)) m.set(c.cell.method, []);
    m.get(c.cell.method)!.push(c);
  }
  return out;
}

function runRetention(data: StudyData, c: CellResult): RunRetention {
  const ref = data.references[c.cell.scenario];
  return retentionOf(c.final, ref.teacher, ref.random);
}

/** One method's statistics in one comparison group. */
export interface MethodStats {
  /** Method name. */
  method: string;
  /** Runs (seeds). */
  runs: number;
  /** Mean FLOPs reduction against the teacher (agent-weighted FLOPs). */
  flopsReduction: number;
  /** Smallest per-class FLOPs reduction. */
  minClassReduction: number;
  /** Return retention: mean and IQM with CIs. */
  returnMean: Interval;
  /** IQM of return retention. */
  returnIqm: Interval;
  /** Success retention mean (undefined where the scenario has none). */
  successMean?: Interval;
  /** Success retention IQM. */
  successIqm?: Interval;
  /** P(kd > method) on return retention (undefined for kd itself or without kd runs). */
  pReturn?: Interval;
  /** P(kd > method) on success retention. */
  pSuccess?: Interval;
}

/**
 * Statistics per comparison group and method (see module docs).
 *
 * @example
 * ```ts
 * import { studyStatistics } from "./study_report.ts";
 * console.assert(studyStatistics({ plan: { name: "x", file: "x", evalSeed: 1e6, evalEpisodes: 1,
 *   bootstrapReps: 100 }, cells: [], references: {}, total: 0 }).size === 0);
 * ```
 */
export function studyStatistics(data: StudyData): Map<string, MethodStats[]> {
  const reps = data.plan.bootstrapReps;
  const out = new Map<string, MethodStats[]>();
  for (const [g, methods] of grouped(data)) {
    const rows: MethodStats[] = [];
    const kd = methods.get("kd");
    const kdRet = kd?.map((c) => runRetention(data, c));
    for (const [method, runs] of methods) {
      const ret = runs.map((c) => runRetention(data, c));
      const r = ret.map((x) => x.return);
      const s = ret.map((x) => x.success);
      const hasSuccess = s.every(Number.isFinite);
      const seed = 1;
      const row: MethodStats = {
        method,
        runs: runs.length,
        flopsReduction: runs[0].teacherFlops / runs[0].studentFlops,
        minClassReduction: Math.min(...runs[0].classes.map((c) => c.teacherFlops / c.flops)),
        returnMean: stratifiedBootstrapCi([r], aggregateMean, { reps, seed }),
        returnIqm: stratifiedBootstrapCi([r], iqm, { reps, seed }),
      };
      if (hasSuccess) {
        row.successMean = stratifiedBootstrapCi([s], aggregateMean, { reps, seed });
        row.successIqm = stratifiedBootstrapCi([s], iqm, { reps, seed });
      }
      if (kdRet && method !== "kd") {
        row.pReturn = probabilityOfImprovementCi([kdRet.map((x) => x.return)], [r], { reps, seed });
        const ks = kdRet.map((x) => x.success);
        if (hasSuccess && ks.every(Number.isFinite)) {
          row.pSuccess = probabilityOfImprovementCi([ks], [s], { reps, seed });
        }
      }
      rows.push(row);
    }
    out.set(g, rows);
  }
  return out;
}

/** Aggregate over scenarios per step budget (default widths only): IQM, mean and P(kd > method). */
function aggregateRows(data: StudyData): string[] {
  const reps = data.plan.bootstrapReps;
  const byBudget = new Map<number, Map<string, Map<string, number[]>>>();
  for (const c of data.cells) {
    if (c.cell.width !== undefined || c.cell.budget || c.cell.observation !== undefined) continue;
    const b = byBudget.get(c.cell.steps) ?? new Map();
    byBudget.set(c.cell.steps, b);
    const m = b.get(c.cell.method) ?? new Map();
    b.set(c.cell.method, m);
    const runs = m.get(c.cell.scenario) ?? [];
    m.set(c.cell.scenario, runs);
    runs.push(runRetention(data, c).return);
  }
  const lines: string[] = [];
  for (const [steps, methods] of byBudget) {
    const kd = methods.get("kd");
    const scenarios = kd ? [...kd.keys()] : [];
    if (scenarios.length < 2) continue;
    lines.push(
      "",
      `### Across scenarios at ${steps} env steps (${scenarios.join(", ")})`,
      "",
      "Return retention over every run of every scenario, bootstrap stratified by scenario; P(kd > method) averaged over scenarios.",
      "",
      "| method | runs | IQM [95% CI] | mean [95% CI] | P(kd > method) [95% CI] |",
      "| --- | ---: | --- | --- | --- |",
    );
    for (const [method, byScenario] of methods) {
      if (!scenarios.every((s) => byScenario.has(s))) continue;
      const scores = scenarios.map((s) => byScenario.get(s)!);
      const p = method === "kd" ? undefined : probabilityOfImprovementCi(
        scenarios.map((s) => kd!.get(s)!),
        scores,
        { reps, seed: 1 },
      );
      lines.push(
        `| ${method} | ${scores.flat().length} | ${
          fmtInterval(stratifiedBootstrapCi(scores, iqm, { reps, seed: 1 }))
        } | ${fmtInterval(stratifiedBootstrapCi(scores, aggregateMean, { reps, seed: 1 }))} | ${
          p ? fmtInterval(p) : ""
        } |`,
      );
    }
  }
  return lines;
}

function verdict(p: Interval | undefined): string {
  if (!p) return "n/a";
  if (p.low > 0.5) return "yes";
  if (p.high < 0.5) return "no, worse";
  return "no (CI includes 0.5)";
}

/**
 * The markdown summary: per-group tables, the across-scenario aggregate and plain verdicts.
 *
 * @example
 * ```ts
 * import { studyMarkdown } from "./study_report.ts";
 * const md = studyMarkdown({ plan: { name: "x", file: "x.json", evalSeed: 1_000_000, evalEpisodes: 2,
 *   bootstrapReps: 100 }, cells: [], references: {}, total: 3 });
 * console.assert(md.includes("0 of 3 cells"));
 * ```
 */
export function studyMarkdown(data: StudyData): string {
  const stats = studyStatistics(data);
  const lines = [
    `## Study "${data.plan.name}" (${data.plan.file})`,
    "",
    `${data.cells.length} of ${data.total} cells done. Evaluation: ${data.plan.evalEpisodes} episodes on held-out seed ${data.plan.evalSeed} (training seeds 1..999999). ` +
    "Retention = (student - random) / (teacher - random); success = SMAX win rate or fleet value delivered. " +
    `CIs: stratified bootstrap, ${data.plan.bootstrapReps} replicates, 95% percentile intervals; P(kd > X): probability of improvement (rliable).`,
  ];
  const verdicts: string[] = [];
  for (const [g, rows] of stats) {
    const scenario = g.split(" @ ")[0];
    const ref = data.references[scenario];
    lines.push(
      "",
      `### ${g}`,
      "",
      `Teacher return ${fmt(ref.teacher.return, 2)} ±${fmt(ref.teacher.ci95, 2)}${
        ref.teacher.success !== undefined ? `, success ${fmt(ref.teacher.success, 3)}` : ""
      }; random ${fmt(ref.random.return, 2)}${
        ref.random.success !== undefined ? `, success ${fmt(ref.random.success, 3)}` : ""
      }. Teacher networks: ${
        ref.teacherDigest ? `SHA-256 \`${ref.teacherDigest.slice(0, 12)}\`` : "digest not recorded"
      }.`,
      "",
      "| method | runs | FLOPs reduction (min class) | return retention mean [95% CI] | IQM [95% CI] | success retention mean [95% CI] | success IQM | P(kd > method), return | P(kd > method), success |",
      "| --- | ---: | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const r of rows) {
      lines.push(
        `| ${r.method} | ${r.runs} | ${fmt(r.flopsReduction, 1)}x (${
          fmt(r.minClassReduction, 1)
        }x) | ${fmtInterval(r.returnMean)} | ${fmtInterval(r.returnIqm)} | ${
          fmtInterval(r.successMean)
        } | ${fmtInterval(r.successIqm)} | ${r.pReturn ? fmtInterval(r.pReturn, 2) : ""} | ${
          r.pSuccess ? fmtInterval(r.pSuccess, 2) : ""
        } |`,
      );
      if (r.pReturn) {
        verdicts.push(
          `- ${g}: kd beats ${r.method} on return retention: ${verdict(r.pReturn)} (P = ${
            fmtInterval(r.pReturn, 2)
          })${
            r.pSuccess
              ? `; on success: ${verdict(r.pSuccess)} (P = ${fmtInterval(r.pSuccess, 2)})`
              : ""
          }`,
        );
      }
    }
  }
  lines.push(...aggregateRows(data));
  if (verdicts.length) {
    lines.push(
      "",
      "### Verdicts",
      "",
      "A claim needs the CI of P(kd > X) above 0.5; for an ablation `kd-no-T`, a term T helps where kd beats kd-no-T.",
      "",
      ...verdicts,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * One CSV row per run (`results.csv`) and one per learning-curve point (`curves.csv`).
 *
 * @example
 * ```ts
 * import { studyCsv } from "./study_report.ts";
 * const csv = studyCsv({ plan: { name: "x", file: "x", evalSeed: 1e6, evalEpisodes: 1, bootstrapReps: 100 },
 *   cells: [], references: {}, total: 0 });
 * console.assert(csv.results.startsWith("id,scenario,method"));
 * ```
 */
export function studyCsv(data: StudyData): { results: string; curves: string } {
  const results = [
    "id,scenario,method,seed,steps,width,envSteps,studentFlops,teacherFlops,flopsReduction,binding,return,ci95,success,returnRetention,successRetention,evalSeed,evalEpisodes,seconds,observation",
  ];
  const curves = [
    "id,scenario,method,seed,steps,width,envSteps,return,success,returnRetention,successRetention,observation",
  ];
  const v = (x: number | undefined) => x === undefined || Number.isNaN(x) ? "" : String(x);
  for (const c of data.cells) {
    const k = c.cell;
    const ref = data.references[k.scenario];
    const r = retentionOf(c.final, ref.teacher, ref.random);
    results.push(
      [
        k.id,
        k.scenario,
        k.method,
        k.seed,
        k.steps,
        v(k.width),
        c.envSteps,
        c.studentFlops,
        c.teacherFlops,
        c.teacherFlops / c.studentFlops,
        c.classes.map((x) => `${x.name}:${x.binding.join("+")}`).join(" "),
        c.final.return,
        c.final.ci95,
        v(c.final.success),
        v(r.return),
        v(r.success),
        c.evalSeed,
        c.evalEpisodes,
        c.seconds.toFixed(1),
        observationTag(k),
      ].join(","),
    );
    for (const p of c.curve) {
      const q = retentionOf(p, ref.teacherCurve, ref.randomCurve);
      curves.push(
        [
          k.id,
          k.scenario,
          k.method,
          k.seed,
          k.steps,
          v(k.width),
          p.envSteps,
          p.return,
          v(p.success),
          v(q.return),
          v(q.success),
          observationTag(k),
        ].join(","),
      );
    }
  }
  return { results: results.join("\n") + "\n", curves: curves.join("\n") + "\n" };
}

function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/_+$/, "");
}

/**
 * The SVG charts: per comparison group, learning curves of return retention (and success retention)
 * vs env steps, mean over seeds per method; per scenario and budget with a width sweep, retention vs
 * log10 FLOPs per decision per method. Returns file name -> SVG text.
 *
 * @example
 * ```ts
 * import { studyCharts } from "./study_report.ts";
 * console.assert(Object.keys(studyCharts({ plan: { name: "x", file: "x", evalSeed: 1e6,
 *   evalEpisodes: 1, bootstrapReps: 100 }, cells: [], references: {}, total: 0 })).length === 0);
 * ```
 */
export function studyCharts(data: StudyData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [g, methods] of grouped(data)) {
    for (const which of ["return", "success"] as const) {
      const series: Series[] = [];
      for (const [method, runs] of methods) {
        const ref = data.references[runs[0].cell.scenario];
        const byStep = new Map<number, number[]>();
        for (const c of runs) {
          for (const p of c.curve) {
            const r = retentionOf(p, ref.teacherCurve, ref.randomCurve)[which];
            if (!Number.isFinite(r)) continue;
            // Iterations end on rollout boundaries: the k-th point of every seed has the same steps.
            const list = byStep.get(p.envSteps) ?? [];
            list.push(r);
            byStep.set(p.envSteps, list);
          }
        }
        const points = [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(
          ([x, ys]) => [x, ys.reduce((a, b) => a + b, 0) / ys.length] as const,
        );
        if (points.length) series.push({ name: method, points });
      }
      if (series.length === 0) continue;
      out[`curves-${fileSafe(g)}-${which}.svg`] = lineChart({
        title: `${g}: ${which} retention vs env steps (mean over seeds, curve episodes)`,
        xLabel: "env steps",
        yLabel: `${which} retention`,
        series,
      });
    }
  }
  // Pareto: scenario and budget with several widths.
  const sweeps = new Map<string, Map<string, Map<number, number[]>>>();
  const teacherFlops = new Map<string, number>();
  for (const c of data.cells) {
    if (c.cell.width === undefined) continue;
    const key = `${c.cell.scenario} @ ${c.cell.steps} steps`;
    const m = sweeps.get(key) ?? new Map();
    sweeps.set(key, m);
    const byFlops = m.get(c.cell.method) ?? new Map();
    m.set(c.cell.method, byFlops);
    const list = byFlops.get(c.studentFlops) ?? [];
    list.push(runRetention(data, c).return);
    byFlops.set(c.studentFlops, list);
    teacherFlops.set(key, c.teacherFlops);
  }
  for (const [key, methods] of sweeps) {
    const series: Series[] = [...methods.entries()].map(([method, byFlops]) => ({
      name: method,
      points: [...byFlops.entries()].sort((a, b) => a[0] - b[0]).map(
        ([f, ys]) => [Math.log10(f), ys.reduce((a, b) => a + b, 0) / ys.length] as const,
      ),
    }));
    series.push({ name: "teacher", points: [[Math.log10(teacherFlops.get(key)!), 1]] });
    out[`pareto-${fileSafe(key)}.svg`] = lineChart({
      title: `${key}: return retention vs FLOPs per decision (mean over seeds)`,
      xLabel: "log10 FLOPs per decision",
      yLabel: "return retention",
      series,
    });
  }
  return out;
}
