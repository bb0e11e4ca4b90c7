/**
 * What fleetkd knows about one scenario, in one record: how to build its environment, its heuristic
 * baseline, where its models are, its training preset (budgets, action mode, evaluation episodes) and the
 * info that counts as success in a study. The catalog (`catalog/`) holds one {@linkcode ScenarioEntry}
 * per scenario; the training, distillation, evaluation, regression and study code here reads the facts
 * from the entry it is given, never from the shape of an id.
 *
 * @example
 * ```ts
 * import { actionModeOf, budgetsOf, type ScenarioEntry } from "./scenario.ts";
 * import { presetFor } from "./presets.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const entry: ScenarioEntry = {
 *   id: "toy/matching", name: "matching", description: "cue matching",
 *   make: () => new MatchingEnv(), modelsDir: "scenarios/toy__matching/models",
 *   preset: presetFor("toy/matching"),
 * };
 * console.assert(actionModeOf(entry) === "greedy");
 * console.assert(budgetsOf(entry, entry.make()).length === 2);
 * ```
 *
 * @module
 */

import { type ComputeBudget, resolveBudget } from "../sim/budget.ts";
import type { Controller } from "../sim/env/controller.ts";
import type { EnvOptions } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import type { ActionMode } from "../policies/controller.ts";
import { DEFAULT_DECISION_PERIOD_MS } from "./platforms.ts";
import type { TrainingPreset } from "./presets.ts";

/** A scenario's scripted baseline. */
export interface HeuristicEntry {
  /** One line describing it (what the server lists). */
  readonly description: string;
  /** A controller of it for `env` (an environment of this scenario). */
  readonly make: (env: MultiAgentEnv) => Controller;
}

/** One scenario of the catalog. */
export interface ScenarioEntry {
  /** Environment id, `family/name`, e.g. `"fleet/leo-wildfire"` or `"smax/3m"`. */
  readonly id: string;
  /** Short name that also selects it where it is unambiguous, e.g. `"leo-wildfire"`, `"3m"`. */
  readonly name: string;
  /** One line describing it. */
  readonly description: string;
  /** Builds a fresh environment (options: the environment's own documented keys). */
  readonly make: (options?: EnvOptions) => MultiAgentEnv;
  /** The scripted baseline every learned policy is compared with (none for the toy task). */
  readonly heuristic?: HeuristicEntry;
  /** The folder of the scenario's own shipped models (`teacher/`, `students/`), present or not. */
  readonly modelsDir: string;
  /**
   * Models folder whose node-class policies deploy here when the scenario ships none of its own (a fleet
   * scenario file reuses the shipped fleet students, whose classes it shares).
   */
  readonly fallbackModelsDir?: string;
  /** Training and deployment preset (MAPPO and KD settings, platforms, action mode, episodes). */
  readonly preset: TrainingPreset;
  /** The scenario file it was loaded from, for a fleet scenario given by path. */
  readonly file?: string;
  /** The per-episode info a study reports as its success measure (`won` on SMAX). */
  readonly successInfo?: string;
}

/** How `entry`'s deployed policies pick actions (the preset's, else greedy). */
export function actionModeOf(entry: Pick<ScenarioEntry, "preset">): ActionMode {
  return entry.preset.actions ?? "greedy";
}

/** Episodes of `entry`'s regression measurement: the preset's `regressionEpisodes`, else `evalEpisodes`. */
export function regressionEpisodesOf(entry: Pick<ScenarioEntry, "preset">): number {
  return entry.preset.regressionEpisodes ?? entry.preset.evalEpisodes;
}

/**
 * The compute budget of each class of `env` (in class order): the environment's own (fleet scenarios),
 * else the preset's deployment platform for the class name or `"*"`, its deadline share resolved against the
 * environment's decision period (`DEFAULT_DECISION_PERIOD_MS` for an environment without a clock).
 */
export function budgetsOf(
  entry: Pick<ScenarioEntry, "id" | "preset">,
  env: {
    classes: readonly { name: string }[];
    budgets?: readonly ComputeBudget[];
    decisionPeriodMs?: number;
  },
): ComputeBudget[] {
  if (env.budgets) return [...env.budgets];
  const deployment = entry.preset.deployment ?? {};
  return env.classes.map((c) => {
    const b = deployment[c.name] ?? deployment["*"];
    if (!b) throw new RangeError(`No deployment budget for class "${c.name}" of "${entry.id}"`);
    return resolveBudget(b, env.decisionPeriodMs ?? DEFAULT_DECISION_PERIOD_MS, c.name);
  });
}

function hasStudents(dir: string): boolean {
  try {
    Deno.statSync(`${dir}/students/manifest.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The models folder `entry` deploys: its own when it ships students, else its fallback's when that
 * ships students, else `undefined`.
 */
export function deployableModelsDir(
  entry: Pick<ScenarioEntry, "modelsDir" | "fallbackModelsDir">,
): string | undefined {
  if (hasStudents(entry.modelsDir)) return entry.modelsDir;
  if (entry.fallbackModelsDir && hasStudents(entry.fallbackModelsDir)) {
    return entry.fallbackModelsDir;
  }
  return undefined;
}

/** Whether `entry` ships a teacher and students of its own. */
export async function shipsModels(entry: Pick<ScenarioEntry, "modelsDir">): Promise<boolean> {
  const has = await Promise.all(
    ["teacher", "students"].map((k) =>
      Deno.stat(`${entry.modelsDir}/${k}/manifest.json`).then(() => true, () => false)
    ),
  );
  return has.every(Boolean);
}

/** The regression baseline file of `entry`: `baseline.json` beside its models folder. */
export function baselinePathOf(entry: Pick<ScenarioEntry, "modelsDir">): string {
  return `${entry.modelsDir.replace(/\/models$/, "")}/baseline.json`;
}

/**
 * Finds scenarios by id or short name: what the distillation, study and regression code is handed (the
 * catalog in `catalog/` is one).
 */
export interface ScenarioLookup {
  /** The entry of `nameOrId` (an id or an unambiguous short name); throws naming the known ones. */
  get(nameOrId: string): ScenarioEntry;
  /** Every entry, sorted by id. */
  list(): readonly ScenarioEntry[];
}
