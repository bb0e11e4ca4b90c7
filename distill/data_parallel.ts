/**
 * Data-parallel gradients for the MAPPO update (`deno task train --workers N`): a minibatch of environment
 * steps is cut into `N` contiguous shards, each party (the main thread and `N - 1` Deno Workers, see
 * `grad_pool.ts`) computes the gradient of its shard's share of the minibatch loss, and the learner adds the
 * shards' gradients in party order before clipping and the Adam step.
 *
 * A shard's share is the minibatch loss restricted to the shard's rows: every weighted mean of
 * `clippedPolicyLoss` (over a class's rows) is scaled by the shard's share of the class's total row weight,
 * and the critic's mean value loss by the shard's share of the steps, so the shares add up to the full
 * minibatch loss and their gradients to its gradient. The sum is the same number up to float32 rounding
 * (the order of additions differs), not bit for bit; for a given seed and worker count it is bit-reproducible,
 * since each shard is computed by the same single-threaded WASM kernels on the same inputs and the shards are
 * always added in the same order.
 *
 * @example
 * ```ts
 * import { shardRange } from "./data_parallel.ts";
 * // 10 steps over 3 parties: [0, 3), [3, 6), [6, 10).
 * console.assert(shardRange(10, 3, 1).join() === "3,6");
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Actor } from "../policies/actor.ts";
import type { Critic } from "../policies/critic.ts";
import { clippedPolicyLoss, clippedValueLoss } from "./ppo_loss.ts";
import type { RolloutBuffer } from "./rollout.ts";
import { classMinibatches } from "./tensor_util.ts";

/** The loss settings a shard needs (fields of `MappoConfig`). */
export interface ShardLossSettings {
  /** PPO ratio clip. */
  clip: number;
  /** Entropy bonus coefficient. */
  entropyCoef: number;
  /** Value clip (0 off). */
  valueClip: number;
  /** Huber delta of the value loss (0: squared error). */
  huberDelta: number;
  /** Value-loss coefficient. */
  valueCoef: number;
}

/** The rollout arrays a shard reads: a {@linkcode RolloutBuffer} plus the update's per-step arrays. */
export interface ShardData {
  /** The rollout (per-class rows and states). */
  buffer: Pick<RolloutBuffer, "specs" | "sizes" | "classes" | "states">;
  /** Normalised advantages, `T * E`. */
  advantages: Float32Array;
  /** Value targets (normalised units), `T * E`. */
  targets: Float32Array;
  /** Rollout values (normalised units), `T * E`. */
  oldValues: Float32Array;
}

/**
 * Party `party`'s shard `[start, end)` of a minibatch of `n` steps cut into `parties` contiguous pieces.
 *
 * @example
 * ```ts
 * import { shardRange } from "./data_parallel.ts";
 * console.assert(shardRange(7, 2, 0).join() === "0,3" && shardRange(7, 2, 1).join() === "3,7");
 * ```
 */
export function shardRange(n: number, parties: number, party: number): [number, number] {
  return [Math.floor((party * n) / parties), Math.floor(((party + 1) * n) / parties)];
}

/**
 * Each class's total row weight over the steps `idx` (rows of agents in play), summed in float64: the
 * denominators that make shard losses add up to the minibatch loss.
 *
 * @example
 * ```ts
 * import { classWeightTotals } from "./data_parallel.ts";
 * const buffer = { specs: [{ name: "a", count: 2, obsSize: 1, numActions: 2 }],
 *   classes: [{ weights: Float32Array.of(1, 1, 1, 0) }] };
 * console.assert(classWeightTotals(buffer, Int32Array.of(1)).join() === "1");
 * ```
 */
export function classWeightTotals(
  buffer: { specs: RolloutBuffer["specs"]; classes: { weights: Float32Array }[] },
  idx: Int32Array,
): number[] {
  return buffer.specs.map((spec, ci) => {
    const w = buffer.classes[ci].weights;
    let total = 0;
    for (let j = 0; j < idx.length; j++) {
      const first = idx[j] * spec.count;
      for (let q = 0; q < spec.count; q++) total += w[first + q];
    }
    return total;
  });
}

/** What {@linkcode shardGradients} returns (tensors: call inside `tf.tidy`). */
export interface ShardGradients {
  /** Gradients of the actors' variables, in `actors.flatMap((a) => a.variables)` order. */
  actor: tf.Tensor[];
  /** Gradients of the critic's variables, in `critic.variables` order. */
  critic: tf.Tensor[];
  /**
   * The shard's share of the diagnostics, `[policy loss, entropy, approx KL, clip fraction, value loss]`:
   * the shards' shares add up to the minibatch's figures.
   */
  stats: tf.Tensor1D;
}

/**
 * Gradients of the shard `idx` (environment steps of the rollout) of a minibatch whose class row-weight
 * totals are `classTotals` and whose step count is `minibatchSteps` (see module docs). Creates tensors:
 * call inside `tf.tidy`.
 */
export function shardGradients(
  actors: readonly Actor[],
  critic: Critic,
  data: ShardData,
  idx: Int32Array,
  classTotals: readonly number[],
  minibatchSteps: number,
  settings: ShardLossSettings,
): ShardGradients {
  const { buffer, advantages, targets, oldValues } = data;
  const S = buffer.sizes.stateSize;
  const n = idx.length;
  const tensors = classMinibatches(buffer as RolloutBuffer, idx, advantages);
  const shares = classWeightTotals(buffer, idx).map((w, ci) =>
    classTotals[ci] > 0 ? w / classTotals[ci] : 0
  );
  const actorVars = actors.flatMap((a) => a.variables);
  let diag: tf.Scalar[] = [];
  const actorGrads = tf.variableGrads(() => {
    let total = tf.scalar(0);
    const parts: tf.Scalar[][] = [];
    tensors.forEach((t, ci) => {
      const out = clippedPolicyLoss({
        logits: actors[ci].forward(t.inputs, t.masks).logits,
        actions: t.actions,
        oldLogProbs: t.logp,
        advantages: t.adv,
        weights: t.weights,
        clip: settings.clip,
      });
      const share = shares[ci];
      const loss = tf.mul(out.loss, share), entropy = tf.mul(out.entropy, share);
      total = tf.add(total, tf.sub(loss, tf.mul(entropy, settings.entropyCoef)));
      parts.push([
        loss,
        entropy,
        tf.mul(out.approxKl, share),
        tf.mul(out.clipFraction, share),
      ] as tf.Scalar[]);
    });
    const k = parts.length;
    diag = [0, 1, 2, 3].map((j) =>
      tf.keep(
        j === 0
          ? parts.reduce((s, p) => tf.add(s, p[0]), tf.scalar(0)) as tf.Scalar
          : tf.div(parts.reduce((s, p) => tf.add(s, p[j]), tf.scalar(0)), k) as tf.Scalar,
      )
    );
    return total as tf.Scalar;
  }, actorVars);

  const states = new Float32Array(n * S);
  const mbTargets = new Float32Array(n), mbOld = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    states.set(buffer.states.subarray(i * S, (i + 1) * S), j * S);
    mbTargets[j] = targets[i];
    mbOld[j] = oldValues[i];
  }
  const statesT = tf.tensor2d(states, [n, S]);
  const criticGrads = tf.variableGrads(() =>
    tf.mul(
      clippedValueLoss({
        values: critic.forward(statesT),
        oldValues: tf.tensor1d(mbOld),
        targets: tf.tensor1d(mbTargets),
        clip: settings.valueClip,
        huberDelta: settings.huberDelta,
      }),
      (settings.valueCoef * n) / minibatchSteps,
    ) as tf.Scalar, critic.variables);
  const stats = tf.stack([...diag, criticGrads.value]) as tf.Tensor1D;
  for (const d of diag) d.dispose();
  return {
    actor: actorVars.map((v) => actorGrads.grads[v.name]),
    critic: critic.variables.map((v) => criticGrads.grads[v.name]),
    stats,
  };
}
