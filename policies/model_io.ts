/**
 * Model files: a policy set saved as a directory.
 *
 * ```
 * <dir>/manifest.json          format, per-class architecture, observation and action specs, cost figures,
 *                              training provenance (zod-validated on load)
 * <dir>/<class>/model.json     tfjs layers-format model (loadable by stock `tf.loadLayersModel`)
 * <dir>/<class>/weights.bin
 * <dir>/_critic/model.json     the critic, when the set has one
 * <dir>/_critic/weights.bin
 * ```
 * An MLP actor is saved as a `tf.sequential` of `Dense` layers (hidden activation, linear output), a GRU actor
 * as a stock `GRU` layer (`recurrentActivation: "sigmoid"`, input `[batch, time, features]`) followed by the
 * dense head. The action mask is not part of the layers model: apply it to the logits.
 *
 * Saving is atomic at the directory level: everything is written (file by file, temp file + rename) into a
 * sibling temporary directory, which then replaces `<dir>` by rename; a save that fails leaves the previous
 * model as it was. Loading checks everything against the manifest (JSON syntax, schema, layer topology,
 * weight names, shapes and dtypes, byte lengths, finite values, and the scenario's expected classes) and
 * throws an error naming the file, the field, the value and what was expected, never returning a policy that
 * does not match.
 *
 * @example
 * ```ts
 * import { Actor } from "./actor.ts";
 * import { initBackend } from "./backend.ts";
 * import { loadPolicySet, savePolicySet } from "./model_io.ts";
 * await initBackend("cpu");
 * const actor = new Actor({ obsSize: 4, agentIdSize: 0, numActions: 3, hiddenSizes: [8], activation: "tanh",
 *   kind: "mlp" }, { seed: 1, name: "io_demo" });
 * const dir = await Deno.makeTempDir();
 * await savePolicySet(`${dir}/policy`, { classes: [{ name: "agent", actor }] });
 * const loaded = await loadPolicySet(`${dir}/policy`, { as: "plain",
 *   expect: { classes: [{ name: "agent", obsSize: 4, numActions: 3 }] } });
 * console.assert(loaded.classes[0].actor.spec.hiddenSizes[0] === 8);
 * actor.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { formatPath, valueAt } from "../sim/field_path.ts";
import { InputError } from "../sim/input_error.ts";
import type { SameType } from "../sim/same_type.ts";
import type { Activation } from "./mlp.ts";
import { Actor, type ActorSpec } from "./actor.ts";
import { actorCost, type CostReport, criticCost } from "./cost.ts";
import { Critic, type CriticSpec } from "./critic.ts";
import { PlainActor } from "./plain.ts";
import { CompiledActor } from "./compiled.ts";
import type { PolicySet, Provenance } from "./policy_set.ts";
import { ObservationView, type ObservationViewRecord } from "./observation_view.ts";
import { layoutSignature, type ObservationLayout } from "../sim/env/observation_layout.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";

/**
 * Value of `manifest.format`.
 *
 * @example
 * ```ts
 * import { MANIFEST_FORMAT } from "./model_io.ts";
 * console.assert(MANIFEST_FORMAT === "fleetkd-policy-set");
 * ```
 */
export const MANIFEST_FORMAT = "fleetkd-policy-set";
/**
 * Value of `manifest.version`.
 *
 * @example
 * ```ts
 * import { MANIFEST_VERSION } from "./model_io.ts";
 * console.assert(MANIFEST_VERSION === 1);
 * ```
 */
export const MANIFEST_VERSION = 1;
/**
 * Directory of the critic inside a policy-set directory.
 *
 * @example
 * ```ts
 * import { CRITIC_DIR } from "./model_io.ts";
 * console.assert(CRITIC_DIR === "_critic");
 * ```
 */
export const CRITIC_DIR = "_critic";

const CLASS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);
const activationSchema = z.enum(["tanh", "relu"]);
const costSchema = z.object({
  params: nonNegInt,
  paramBytesF32: nonNegInt,
  macs: nonNegInt,
  flops: nonNegInt,
  peakActivationBytes: nonNegInt,
});

const distanceZod = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("feature"), index: nonNegInt, scale: z.number().positive() }).strict(),
  z.object({ kind: z.literal("offset"), x: nonNegInt, y: nonNegInt, scale: z.number().positive() })
    .strict(),
  z.object({ kind: z.literal("closeness"), index: nonNegInt, scale: z.number().positive() })
    .strict(),
]);
const segmentZod = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("scalar"), name: z.string(), offset: nonNegInt, size: posInt })
    .strict(),
  z.object({
    kind: z.literal("entities"),
    name: z.string(),
    offset: nonNegInt,
    count: posInt,
    features: posInt,
    distance: distanceZod,
    visibleFeature: nonNegInt.optional(),
    indexed: z.boolean().optional(),
  }).strict(),
]);
const viewZod = z.object({
  layout: z.object({ size: posInt, segments: z.array(segmentZod).min(1).readonly() }).strict(),
  budget: z.object({
    entities: z.record(z.string(), nonNegInt).optional(),
    range: z.number().positive().optional(),
    dropScalars: z.array(z.string()).optional(),
  }).strict(),
  outputSize: posInt,
}).strict();

const classZod = z.object({
  name: z.string().regex(CLASS_NAME),
  path: z.string().regex(FILE_NAME),
  obsSize: posInt,
  agentIdSize: nonNegInt,
  numActions: posInt,
  hiddenSizes: z.array(posInt),
  activation: activationSchema,
  kind: z.enum(["mlp", "gru"]),
  cost: costSchema,
  observationView: viewZod.optional(),
});

const provenanceZod = z.object({
  command: z.string(),
  seed: z.number(),
  steps: z.number().min(0),
  date: z.string(),
  codeVersion: z.string(),
  warmStart: z.union([
    z.literal("off"),
    z.object({
      episodes: nonNegInt,
      epochs: nonNegInt,
      daggerRounds: nonNegInt,
      daggerEpisodes: nonNegInt,
    }),
  ]).optional(),
});

const manifestZod = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  label: z.string().optional(),
  savedAt: z.string(),
  classes: z.array(classZod).min(1),
  critic: z.object({
    path: z.string().regex(FILE_NAME),
    stateSize: posInt,
    hiddenSizes: z.array(posInt),
    activation: activationSchema,
    cost: costSchema,
  }).optional(),
  provenance: provenanceZod.optional(),
});

/** One class entry of the manifest. */
export interface ManifestClass {
  /** Agent class name. */
  name: string;
  /** Folder of the class's tfjs model, relative to the manifest. */
  path: string;
  /** Observation size. */
  obsSize: number;
  /** Size of the agent-id one-hot appended to the observation (0: none). */
  agentIdSize: number;
  /** Number of discrete actions. */
  numActions: number;
  /** Hidden layer widths. */
  hiddenSizes: number[];
  /** Hidden activation. */
  activation: Activation;
  /** Feed-forward (`mlp`) or recurrent (`gru`). */
  kind: "mlp" | "gru";
  /** Cost figures per decision. */
  cost: CostReport;
  /**
   * The student's observation budget (`observation_view.ts`): the full layout it reads, the effective
   * budget and its output size (= `obsSize`). Absent: the actor reads the full observation.
   */
  observationView?: ObservationViewRecord;
}

/** The critic entry of the manifest. */
export interface ManifestCritic {
  /** Folder of the critic's tfjs model, relative to the manifest. */
  path: string;
  /** Global state size. */
  stateSize: number;
  /** Hidden layer widths. */
  hiddenSizes: number[];
  /** Hidden activation. */
  activation: Activation;
  /** Cost figures per evaluation. */
  cost: CostReport;
}

/** The contents of `manifest.json`. */
export interface PolicyManifest {
  /** Always {@linkcode MANIFEST_FORMAT}. */
  format: typeof MANIFEST_FORMAT;
  /** Always {@linkcode MANIFEST_VERSION}. */
  version: typeof MANIFEST_VERSION;
  /** Free-text label of the set. */
  label?: string;
  /** ISO time it was saved. */
  savedAt: string;
  /** One entry per agent class, in environment order. */
  classes: ManifestClass[];
  /** The centralized critic, when saved. */
  critic?: ManifestCritic;
  /** How it was trained. */
  provenance?: Provenance;
}

const _classSame: SameType<z.output<typeof classZod>, ManifestClass> = true;
const _provenanceSame: SameType<z.output<typeof provenanceZod>, Provenance> = true;
const _manifestSame: SameType<z.output<typeof manifestZod>, PolicyManifest> = true;

/**
 * zod schema of `manifest.json`.
 *
 * @example
 * ```ts
 * import { manifestSchema } from "./model_io.ts";
 * console.assert(!manifestSchema.safeParse({ format: "other" }).success);
 * ```
 */
export const manifestSchema: z.ZodType<PolicyManifest> = manifestZod;

const modelJsonSchema = z.object({
  modelTopology: z.object({
    class_name: z.string(),
    config: z.object({
      layers: z.array(
        z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) }),
      ),
    }),
  }),
  format: z.string().optional(),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string().regex(FILE_NAME)).min(1),
      weights: z.array(
        z.object({ name: z.string(), shape: z.array(nonNegInt), dtype: z.string() }),
      ),
    }),
  ).min(1),
});

/** What a scenario requires of a policy set. */
export interface PolicySetExpectation {
  /** The scenario's agent classes, in environment order. */
  classes: readonly { name: string; obsSize: number; numActions: number }[];
  /**
   * Per class (environment order), the environment's observation layout (`env.observationLayout(c)`;
   * undefined where it has none). When given, a class saved with an observation view must have been
   * built on exactly this layout (see {@linkcode expectationFor}).
   */
  layouts?: readonly (ObservationLayout | undefined)[];
}

/**
 * What an environment requires of a policy set: its classes and, where it describes them, its
 * observation layouts (so students with an observation view are checked against them).
 *
 * @example
 * ```ts
 * import { expectationFor } from "./model_io.ts";
 * import { SmaxEnv } from "../sim/smax/env.ts";
 * const e = expectationFor(new SmaxEnv({ map: "3m" }));
 * console.assert(e.layouts![0]!.size === 30);
 * ```
 */
export function expectationFor(env: {
  classes: readonly { name: string; obsSize: number; numActions: number }[];
  observationLayout?(classIndex: number): ObservationLayout | undefined;
}): PolicySetExpectation {
  return {
    classes: env.classes,
    layouts: env.classes.map((_, c) => env.observationLayout?.(c)),
  };
}

/** Options of {@linkcode savePolicySet}. */
export interface SavePolicySetOptions {
  /** Training provenance (default: `set.provenance`). */
  provenance?: Provenance;
  /** Label (default: `set.label`). */
  label?: string;
}

/** Options of {@linkcode loadPolicySet}. */
export interface LoadPolicySetOptions {
  /** Classes the scenario needs; a mismatch is an error. The result follows this class order. */
  expect?: PolicySetExpectation;
  /** Build tfjs {@linkcode Actor}s (default) or {@linkcode PlainActor}s (MLP only, no critic). */
  as?: "tfjs" | "plain";
  /** Load the critic when present (default true with `as: "tfjs"`). */
  critic?: boolean;
}

/** A loaded policy set with its manifest. */
export interface LoadedPolicySet extends PolicySet {
  /** The validated manifest. */
  manifest: PolicyManifest;
  /** The directory it was loaded from. */
  dir: string;
}

/**
 * Error of a model file that cannot be loaded; `file` and `field` name what is wrong.
 *
 * @example
 * ```ts
 * import { loadPolicySet, ModelFileError } from "./model_io.ts";
 * const err = await loadPolicySet("/nonexistent").catch((e) => e);
 * console.assert(err instanceof ModelFileError && err.file === "/nonexistent/manifest.json");
 * ```
 */
export class ModelFileError extends InputError {
  /** The offending file. */
  readonly file: string;
  /** The offending field (JSON path), if any. */
  readonly field: string | undefined;

  /**
   * Builds the message `Cannot load policy set: "<file>": field "<field>" <detail>`.
   *
   * @example
   * ```ts
   * import { ModelFileError } from "./model_io.ts";
   * const e = new ModelFileError("m/manifest.json", "classes[0].obsSize", "must be >= 1, got -3");
   * console.assert(e.message.includes('field "classes[0].obsSize"'));
   * ```
   */
  constructor(file: string, field: string | undefined, detail: string) {
    super(
      `Cannot load policy set: "${file}": ${
        field === undefined ? "" : `field "${field}" `
      }${detail}`,
    );
    this.name = "ModelFileError";
    this.file = file;
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Saving

function denseLayers(
  model: tf.Sequential,
  inputSize: number,
  hidden: readonly number[],
  outputSize: number,
  activation: string,
  first: boolean,
): void {
  const sizes = [...hidden, outputSize];
  sizes.forEach((units, i) => {
    model.add(tf.layers.dense({
      units,
      activation: (i < hidden.length ? activation : "linear") as "tanh",
      useBias: true,
      kernelInitializer: "zeros",
      ...(first && i === 0 ? { inputShape: [inputSize] } : {}),
    }));
  });
}

/** Builds a stock tfjs layers model equivalent to an actor spec (weights not set). */
function actorLayersModel(spec: ActorSpec): tf.Sequential {
  const model = tf.sequential();
  const inputSize = spec.obsSize + spec.agentIdSize;
  if (spec.kind === "gru") {
    const h = spec.hiddenSizes[0];
    model.add(tf.layers.gru({
      units: h,
      activation: "tanh",
      recurrentActivation: "sigmoid",
      useBias: true,
      inputShape: [null, inputSize],
      kernelInitializer: "zeros",
      recurrentInitializer: "zeros",
    }));
    denseLayers(model, h, spec.hiddenSizes.slice(1), spec.numActions, spec.activation, false);
  } else {
    denseLayers(model, inputSize, spec.hiddenSizes, spec.numActions, spec.activation, true);
  }
  return model;
}

function criticLayersModel(spec: CriticSpec): tf.Sequential {
  const model = tf.sequential();
  denseLayers(model, spec.stateSize, spec.hiddenSizes, 1, spec.activation, true);
  return model;
}

function actorWeights(actor: Actor | PlainActor): Float32Array[] {
  if (actor instanceof PlainActor) return actor.getWeights();
  const gru = actor.gru
    ? actor.gru.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array))
    : [];
  return [...gru, ...actor.net.getWeights()];
}

function setLayersWeights(model: tf.Sequential, weights: readonly Float32Array[]): tf.Sequential {
  const layerWeights = model.weights;
  if (layerWeights.length !== weights.length) {
    throw new Error(
      `layers model has ${layerWeights.length} weights, the network has ${weights.length}`,
    );
  }
  tf.tidy(() =>
    model.setWeights(weights.map((w, i) => tf.tensor(w, layerWeights[i].shape as number[])))
  );
  return model;
}

/**
 * A stock tfjs layers model computing the same logits as `actor` (without the mask): `Dense` layers for an
 * MLP actor; a `GRU` layer (input `[batch, time, features]`) then the dense head for a GRU actor. The caller
 * disposes it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Actor } from "./actor.ts";
 * import { toLayersModel } from "./model_io.ts";
 * const actor = new Actor({ obsSize: 3, agentIdSize: 0, numActions: 2, hiddenSizes: [4], activation: "tanh",
 *   kind: "mlp" }, { seed: 0, name: "to_layers_demo" });
 * const model = toLayersModel(actor);
 * const same = tf.tidy(() => {
 *   const x = tf.ones([1, 3]) as tf.Tensor2D;
 *   return tf.sub(model.predict(x) as tf.Tensor, actor.forward(x).logits).abs().max().dataSync()[0] < 1e-6;
 * });
 * console.assert(same);
 * model.dispose();
 * actor.dispose();
 * ```
 */
export function toLayersModel(actor: Actor | PlainActor): tf.Sequential {
  const model = actorLayersModel(actor.spec);
  try {
    return setLayersWeights(model, actorWeights(actor));
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Saves `model` as `<dir>/model.json` + `<dir>/weights.bin`, each written atomically. */
async function saveLayersModel(
  model: tf.Sequential,
  dir: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  model.setUserDefinedMetadata({ fleetkd: metadata });
  await Deno.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = new Uint8Array(
      tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
    );
    const json = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      userDefinedMetadata: artifacts.userDefinedMetadata,
      weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
    };
    await writeFileAtomic(`${dir}/weights.bin`, data);
    await writeFileAtomic(`${dir}/model.json`, JSON.stringify(json));
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: "JSON",
        weightDataBytes: data.byteLength,
      },
    };
  }));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Saves a policy set to directory `dir` (see module docs), replacing what was there only once the new set is
 * completely written.
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * import { savePolicySet } from "./model_io.ts";
 * const actor = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const dir = await Deno.makeTempDir();
 * await savePolicySet(`${dir}/p`, { classes: [{ name: "a", actor }] }, { provenance: { command: "demo",
 *   seed: 1, steps: 0, date: "2025-01-01", codeVersion: "none" } });
 * console.assert((await Deno.stat(`${dir}/p/a/weights.bin`)).size === 24);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function savePolicySet(
  dir: string,
  set: PolicySet,
  options: SavePolicySetOptions = {},
): Promise<void> {
  dir = dir.replace(/\/+$/, "");
  if (set.classes.length === 0) {
    throw new RangeError(`savePolicySet "${dir}": the policy set has no classes`);
  }
  const names = new Set<string>();
  for (const c of set.classes) {
    if (!CLASS_NAME.test(c.name)) {
      throw new RangeError(
        `savePolicySet "${dir}": class name ${
          JSON.stringify(c.name)
        } must match ${CLASS_NAME} (it names a directory)`,
      );
    }
    if (names.has(c.name)) {
      throw new RangeError(`savePolicySet "${dir}": class name "${c.name}" appears twice`);
    }
    names.add(c.name);
  }
  if (await exists(dir) && !(await Deno.stat(dir)).isDirectory) {
    throw new Error(`savePolicySet: "${dir}" exists and is not a directory`);
  }
  const tag = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const tmp = `${dir}.tmp-${tag}`;
  const provenance = options.provenance ?? set.provenance;
  const label = options.label ?? set.label;
  try {
    await Deno.mkdir(tmp, { recursive: true });
    const classes: ManifestClass[] = [];
    for (const c of set.classes) {
      const spec = c.actor.spec;
      if (c.actor instanceof CompiledActor) {
        throw new RangeError(
          `savePolicySet "${dir}": class "${c.name}" is a compiled (WASM) actor, which holds no trainable weights; save the policy set it was exported from`,
        );
      }
      const model = toLayersModel(c.actor);
      try {
        await saveLayersModel(model, `${tmp}/${c.name}`, { className: c.name, spec });
      } finally {
        model.dispose();
      }
      classes.push({
        name: c.name,
        path: c.name,
        obsSize: spec.obsSize,
        agentIdSize: spec.agentIdSize,
        numActions: spec.numActions,
        hiddenSizes: [...spec.hiddenSizes],
        activation: spec.activation,
        kind: spec.kind,
        cost: actorCost(spec),
        ...(c.view ? { observationView: c.view.record() } : {}),
      });
      if (c.view && c.view.outputSize !== spec.obsSize) {
        throw new RangeError(
          `savePolicySet "${dir}": class "${c.name}": its observation view writes ${c.view.outputSize} values, the actor reads ${spec.obsSize}`,
        );
      }
    }
    const manifest: PolicyManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      ...(label !== undefined ? { label } : {}),
      savedAt: new Date().toISOString(),
      classes,
      ...(provenance ? { provenance: { ...provenance } } : {}),
    };
    if (set.critic) {
      const spec = set.critic.spec;
      const model = criticLayersModel(spec);
      try {
        setLayersWeights(model, set.critic.net.getWeights());
        await saveLayersModel(model, `${tmp}/${CRITIC_DIR}`, { critic: spec });
      } finally {
        model.dispose();
      }
      manifest.critic = {
        path: CRITIC_DIR,
        stateSize: spec.stateSize,
        hiddenSizes: [...spec.hiddenSizes],
        activation: spec.activation,
        cost: criticCost(spec),
      };
    }
    manifestSchema.parse(manifest); // what we write must load
    await writeFileAtomic(`${tmp}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
    // Swap directories: the old set is moved aside, the new one moved in, then the old one removed.
    const old = `${dir}.old-${tag}`;
    const hadOld = await exists(dir);
    if (hadOld) await Deno.rename(dir, old);
    try {
      await Deno.rename(tmp, dir);
    } catch (e) {
      if (hadOld) await Deno.rename(old, dir);
      throw e;
    }
    if (hadOld) await Deno.remove(old, { recursive: true });
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Loading

function show(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ModelFileError(file, undefined, "does not exist");
    }
    throw new ModelFileError(file, undefined, `cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(file, undefined, `is not valid JSON: ${(e as Error).message}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ModelFileError(
    file,
    formatPath(issue.path) || "(root)",
    `is invalid: ${issue.message}; got ${show(valueAt(data, issue.path))}`,
  );
}

/** The (name suffix, shape) of every weight an actor spec needs, in layers-model order. */
function expectedActorWeights(spec: ActorSpec): number[][] {
  const inputSize = spec.obsSize + spec.agentIdSize;
  const shapes: number[][] = [];
  let sizes: number[];
  if (spec.kind === "gru") {
    const h = spec.hiddenSizes[0];
    shapes.push([inputSize, 3 * h], [h, 3 * h], [3 * h]);
    sizes = [h, ...spec.hiddenSizes.slice(1), spec.numActions];
  } else {
    sizes = [inputSize, ...spec.hiddenSizes, spec.numActions];
  }
  for (let i = 0; i + 1 < sizes.length; i++) shapes.push([sizes[i], sizes[i + 1]], [sizes[i + 1]]);
  return shapes;
}

interface LayerExpectation {
  className: string;
  units: number;
  activation: string;
}

function expectedLayers(
  kind: "mlp" | "gru",
  hidden: readonly number[],
  outputSize: number,
  activation: string,
): LayerExpectation[] {
  const layers: LayerExpectation[] = [];
  let dense = hidden;
  if (kind === "gru") {
    layers.push({ className: "GRU", units: hidden[0], activation: "tanh" });
    dense = hidden.slice(1);
  }
  for (const h of dense) layers.push({ className: "Dense", units: h, activation });
  layers.push({ className: "Dense", units: outputSize, activation: "linear" });
  return layers;
}

/** Reads and checks one layers model against the architecture the manifest states; returns its weights. */
async function readLayersModel(
  dir: string,
  shapes: readonly number[][],
  layers: readonly LayerExpectation[],
  archLabel: string,
): Promise<Float32Array[]> {
  const file = `${dir}/model.json`;
  const json = parseWith(modelJsonSchema, await readJson(file), file);
  const topo = json.modelTopology.config.layers;
  if (topo.length !== layers.length) {
    throw new ModelFileError(
      file,
      "modelTopology.config.layers",
      `has ${topo.length} layers, the manifest's architecture ${archLabel} needs ${layers.length}`,
    );
  }
  layers.forEach((want, i) => {
    const got = topo[i];
    const base = `modelTopology.config.layers[${i}]`;
    const checks: [string, unknown, unknown][] = [
      ["class_name", got.class_name, want.className],
      ["config.units", got.config.units, want.units],
      ["config.activation", got.config.activation, want.activation],
    ];
    if (want.className === "GRU") {
      checks.push(["config.recurrent_activation", got.config.recurrent_activation, "sigmoid"]);
    }
    for (const [field, value, expected] of checks) {
      if (value !== expected) {
        throw new ModelFileError(
          file,
          `${base}.${field}`,
          `is ${show(value)}, the manifest's architecture ${archLabel} needs ${show(expected)}`,
        );
      }
    }
  });
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  if (specs.length !== shapes.length) {
    throw new ModelFileError(
      file,
      "weightsManifest[].weights",
      `lists ${specs.length} weights, the manifest's architecture ${archLabel} needs ${shapes.length}`,
    );
  }
  let k = 0;
  for (const [g, group] of json.weightsManifest.entries()) {
    for (const [w, spec] of group.weights.entries()) {
      const field = `weightsManifest[${g}].weights[${w}]`;
      if (spec.dtype !== "float32") {
        throw new ModelFileError(
          file,
          `${field}.dtype`,
          `is ${show(spec.dtype)}, expected "float32"`,
        );
      }
      if (spec.shape.join(",") !== shapes[k].join(",")) {
        throw new ModelFileError(
          file,
          `${field}.shape`,
          `is [${spec.shape}] (${spec.name}), the manifest's architecture ${archLabel} needs [${
            shapes[k]
          }]`,
        );
      }
      k++;
    }
  }
  // Weight files, concatenated in manifest order.
  const chunks: Uint8Array[] = [];
  const paths: string[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const bin = `${dir}/${p}`;
      paths.push(bin);
      try {
        chunks.push(await Deno.readFile(bin));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          throw new ModelFileError(bin, undefined, "does not exist");
        }
        throw new ModelFileError(bin, undefined, `cannot be read: ${(e as Error).message}`);
      }
    }
  }
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const need = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0) * 4;
  if (total !== need) {
    throw new ModelFileError(
      paths.join(" + "),
      undefined,
      `has ${total} bytes, but "${file}" field "weightsManifest" declares ${need} bytes (${shapes.length} float32 arrays)${
        total < need ? ": the file is truncated" : ""
      }`,
    );
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  const floats = new Float32Array(all.buffer, 0, total / 4);
  const out: Float32Array[] = [];
  let offset = 0;
  k = 0;
  for (const [g, group] of json.weightsManifest.entries()) {
    for (const [w, spec] of group.weights.entries()) {
      const n = shapes[k].reduce((a, b) => a * b, 1);
      const arr = floats.slice(offset, offset + n);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(arr[i])) {
          throw new ModelFileError(
            paths.join(" + "),
            `weightsManifest[${g}].weights[${w}]`,
            `(${spec.name}) holds a non-finite value ${arr[i]} at index ${i}`,
          );
        }
      }
      out.push(arr);
      offset += n;
      k++;
    }
  }
  return out;
}

function checkExpectation(
  manifest: PolicyManifest,
  expect: PolicySetExpectation,
  file: string,
): number[] {
  const order: number[] = [];
  if (manifest.classes.length !== expect.classes.length) {
    throw new ModelFileError(
      file,
      "classes",
      `has ${manifest.classes.length} classes [${
        manifest.classes.map((c) => c.name).join(", ")
      }], the scenario expects ${expect.classes.length} [${
        expect.classes.map((c) => c.name).join(", ")
      }]`,
    );
  }
  for (const want of expect.classes) {
    const i = manifest.classes.findIndex((c) => c.name === want.name);
    if (i < 0) {
      throw new ModelFileError(
        file,
        "classes[].name",
        `has no class "${want.name}" (it has [${manifest.classes.map((c) => c.name).join(", ")}])`,
      );
    }
    const got = manifest.classes[i];
    const view = got.observationView;
    for (const key of ["obsSize", "numActions"] as const) {
      // A student with an observation view reads the scenario's full observation through it.
      const value = key === "obsSize" && view ? view.layout.size : got[key];
      if (value !== want[key]) {
        throw new ModelFileError(
          file,
          key === "obsSize" && view
            ? `classes[${i}].observationView.layout.size`
            : `classes[${i}].${key}`,
          `(class "${got.name}") is ${value}, the scenario expects ${want[key]}`,
        );
      }
    }
    if (view && expect.layouts) {
      const envLayout = expect.layouts[order.length];
      if (!envLayout) {
        throw new ModelFileError(
          file,
          `classes[${i}].observationView`,
          `(class "${got.name}") records an observation budget, but the scenario describes no observation layout for this class, so the student's input cannot be built`,
        );
      }
      const mine = layoutSignature(view.layout), theirs = layoutSignature(envLayout);
      if (mine !== theirs) {
        throw new ModelFileError(
          file,
          `classes[${i}].observationView.layout`,
          `(class "${got.name}") is ${mine}, the scenario's observation layout is ${theirs}`,
        );
      }
    }
    order.push(i);
  }
  return order;
}

function label(spec: { sizes: number[]; kind?: string }): string {
  return spec.sizes.join("-");
}

/**
 * Loads a policy set saved by {@linkcode savePolicySet}, validating everything (see module docs). With
 * `expect`, the classes must match the scenario's by name, observation size and action count, and come back
 * in the scenario's order.
 *
 * @example
 * ```ts
 * import { loadPolicySet } from "./model_io.ts";
 * try {
 *   await loadPolicySet("/nonexistent/policy");
 * } catch (e) {
 *   console.log((e as Error).message); // Cannot load policy set: "/nonexistent/policy/manifest.json": does not exist
 * }
 * ```
 */
export async function loadPolicySet(
  dir: string,
  options: LoadPolicySetOptions = {},
): Promise<LoadedPolicySet> {
  dir = dir.replace(/\/+$/, "");
  const file = `${dir}/manifest.json`;
  const manifest = parseWith(manifestSchema, await readJson(file), file);
  const names = new Set<string>();
  manifest.classes.forEach((c, i) => {
    if (names.has(c.name)) {
      throw new ModelFileError(file, `classes[${i}].name`, `repeats class "${c.name}"`);
    }
    names.add(c.name);
    if (c.kind === "gru" && c.hiddenSizes.length === 0) {
      throw new ModelFileError(
        file,
        `classes[${i}].hiddenSizes`,
        `is [], a "gru" actor needs the GRU state size`,
      );
    }
  });
  const order = options.expect
    ? checkExpectation(manifest, options.expect, file)
    : manifest.classes.map((_, i) => i);
  const as = options.as ?? "tfjs";
  // Read and check every file before building any network, so a bad file leaves nothing half-built.
  const loaded: {
    entry: ManifestClass;
    spec: ActorSpec;
    weights: Float32Array[];
    view?: ObservationView;
  }[] = [];
  for (const i of order) {
    const entry = manifest.classes[i];
    const spec: ActorSpec = {
      obsSize: entry.obsSize,
      agentIdSize: entry.agentIdSize,
      numActions: entry.numActions,
      hiddenSizes: entry.hiddenSizes,
      activation: entry.activation,
      kind: entry.kind,
    };
    let view: ObservationView | undefined;
    if (entry.observationView) {
      try {
        view = ObservationView.fromRecord(entry.observationView, "observation view");
      } catch (e) {
        throw new ModelFileError(file, `classes[${i}].observationView`, (e as Error).message);
      }
      if (view.outputSize !== entry.obsSize) {
        throw new ModelFileError(
          file,
          `classes[${i}].obsSize`,
          `is ${entry.obsSize}, but its observationView writes ${view.outputSize} values`,
        );
      }
    }
    if (as === "plain" && spec.kind !== "mlp") {
      throw new ModelFileError(
        file,
        `classes[${i}].kind`,
        `is "gru"; PlainActor runs "mlp" actors only (load as "tfjs")`,
      );
    }
    const arch = label({
      sizes: [spec.obsSize + spec.agentIdSize, ...spec.hiddenSizes, spec.numActions],
    });
    const weights = await readLayersModel(
      `${dir}/${entry.path}`,
      expectedActorWeights(spec),
      expectedLayers(spec.kind, spec.hiddenSizes, spec.numActions, spec.activation),
      `${arch}${spec.kind === "gru" ? " (gru)" : ""}`,
    );
    loaded.push({ entry, spec, weights, view });
  }
  let criticWeights: Float32Array[] | undefined;
  const wantCritic = (options.critic ?? as === "tfjs") && manifest.critic !== undefined;
  if (wantCritic && as === "plain") {
    throw new RangeError(`loadPolicySet "${dir}": a critic can only be loaded as "tfjs"`);
  }
  if (wantCritic) {
    const c = manifest.critic!;
    const sizes = [c.stateSize, ...c.hiddenSizes, 1];
    const shapes: number[][] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      shapes.push([sizes[i], sizes[i + 1]], [sizes[i + 1]]);
    }
    criticWeights = await readLayersModel(
      `${dir}/${c.path}`,
      shapes,
      expectedLayers("mlp", c.hiddenSizes, 1, c.activation),
      label({ sizes }),
    );
  }
  const classes = loaded.map(({ entry, spec, weights, view }) => {
    const viewed = view ? { view } : {};
    if (as === "plain") {
      return { name: entry.name, actor: PlainActor.fromWeights(spec, weights), ...viewed };
    }
    const actor = new Actor(spec, { seed: 0, name: `loaded_${entry.name}` });
    const gruCount = actor.gru ? actor.gru.variables.length : 0;
    if (actor.gru) {
      tf.tidy(() =>
        actor.gru!.variables.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)))
      );
    }
    actor.net.setWeights(weights.slice(gruCount));
    return { name: entry.name, actor, ...viewed };
  });
  const result: LoadedPolicySet = { classes, manifest, dir };
  if (manifest.provenance) result.provenance = { ...manifest.provenance };
  if (manifest.label !== undefined) result.label = manifest.label;
  if (criticWeights) {
    const c = manifest.critic!;
    const critic = new Critic(
      { stateSize: c.stateSize, hiddenSizes: c.hiddenSizes, activation: c.activation },
      { seed: 0, name: "loaded_critic" },
    );
    critic.net.setWeights(criticWeights);
    result.critic = critic;
  }
  return result;
}

/**
 * Frees the tfjs networks of a loaded (or any) policy set: its `Actor`s and critic.
 *
 * @example
 * ```ts
 * import { disposePolicySet } from "./model_io.ts";
 * disposePolicySet({ classes: [] });
 * ```
 */
export function disposePolicySet(set: PolicySet): void {
  for (const c of set.classes) if (c.actor instanceof Actor) c.actor.dispose();
  set.critic?.dispose();
}
