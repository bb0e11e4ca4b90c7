/**
 * The distillation terms of KD-MARL stage 2, as pure tensor functions. The paper (arXiv 2604.06691) names
 * the terms but publishes no formulas; this module is the exact definition fleetkd uses.
 *
 * Notation: a minibatch holds `n` environment steps; at each step `N` agents act (all classes, in the
 * environment's agent order). `T` is the frozen teacher, `S` the student. Row weights `w` are 1 for agents
 * in play and 0 for padding rows of agents out of the episode.
 *
 * - **KL(T || S)** on action distributions (masked actions have probability 0 under both):
 *   `L_kl = Σ_rows w · Σ_a p_T(a) (log p_T(a) - log p_S(a)) / Σ w`. Forward KL is mode-covering: the
 *   student must put mass everywhere the teacher does, which is what keeps its sampled rollouts close to
 *   the teacher's state distribution.
 * - **Cross-entropy to the teacher's argmax**: `L_ce = -Σ w · log p_S(argmax_a p_T(a)) / Σ w`. It sharpens
 *   the student where the teacher is decided, which KL alone does slowly for a small network.
 * - **Structural relation loss, same-class pairs**: for each environment step, the matrix of pairwise
 *   cosine similarities of the agents' latent embeddings, `C_ij = <z_i, z_j> / (|z_i| |z_j|)`, for the
 *   teacher and for the student; `L_rel = Σ_{i≠j, c(i)=c(j)} w_i w_j (C^S_ij - C^T_ij)² / Σ_{i≠j, c(i)=c(j)}
 *   w_i w_j`, over pairs of agents in play *of the same class* only. Why: each class has its own teacher
 *   network (and its own student), initialised and trained independently, so the cosine between the
 *   latents of a sat and a ground station compares coordinates of two unrelated spaces: an arbitrary
 *   target. Within a class both agents pass through the same network, so `C^T_ij` says how alike the
 *   teacher sees their situations, and the student is asked to see them alike to the same degree.
 *   Cosine similarity does not depend on the width, so student latents of any width are compared as
 *   they are (no projection head that could absorb the structure; latents of different widths are
 *   zero-padded to one width before stacking, which leaves every same-class cosine unchanged).
 *   Single-class teams (3m, simple_spread) use every pair, as before.
 * - **Role loss, a persistent role**: an agent's teacher role at step `t` is the running mean of the
 *   teacher's latent over the agent's episode so far, `ρ_t,i = mean_{s=t0..t, i in play} z^T_s,i`
 *   ({@linkcode runningEpisodeMean}), projected by a fixed random orthogonal map per class to `r`
 *   dimensions and scaled to unit length: `r^T_i = normalise(P_c ρ_i)`. It summarises what the agent has
 *   been doing this episode (which enemy it engages, which region it images), so it changes slowly, as a
 *   role does, where one step's latent changes with every observation. The student role is a learned
 *   role head per class on the student's *current* latent, `r^S_i = normalise(G_c z^S_i)`: the student
 *   must carry the trajectory-level role in its one-step representation (the head is dropped at
 *   deployment). Two parts:
 *   1. alignment, `Σ_i w_i (1 - cos(r^S_i, r^T_i)) / Σ_i w_i`: each agent takes its own teacher role;
 *   2. anti-collapse, over same-class pairs in play, `Σ w_i w_j relu(cos(r^S_i, r^S_j) - cos(r^T_i,
 *      r^T_j) - m) / Σ w_i w_j` (margin `m`, default 0.1): two agents' student roles may not be more
 *      alike than their teacher roles. Alignment alone can be satisfied on average by a student that
 *      maps every agent of a class to one mean role; the hinge penalises exactly that collapse and is
 *      zero whenever the student keeps the teacher's distinctions. Cross-class pairs are left out for the
 *      reason above (and agents of different classes cannot collapse onto one role: their heads differ).
 *   `L_role = alignment + anti-collapse`.
 *
 * None of these functions calls `tf.tidy`; they run inside the caller's tidy / gradient closure.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { klTeacherStudent } from "./kd_loss.ts";
 * const kl = tf.tidy(() =>
 *   klTeacherStudent(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]), tf.tensor1d([1])).dataSync()[0]
 * );
 * console.assert(Math.abs(kl) < 1e-6);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { weightedMean } from "./ppo_loss.ts";

/** KL(teacher || student) per row, weighted mean. Logits are [rows, actions], masked alike. */
export function klTeacherStudent(
  teacherLogits: tf.Tensor2D,
  studentLogits: tf.Tensor2D,
  weights: tf.Tensor1D,
): tf.Scalar {
  const logpT = tf.logSoftmax(teacherLogits);
  const logpS = tf.logSoftmax(studentLogits);
  const pT = tf.exp(logpT);
  const perRow = tf.sum(tf.mul(pT, tf.sub(logpT, logpS)), 1);
  return weightedMean(perRow, weights);
}

/** Cross-entropy of the student to the teacher's argmax action, weighted mean. */
export function crossEntropyToTeacherArgmax(
  teacherLogits: tf.Tensor2D,
  studentLogits: tf.Tensor2D,
  weights: tf.Tensor1D,
): tf.Scalar {
  const target = tf.oneHot(tf.argMax(teacherLogits, 1) as tf.Tensor1D, teacherLogits.shape[1]);
  const logpS = tf.logSoftmax(studentLogits);
  return weightedMean(tf.neg(tf.sum(tf.mul(target, logpS), 1)), weights);
}

/**
 * Rows scaled to unit length along the last axis. `z / sqrt(|z|² + ε)` rather than `z / (|z| + ε)`: the
 * gradient of `|z|` is 0/0 at a zero vector (a ReLU layer whose units are all off), which would poison the
 * whole update with NaN.
 */
function unit(z: tf.Tensor3D): tf.Tensor3D {
  return tf.mul(z, tf.rsqrt(tf.add(tf.sum(tf.square(z), -1, true), 1e-12))) as tf.Tensor3D;
}

/** Pairwise cosine similarities per step: [n, N, d] -> [n, N, N]. */
export function cosineMatrix(z: tf.Tensor3D): tf.Tensor3D {
  const u = unit(z);
  return tf.matMul(u, tf.transpose(u, [0, 2, 1])) as tf.Tensor3D;
}

/**
 * Off-diagonal pair weights [n, N, N] from agent weights [n, N]: w_i w_j for i != j, times `pairMask`
 * [N, N] when given (e.g. {@linkcode sameClassMask}).
 */
function pairWeights(agentWeights: tf.Tensor2D, pairMask?: tf.Tensor2D): tf.Tensor3D {
  const [, N] = agentWeights.shape;
  const outer = tf.mul(tf.expandDims(agentWeights, 2), tf.expandDims(agentWeights, 1));
  const offDiagonal = pairMask ? tf.mul(tf.sub(1, tf.eye(N)), pairMask) : tf.sub(1, tf.eye(N));
  return tf.mul(outer, offDiagonal) as tf.Tensor3D;
}

/**
 * The [N, N] mask of same-class agent pairs of a team whose classes have `counts` agents, in order
 * (block diagonal of ones). Call inside `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sameClassMask } from "./kd_loss.ts";
 * const m = tf.tidy(() => Array.from(sameClassMask([1, 2]).dataSync()));
 * console.assert(m.join() === "1,0,0,0,1,1,0,1,1");
 * ```
 */
export function sameClassMask(counts: readonly number[]): tf.Tensor2D {
  const N = counts.reduce((a, b) => a + b, 0);
  const m = new Float32Array(N * N);
  let first = 0;
  for (const c of counts) {
    for (let i = first; i < first + c; i++) {
      for (let j = first; j < first + c; j++) m[i * N + j] = 1;
    }
    first += c;
  }
  return tf.tensor2d(m, [N, N]);
}

/**
 * The running mean of each agent's latent over its episode so far (the teacher's persistent role, see
 * module docs), for one class over one rollout: writes `out` and carries `sum` / `count` across
 * rollouts.
 *
 * Layout as the rollout buffer's: row `(t * envs + e) * agents + k`, `width` values each. A step counts
 * only for an agent in play (`weights` 1); until an agent has counted a step its role is its current
 * latent. `fresh[e]` = 1 starts a new episode of copy `e` at the rollout's first step (set it after a
 * reset); `ended[t * envs + e]` = 1 ends the episode after step `t`. On return `fresh` holds whether the
 * rollout's last step ended each copy's episode.
 *
 * @example
 * ```ts
 * import { runningEpisodeMean } from "./kd_loss.ts";
 * // One copy, one agent, width 1, three steps; the episode ends after step 1.
 * const out = new Float32Array(3);
 * runningEpisodeMean(new Float32Array([2, 4, 10]), new Float32Array([1, 1, 1]),
 *   new Uint8Array([0, 1, 0]), { steps: 3, envs: 1, agents: 1, width: 1 },
 *   new Float64Array(1), new Float64Array(1), new Uint8Array([1]), out);
 * console.assert(out.join() === "2,3,10");
 * ```
 */
export function runningEpisodeMean(
  latents: Float32Array,
  weights: Float32Array,
  ended: Uint8Array,
  sizes: { steps: number; envs: number; agents: number; width: number },
  sum: Float64Array,
  count: Float64Array,
  fresh: Uint8Array,
  out: Float32Array,
): void {
  const { steps, envs, agents, width } = sizes;
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < envs; e++) {
      if (fresh[e]) {
        sum.fill(0, e * agents * width, (e + 1) * agents * width);
        count.fill(0, e * agents, (e + 1) * agents);
      }
      const row0 = (t * envs + e) * agents;
      for (let k = 0; k < agents; k++) {
        const r = row0 + k, a = e * agents + k;
        if (weights[r] > 0) {
          count[a] += 1;
          for (let d = 0; d < width; d++) sum[a * width + d] += latents[r * width + d];
        }
        if (count[a] > 0) {
          for (let d = 0; d < width; d++) out[r * width + d] = sum[a * width + d] / count[a];
        } else {
          for (let d = 0; d < width; d++) out[r * width + d] = latents[r * width + d];
        }
      }
      fresh[e] = ended[t * envs + e];
    }
  }
}

/**
 * Structural relation loss: mean squared difference between the teacher's and the student's pairwise
 * cosine-similarity matrices over off-diagonal pairs of agents in play.
 *
 * @param teacher Teacher embeddings, [n, N, dT].
 * @param student Student embeddings (already projected to a common width across classes), [n, N, dS].
 * @param agentWeights 1 for agents in play, [n, N].
 * @param pairMask Pairs compared, [N, N] (default all; KD uses {@linkcode sameClassMask}).
 */
export function relationLoss(
  teacher: tf.Tensor3D,
  student: tf.Tensor3D,
  agentWeights: tf.Tensor2D,
  pairMask?: tf.Tensor2D,
): tf.Scalar {
  const diff = tf.sub(cosineMatrix(student), cosineMatrix(teacher));
  const w = pairWeights(agentWeights, pairMask);
  return tf.div(tf.sum(tf.mul(tf.square(diff), w)), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
}

/**
 * Role loss: alignment of each agent's student role with its teacher role plus the anti-collapse hinge
 * (see module docs). Roles need not be normalised; they are scaled to unit length here.
 *
 * @param teacherRoles Teacher role vectors, [n, N, r].
 * @param studentRoles Student role vectors, [n, N, r].
 * @param agentWeights 1 for agents in play, [n, N].
 * @param margin Hinge margin m (default 0.1).
 * @param pairMask Pairs the anti-collapse hinge compares, [N, N] (default all; KD uses
 *   {@linkcode sameClassMask}).
 */
export function roleLoss(
  teacherRoles: tf.Tensor3D,
  studentRoles: tf.Tensor3D,
  agentWeights: tf.Tensor2D,
  margin = 0.1,
  pairMask?: tf.Tensor2D,
): { loss: tf.Scalar; alignment: tf.Scalar; collapse: tf.Scalar } {
  const t = unit(teacherRoles), s = unit(studentRoles);
  const cosTS = tf.sum(tf.mul(t, s), -1); // [n, N]
  const flatW = tf.reshape(agentWeights, [-1]) as tf.Tensor1D;
  const alignment = weightedMean(tf.reshape(tf.sub(1, cosTS), [-1]), flatW);
  const simS = tf.matMul(s, tf.transpose(s, [0, 2, 1]));
  const simT = tf.matMul(t, tf.transpose(t, [0, 2, 1]));
  const hinge = tf.relu(tf.sub(tf.sub(simS, simT), margin));
  const w = pairWeights(agentWeights, pairMask);
  const collapse = tf.div(tf.sum(tf.mul(hinge, w)), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
  return { loss: tf.add(alignment, collapse) as tf.Scalar, alignment, collapse };
}
