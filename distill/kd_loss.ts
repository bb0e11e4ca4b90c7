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
 * - **Structural relation loss**: for each environment step, the `N × N` matrix of pairwise cosine
 *   similarities of the agents' latent embeddings, `C_ij = <z_i, z_j> / (|z_i| |z_j|)`, computed for the
 *   teacher and for the student; `L_rel` is the mean squared difference over the off-diagonal entries
 *   (the diagonal is 1 in both). Cosine similarity does not depend on the embedding width, so teacher
 *   and students of any widths compare directly; students of different classes have different widths
 *   and are first projected to a common width by a learned linear map per class (the projection is
 *   trained with the student and dropped at deployment). Pairs with a padding agent are excluded.
 * - **Role loss**: a role representation is a unit vector `r = normalise(P z)`, with `P` a learned
 *   projection per class for the student and a fixed random orthogonal projection of the teacher's
 *   embedding for the teacher (so the teacher's roles are frozen targets). Two parts:
 *   1. alignment, `mean_i (1 - cos(r_S,i, r_T,i))`: each agent takes the teacher's role for that agent;
 *   2. anti-collapse, `mean_{i≠j} relu(cos(r_S,i, r_S,j) - cos(r_T,i, r_T,j) - m)`: two agents' student roles
 *      may not be more alike than the teacher's roles for the same two agents (plus a margin `m`, default
 *      0.1). Alignment alone can be satisfied on average by a student that maps every agent to one mean role;
 *      the hinge penalises exactly that collapse and is zero whenever the student keeps the teacher's
 *      distinctions.
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

/** Off-diagonal pair weights [n, N, N] from agent weights [n, N]: w_i w_j for i != j. */
function pairWeights(agentWeights: tf.Tensor2D): tf.Tensor3D {
  const [, N] = agentWeights.shape;
  const outer = tf.mul(tf.expandDims(agentWeights, 2), tf.expandDims(agentWeights, 1));
  const offDiagonal = tf.sub(1, tf.eye(N));
  return tf.mul(outer, offDiagonal) as tf.Tensor3D;
}

/**
 * Structural relation loss: mean squared difference between the teacher's and the student's pairwise
 * cosine-similarity matrices over off-diagonal pairs of agents in play.
 *
 * @param teacher Teacher embeddings, [n, N, dT].
 * @param student Student embeddings (already projected to a common width across classes), [n, N, dS].
 * @param agentWeights 1 for agents in play, [n, N].
 */
export function relationLoss(
  teacher: tf.Tensor3D,
  student: tf.Tensor3D,
  agentWeights: tf.Tensor2D,
): tf.Scalar {
  const diff = tf.sub(cosineMatrix(student), cosineMatrix(teacher));
  const w = pairWeights(agentWeights);
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
 */
export function roleLoss(
  teacherRoles: tf.Tensor3D,
  studentRoles: tf.Tensor3D,
  agentWeights: tf.Tensor2D,
  margin = 0.1,
): { loss: tf.Scalar; alignment: tf.Scalar; collapse: tf.Scalar } {
  const t = unit(teacherRoles), s = unit(studentRoles);
  const cosTS = tf.sum(tf.mul(t, s), -1); // [n, N]
  const flatW = tf.reshape(agentWeights, [-1]) as tf.Tensor1D;
  const alignment = weightedMean(tf.reshape(tf.sub(1, cosTS), [-1]), flatW);
  const simS = tf.matMul(s, tf.transpose(s, [0, 2, 1]));
  const simT = tf.matMul(t, tf.transpose(t, [0, 2, 1]));
  const hinge = tf.relu(tf.sub(tf.sub(simS, simT), margin));
  const w = pairWeights(agentWeights);
  const collapse = tf.div(tf.sum(tf.mul(hinge, w)), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
  return { loss: tf.add(alignment, collapse) as tf.Scalar, alignment, collapse };
}
