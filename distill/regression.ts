/**
 * Scenario regression baselines: the figures a shipped scenario's models produce on fixed seeds, recorded
 * in `scenarios/<name>/baseline.json` by `deno task baseline` and checked by `tests/` so that a change in
 * dynamics, observations or models that moves them fails with a readable account of what moved and by
 * how much.
 *
 * Everything measured is deterministic: seeded episodes, the plain Float32Array inference path (exact
 * JavaScript arithmetic, no backend differences) and the latency model's bookkeeping, whose latency draws
 * come from seeded streams. Tolerances
 * are therefore tight; they only absorb float formatting.
 *
 * @example
 * ```ts
 * import { compareToBaseline } from "./regression.ts";
 * const diffs = compareToBaseline(
 *   { "students.return": 4.0 },
 *   { envId: "x", episodes: 1, seed: 0, date: "", codeVersion: "", metrics: {
 *     "students.return": { value: 5.0, tolerance: 0.01 } } },
 * );
 * console.assert(diffs.length === 1 && diffs[0].includes("students.return"));
 * ```
 *
 * @module
 */

import { z } from "zod";
import { InputError } from "../sim/input_error.ts";
import type { SameType } from "../sim/same_type.ts";
import { expectationFor, loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";
import { actorCost } from "../policies/cost.ts";
import { RandomController } from "../sim/env/controller.ts";
import { evaluateController, retention } from "./evaluate.ts";
import {
  actionModeOf,
  baselinePathOf,
  budgetsOf,
  deployableModelsDir,
  regressionEpisodesOf,
  type ScenarioEntry,
} from "./scenario.ts";

/** A recorded baseline. */
export interface ScenarioBaseline {
  /** Environment id. */
  envId: string;
  /** Episodes measured. */
  episodes: number;
  /** Evaluation seed. */
  seed: number;
  /** When it was recorded. */
  date: string;
  /** Code version it was recorded at. */
  codeVersion: string;
  /** Metric name -> recorded value and allowed absolute deviation. */
  metrics: Record<string, { value: number; tolerance: number }>;
}

const baselineZod = z.object({
  envId: z.string(),
  episodes: z.number().int().positive(),
  seed: z.number().int().min(0),
  date: z.string(),
  codeVersion: z.string(),
  metrics: z.record(z.string(), z.object({ value: z.number(), tolerance: z.number().min(0) })),
});
const _baselineSame: SameType<z.output<typeof baselineZod>, ScenarioBaseline> = true;

/**
 * zod schema of `baseline.json`.
 *
 * @example
 * ```ts
 * import { baselineSchema } from "./regression.ts";
 * console.assert(!baselineSchema.safeParse({ envId: "toy/matching", episodes: 0 }).success);
 * ```
 */
export const baselineSchema: z.ZodType<ScenarioBaseline> = baselineZod;

/**
 * Episodes of a scenario's regression measurement: the preset's `regressionEpisodes`, else its
 * `evalEpisodes`, so the retention recorded in `baseline.json` is the figure the bars are judged on.
 */
export function regressionEpisodes(scenario: Pick<ScenarioEntry, "preset">): number {
  return regressionEpisodesOf(scenario);
}

/**
 * Measures a scenario's deployable models ({@linkcode deployableModelsDir}): returns of students (ideal and
 * deployed), teacher (ideal and deployed), the baseline and random; the students' retention; per-class
 * FLOPs reduction; per class, the deployed deadline-miss rate and inference energy per node-episode of
 * students and teacher; the students' final infos; where the environment reports wins (SMAX), the
 * teacher's and the baseline's win rates (`teacher.info.won`, `baseline.info.won`). Returns a flat
 * metric map.
 */
export async function measureScenario(
  scenario: ScenarioEntry,
  episodes: number = regressionEpisodes(scenario),
  seed = 0,
): Promise<Record<string, number>> {
  const env = scenario.make();
  const dir = deployableModelsDir(scenario);
  if (dir === undefined) {
    throw new InputError(`Cannot measure "${scenario.id}": it has no shipped models`);
  }
  const expect = expectationFor(env);
  const students = await loadPolicySet(`${dir}/students`, { expect, as: "plain" });
  const teacher = await loadPolicySet(`${dir}/teacher`, { expect, as: "plain" });
  const budgets = budgetsOf(scenario, env);
  const actions = actionModeOf(scenario);
  const run = (c: Parameters<typeof evaluateController>[1]) =>
    evaluateController(env, c, { episodes, seed });
  const sIdeal = run(new PolicyController("students", students, { actions }));
  const sController = PolicyController.deployed(
    "students",
    students,
    env,
    budgets,
    undefined,
    actions,
  );
  const sDeployed = run(sController);
  const tIdeal = run(new PolicyController("teacher", teacher, { actions }));
  const tController = PolicyController.deployed(
    "teacher",
    teacher,
    env,
    budgets,
    undefined,
    actions,
  );
  const tDeployed = run(tController);
  const random = run(new RandomController(env.classes, seed));
  const metrics: Record<string, number> = {
    "students.return": sIdeal.mean,
    "students.deployedReturn": sDeployed.mean,
    "teacher.return": tIdeal.mean,
    "teacher.deployedReturn": tDeployed.mean,
    "random.return": random.mean,
    "students.retention": retention(sIdeal.mean, tIdeal.mean, random.mean),
    "students.deployedRetention": retention(sDeployed.mean, tIdeal.mean, random.mean),
  };
  const base = scenario.heuristic ? run(scenario.heuristic.make(env)) : undefined;
  if (base) metrics["baseline.return"] = base.mean;
  // Win rates where the environment reports wins (SMAX): the teacher's quality floors read them.
  if (tIdeal.wins) metrics["teacher.info.won"] = tIdeal.infos.won;
  if (base?.wins) metrics["baseline.info.won"] = base.infos.won;
  env.classes.forEach((c, i) => {
    metrics[`flopsReduction.${c.name}`] = actorCost(teacher.classes[i].actor.spec).flops /
      actorCost(students.classes[i].actor.spec).flops;
  });
  // Deployed figures of the platform model per class: miss rate and inference energy per node-episode.
  for (const [who, controller] of [["students", sController], ["teacher", tController]] as const) {
    controller.gate!.stats().forEach((st, i) => {
      const name = env.classes[i].name;
      metrics[`${who}.missRate.${name}`] = st.missRate;
      metrics[`${who}.inferenceEnergyJ.${name}`] = env.classes[i].count > 0
        ? st.energyJ / episodes / env.classes[i].count
        : 0;
    });
  }
  for (const [k, v] of Object.entries(sIdeal.infos)) metrics[`students.info.${k}`] = v;
  return metrics;
}

/** Tolerance of a metric: 1e-6 relative plus 1e-9 absolute (the measurements are deterministic). */
export function defaultTolerance(value: number): number {
  return Math.abs(value) * 1e-6 + 1e-9;
}

/**
 * Lines describing every metric outside its tolerance, or missing on either side:
 * `students.return moved from 4.2100 to 3.1000 (-1.1100, -26.37%); tolerance ±4.21e-6`.
 */
export function compareToBaseline(
  metrics: Record<string, number>,
  baseline: ScenarioBaseline,
): string[] {
  const diffs: string[] = [];
  for (const [name, { value, tolerance }] of Object.entries(baseline.metrics)) {
    const now = metrics[name];
    if (now === undefined) {
      diffs.push(`${name} was recorded (${value.toFixed(4)}) but is no longer measured`);
      continue;
    }
    const delta = now - value;
    if (!(Math.abs(delta) <= tolerance)) {
      const pct = value !== 0
        ? ` ${delta >= 0 ? "+" : ""}${((delta / Math.abs(value)) * 100).toFixed(2)}%,`
        : "";
      diffs.push(
        `${name} moved from ${value.toFixed(4)} to ${now.toFixed(4)} (${delta >= 0 ? "+" : ""}${
          delta.toFixed(4)
        },${pct} tolerance ±${tolerance.toExponential(2)})`,
      );
    }
  }
  for (const name of Object.keys(metrics)) {
    if (!(name in baseline.metrics)) {
      diffs.push(`${name} is measured (${metrics[name].toFixed(4)}) but not recorded`);
    }
  }
  return diffs;
}

/** Reads and validates `scenarios/<name>/baseline.json`. */
export async function readBaseline(path: string): Promise<ScenarioBaseline> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new InputError(`Cannot load baseline "${path}": ${(e as Error).message}`);
  }
  const parsed = baselineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `Cannot load baseline "${path}": field "${issue.path.join(".")}" ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The baseline file of `scenario`: `baseline.json` beside its models folder. */
export function baselinePath(scenario: Pick<ScenarioEntry, "modelsDir">): string {
  return baselinePathOf(scenario);
}
