/**
 * The job kinds a sweep worker can run, as a small registry: each kind has a zod payload schema, the
 * payload fields that are paths (each confined to the artifact directory before the job runs), and a
 * `run` that calls the project's public training and evaluation APIs. `train`, `distill` and `evaluate`
 * are built in; another kind (a whole study, say) is one {@linkcode registerJobKind} call away.
 *
 * Every kind writes under its payload's `out` folder and returns `figures`, the deterministic part of
 * its result (no timings, no dates): a job resumed after a crash returns the same figures as one that
 * ran straight through (trainers run in checkpoint-sized segments, see `TeacherRunOptions.segment`).
 *
 * @example
 * ```ts
 * import { jobKind, listJobKinds } from "./job_kinds.ts";
 * console.assert(listJobKinds().includes("train"));
 * const parsed = jobKind("train")!.payload.safeParse({ scenario: "toy/matching" });
 * console.assert(!parsed.success);
 * ```
 *
 * @module
 */

import { z } from "zod";
import { defaultCatalog } from "../catalog/mod.ts";
import { runTeacherTraining } from "../distill/teacher_run.ts";
import { runStudentDistillation } from "../distill/student_run.ts";
import { evaluateDeployment } from "../distill/deployment.ts";
import { deploymentMarkdown } from "../distill/deployment.ts";
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import type { KdWeights } from "../distill/kd_config.ts";

/** What a job hands to its kind besides the payload. */
export interface JobContext {
  /** The job's key (for messages). */
  key: string;
  /** Resolves a payload path (already checked) to its absolute form inside the artifact directory. */
  path(rel: string): string;
}

/** What a kind's `run` returns. */
export interface JobOutput {
  /** Deterministic figures: the same whether the job ran straight through or resumed. */
  figures: Record<string, unknown>;
}

/** A job kind. */
export interface JobKind<P = unknown> {
  /** Registry name. */
  name: string;
  /** One line for `--help` and the README. */
  description: string;
  /** Validates the payload before anything runs. */
  payload: z.ZodType<P>;
  /** The payload's path fields as `[field, relative path]`, each confined to the artifact directory. */
  paths(payload: P): [string, string][];
  /** Runs the job. */
  run(payload: P, ctx: JobContext): Promise<JobOutput>;
}

/**
 * A job stopped by a signal (SIGINT/SIGTERM) with its checkpoint saved: not a failure, resumable.
 *
 * @example
 * ```ts
 * import { JobInterrupted } from "./job_kinds.ts";
 * console.assert(new JobInterrupted("train/a").message.includes("resumes"));
 * ```
 */
export class JobInterrupted extends Error {
  /** `key` is the job's. */
  constructor(key: string) {
    super(`job "${key}" was interrupted; its checkpoint is saved and it resumes on the next try`);
    this.name = "JobInterrupted";
  }
}

const registry = new Map<string, JobKind<never>>();

/**
 * Adds a job kind (replacing none: a name registers once).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { registerJobKind } from "./job_kinds.ts";
 * registerJobKind({
 *   name: "echo-doc", description: "returns its text",
 *   payload: z.strictObject({ text: z.string(), out: z.string() }),
 *   paths: (p) => [["out", p.out]],
 *   run: (p) => Promise.resolve({ figures: { text: p.text } }),
 * });
 * ```
 */
export function registerJobKind<P>(kind: JobKind<P>): void {
  if (registry.has(kind.name)) throw new Error(`job kind "${kind.name}" is already registered`);
  registry.set(kind.name, kind as unknown as JobKind<never>);
}

/**
 * The kind registered under `name`, if any.
 *
 * @example
 * ```ts
 * import { jobKind } from "./job_kinds.ts";
 * console.assert(jobKind("evaluate")?.name === "evaluate" && jobKind("nope") === undefined);
 * ```
 */
export function jobKind(name: string): JobKind<unknown> | undefined {
  return registry.get(name) as JobKind<unknown> | undefined;
}

/**
 * The registered kinds' names.
 *
 * @example
 * ```ts
 * import { listJobKinds } from "./job_kinds.ts";
 * console.assert(listJobKinds().length >= 3);
 * ```
 */
export function listJobKinds(): string[] {
  return [...registry.keys()];
}

const envIdSchema = z.string().refine((s) => {
  try {
    defaultCatalog().resolve(s);
    return true;
  } catch {
    return false;
  }
}, { message: "must be a known scenario" });
const pathSchema = z.string().min(1).max(1000);
const stepsSchema = z.int().min(1).max(1e10);
const seedSchema = z.int().min(0).max(2 ** 31);

/**
 * SHA-256 (hex) of a saved model's weights: every `weights.bin` under `dir`, in sorted path order.
 * Unlike `modelDigest` it leaves out `model.json`, whose layer names count the layers a process made
 * before (tfjs names them `dense_Dense<n>`), so it is the same whichever worker trained the model.
 *
 * @example
 * ```ts ignore
 * import { weightsDigest } from "./job_kinds.ts";
 * console.log(await weightsDigest("runs/sweep/tiny/train/toy-matching/tiny/s1/model"));
 * ```
 */
export async function weightsDigest(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(path);
      else if (e.name === "weights.bin") files.push(path);
    }
  };
  await walk("");
  const hash = createHash("sha256");
  for (const path of files.sort()) {
    const bytes = await Deno.readFile(`${dir}/${path}`);
    hash.update(`${path}\n${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

/**
 * The last finite value of `column` in a run's `curves.csv` (NaN when none).
 *
 * @example
 * ```ts
 * import { lastCurveValue } from "./job_kinds.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/curves.csv`, "iteration,meanReturn\n1,2.5\n2,\n");
 * console.assert(await lastCurveValue(dir, "meanReturn") === 2.5);
 * ```
 */
export async function lastCurveValue(dir: string, column: string): Promise<number> {
  const lines = (await Deno.readTextFile(`${dir}/curves.csv`)).trim().split("\n");
  const at = lines[0].split(",").indexOf(column);
  if (at < 0) return Number.NaN;
  for (let i = lines.length - 1; i >= 1; i--) {
    const cell = lines[i].split(",")[at];
    if (cell !== undefined && cell !== "" && Number.isFinite(Number(cell))) return Number(cell);
  }
  return Number.NaN;
}

const trainPayload = z.strictObject({
  scenario: envIdSchema,
  seed: seedSchema,
  steps: stepsSchema,
  checkpointEvery: z.int().min(1).max(1000),
  out: pathSchema,
});

registerJobKind<z.infer<typeof trainPayload>>({
  name: "train",
  description: "trains a MAPPO teacher (deno task train) into OUT/model",
  payload: trainPayload,
  paths: (p) => [["out", p.out]],
  async run(p, ctx) {
    const entry = defaultCatalog().get(p.scenario);
    const envId = entry.id;
    const preset = entry.preset;
    const baseline = entry.heuristic?.make;
    const outDir = ctx.path(p.out);
    const command =
      `deno task train --scenario ${envId} --steps ${p.steps} --seed ${p.seed} --out ${p.out}`;
    for (;;) {
      const r = await runTeacherTraining({
        envId,
        makeEnv: () => entry.make(),
        config: {
          ...preset.teacher,
          totalEnvSteps: p.steps,
          seed: p.seed,
          checkpointEvery: p.checkpointEvery,
        },
        outDir,
        resume: true,
        quiet: true,
        command,
        segment: p.checkpointEvery,
        warmStart: preset.warmStart && baseline
          ? { controllerFor: baseline, ...preset.warmStart }
          : undefined,
      });
      if (!r.interrupted) {
        return {
          figures: {
            iterations: r.iterations,
            envSteps: r.envSteps,
            finalReturn: await lastCurveValue(outDir, "meanReturn"),
            weightsDigest: await weightsDigest(`${outDir}/model`),
            model: `${p.out}/model`,
          },
        };
      }
      if (!r.paused) throw new JobInterrupted(ctx.key);
    }
  },
});

const weightsSchema = z.strictObject({
  pg: z.number().min(0).optional(),
  kl: z.number().min(0).optional(),
  ce: z.number().min(0).optional(),
  relation: z.number().min(0).optional(),
  role: z.number().min(0).optional(),
});

const distillPayload = z.strictObject({
  scenario: envIdSchema,
  teacher: pathSchema,
  transfer: z.boolean(),
  seed: seedSchema,
  steps: stepsSchema,
  weights: weightsSchema,
  minFlopsReduction: z.int().min(1).max(1e6),
  label: z.string().max(100),
  checkpointEvery: z.int().min(1).max(1000),
  out: pathSchema,
});

registerJobKind<z.infer<typeof distillPayload>>({
  name: "distill",
  description: "distills budget-sized students from a teacher (deno task distill) into OUT/model",
  payload: distillPayload,
  paths: (p) => [["teacher", p.teacher], ["out", p.out]],
  async run(p, ctx) {
    const entry = defaultCatalog().get(p.scenario);
    const envId = entry.id;
    const preset = entry.preset;
    const outDir = ctx.path(p.out);
    const weights = Object.entries(p.weights).map(([k, v]) => `${k}=${v}`).join(",");
    const command =
      `deno task distill --scenario ${envId} --teacher ${p.teacher} --steps ${p.steps} --seed ${p.seed}${
        weights ? ` --weights ${weights}` : ""
      } --min-reduction ${p.minFlopsReduction}${p.transfer ? " --transfer" : ""} --out ${p.out}`;
    for (;;) {
      const r = await runStudentDistillation({
        envId,
        makeEnv: () => entry.make(),
        preset,
        teacherDir: ctx.path(p.teacher),
        transfer: p.transfer,
        outDir,
        config: {
          ...preset.students,
          totalEnvSteps: p.steps,
          seed: p.seed,
          checkpointEvery: p.checkpointEvery,
          ...(weights
            ? { weights: { ...preset.students.weights, ...p.weights } as KdWeights }
            : {}),
        },
        resume: true,
        quiet: true,
        command,
        label: p.label,
        minFlopsReduction: p.minFlopsReduction,
        segment: p.checkpointEvery,
      });
      if (!r.interrupted) {
        return {
          figures: {
            iterations: r.iterations,
            envSteps: r.envSteps,
            agreement: await lastCurveValue(outDir, "agreement"),
            students: r.sizing.map((s) => ({
              arch: s.label,
              flops: s.cost.flops,
              flopsRatio: s.flopsRatio,
            })),
            weightsDigest: await weightsDigest(`${outDir}/model`),
            model: `${p.out}/model`,
          },
        };
      }
      if (!r.paused) throw new JobInterrupted(ctx.key);
    }
  },
});

const evaluatePayload = z.strictObject({
  scenario: envIdSchema,
  teacher: pathSchema,
  students: z.array(z.strictObject({ name: z.string().min(1).max(100), dir: pathSchema })).min(1)
    .max(100),
  episodes: z.int().min(1).max(1e6),
  seed: seedSchema,
  out: pathSchema,
});

registerJobKind<z.infer<typeof evaluatePayload>>({
  name: "evaluate",
  description:
    "evaluates a teacher and its students (deno task evaluate, without the timing runs) into OUT/",
  payload: evaluatePayload,
  paths: (p) => [
    ["teacher", p.teacher],
    ...p.students.map((s, i) => [`students[${i}].dir`, s.dir] as [string, string]),
    ["out", p.out],
  ],
  async run(p, ctx) {
    const report = await evaluateDeployment({
      scenario: defaultCatalog().get(p.scenario),
      teacherDir: ctx.path(p.teacher),
      students: p.students.map((s) => ({ name: s.name, dir: ctx.path(s.dir) })),
      episodes: p.episodes,
      seed: p.seed,
      // Measured latencies differ run to run; the sweep's figures must not.
      skipTiming: true,
    });
    const outDir = ctx.path(p.out);
    await Deno.mkdir(outDir, { recursive: true });
    await writeFileAtomic(`${outDir}/evaluation.json`, JSON.stringify(report, null, 2) + "\n");
    await writeFileAtomic(`${outDir}/evaluation.md`, deploymentMarkdown(report) + "\n");
    return {
      figures: {
        episodes: report.episodes,
        policies: report.policies.map((f) => ({
          name: f.name,
          kind: f.kind,
          mean: f.ideal.mean,
          ci95: f.ideal.ci95,
          ...(f.deployed ? { deployedMean: f.deployed.mean } : {}),
          ...(f.retention !== undefined ? { retention: f.retention } : {}),
          ...(f.deployedRetention !== undefined ? { deployedRetention: f.deployedRetention } : {}),
        })),
        report: `${p.out}/evaluation.json`,
      },
    };
  },
});
