/**
 * `deno task study`'s engine: runs every cell of a plan (`study_plan.ts`) with
 * {@linkcode runStudyCell}, resumable run by run, and writes the report (`study_report.ts`).
 *
 * Output folder (default `runs/study/<plan name>`):
 * - `reference/<scenario>.json`: the teacher and random policy on the evaluation episodes;
 * - `cells/<cell id>.json`: one result per cell, written atomically when the cell finishes; a cell
 *   whose file exists is skipped, so an interrupted study resumes where it stopped (Ctrl-C stops after
 *   the running cell);
 * - every cell and reference records the SHA-256 of the teacher's networks ({@linkcode modelDigest}).
 *   A run re-measures a reference and re-runs a cell made with another teacher than the plan's (or
 *   that records none); a report counts a cell only when its teacher is its scenario's reference's,
 *   so a retention is never a student of one teacher over the figures of another;
 * - `results.csv`, `curves.csv`, `summary.md`, `curves-*.svg`, `pareto-*.svg`.
 *
 * @example
 * ```ts
 * import { runStudy } from "./study.ts";
 * import { parsePlan } from "./study_plan.ts";
 * import { defaultCatalog } from "../catalog/mod.ts";
 * const scenarios = defaultCatalog();
 * const plan = parsePlan({ name: "x", evalEpisodes: 2, overrides: { numEnvs: 2, rolloutSteps: 8 },
 *   groups: [{ scenarios: ["smax/3m"], methods: ["kd", "scratch"], seeds: 1, steps: [16] }] }, "x.json",
 *   scenarios);
 * const out = await runStudy(plan, { outDir: await Deno.makeTempDir(), quiet: true, scenarios });
 * console.log(out.markdown);
 * ```
 *
 * @module
 */

import { writeFileAtomic } from "../sim/atomic_write.ts";
import { modelDigest } from "./model_store.ts";
import { StopSignal } from "./stop_signal.ts";
import {
  type CellResult,
  runStudyCell,
  STUDY_CELL_FORMAT,
  type StudyReference,
  studyReference,
} from "./study_cell.ts";
import { planCells, type StudyCell, type StudyPlan } from "./study_plan.ts";
import type { ScenarioLookup } from "./scenario.ts";
import type { BindingConstraint } from "../policies/sizing.ts";
import { studyCharts, studyCsv, type StudyData, studyMarkdown } from "./study_report.ts";

/** Options of {@linkcode runStudy}. */
export interface StudyOptions {
  /** Output folder. */
  outDir: string;
  /** Where the plan's scenarios are looked up (the catalog). */
  scenarios: ScenarioLookup;
  /** No progress lines on stderr. */
  quiet?: boolean;
  /** Only the cells this accepts (default all). */
  filter?: (cell: StudyCell) => boolean;
  /** Write the report from the finished cells without running any. */
  reportOnly?: boolean;
}

/** What {@linkcode runStudy} returns. */
export interface StudyOutcome {
  /** Cells run now. */
  ran: number;
  /** Cells skipped because their result existed. */
  skipped: number;
  /** Cells in the plan (after the filter). */
  total: number;
  /** Stopped by a signal before the end. */
  interrupted: boolean;
  /** Finished cells left out of the report because their teacher is not their reference's. */
  stale: number;
  /** The report's data. */
  data: StudyData;
  /** The markdown summary. */
  markdown: string;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}

/**
 * A cell result as this version reads it: results written before the sizer reported every binding
 * constraint hold `binding` as one string per class.
 */
export function upgradeCell(result: CellResult): CellResult {
  const classes = result.classes.map((c) => ({
    ...c,
    binding: Array.isArray(c.binding) ? c.binding : [c.binding as unknown as BindingConstraint],
  }));
  return { ...result, classes };
}

/** Runs the plan's cells not yet done, then writes the report (see module docs). */
export async function runStudy(plan: StudyPlan, options: StudyOptions): Promise<StudyOutcome> {
  const out = options.outDir;
  const log = (m: string) => {
    if (!options.quiet) console.error(`study: ${m}`);
  };
  await Deno.mkdir(`${out}/cells`, { recursive: true });
  await Deno.mkdir(`${out}/reference`, { recursive: true });
  const cells = planCells(plan).filter(options.filter ?? (() => true));
  const references: Record<string, StudyReference> = {};
  const digests: Record<string, string> = {};
  const teacherDigest = async (scenario: string) =>
    digests[scenario] ??= await modelDigest(plan.teachers[scenario]);
  const short = (digest: string | undefined) => digest ? digest.slice(0, 12) : "none recorded";
  const reference = async (scenario: string) => {
    if (references[scenario]) return references[scenario];
    const path = `${out}/reference/${scenario.replace("/", "__")}.json`;
    let ref = await readJson<StudyReference>(path);
    if (
      !ref || ref.evalSeed !== plan.evalSeed || ref.evalEpisodes !== plan.evalEpisodes ||
      ref.curveEpisodes !== plan.curveEpisodes ||
      // A report writes from the references on disk; a run measures against the plan's teacher.
      (!options.reportOnly && ref.teacherDigest !== await teacherDigest(scenario))
    ) {
      log(`reference ${scenario}: teacher and random on ${plan.evalEpisodes} held-out episodes`);
      ref = await studyReference(plan, scenario, options.scenarios);
      await writeFileAtomic(path, JSON.stringify(ref, null, 2) + "\n");
    }
    return references[scenario] = ref;
  };
  const results: CellResult[] = [];
  let ran = 0, skipped = 0;
  const stop = new StopSignal();
  const started = performance.now();
  try {
    for (const [i, cell] of cells.entries()) {
      const path = `${out}/cells/${cell.id}.json`;
      const done = await readJson<CellResult>(path);
      if (
        done?.format === STUDY_CELL_FORMAT && done.cell.id === cell.id &&
        done.evalSeed === plan.evalSeed && done.evalEpisodes === plan.evalEpisodes
      ) {
        if (options.reportOnly || done.teacherDigest === await teacherDigest(cell.scenario)) {
          results.push(upgradeCell(done));
          skipped++;
          continue;
        }
        log(
          `${cell.id}: made with teacher ${short(done.teacherDigest)}, the plan's is ${
            short(await teacherDigest(cell.scenario))
          }; running it again`,
        );
      }
      if (options.reportOnly || stop.requested) continue;
      await reference(cell.scenario);
      const t0 = performance.now();
      const result = await runStudyCell(plan, cell, options.scenarios);
      await writeFileAtomic(path, JSON.stringify(result) + "\n");
      results.push(result);
      ran++;
      const elapsed = (performance.now() - started) / 1000;
      const left = cells.length - i - 1;
      log(
        `[${i + 1}/${cells.length}] ${cell.id}: return ${result.final.return.toFixed(3)}${
          result.final.success !== undefined ? `, success ${result.final.success.toFixed(3)}` : ""
        } (${((performance.now() - t0) / 1000).toFixed(1)} s; ~${
          Math.round((elapsed / ran) * left)
        } s left for ${left} cells)`,
      );
    }
    for (const c of results) await reference(c.cell.scenario);
  } finally {
    stop.dispose();
  }
  if (stop.requested) log("interrupted; finished cells are kept (run again to resume)");
  const counted: CellResult[] = [];
  for (const c of results) {
    const ref = references[c.cell.scenario];
    if (c.teacherDigest === ref.teacherDigest) counted.push(c);
    else {
      log(
        `${c.cell.id}: left out of the report: teacher ${short(c.teacherDigest)}, its reference's ${
          short(ref.teacherDigest)
        }`,
      );
    }
  }
  const stale = results.length - counted.length;
  const data: StudyData = { plan, cells: counted, references, total: cells.length };
  const markdown = studyMarkdown(data);
  const csv = studyCsv(data);
  await writeFileAtomic(`${out}/results.csv`, csv.results);
  await writeFileAtomic(`${out}/curves.csv`, csv.curves);
  await writeFileAtomic(`${out}/summary.md`, markdown);
  for (const [name, svg] of Object.entries(studyCharts(data))) {
    await writeFileAtomic(`${out}/${name}`, svg);
  }
  log(`wrote ${out}/summary.md, results.csv, curves.csv and the charts`);
  return {
    ran,
    skipped,
    total: cells.length,
    interrupted: stop.requested,
    stale,
    data,
    markdown,
  };
}
