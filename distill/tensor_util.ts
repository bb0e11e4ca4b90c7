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
