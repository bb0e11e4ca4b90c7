/**
 * Saving and restoring a trainer's tensors: its variables and its Adam optimisers' moments and step
 * counters, through the single-file checkpoint format of `checkpoint.ts`. Both trainers (teacher and
 * students) use it; each adds its own counters and payload in `meta`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { restoreTrainerState, saveTrainerState } from "./trainer_state.ts";
 * import { ScheduledAdam } from "./optim.ts";
 * const v = tf.variable(tf.tensor1d([1, 2]), true, "demo_v");
 * const adam = new ScheduledAdam(0.1);
 * const path = await Deno.makeTempFile();
 * const opts = { main: { optimizer: adam, variables: [v] } };
 * await saveTrainerState(path, { format: "demo", step: 3 }, [v], opts);
 * const meta = await restoreTrainerState(path, "demo", [v], opts);
 * console.assert((meta as { step: number }).step === 3);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import type { ScheduledAdam } from "./optim.ts";

interface StateMeta {
  format: string;
  variables: { name: string; shape: number[] }[];
  optimizers: Record<string, { iterations: number; moments: number }>;
}

/** Optimisers of a trainer by key, each with the variables it updates (in gradient order). */
export type TrainerOptimizers = Record<
  string,
  { optimizer: ScheduledAdam; variables: readonly tf.Variable[] }
>;

/**
 * Writes `variables`, each optimiser's state and `meta` (which must carry a `format` string) to `path`
 * atomically.
 */
export async function saveTrainerState(
  path: string,
  meta: { format: string } & Record<string, unknown>,
  variables: readonly tf.Variable[],
  optimizers: TrainerOptimizers,
): Promise<void> {
  const arrays: Record<string, Float32Array> = {};
  variables.forEach((v, i) => (arrays[`var/${i}`] = new Float32Array(v.dataSync())));
  const optimizerMeta: StateMeta["optimizers"] = {};
  for (const [key, { optimizer }] of Object.entries(optimizers)) {
    const weights = await optimizer.getWeights();
    const iterations = weights[0].tensor.dataSync()[0];
    weights[0].tensor.dispose(); // getWeights makes a fresh iteration scalar
    weights.slice(1).forEach((
      w,
      i,
    ) => (arrays[`opt/${key}/${i}`] = new Float32Array(w.tensor.dataSync())));
    optimizerMeta[key] = { iterations, moments: weights.length - 1 };
  }
  await writeCheckpoint(path, {
    ...meta,
    variables: variables.map((v) => ({ name: v.name, shape: v.shape })),
    optimizers: optimizerMeta,
  }, arrays);
}

/**
 * Restores a state written by {@linkcode saveTrainerState} into `variables` and `optimizers` (which must
 * have the same shapes and keys) and returns its `meta`. Every mismatch is an error naming the file and
 * what differs; nothing is assigned until every check has passed.
 */
export async function restoreTrainerState(
  path: string,
  format: string,
  variables: readonly tf.Variable[],
  optimizers: TrainerOptimizers,
): Promise<Record<string, unknown>> {
  const { meta, arrays } = await readCheckpoint(path);
  const m = meta as StateMeta & Record<string, unknown>;
  const fail = (why: string): never => {
    throw new CheckpointError(`Cannot resume from checkpoint "${path}": ${why}`);
  };
  if (m?.format !== format) {
    fail(`field "format" must be "${format}", got ${JSON.stringify(m?.format)}`);
  }
  if (!Array.isArray(m.variables) || m.variables.length !== variables.length) {
    fail(
      `it holds ${m.variables?.length} variables, the networks have ${variables.length} (different architecture?)`,
    );
  }
  variables.forEach((v, i) => {
    const saved = m.variables[i];
    if (saved.shape.join("x") !== v.shape.join("x")) {
      fail(
        `variable ${i} ("${saved.name}") has shape [${saved.shape}], expected [${v.shape}] (different architecture?)`,
      );
    }
    if (arrays[`var/${i}`]?.length !== v.size) {
      fail(`variable ${i} ("${saved.name}") data is missing or short`);
    }
  });
  for (const [key, { variables: optVars }] of Object.entries(optimizers)) {
    const info = m.optimizers?.[key];
    if (!info) fail(`field "optimizers.${key}" is missing`);
    // Adam keeps a first and a second moment per variable, in the order its gradients were given.
    if (info.moments !== 0 && info.moments !== 2 * optVars.length) {
      fail(`optimizer "${key}" holds ${info.moments} moments, expected ${2 * optVars.length}`);
    }
    for (let i = 0; i < info.moments; i++) {
      const a = arrays[`opt/${key}/${i}`];
      if (a?.length !== optVars[i % optVars.length].size) {
        fail(
          `Adam moment "opt/${key}/${i}" has ${a?.length} values, expected ${
            optVars[i % optVars.length].size
          }`,
        );
      }
    }
  }
  variables.forEach((v, i) =>
    tf.tidy(() => v.assign(tf.tensor(arrays[`var/${i}`], v.shape as number[])))
  );
  for (const [key, { optimizer, variables: optVars }] of Object.entries(optimizers)) {
    const info = m.optimizers[key];
    const tensors: { name: string; tensor: tf.Tensor }[] = [{
      name: "iter",
      tensor: tf.scalar(info.iterations, "int32"),
    }];
    for (let i = 0; i < info.moments; i++) {
      const v = optVars[i % optVars.length];
      tensors.push({
        name: `${v.name}/${i < optVars.length ? "m" : "v"}`,
        tensor: tf.tensor(arrays[`opt/${key}/${i}`], v.shape as number[]),
      });
    }
    await optimizer.restoreWeights(tensors);
    for (const t of tensors) t.tensor.dispose();
  }
  return m;
}
