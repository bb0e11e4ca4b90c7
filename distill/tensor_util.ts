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
 * Rows of a rollout array laid out step-major then agent (row `step * count + agent`, `width` values
 * each) for the environment steps `idx` and the agents `members` (every agent when omitted), in the
 * same order: step-major, then member.
 *
 * @example
 * ```ts
 * import { gatherAgentRows } from "./tensor_util.ts";
 * // 2 steps x 3 agents, one value each: agent 2 of steps 1 and 0.
 * const rows = gatherAgentRows(new Float32Array([0, 1, 2, 10, 11, 12]), 1, 3, new Int32Array([1, 0]), new Int32Array([2]));
 * console.assert(rows.join() === "12,2");
 * ```
 */
export function gatherAgentRows<T extends Float32Array | Int32Array>(
  source: T,
  width: number,
  count: number,
  idx: Int32Array,
  members?: Int32Array,
): T {
  const per = members ? members.length : count;
  const out =
    (source instanceof Int32Array
      ? new Int32Array(idx.length * per * width)
      : new Float32Array(idx.length * per * width)) as T;
  for (let j = 0; j < idx.length; j++) {
    const first = idx[j] * count, dst = j * per;
    if (!members) {
      out.set(source.subarray(first * width, (first + count) * width), dst * width);
      continue;
    }
    for (let q = 0; q < per; q++) {
      const src = first + members[q];
      out.set(source.subarray(src * width, (src + 1) * width), (dst + q) * width);
    }
  }
  return out;
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
    // The step's advantage, once per agent of the step.
    const adv = new Float32Array(rows);
    for (let j = 0; j < n; j++) adv.fill(advantages[idx[j]], j * spec.count, (j + 1) * spec.count);
    return {
      inputs: tf.tensor2d(gatherAgentRows(cr.inputs, inputSize, spec.count, idx), [
        rows,
        inputSize,
      ]),
      masks: tf.tensor2d(gatherAgentRows(cr.masks, A, spec.count, idx), [rows, A]),
      actions: tf.tensor1d(gatherAgentRows(cr.actions, 1, spec.count, idx), "int32"),
      logp: tf.tensor1d(gatherAgentRows(cr.logProbs, 1, spec.count, idx)),
      weights: tf.tensor1d(gatherAgentRows(cr.weights, 1, spec.count, idx)),
      adv: tf.tensor1d(adv),
    };
  });
}
