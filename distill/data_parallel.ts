/**
 * Data-parallel gradients for the MAPPO update (`deno task train --workers N`): a minibatch of environment
 * steps is cut into `N` contiguous shards (the main thread's a little smaller, see {@linkcode MAIN_SHARE}),
 * each party (the main thread and `N - 1` Deno Workers, see
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
 * // 100 steps over 3 parties: the main thread takes 30 (0.9 of an even third), the workers the rest.
 * console.assert(shardRange(100, 3, 0).join() === "0,30" && shardRange(100, 3, 1).join() === "30,64");
 * console.assert(shardRange(100, 3, 2).join() === "64,100");
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
 * The main thread's share of a minibatch, relative to an even split: it also collects the rollout,
 * computes GAE, adds the shards' gradients and runs Adam while the workers wait, so it takes 10% less of
 * each minibatch than they do. Measured on smax/3m, smax/3s5z, mpe/simple_spread and fleet/leo-wildfire
 * with 2 parties (per-thread CPU time, `bench/train_bench.ts`), the split that evens out the threads'
 * work was 44-46% for the main thread, i.e. 0.88-0.92 of an even half. Fixed, never measured at run
 * time: the split decides the float rounding, and timing-dependent splits would break reproducibility.
 */
export const MAIN_SHARE = 0.9;

/**
 * Party `party`'s shard `[start, end)` of a minibatch of `n` steps cut into `parties` contiguous pieces:
 * party 0 (the main thread) gets `MAIN_SHARE / parties` of the steps, the others equal parts of the rest.
 *
 * @example
 * ```ts
 * import { shardRange } from "./data_parallel.ts";
 * console.assert(shardRange(100, 2, 0).join() === "0,45" && shardRange(100, 2, 1).join() === "45,100");
 * console.assert(shardRange(7, 1, 0).join() === "0,7");
 * ```
 */
export function shardRange(n: number, parties: number, party: number): [number, number] {
  const main = MAIN_SHARE / parties;
  const cut = (p: number) =>
    p <= 0 ? 0 : p >= parties ? n : Math.floor(n * (main + ((p - 1) * (1 - main)) / (parties - 1)));
  return [cut(party), cut(party + 1)];
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
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Actor } from "../policies/actor.ts";
 * import { Critic } from "../policies/critic.ts";
 * import { RolloutBuffer } from "./rollout.ts";
 * import { classWeightTotals, shardGradients } from "./data_parallel.ts";
 * const spec = { name: "a", count: 2, obsSize: 3, numActions: 4 };
 * const buffer = new RolloutBuffer([spec], { steps: 2, envs: 2, stateSize: 5, inputSizes: [3] });
 * buffer.classes[0].masks.fill(1);
 * buffer.classes[0].weights.fill(1);
 * const actor = new Actor({ obsSize: 3, agentIdSize: 0, numActions: 4, hiddenSizes: [8],
 *   activation: "tanh", kind: "mlp" }, { seed: 1, name: "shard_demo_actor" });
 * const critic = new Critic({ stateSize: 5, hiddenSizes: [8], activation: "tanh" },
 *   { seed: 1, name: "shard_demo_critic" });
 * const idx = Int32Array.of(0, 1, 2, 3);
 * const data = { buffer, advantages: new Float32Array(4).fill(1), targets: new Float32Array(4),
 *   oldValues: new Float32Array(4) };
 * const settings = { clip: 0.2, entropyCoef: 0.01, valueClip: 0.2, huberDelta: 10, valueCoef: 1 };
 * // The first half of a 4-step minibatch: its gradients plus the second half's are the minibatch's.
 * const n = tf.tidy(() =>
 *   shardGradients([actor], critic, data, idx.subarray(0, 2), classWeightTotals(buffer, idx), 4,
 *     settings).actor.length
 * );
 * console.assert(n === actor.variables.length);
 * actor.dispose();
 * critic.dispose();
 * ```
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
  const actorVars = actors.flatMap((a) => a.variables);
  if (n === 0) {
    // An empty shard (a minibatch smaller than the parties) contributes nothing; an empty mean is NaN.
    return {
      actor: actorVars.map((v) => tf.zerosLike(v)),
      critic: critic.variables.map((v) => tf.zerosLike(v)),
      stats: tf.zeros([5]) as tf.Tensor1D,
    };
  }
  const tensors = classMinibatches(buffer as RolloutBuffer, idx, advantages);
  const shares = classWeightTotals(buffer, idx).map((w, ci) =>
    classTotals[ci] > 0 ? w / classTotals[ci] : 0
  );
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
    diag = classDiagnostics(parts);
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

/**
 * The PPO diagnostics of an actor loss summed over classes: per class `[loss, entropy, approxKl,
 * clipFraction]`, returned as the loss summed over classes and the other three averaged, each kept
 * (`tf.keep`) so they outlive the `variableGrads` closure that computes them.
 */
export function classDiagnostics(parts: readonly tf.Scalar[][]): tf.Scalar[] {
  const k = parts.length;
  return [0, 1, 2, 3].map((j) =>
    tf.keep(
      j === 0
        ? parts.reduce((s, p) => tf.add(s, p[0]), tf.scalar(0)) as tf.Scalar
        : tf.div(parts.reduce((s, p) => tf.add(s, p[j]), tf.scalar(0)), k) as tf.Scalar,
    )
  );
}
