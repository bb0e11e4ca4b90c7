/**
 * Small tensor helpers shared by the trainers: batched actor logits into a Float32Array, critic values of a
 * state array, and global-norm gradient clipping. Each synchronous block runs inside `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { clipGradients } from "./tensor_util.ts";
 * const clipped = tf.tidy(() => {
 *   const g = clipGradients({ w: tf.tensor1d([3, 4]) }, 1); // norm 5 -> scaled to 1
 *   return Array.from(g.w.dataSync());
 * });
 * console.assert(Math.abs(clipped[0] - 0.6) < 1e-6);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Actor } from "../policies/actor.ts";
import type { Critic } from "../policies/critic.ts";
import type { RolloutBuffer } from "./rollout.ts";

/** Runs `actor` on `rows` inputs (with float masks) and writes the logits into `out`. */
export function forwardLogitsInto(
  actor: Actor,
  inputs: Float32Array,
  masks: Float32Array,
  rows: number,
  out: Float32Array,
): void {
  const numActions = actor.spec.numActions;
  const logits = tf.tidy(() =>
    actor.forward(
      tf.tensor2d(inputs, [rows, actor.inputSize]),
      tf.tensor2d(masks, [rows, numActions]),
    ).logits
  );
  out.set(logits.dataSync().subarray(0, rows * numActions));
  logits.dispose();
}

/** Critic values (in the critic's own units) of `rows` states laid out row-major, in chunks of 8192. */
export function criticValues(
  critic: Critic,
  states: Float32Array,
  rows: number,
  stateSize: number,
): Float32Array {
  const out = new Float32Array(rows);
  const chunk = 8192;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const v = tf.tidy(() =>
      critic.forward(
        tf.tensor2d(states.subarray(start * stateSize, (start + n) * stateSize), [n, stateSize]),
      )
    );
    out.set(v.dataSync(), start);
    v.dispose();
  }
  return out;
}

/** Scales gradients so their global L2 norm is at most `maxNorm` (no-op below it). */
export function clipGradients(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sq = names.map((k) => tf.sum(tf.square(grads[k])));
    const norm = tf.sqrt(tf.addN(sq));
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
    const out: tf.NamedTensorMap = {};
    for (const k of names) out[k] = tf.mul(grads[k], scale);
    return out;
  });
}

/** One agent class's rows of a minibatch, as tensors (see {@linkcode classMinibatches}). */
export interface ClassMinibatch {
  /** Actor inputs, [rows, inputSize]. */
  inputs: tf.Tensor2D;
  /** Action masks, [rows, numActions]. */
  masks: tf.Tensor2D;
  /** Actions taken, int32 [rows]. */
  actions: tf.Tensor1D;
  /** Rollout log-probabilities, [rows]. */
  logp: tf.Tensor1D;
  /** Row weights (1 in play), [rows]. */
  weights: tf.Tensor1D;
  /** The environment step's advantage, repeated for each of its agents, [rows]. */
  adv: tf.Tensor1D;
}

/**
 * Gathers the rows of every agent of the environment steps `idx` (indices `t * E + e` into the rollout) from
 * `buffer`, per class, with each step's advantage repeated for its agents, as tensors. Call inside
 * `tf.tidy`.
 */
export function classMinibatches(
  buffer: RolloutBuffer,
  idx: Int32Array,
  advantages: Float32Array,
): ClassMinibatch[] {
  const n = idx.length;
  return buffer.specs.map((spec, ci) => {
    const cr = buffer.classes[ci];
    const inputSize = buffer.sizes.inputSizes[ci], A = spec.numActions;
    const rows = n * spec.count;
    const inputs = new Float32Array(rows * inputSize), masks = new Float32Array(rows * A);
    const actions = new Int32Array(rows), logp = new Float32Array(rows);
    const weights = new Float32Array(rows), adv = new Float32Array(rows);
    for (let j = 0; j < n; j++) {
      // Rollout rows of a class are step-major then agent: row (t * E + e) * count + a = idx * count + a.
      const i = idx[j];
      for (let a = 0; a < spec.count; a++) {
        const src = i * spec.count + a, dst = j * spec.count + a;
        inputs.set(cr.inputs.subarray(src * inputSize, (src + 1) * inputSize), dst * inputSize);
        masks.set(cr.masks.subarray(src * A, (src + 1) * A), dst * A);
        actions[dst] = cr.actions[src];
        logp[dst] = cr.logProbs[src];
        weights[dst] = cr.weights[src];
        adv[dst] = advantages[i];
      }
    }
    return {
      inputs: tf.tensor2d(inputs, [rows, inputSize]),
      masks: tf.tensor2d(masks, [rows, A]),
      actions: tf.tensor1d(actions, "int32"),
      logp: tf.tensor1d(logp),
      weights: tf.tensor1d(weights),
      adv: tf.tensor1d(adv),
    };
  });
}
