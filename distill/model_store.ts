/**
 * Saving and loading trained teachers and students. A model folder is a policy set (`policies/model_io.ts`:
 * `manifest.json` plus one tfjs layers-format model per agent class, and the critic under `_critic/` for a
 * teacher), next to `training.json`, which records what only training needs: the environment id, the
 * teacher critic's value normalisation, the configuration and, for students, the budget sizing.
 *
 * @example
 * ```ts
 * import { loadTeacher } from "./model_store.ts";
 * try {
 *   await loadTeacher("/nonexistent", [{ name: "agent", count: 3, obsSize: 18, numActions: 5 }]);
 * } catch (e) {
 *   console.log((e as Error).message);
 * }
 * ```
 *
 * @module
 */

import type { ObservationView } from "../policies/observation_view.ts";
import { createHash } from "node:crypto";
import { z } from "zod";
import { InputError } from "../sim/input_error.ts";
import { Actor } from "../policies/actor.ts";
import { loadPolicySet, savePolicySet } from "../policies/model_io.ts";
import type { AgentClassSpec } from "../sim/env/types.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import type { Teacher } from "./kd.ts";
import type { MappoTrainer } from "./mappo.ts";
import type { TrainingProvenance as Provenance } from "./provenance.ts";

/** Contents of `training.json`. */
export interface TrainingRecord {
  /** `"teacher"` or `"students"`. */
  role: "teacher" | "students";
  /** Environment id the model was trained on. */
  envId: string;
  /** Critic value normalisation (teacher only). */
  valueNorm?: { mean: number; std: number };
  /** Trainer configuration. */
  config: unknown;
  /** Free-form extra figures (sizing reports, evaluation). */
  extra?: Record<string, unknown>;
}

const trainingSchema = z.object({
  role: z.enum(["teacher", "students"]),
  envId: z.string().min(1),
  valueNorm: z.object({ mean: z.number(), std: z.number().positive() }).optional(),
  config: z.unknown(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

/** Reads and validates `dir/training.json`; errors name the file, field and value. */
export async function readTrainingRecord(dir: string): Promise<TrainingRecord> {
  const file = `${dir}/training.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new InputError(`Cannot load model "${file}": ${(e as Error).message}`);
  }
  const parsed = trainingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join(".");
    let value: unknown = raw;
    for (const key of issue.path) {
      value = (value as Record<PropertyKey, unknown>)?.[key as PropertyKey];
    }
    throw new InputError(
      `Cannot load model "${file}": field "${path}" ${issue.message.toLowerCase()}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return parsed.data as TrainingRecord;
}

/**
 * Saves a trained teacher (actors, critic, value normalisation) to `dir`. A recurrent critic is not
 * saved (model files hold feed-forward critics only; it stays in the training checkpoint).
 */
export async function saveTeacherModel(
  dir: string,
  trainer: MappoTrainer,
  provenance: Provenance,
): Promise<void> {
  await savePolicySet(dir, {
    classes: trainer.venv.classes.map((c, i) => ({ name: c.name, actor: trainer.actors[i] })),
    ...(trainer.critic.gru ? {} : { critic: trainer.critic }),
    label: "teacher",
  }, { provenance });
  const record: TrainingRecord = {
    role: "teacher",
    envId: trainer.envId,
    valueNorm: trainer.valueNorm.stats(),
    config: trainer.config,
  };
  await writeFileAtomic(`${dir}/training.json`, JSON.stringify(record, null, 2) + "\n");
}

/**
 * Loads a teacher saved by {@linkcode saveTeacherModel} for an environment with `classes`; the actors and
 * the critic come back as tfjs networks (the caller disposes them). With `critic: false` only the actors
 * load: a teacher transferred to another scenario of the same classes, whose critic reads its own
 * scenario's global state.
 */
export async function loadTeacher(
  dir: string,
  classes: readonly AgentClassSpec[],
  options: { critic?: boolean } = {},
): Promise<Teacher & { record: TrainingRecord }> {
  const withCritic = options.critic ?? true;
  const record = await readTrainingRecord(dir);
  if (record.role !== "teacher" || !record.valueNorm) {
    throw new InputError(
      `Cannot load teacher "${dir}/training.json": field "role" must be "teacher" with a "valueNorm", got "${record.role}"`,
    );
  }
  const set = await loadPolicySet(dir, { expect: { classes }, as: "tfjs", critic: withCritic });
  if (withCritic && !set.critic) {
    throw new InputError(
      `Cannot load teacher "${dir}": it has no critic (_critic/), needed to distill`,
    );
  }
  const actors = set.classes.map((c) => {
    if (c.actor.spec.kind === "gru") {
      throw new Error(
        `Cannot load teacher "${dir}": class "${c.name}" has a recurrent ("gru") actor; distillation takes feed-forward teachers only (train with recurrent off)`,
      );
    }
    if (!(c.actor instanceof Actor)) {
      throw new InputError(`Cannot load teacher "${dir}": class "${c.name}" is not a tfjs actor`);
    }
    return c.actor;
  });
  return { actors, critic: set.critic, valueNorm: record.valueNorm, record };
}

/**
 * Saves distilled students (one actor per class, with its observation view where it has one: the
 * manifest records it for the runtime) and their training record to `dir`.
 */
export async function saveStudentModel(
  dir: string,
  envId: string,
  classes: readonly AgentClassSpec[],
  students: readonly Actor[],
  provenance: Provenance,
  config: unknown,
  extra: Record<string, unknown> = {},
  views: readonly (ObservationView | undefined)[] = [],
): Promise<void> {
  await savePolicySet(dir, {
    classes: classes.map((c, i) => ({
      name: c.name,
      actor: students[i],
      ...(views[i] ? { view: views[i] } : {}),
    })),
    label: "students",
  }, { provenance });
  const record: TrainingRecord = { role: "students", envId, config, extra };
  await writeFileAtomic(`${dir}/training.json`, JSON.stringify(record, null, 2) + "\n");
}

/**
 * SHA-256 (hex) of a saved model's networks: every `model.json` and `weights.bin` under `dir`, in
 * sorted path order, each as its relative path and its bytes. Copies of a model (installed, shipped)
 * digest alike whatever else their folders hold; students record their teacher's digest, so a shipped
 * pair can be checked to belong together.
 *
 * @example
 * ```ts
 * import { modelDigest } from "./model_store.ts";
 * const digest = await modelDigest("scenarios/leo-wildfire/models/teacher");
 * console.assert(/^[0-9a-f]{64}$/.test(digest));
 * ```
 */
export async function modelDigest(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(path);
      else if (e.name === "model.json" || e.name === "weights.bin") files.push(path);
    }
  };
  await walk("");
  if (files.length === 0) {
    throw new Error(`Cannot digest model "${dir}": it holds no model.json or weights.bin`);
  }
  const hash = createHash("sha256");
  for (const path of files.sort()) {
    const bytes = await Deno.readFile(`${dir}/${path}`);
    hash.update(`${path}\n${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}
