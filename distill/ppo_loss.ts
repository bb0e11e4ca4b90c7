/**
 * The PPO loss terms as pure tensor functions, shared by the teacher (MAPPO) and the students (whose
 * policy-gradient term is the same clipped surrogate on the frozen teacher critic's advantages).
 *
 * - Clipped surrogate (Schulman et al., 2017): `L = -E[min(r A, clip(r, 1-e, 1+e) A)]`, r = π/π_old.
 * - Entropy of the masked categorical: illegal actions carry logits of -1e9, so their probability is
 *   exactly 0 in float32 and they add nothing.
 * - Value loss with PPO-style value clipping around the rollout's values and MAPPO's Huber loss.
 *
 * Every mean is weighted by `weights` (1 for an agent in play, 0 for a dead unit's padding row).
 * The functions do not call `tf.tidy`: they run inside the caller's tidy / gradient closure.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { clippedPolicyLoss } from "./ppo_loss.ts";
 * const out = tf.tidy(() => {
 *   const r = clippedPolicyLoss({
 *     logits: tf.tensor2d([[0, 0]]), actions: tf.tensor1d([1], "int32"),
 *     oldLogProbs: tf.tensor1d([Math.log(0.5)]), advantages: tf.tensor1d([2]),
 *     weights: tf.tensor1d([1]), clip: 0.2,
 *   });
 *   return r.loss.dataSync()[0];
 * });
 * console.assert(Math.abs(out + 2) < 1e-6); // ratio 1: loss = -A
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Log-probabilities of the chosen actions under `logits`. */
export function logProbsOf(logits: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const onehot = tf.oneHot(actions, logits.shape[1]);
  return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
}

/**
 * Mean cross-entropy of `logits` to targets that put `1 - smoothing` on `actions` and spread `smoothing`
 * uniformly over the legal actions (`mask` 1). With `smoothing` 0 it is `-mean(logProbsOf(...))`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { smoothedCrossEntropy } from "./ppo_loss.ts";
 * const ce = tf.tidy(() =>
 *   smoothedCrossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([0], "int32"), tf.tensor2d([[1, 1]]), 0.2)
 *     .dataSync()[0]
 * );
 * console.assert(Math.abs(ce - Math.log(2)) < 1e-6); // uniform logits: log 2 whatever the target
 * ```
 */
export function smoothedCrossEntropy(
  logits: tf.Tensor2D,
  actions: tf.Tensor1D,
  mask: tf.Tensor2D,
  smoothing: number,
): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(actions, logits.shape[1]).toFloat();
    const legal = tf.div(mask, tf.maximum(tf.sum(mask, 1, true), 1));
    const target = tf.add(tf.mul(onehot, 1 - smoothing), tf.mul(legal, smoothing));
    // Illegal actions have target 0 and log-probability ~ -1e9: clamp so 0 * logp stays finite.
    const logp = tf.maximum(tf.logSoftmax(logits), -1e4);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
  });
}

/** Mean of `x` weighted by `w` (sum(x w) / max(sum(w), 1e-8)). */
export function weightedMean(x: tf.Tensor, w: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, w)), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
}

/** Per-row entropy of the categorical given by `logits`. */
export function categoricalEntropy(logits: tf.Tensor2D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const p = tf.exp(logp);
  // p = 0 exactly for masked actions; clamp logp so 0 * (-1e9) cannot become NaN through -Infinity.
  return tf.neg(tf.sum(tf.mul(p, tf.maximum(logp, -1e4)), 1)) as tf.Tensor1D;
}

/** Inputs of {@linkcode clippedPolicyLoss}. */
export interface PolicyLossInput {
  /** Current logits (masked), [N, A]. */
  logits: tf.Tensor2D;
  /** Actions taken, int32 [N]. */
  actions: tf.Tensor1D;
  /** Log-probabilities of the actions under the rollout policy, [N]. */
  oldLogProbs: tf.Tensor1D;
  /** Advantages, [N]. */
  advantages: tf.Tensor1D;
  /** Row weights (1 in play, 0 padding), [N]. */
  weights: tf.Tensor1D;
  /** Ratio clip epsilon. */
  clip: number;
}

/** Outputs of {@linkcode clippedPolicyLoss}. */
export interface PolicyLossOutput {
  /** Clipped surrogate loss (to minimise). */
  loss: tf.Scalar;
  /** Mean entropy. */
  entropy: tf.Scalar;
  /** Mean of (ratio - 1) - log ratio, a low-variance KL(old || new) estimate. */
  approxKl: tf.Scalar;
  /** Share of rows whose ratio was clipped. */
  clipFraction: tf.Scalar;
}

/** The clipped PPO surrogate, entropy and diagnostics (see module docs). */
export function clippedPolicyLoss(input: PolicyLossInput): PolicyLossOutput {
  const { logits, actions, oldLogProbs, advantages, weights, clip } = input;
  const logp = logProbsOf(logits, actions);
  const logRatio = tf.sub(logp, oldLogProbs);
  const ratio = tf.exp(logRatio);
  const unclipped = tf.mul(ratio, advantages);
  const clipped = tf.mul(tf.clipByValue(ratio, 1 - clip, 1 + clip), advantages);
  const loss = tf.neg(weightedMean(tf.minimum(unclipped, clipped), weights));
  const entropy = weightedMean(categoricalEntropy(logits), weights);
  const approxKl = weightedMean(tf.sub(tf.sub(ratio, 1), logRatio), weights);
  const clipFraction = weightedMean(
    tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clip), "float32"),
    weights,
  );
  return { loss, entropy, approxKl, clipFraction };
}

/** Inputs of {@linkcode clippedValueLoss}. */
export interface ValueLossInput {
  /** Current value predictions, [N]. */
  values: tf.Tensor1D;
  /** Value predictions at rollout time, [N]. */
  oldValues: tf.Tensor1D;
  /** Value targets, [N]. */
  targets: tf.Tensor1D;
  /** Clip range around oldValues; 0 disables clipping. */
  clip: number;
  /** Huber delta; 0 uses 0.5 * squared error. */
  huberDelta: number;
}

function elementLoss(error: tf.Tensor1D, delta: number): tf.Tensor1D {
  if (delta <= 0) return tf.mul(tf.square(error), 0.5) as tf.Tensor1D;
  // 0.5 q² + δ (|e| - q) with q = min(|e|, δ): Huber without a comparison op, which tfjs cannot
  // differentiate through.
  const abs = tf.abs(error);
  const q = tf.minimum(abs, delta);
  return tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(abs, q), delta)) as tf.Tensor1D;
}

/** Value loss with optional clipping around the rollout's values (max of clipped and unclipped). */
export function clippedValueLoss(input: ValueLossInput): tf.Scalar {
  const { values, oldValues, targets, clip, huberDelta } = input;
  const unclipped = elementLoss(tf.sub(values, targets) as tf.Tensor1D, huberDelta);
  if (clip <= 0) return tf.mean(unclipped) as tf.Scalar;
  const clippedValues = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clip, clip));
  const clipped = elementLoss(tf.sub(clippedValues, targets) as tf.Tensor1D, huberDelta);
  return tf.mean(tf.maximum(unclipped, clipped)) as tf.Scalar;
}
