/**
 * The KD-MARL study's plan: which scenarios, methods, seeds and env-step budgets to run, validated with
 * zod; and its expansion into cells, one training run each (see `study_cell.ts`).
 *
 * A plan file (JSON):
 * ```json
 * {
 *   "name": "2core",
 *   "evalEpisodes": 50, "curveEpisodes": 10, "curvePoints": 4,
 *   "groups": [
 *     { "scenarios": ["smax/3m"], "methods": ["kd", "scratch", "bc", "kl-only"], "seeds": 5,
 *       "steps": [60000] },
 *     { "scenarios": ["smax/3m"], "methods": ["kd"], "seeds": 3, "steps": [60000], "widths": [8, 16] }
 *   ]
 * }
 * ```
 *
 * - `methods`: see {@linkcode STUDY_METHODS}.
 * - `seeds`: training seeds per cell, taken from the training range (`seeds.ts`); evaluation runs on
 *   `evalSeed` (default 1,000,000), which must be held out.
 * - `steps`: env-step budgets; every method of a group gets the same budget (student-side environment
 *   steps: its own rollouts, or the teacher's for behaviour cloning).
 * - `widths`: optional hidden widths for the retention-vs-FLOPs sweep; each must fit the budget (the
 *   sizer picks the depth). Without it the sizer picks the largest student the budget allows.
 * - `budget`: optional compute budget for every node class (default: the scenario's own).
 * - `observation`: optional observation budget for every node class of the group's scenarios
 *   (`policies/observation_view.ts`), e.g. `{ "entities": { "enemies": 1, "allies": 1 } }` (the nearest
 *   enemy and ally; `"range"` and `"dropScalars"` as well), or `"auto"` (the sizer cuts the observation
 *   where a class's compute budget is tight). Every method of the group trains the same student on the
 *   same view: `kd`, `bc`, `kl-only` and the ablations read it while the teacher reads the full
 *   observation; `scratch`'s actor reads it while its own critic keeps the full global state (CTDE). Cell
 *   ids carry `__o<tag>` (e.g. `__oenemies1-allies1`), so they never collide with full-observation cells.
 *   Segment names must exist in every scenario of the group (errors name the field, scenario and class).
 * - `teachers`: optional scenario -> teacher folder (default: the shipped teacher).
 * - `overrides`: rollout settings applied to every method (for smoke tests and small machines).
 *
 * Errors name the plan file, the field and the value: an unknown method or scenario, a budget too small
 * for any student, a step budget shorter than one rollout.
 *
 * @example
 * ```ts
 * import { parsePlan, planCells } from "./study_plan.ts";
 * import { defaultCatalog } from "../catalog/mod.ts";
 * const plan = parsePlan({ name: "x", evalEpisodes: 4, groups: [{ scenarios: ["smax/3m"],
 *   methods: ["kd", "scratch"], seeds: 2, steps: [4000] }] }, "x.json", defaultCatalog());
 * console.assert(planCells(plan).length === 4);
 * ```
 *
 * @module
 */

import { z } from "zod";
import type { ComputeBudget } from "../sim/budget.ts";
import type { SameType } from "../sim/same_type.ts";
import { sizeStudentWithObservation } from "../policies/sizing.ts";
import {
  type ObservationBudget,
  observationBudgetTag,
  shareObservationBudget,
} from "../policies/observation_view.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { DEFAULT_KD_CONFIG, type KdWeights } from "./kd_config.ts";
import { budgetsOf, type ScenarioEntry, type ScenarioLookup } from "./scenario.ts";
import { assertHeldOutSeed, EVALUATION_SEEDS, trainingSeed } from "./seeds.ts";

/** What a method is: how its students learn. */
export interface StudyMethod {
  /** Name in plans and tables. */
  name: string;
  /** One line for the table. */
  description: string;
  /** `"kd"`: KdTrainer; `"scratch"`: MAPPO with its own critic. */
  trainer: "kd" | "scratch";
  /** KD loss weights (null: the scenario preset's, for the full loss). */
  weights?: Partial<KdWeights>;
  /** KD: who acts in rollouts. */
  rolloutPolicy?: "students" | "teacher";
}

const without = (k: keyof KdWeights): StudyMethod => ({
  name: `kd-no-${k}`,
  description: `KD-MARL without the ${k} term`,
  trainer: "kd",
  weights: { [k]: 0 },
});

/**
 * The methods a plan may name: (1) `kd`, the full KD-MARL loss; (2) `scratch`, the same student network
 * trained by MAPPO with a critic of its own, no teacher; (3) `bc`, behaviour cloning (KL + CE to the
 * teacher) on rollouts the teacher plays, the students never acting; (4) `kl-only`, on-policy KL
 * distillation (DAgger-style: the students act, the teacher labels); (5) `kd-no-<term>`, the full loss
 * with one term removed.
 *
 * @example
 * ```ts
 * import { STUDY_METHODS } from "./study_plan.ts";
 * console.assert(STUDY_METHODS.some((m) => m.name === "kd-no-relation"));
 * ```
 */
export const STUDY_METHODS: readonly StudyMethod[] = [
  { name: "kd", description: "KD-MARL, full loss", trainer: "kd" },
  { name: "scratch", description: "same student, MAPPO from scratch", trainer: "scratch" },
  {
    name: "bc",
    description: "behaviour cloning on teacher rollouts",
    trainer: "kd",
    weights: { pg: 0, kl: 1, ce: 1, relation: 0, role: 0 },
    rolloutPolicy: "teacher",
  },
  {
    name: "kl-only",
    description: "on-policy KL distillation (DAgger-style)",
    trainer: "kd",
    weights: { pg: 0, kl: 1, ce: 0, relation: 0, role: 0 },
  },
  without("pg"),
  without("kl"),
  without("ce"),
  without("relation"),
  without("role"),
];

/**
 * The method named `name`, or undefined.
 *
 * @example
 * ```ts
 * import { studyMethod } from "./study_plan.ts";
 * console.assert(studyMethod("bc")?.rolloutPolicy === "teacher");
 * ```
 */
export function studyMethod(name: string): StudyMethod | undefined {
  return STUDY_METHODS.find((m) => m.name === name);
}

const budgetSchema = z.object({
  flopsPerSecond: z.number().positive(),
  paramMemoryBytes: z.number().positive(),
  deadlineMs: z.number().positive(),
  overheadMs: z.number().min(0),
  activePowerW: z.number().min(0),
  wakeEnergyJ: z.number().min(0),
  latencySigma: z.number().min(0),
  energyStoreJ: z.number().positive().optional(),
}).strict();

const groupSchema = z.object({
  scenarios: z.array(z.string().min(1)).min(1),
  methods: z.array(z.string().min(1)).min(1),
  seeds: z.number().int().min(1).max(1000),
  steps: z.array(z.number().int().positive()).min(1),
  widths: z.array(z.number().int().positive()).min(1).optional(),
  budget: budgetSchema.optional(),
  observation: z.union([
    z.literal("auto"),
    z.object({
      entities: z.record(z.string(), z.number().int().min(0)).optional(),
      range: z.number().positive().optional(),
      dropScalars: z.array(z.string()).optional(),
    }).strict(),
  ]).optional(),
}).strict();

const overridesSchema = z.object({
  numEnvs: z.number().int().positive(),
  rolloutSteps: z.number().int().positive(),
  epochs: z.number().int().positive(),
  minibatches: z.number().int().positive(),
}).partial().strict();

const planSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "must be letters, digits, '.', '_' or '-'"),
  description: z.string().optional(),
  evalEpisodes: z.number().int().min(1),
  curveEpisodes: z.number().int().min(1).optional(),
  curvePoints: z.number().int().min(0).max(50).optional(),
  evalSeed: z.number().int().min(0).optional(),
  bootstrapReps: z.number().int().min(100).optional(),
  teachers: z.record(z.string(), z.string().min(1)).optional(),
  overrides: overridesSchema.optional(),
  groups: z.array(groupSchema).min(1),
}).strict();

/** A plan group (see module docs). */
export interface StudyGroup {
  /** Scenario names or environment ids (resolved to ids in a validated plan). */
  scenarios: string[];
  /** Method names (see {@linkcode STUDY_METHODS}). */
  methods: string[];
  /** Training seeds per cell (taken from the training range, `seeds.ts`). */
  seeds: number;
  /** Env-step budgets; every method of the group gets the same. */
  steps: number[];
  /** Hidden widths of the retention-vs-FLOPs sweep (default: the largest student the budget allows). */
  widths?: number[];
  /** Compute budget for every node class (default: the scenario's own). */
  budget?: ComputeBudget;
  /** Observation budget for every node class, or `"auto"` (default: the full observation). */
  observation?: ObservationBudget | "auto";
}

/** Rollout settings applied to every method of a study (for smoke tests and small machines). */
export interface StudyOverrides {
  /** Environment copies per rollout. */
  numEnvs?: number;
  /** Steps per copy per rollout. */
  rolloutSteps?: number;
  /** Passes over each rollout. */
  epochs?: number;
  /** Minibatches per pass. */
  minibatches?: number;
}

const _groupSame: SameType<z.output<typeof groupSchema>, StudyGroup> = true;
const _overridesSame: SameType<z.output<typeof overridesSchema>, StudyOverrides> = true;

/** A validated plan, defaults filled in. */
export interface StudyPlan {
  /** Plan name (output folder name). */
  name: string;
  /** Free text. */
  description?: string;
  /** Episodes of each final evaluation. */
  evalEpisodes: number;
  /** Episodes of each learning-curve evaluation (default min(evalEpisodes, 10)). */
  curveEpisodes: number;
  /** Learning-curve evaluations during training, evenly spaced (default 4; 0 for none). */
  curvePoints: number;
  /** Held-out evaluation seed (default 1,000,000). */
  evalSeed: number;
  /** Bootstrap replicates of the report's CIs (default 2000). */
  bootstrapReps: number;
  /** Teacher folder per scenario (default the shipped teacher). */
  teachers: Record<string, string>;
  /** Rollout settings applied to every method. */
  overrides: StudyOverrides;
  /** The groups, scenario names resolved to ids. */
  groups: StudyGroup[];
  /** The file it came from, for messages. */
  file: string;
}

/** One training run of the study. */
export interface StudyCell {
  /** Stable id, used as its result file name. */
  id: string;
  /** Scenario id. */
  scenario: string;
  /** Method name. */
  method: string;
  /** Training root seed (training range). */
  seed: number;
  /** Env-step budget. */
  steps: number;
  /** Hidden width of the Pareto sweep (undefined: the budget's choice). */
  width?: number;
  /** Compute budget of every class (undefined: the scenario's). */
  budget?: ComputeBudget;
  /** Observation budget of every class, or `"auto"` (undefined: the full observation). */
  observation?: ObservationBudget | "auto";
  /** Index of its group in the plan. */
  group: number;
}

function planError(file: string, field: string, rule: string, value: unknown): never {
  throw new Error(
    `Cannot load plan "${file}": field "${field}" ${rule}, got ${JSON.stringify(value)}`,
  );
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)
    .join("");
}

/**
 * The most env steps one iteration (rollout) of any method takes on `scenario` under the plan's
 * overrides: the smallest step budget a plan may give.
 *
 * @example
 * ```ts
 * import { rolloutEnvSteps } from "./study_plan.ts";
 * import { presetFor } from "./presets.ts";
 * const scenario = { preset: presetFor("smax/3m") };
 * console.assert(rolloutEnvSteps({ overrides: { numEnvs: 2, rolloutSteps: 8 } }, scenario) === 16);
 * ```
 */
export function rolloutEnvSteps(
  plan: Pick<StudyPlan, "overrides">,
  scenario: Pick<ScenarioEntry, "preset">,
): number {
  const p = scenario.preset;
  const numEnvs = plan.overrides.numEnvs ?? p.students.numEnvs ?? DEFAULT_KD_CONFIG.numEnvs;
  const rollout = plan.overrides.rolloutSteps ?? p.students.rolloutSteps ??
    DEFAULT_KD_CONFIG.rolloutSteps;
  const tNumEnvs = plan.overrides.numEnvs ?? p.teacher.numEnvs ?? numEnvs;
  const tRollout = plan.overrides.rolloutSteps ?? p.teacher.rolloutSteps ?? rollout;
  return Math.max(numEnvs * rollout, tNumEnvs * tRollout);
}

/**
 * Validates a parsed plan; `file` names it in errors. Checks the schema, the methods, the scenarios
 * (registered, with a teacher), the evaluation seed (held out), the step budgets (at least one
 * rollout) and that a student fits every class's budget at every width. Scenario names are looked up
 * in `scenarios` (the catalog).
 */
export function parsePlan(raw: unknown, file: string, scenarios: ScenarioLookup): StudyPlan {
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let value: unknown = raw;
    for (const key of issue.path) {
      value = (value as Record<PropertyKey, unknown>)?.[key as PropertyKey];
    }
    const where = issue.path.length ? fieldPath(issue.path) : "(top level)";
    planError(file, where, issue.message.toLowerCase(), value);
  }
  const p = parsed.data;
  const plan: StudyPlan = {
    name: p.name,
    description: p.description,
    evalEpisodes: p.evalEpisodes,
    curveEpisodes: p.curveEpisodes ?? Math.min(p.evalEpisodes, 10),
    curvePoints: p.curvePoints ?? 4,
    evalSeed: p.evalSeed ?? EVALUATION_SEEDS.first,
    bootstrapReps: p.bootstrapReps ?? 2000,
    teachers: {},
    overrides: p.overrides ?? {},
    groups: [],
    file,
  };
  try {
    assertHeldOutSeed(plan.evalSeed, [], `Cannot load plan "${file}": field "evalSeed"`);
  } catch (e) {
    throw new Error((e as Error).message);
  }
  for (const [name, dir] of Object.entries(p.teachers ?? {})) {
    let id: string;
    try {
      id = scenarios.get(name).id;
    } catch (e) {
      planError(
        file,
        `teachers.${name}`,
        `names an unknown scenario (${(e as Error).message})`,
        name,
      );
    }
    plan.teachers[id] = dir;
  }
  p.groups.forEach((g, gi) => {
    const ids = g.scenarios.map((name, si) => {
      let entry: ScenarioEntry;
      try {
        entry = scenarios.get(name);
      } catch (e) {
        planError(file, `groups[${gi}].scenarios[${si}]`, (e as Error).message, name);
      }
      const id = entry.id;
      const teacher = plan.teachers[id] ?? `${entry.modelsDir}/teacher`;
      try {
        Deno.statSync(`${teacher}/manifest.json`);
      } catch {
        planError(
          file,
          `groups[${gi}].scenarios[${si}]`,
          `has no teacher at "${teacher}" (train one, or name it in "teachers")`,
          name,
        );
      }
      plan.teachers[id] = teacher;
      return id;
    });
    g.methods.forEach((m, mi) => {
      if (!studyMethod(m)) {
        planError(
          file,
          `groups[${gi}].methods[${mi}]`,
          `must be one of ${STUDY_METHODS.map((x) => x.name).join(", ")}`,
          m,
        );
      }
    });
    for (const id of ids) {
      const entry = scenarios.get(id);
      const minSteps = rolloutEnvSteps(plan, entry);
      g.steps.forEach((s, si) => {
        if (s < minSteps) {
          planError(
            file,
            `groups[${gi}].steps[${si}]`,
            `must be at least one rollout of "${id}" (${minSteps} env steps)`,
            s,
          );
        }
      });
      const env = entry.make();
      const budgets = g.budget ? env.classes.map(() => g.budget!) : budgetsOf(entry, env);
      let perClass: (ObservationBudget | "auto" | undefined)[] = env.classes.map(() => undefined);
      if (g.observation !== undefined) {
        try {
          perClass = classObservationBudgets(g.observation, env, `"${id}"`);
        } catch (e) {
          planError(
            file,
            `groups[${gi}].observation`,
            `is invalid (${(e as Error).message})`,
            g.observation,
          );
        }
        env.classes.forEach((c, ci) => {
          try {
            sizeStudentWithObservation(
              budgets[ci],
              env.observationLayout?.(ci),
              c.obsSize,
              c.numActions,
              {
                budgetName: c.name,
                observation: perClass[ci],
                observationWhere: `"${id}" class "${c.name}"`,
              },
            );
          } catch (e) {
            const msg = (e as Error).message;
            if (msg.startsWith("No ")) return; // too small for any student: reported below
            planError(file, `groups[${gi}].observation`, `is invalid (${msg})`, g.observation);
          }
        });
      }
      for (const w of g.widths ?? [undefined]) {
        env.classes.forEach((c, ci) => {
          try {
            sizeStudentWithObservation(
              budgets[ci],
              env.observationLayout?.(ci),
              c.obsSize,
              c.numActions,
              {
                budgetName: c.name,
                widths: w === undefined ? undefined : [w],
                observation: perClass[ci],
              },
            );
          } catch (e) {
            planError(
              file,
              g.budget
                ? `groups[${gi}].budget`
                : w !== undefined
                ? `groups[${gi}].widths`
                : `groups[${gi}].scenarios`,
              `is too small for any student of "${id}" class "${c.name}"${
                w === undefined ? "" : ` at width ${w}`
              } (${(e as Error).message})`,
              g.budget ?? (w !== undefined ? g.widths : id),
            );
          }
        });
      }
    }
    plan.groups.push({ ...g, scenarios: ids });
  });
  return plan;
}

/**
 * Reads and validates a plan file (see {@linkcode parsePlan}).
 *
 * @example
 * ```ts
 * import { loadPlan } from "./study_plan.ts";
 * try {
 *   await loadPlan("/nonexistent.json", { get: () => { throw new Error("none"); }, list: () => [] });
 * } catch (e) {
 *   console.log((e as Error).message); // Cannot load plan "/nonexistent.json": ...
 * }
 * ```
 */
export async function loadPlan(file: string, scenarios: ScenarioLookup): Promise<StudyPlan> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new Error(`Cannot load plan "${file}": ${(e as Error).message}`);
  }
  return parsePlan(raw, file, scenarios);
}

/**
 * A group's observation budget per class of `env`: `"auto"` for every class, or the one budget restricted
 * to the segments each class has (`shareObservationBudget`; a fleet's satellites and sensors see different
 * entities). Errors name `where` and the segment.
 *
 * @example
 * ```ts
 * import { classObservationBudgets } from "./study_plan.ts";
 * import { SmaxEnv } from "../sim/smax/env.ts";
 * const per = classObservationBudgets({ entities: { enemies: 1 } }, new SmaxEnv({ map: "2s3z" }), "2s3z");
 * console.assert(per.length === 2 && per[1] !== "auto" && per[1]!.entities!.enemies === 1);
 * ```
 */
export function classObservationBudgets(
  observation: ObservationBudget | "auto",
  env: Pick<MultiAgentEnv, "classes" | "observationLayout">,
  where: string,
): (ObservationBudget | "auto" | undefined)[] {
  if (observation === "auto") return env.classes.map(() => "auto");
  return shareObservationBudget(
    observation,
    env.classes.map((_, ci) => env.observationLayout?.(ci)),
    where,
  );
}

/**
 * Every cell of the plan, in run order: group, scenario, step budget, width, seed, method (so the
 * methods of one seed run next to each other and an interrupted study has comparable partial results).
 * Cells named twice (two groups) appear once.
 */
export function planCells(plan: StudyPlan): StudyCell[] {
  const cells: StudyCell[] = [];
  const seen = new Set<string>();
  plan.groups.forEach((g, group) => {
    for (const scenario of g.scenarios) {
      for (const steps of g.steps) {
        for (const width of g.widths ?? [undefined]) {
          for (let i = 0; i < g.seeds; i++) {
            const seed = trainingSeed(i);
            for (const method of g.methods) {
              const budgetTag = g.budget ? `-g${group}` : "";
              const obsTag = g.observation === undefined
                ? ""
                : `__o${g.observation === "auto" ? "auto" : observationBudgetTag(g.observation)}`;
              const id = `${scenario.replace("/", "__")}__${method}__n${steps}${
                width === undefined ? "" : `__w${width}`
              }${obsTag}${budgetTag}__s${seed}`;
              if (seen.has(id)) continue;
              seen.add(id);
              cells.push({
                id,
                scenario,
                method,
                seed,
                steps,
                width,
                budget: g.budget,
                ...(g.observation !== undefined ? { observation: g.observation } : {}),
                group,
              });
            }
          }
        }
      }
    }
  });
  return cells;
}
