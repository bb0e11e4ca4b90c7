/**
 * Every hyperparameter of the KD-MARL student trainer (stage 2) in one typed, documented config.
 *
 * Rollout and optimiser settings mirror the teacher's (see `config.ts`); the distillation weights default
 * to values that keep the five terms of comparable size at the start of training (measured on
 * simple_spread: KL ~ 1, CE ~ 1.6, relation ~ 0.1-0.3, role ~ 1, PG ~ 0.05). `pgCoef` = 0 with only `kl`
 * set is plain behaviour cloning on the students' own states (the baseline the ablations compare with).
 *
 * @example
 * ```ts
 * import { resolveKdConfig } from "./kd_config.ts";
 * const bc = resolveKdConfig({ weights: { pg: 0, kl: 1, ce: 0, relation: 0, role: 0 } });
 * console.assert(bc.weights.kl === 1 && bc.gamma === 0.99);
 * ```
 *
 * @module
 */

import { configFailure, type RolloutConfig, validateRolloutConfig } from "./config.ts";
import type { ObservationBudget } from "../policies/observation_view.ts";

/** Weights of the student loss terms. */
export interface KdWeights {
  /** Clipped policy-gradient term on the frozen teacher critic's advantages. */
  pg: number;
  /** KL(teacher || student) on action distributions. */
  kl: number;
  /** Cross-entropy to the teacher's argmax action. */
  ce: number;
  /** Structural relation loss (pairwise cosine-similarity matrices). */
  relation: number;
  /** Role loss (alignment + anti-collapse). */
  role: number;
}

/** The student trainer's configuration. */
export interface KdConfig extends RolloutConfig {
  /** Normalise advantages over each rollout. */
  normalizeAdvantages: boolean;
  /** Loss weights. */
  weights: KdWeights;
  /** Width of the role representations. */
  roleDim: number;
  /** Anti-collapse hinge margin of the role loss. */
  roleMargin: number;
  /**
   * Most agents the relation and role terms compare per minibatch. Both are pairwise, so their cost
   * grows with the square of the team; above this many agents each minibatch compares a fresh uniform
   * sample of them (an unbiased sample of the pairs). At 315 agents the full matrices held distillation
   * to 1 environment step per second.
   */
  relationAgents: number;
  /** Sample the students' actions in rollouts (true) or act greedily (false). */
  sampleActions: boolean;
  /**
   * Who acts in the rollouts: `"students"` (on-policy distillation, the default) or `"teacher"`
   * (behaviour cloning on the teacher's own state distribution; the students never act, so the
   * policy-gradient term, which needs the students' own actions, must be off).
   */
  rolloutPolicy: "students" | "teacher";
  /**
   * Per class name, the student's observation budget (`policies/observation_view.ts`): the student reads
   * that reduced view of the observation (the nearest entities of each segment, a range cut, dropped
   * scalar segments) while the teacher keeps the full observation and the critic the global state. A
   * class not named reads the full observation. Default `{}`: every student sees what the teacher sees.
   */
  observation: Record<string, ObservationBudget>;
}

/** Defaults (see module docs). */
export const DEFAULT_KD_CONFIG: Readonly<KdConfig> = Object.freeze({
  seed: 1,
  totalEnvSteps: 300_000,
  numEnvs: 32,
  rolloutSteps: 50,
  epochs: 4,
  minibatches: 2,
  learningRate: 1e-3,
  finalLearningRate: 1e-4,
  adamEpsilon: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  clip: 0.2,
  entropyCoef: 0,
  maxGradNorm: 10,
  normalizeAdvantages: true,
  weights: Object.freeze({ pg: 0.5, kl: 1, ce: 0.5, relation: 1, role: 0.1 }),
  roleDim: 16,
  roleMargin: 0.1,
  relationAgents: 64,
  sampleActions: true,
  rolloutPolicy: "students",
  observation: Object.freeze({}) as Record<string, ObservationBudget>,
  checkpointEvery: 20,
});

/**
 * Fills defaults in and validates; throws naming the field and the value.
 *
 * @example
 * ```ts
 * import { resolveKdConfig } from "./kd_config.ts";
 * try {
 *   resolveKdConfig({ weights: { pg: 1, kl: -1, ce: 0, relation: 0, role: 0 } });
 * } catch (e) {
 *   console.log((e as Error).message); // Invalid KD config: field "weights.kl" must be >= 0, got -1
 * }
 * ```
 */
export function resolveKdConfig(partial: Partial<KdConfig> = {}): KdConfig {
  const c: KdConfig = {
    ...DEFAULT_KD_CONFIG,
    ...partial,
    weights: { ...DEFAULT_KD_CONFIG.weights, ...(partial.weights ?? {}) },
    observation: { ...(partial.observation ?? {}) },
  };
  const fail = configFailure("KD");
  validateRolloutConfig(c, fail);
  if (!Number.isInteger(c.roleDim) || c.roleDim <= 0) {
    fail("roleDim", "a positive integer", c.roleDim);
  }
  if (!(c.roleMargin >= 0) || !Number.isFinite(c.roleMargin)) {
    fail("roleMargin", ">= 0", c.roleMargin);
  }
  if (!Number.isInteger(c.relationAgents) || c.relationAgents < 2) {
    fail("relationAgents", "an integer >= 2", c.relationAgents);
  }
  for (const [k, v] of Object.entries(c.weights)) {
    if (!(v >= 0) || !Number.isFinite(v)) fail(`weights.${k}`, ">= 0", v);
  }
  if (Object.values(c.weights).every((v) => v === 0)) fail("weights", "not all zero", c.weights);
  if (c.rolloutPolicy !== "students" && c.rolloutPolicy !== "teacher") {
    fail("rolloutPolicy", '"students" or "teacher"', c.rolloutPolicy);
  }
  if (c.rolloutPolicy === "teacher" && c.weights.pg > 0) {
    fail("weights.pg", '0 when rolloutPolicy is "teacher" (the students do not act)', c.weights.pg);
  }
  return c;
}
