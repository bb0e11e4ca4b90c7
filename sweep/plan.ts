/**
 * Sweep plans: a study as data (scenarios x methods x seeds x budgets x student sizes), validated with
 * zod, and its expansion into jobs with their dependencies.
 *
 * A plan file (JSON):
 *
 * ```json
 * {
 *   "name": "tiny",
 *   "scenarios": ["toy/matching"],
 *   "methods": ["kd-marl", "bc-kl-only"],
 *   "seeds": [1, 2],
 *   "budgets": [{ "name": "tiny", "teacherSteps": 1024, "studentSteps": 512, "episodes": 8 }],
 *   "studentSizes": [20],
 *   "checkpointEvery": 2,
 *   "maxAttempts": 3
 * }
 * ```
 *
 * Every (scenario, budget, seed) trains one teacher (`train`); every method and student size distills
 * students from it (`distill`, which waits for its teacher) and evaluates them against it (`evaluate`,
 * which waits for both). A scenario given as `{ "id": ..., "teacher": "DIR" }` skips training and
 * distills from the teacher model in `DIR`, a path inside the artifact directory. Job keys are
 * deterministic (`train/toy-matching/tiny/s1`, `distill/toy-matching/tiny/s1/kd-marl/x20`, ...): the
 * same plan always makes the same jobs, which is what lets a stopped sweep resume and a result be
 * counted once. Each job writes under `<out>/<key>/` in the artifact directory (`out` defaults to the
 * plan's name).
 *
 * Methods: `kd-marl` (the scenario preset's loss weights), `bc-kl-only` (behaviour cloning: KL only),
 * `no-pg`, `no-kl`, `no-ce`, `no-relation`, `no-role` (one term off), or `{ "name": ..., "weights":
 * { "pg": ..., ... } }` (the preset's weights with these replaced).
 *
 * @example
 * ```ts
 * import { expandPlan, parsePlan } from "./plan.ts";
 * const plan = parsePlan({
 *   name: "demo", scenarios: ["toy/matching"], methods: ["kd-marl"], seeds: [1],
 *   budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
 * }, "demo.json");
 * const jobs = expandPlan(plan);
 * console.assert(jobs.map((j) => j.kind).join() === "train,distill,evaluate");
 * console.assert(jobs[2].deps.length === 2);
 * ```
 *
 * @module
 */

import { z } from "zod";
import { defaultCatalog } from "../catalog/mod.ts";
import { isConfined } from "./paths.ts";
import { InputError } from "../sim/input_error.ts";
import type { KdWeights } from "../distill/kd_config.ts";
import type { SameType } from "../sim/same_type.ts";

/**
 * A plan that cannot be used, naming the file, the field, the value and what was expected.
 *
 * @example
 * ```ts
 * import { parsePlan, PlanError } from "./plan.ts";
 * try {
 *   parsePlan({}, "empty.json");
 * } catch (e) {
 *   console.assert(e instanceof PlanError);
 * }
 * ```
 */
export class PlanError extends InputError {
  /** `message` already names the plan file. */
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const nameSchema = z.string().regex(NAME, {
  message: "must be a name of letters, digits, '.', '_' or '-' (at most 64, starting alphanumeric)",
});
const weightsSchema = z.strictObject({
  pg: z.number().min(0).optional(),
  kl: z.number().min(0).optional(),
  ce: z.number().min(0).optional(),
  relation: z.number().min(0).optional(),
  role: z.number().min(0).optional(),
});

/** The named methods and the loss weights they set over the preset's (`{}`: the preset's own). */
export const METHODS: Readonly<Record<string, Partial<KdWeights>>> = Object.freeze({
  "kd-marl": {},
  "bc-kl-only": { pg: 0, kl: 1, ce: 0, relation: 0, role: 0 },
  "no-pg": { pg: 0 },
  "no-kl": { kl: 0 },
  "no-ce": { ce: 0 },
  "no-relation": { relation: 0 },
  "no-role": { role: 0 },
});

/** A scenario of a plan: an environment id or scenario name, or one with an existing teacher. */
export type PlanScenario = string | {
  /** Environment id or scenario name. */
  id: string;
  /** Folder of an existing teacher to distill from instead of training one. */
  teacher?: string;
};

/** A method of a plan: a name of {@linkcode METHODS}, or a named set of loss weights. */
export type PlanMethod = string | {
  /** Method name (its folder and job keys). */
  name: string;
  /** Loss weights over the preset's. */
  weights: Partial<KdWeights>;
};

/** A training budget of a plan. */
export interface PlanBudget {
  /** Budget name (its folder and job keys). */
  name: string;
  /** Environment steps of the teacher. */
  teacherSteps: number;
  /** Environment steps of each student. */
  studentSteps: number;
  /** Evaluation episodes. */
  episodes: number;
}

/** A validated plan (defaults filled in; see {@linkcode planSchema} for the fields' meaning). */
export interface Plan {
  /** Sweep name: its folder and queue prefix. */
  name: string;
  /** Environment ids or scenario names; an object names an existing teacher instead of training one. */
  scenarios: PlanScenario[];
  /** Distillation methods (default `["kd-marl"]`). */
  methods: PlanMethod[];
  /** Root seeds of training and distillation. */
  seeds: number[];
  /** Training budgets: environment steps of teacher and students, evaluation episodes. */
  budgets: PlanBudget[];
  /** Student sizes as compression targets R: each student has at most 1/R of the teacher's FLOPs. */
  studentSizes: number[];
  /** Iterations per checkpoint (default 5): a killed job repeats at most this many. */
  checkpointEvery: number;
  /** Tries per job before it counts as failed (default 3). */
  maxAttempts: number;
  /** First seed of the evaluation episodes (default 0). */
  evaluationSeed: number;
  /** The sweep's folder inside the artifact directory (default: `name`). */
  out?: string;
}

const planZod = z.strictObject({
  /** Sweep name: its folder and queue prefix. */
  name: nameSchema,
  /** Environment ids or scenario names; an object names an existing teacher instead of training one. */
  scenarios: z.array(
    z.union([z.string(), z.strictObject({ id: z.string(), teacher: z.string().optional() })]),
  ).min(1),
  /** Distillation methods (see module docs). */
  methods: z.array(
    z.union([z.string(), z.strictObject({ name: nameSchema, weights: weightsSchema })]),
  )
    .min(1).default(["kd-marl"]),
  /** Root seeds of training and distillation. */
  seeds: z.array(z.int().min(0)).min(1),
  /** Training budgets: environment steps of teacher and students, evaluation episodes. */
  budgets: z.array(z.strictObject({
    name: nameSchema,
    teacherSteps: z.int().min(1),
    studentSteps: z.int().min(1),
    episodes: z.int().min(1),
  })).min(1),
  /** Student sizes as compression targets: each student has at most 1/R of the teacher's FLOPs. */
  studentSizes: z.array(z.int().min(1)).min(1).default([20]),
  /** Iterations per checkpoint: a killed job repeats at most this many. */
  checkpointEvery: z.int().min(1).max(1000).default(5),
  /** Tries per job before it counts as failed (its last error kept). */
  maxAttempts: z.int().min(1).max(20).default(3),
  /** First seed of the evaluation episodes (the same for every job, so methods compare on them). */
  evaluationSeed: z.int().min(0).default(0),
  /** The sweep's folder inside the artifact directory (default: `name`). */
  out: z.string().optional(),
});
const _planSame: SameType<z.output<typeof planZod>, Plan> = true;

/**
 * The plan file's schema ({@linkcode parsePlan} wraps it with errors that name the file and field).
 *
 * @example
 * ```ts
 * import { planSchema } from "./plan.ts";
 * console.assert(!planSchema.safeParse({ name: "s" }).success);
 * ```
 */
export const planSchema: z.ZodType<Plan> = planZod;

/** The job kinds the plan expands into (see `job_kinds.ts` for the registry of all kinds). */
export type PlanJobKind = "train" | "distill" | "evaluate";

/** One job of an expanded plan. */
export interface SweepJob {
  /** Deterministic key, unique in the sweep: the idempotency key of its result. */
  key: string;
  /** Job kind (a key of the job-kind registry). */
  kind: string;
  /** Keys of the jobs that must finish first. */
  deps: string[];
  /** The kind's payload; paths are relative to the artifact directory. */
  payload: Record<string, unknown>;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(root)";
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[p];
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const base = fieldName(issue.path);
    return issue.keys.map((k) =>
      `field "${base === "(root)" ? k : `${base}.${k}`}" is not a known field`
    )
      .join("; ") + ` (known: ${Object.keys(planZod.shape).join(", ")} at the top level)`;
  }
  const got = show(valueAt(input, issue.path));
  let rule = issue.message;
  if (issue.code === "too_small") {
    rule = issue.origin === "array"
      ? `must have at least ${issue.minimum} entr${Number(issue.minimum) === 1 ? "y" : "ies"}`
      : `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
  } else if (issue.code === "too_big") {
    rule = issue.origin === "array"
      ? `must have at most ${issue.maximum} entries`
      : `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
  } else if (issue.code === "invalid_type") {
    rule = `must be ${issue.expected === "int" ? "an integer" : issue.expected}`;
  } else if (issue.code === "invalid_union") {
    rule = "must be a string or an object of the documented fields";
  }
  return `field "${fieldName(issue.path)}" ${rule}, got ${got}`;
}

/**
 * Validates `data` as a plan from `source` (a file name, for messages): schema, known scenarios and
 * methods, no duplicate entries (each would make a job twice), paths inside the artifact directory.
 *
 * @example
 * ```ts
 * import { parsePlan } from "./plan.ts";
 * try {
 *   parsePlan({ name: "x", scenarios: ["nowhere"], seeds: [1], budgets: [] }, "x.json");
 * } catch (e) {
 *   console.assert((e as Error).message.startsWith('Cannot load plan "x.json"'));
 * }
 * ```
 */
export function parsePlan(data: unknown, source: string): Plan {
  const fail = (why: string): never => {
    throw new PlanError(`Cannot load plan "${source}": ${why}`);
  };
  const r = planSchema.safeParse(data);
  if (!r.success) {
    const issues = r.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : "";
    fail(describeIssue(issues[0], data) + more);
  }
  const plan = r.data!;
  const seen = (field: string, values: readonly unknown[]) => {
    const at = new Map<string, number>();
    values.forEach((v, i) => {
      const k = JSON.stringify(v);
      if (at.has(k)) {
        fail(
          `field "${field}[${i}]" repeats ${k} (also ${field}[${
            at.get(k)
          }]): it would make the same jobs twice`,
        );
      }
      at.set(k, i);
    });
  };
  const envIds = plan.scenarios.map((s, i) => {
    const name = typeof s === "string" ? s : s.id;
    const field = typeof s === "string" ? `scenarios[${i}]` : `scenarios[${i}].id`;
    try {
      return defaultCatalog().resolve(name);
    } catch {
      return fail(
        `field "${field}" must be a known scenario (${
          defaultCatalog().list().map((e) => e.id).join(", ")
        }), got ${show(name)}`,
      );
    }
  });
  seen("scenarios", envIds);
  plan.scenarios.forEach((s, i) => {
    if (typeof s !== "string" && s.teacher !== undefined && !isConfined(s.teacher)) {
      fail(
        `field "scenarios[${i}].teacher" must be a path inside the artifact directory (relative, no ".."), got ${
          show(s.teacher)
        }`,
      );
    }
  });
  const methodNames = plan.methods.map((m, i) => {
    if (typeof m !== "string") return m.name;
    if (!(m in METHODS)) {
      fail(
        `field "methods[${i}]" must be a known method (${
          Object.keys(METHODS).join(", ")
        }) or {name, weights}, got ${show(m)}`,
      );
    }
    return m;
  });
  seen("methods", methodNames);
  seen("seeds", plan.seeds);
  seen("budgets", plan.budgets.map((b) => b.name));
  seen("studentSizes", plan.studentSizes);
  if (plan.out !== undefined && !isConfined(plan.out)) {
    fail(
      `field "out" must be a path inside the artifact directory (relative, no ".."), got ${
        show(plan.out)
      }`,
    );
  }
  return plan;
}

/**
 * Reads and validates a plan file (see {@linkcode parsePlan}).
 *
 * @example
 * ```ts
 * import { loadPlan } from "./plan.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({
 *   name: "demo", scenarios: ["toy/matching"], seeds: [1],
 *   budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
 * }));
 * console.assert((await loadPlan(path)).methods[0] === "kd-marl");
 * ```
 */
export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new PlanError(`Cannot load plan "${path}": ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PlanError(`Cannot load plan "${path}": not valid JSON (${(e as Error).message})`);
  }
  return parsePlan(data, path);
}

/**
 * The file-name form of an environment id.
 *
 * @example
 * ```ts
 * import { envSlug } from "./plan.ts";
 * console.assert(envSlug("mpe/simple_spread") === "mpe-simple-spread");
 * ```
 */
export function envSlug(envId: string): string {
  return envId.replaceAll("/", "-").replaceAll("_", "-");
}

/**
 * The sweep's folder inside the artifact directory: the plan's `out`, else its name.
 *
 * @example
 * ```ts
 * import { parsePlan, sweepDir } from "./plan.ts";
 * const plan = parsePlan({
 *   name: "demo", scenarios: ["toy/matching"], seeds: [1],
 *   budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
 * }, "demo.json");
 * console.assert(sweepDir(plan) === "demo");
 * ```
 */
export function sweepDir(plan: Plan): string {
  return plan.out ?? plan.name;
}

/**
 * Expands a validated plan into its jobs, dependencies first (a topological order).
 *
 * @example
 * ```ts
 * import { expandPlan, parsePlan } from "./plan.ts";
 * const plan = parsePlan({
 *   name: "demo", scenarios: ["toy/matching"], seeds: [1, 2], studentSizes: [10, 20],
 *   budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
 * }, "demo.json");
 * console.assert(expandPlan(plan).length === 2 * (1 + 2 * 2));
 * ```
 */
export function expandPlan(plan: Plan): SweepJob[] {
  const jobs: SweepJob[] = [];
  const keys = new Set<string>();
  const add = (job: SweepJob) => {
    if (keys.has(job.key)) {
      throw new PlanError(
        `Cannot expand plan "${plan.name}": job "${job.key}" would be made twice (scenario ids that differ only in "/" and "_"?)`,
      );
    }
    keys.add(job.key);
    jobs.push(job);
  };
  const root = sweepDir(plan);
  for (const scenario of plan.scenarios) {
    const envId = defaultCatalog().resolve(typeof scenario === "string" ? scenario : scenario.id);
    const given = typeof scenario === "string" ? undefined : scenario.teacher;
    for (const budget of plan.budgets) {
      for (const seed of plan.seeds) {
        const base = `${envSlug(envId)}/${budget.name}/s${seed}`;
        let teacherModel = given;
        const teacherDeps: string[] = [];
        if (given === undefined) {
          const key = `train/${base}`;
          teacherModel = `${root}/${key}/model`;
          teacherDeps.push(key);
          add({
            key,
            kind: "train",
            deps: [],
            payload: {
              scenario: envId,
              seed,
              steps: budget.teacherSteps,
              checkpointEvery: plan.checkpointEvery,
              out: `${root}/${key}`,
            },
          });
        }
        for (const method of plan.methods) {
          const name = typeof method === "string" ? method : method.name;
          const weights = typeof method === "string" ? METHODS[method] : method.weights;
          for (const size of plan.studentSizes) {
            const tail = `${base}/${name}/x${size}`;
            const distill = `distill/${tail}`;
            add({
              key: distill,
              kind: "distill",
              deps: [...teacherDeps],
              payload: {
                scenario: envId,
                teacher: teacherModel,
                transfer: false,
                seed,
                steps: budget.studentSteps,
                weights,
                minFlopsReduction: size,
                label: name,
                checkpointEvery: plan.checkpointEvery,
                out: `${root}/${distill}`,
              },
            });
            const evaluate = `evaluate/${tail}`;
            add({
              key: evaluate,
              kind: "evaluate",
              deps: [...teacherDeps, distill],
              payload: {
                scenario: envId,
                teacher: teacherModel,
                students: [{ name, dir: `${root}/${distill}/model` }],
                episodes: budget.episodes,
                seed: plan.evaluationSeed,
                out: `${root}/${evaluate}`,
              },
            });
          }
        }
      }
    }
  }
  return jobs;
}
