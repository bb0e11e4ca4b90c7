/**
 * Every hyperparameter of the MAPPO teacher trainer in one typed, documented config.
 *
 * Defaults follow the MAPPO paper's MPE settings (Yu et al., 2022, "The Surprising Effectiveness of PPO in
 * Cooperative Multi-Agent Games", appendix: lr 7e-4, gamma 0.99, GAE lambda 0.95, clip 0.2, entropy 0.01,
 * gradient-norm clip 10, Huber value loss with delta 10, value normalisation, ReLU, 64-unit layers), scaled
 * to a CPU budget: 32 parallel copies instead of 128, and a wider actor for the teacher so that the students
 * distilled from it have room to be 20x smaller.
 *
 * @example
 * ```ts
 * import { resolveMappoConfig } from "./config.ts";
 * const config = resolveMappoConfig({ totalEnvSteps: 10_000, seed: 3 });
 * console.assert(config.gamma === 0.99 && config.seed === 3);
 * ```
 *
 * @module
 */

import type { Activation } from "../policies/mlp.ts";
import { InputError } from "../sim/input_error.ts";

/**
 * The rollout and optimiser settings the teacher and student configs share (`MappoConfig` and `KdConfig`
 * extend it): seeds, step budget, the rollout's shape, PPO epochs and minibatches, the learning-rate
 * schedule, GAE, the clip range, the entropy bonus, gradient clipping and checkpoints.
 */
export interface RolloutConfig {
  /** Root seed: network initialisation, environment episodes and action sampling derive from it. */
  seed: number;
  /** Environment steps (summed over parallel copies) to train for. */
  totalEnvSteps: number;
  /** Parallel environment copies per rollout. */
  numEnvs: number;
  /** Steps per copy per rollout; a rollout holds numEnvs * rolloutSteps environment steps. */
  rolloutSteps: number;
  /** Passes over each rollout. */
  epochs: number;
  /** Minibatches per pass (the rollout's environment steps are split into this many). */
  minibatches: number;
  /** Adam learning rate at the start (actor and critic). */
  learningRate: number;
  /** Learning rate at the end, reached linearly (set equal to learningRate for no decay). */
  finalLearningRate: number;
  /** Adam epsilon. */
  adamEpsilon: number;
  /** Discount factor. */
  gamma: number;
  /** GAE lambda. */
  gaeLambda: number;
  /** PPO ratio clip. */
  clip: number;
  /** Weight of the entropy bonus. */
  entropyCoef: number;
  /** Gradient-norm clip, applied to actor and critic gradients separately. */
  maxGradNorm: number;
  /** Updates between checkpoints (0 disables checkpoints). */
  checkpointEvery: number;
}

/** The MAPPO trainer's configuration. */
export interface MappoConfig extends RolloutConfig {
  /** Value clip around the rollout's values (in normalised units); 0 disables value clipping. */
  valueClip: number;
  /** Huber delta of the value loss; 0 uses squared error. */
  huberDelta: number;
  /** Weight of the value loss. */
  valueCoef: number;
  /** Normalise value targets with running statistics (MAPPO's ValueNorm). */
  valueNorm: boolean;
  /** Normalise advantages over each rollout. */
  normalizeAdvantages: boolean;
  /**
   * Append a one-hot agent index (the agent's index within its class, `count` wide; nothing for a class
   * of one) to each actor's input, as the MAPPO paper does on SMAC to let agents that share parameters
   * act differently (default false; `deno task train --agent-id on`). The model files record the width
   * (`agentIdSize` in `manifest.json`), so the runtime builds the same input and students distilled from
   * the teacher inherit the layout.
   */
  agentIdFeatures: boolean;
  /**
   * Recurrent actor and critic (MAPPO's recurrent policy, default false): each actor reads its input
   * through a GRU of size `actorHidden[0]` (the rest is the MLP head) and the critic the global state
   * through a GRU of size `criticHidden[0]`. Hidden states carry over from step to step and from one
   * rollout to the next and are zeroed where an episode begins; the update replays the rollout in chunks
   * of `chunkLength` steps from the hidden states recorded at each chunk's start and backpropagates
   * through time within the chunk. The model files hold the GRU actors (the runtime carries their state);
   * the recurrent critic stays in the checkpoint, so such a teacher cannot be distilled yet.
   */
  recurrent: boolean;
  /** Steps per BPTT chunk of a recurrent run (MAPPO's `data_chunk_length`, default 10); divides `rolloutSteps`. */
  chunkLength: number;
  /** Actor hidden layer widths. */
  actorHidden: number[];
  /** Critic hidden layer widths. */
  criticHidden: number[];
  /** Hidden activation. */
  activation: Activation;
}

/** Default configuration (see module docs for where the figures come from). */
export const DEFAULT_MAPPO_CONFIG: Readonly<MappoConfig> = Object.freeze({
  seed: 1,
  totalEnvSteps: 1_000_000,
  numEnvs: 32,
  rolloutSteps: 50,
  epochs: 10,
  minibatches: 2,
  learningRate: 7e-4,
  finalLearningRate: 7e-5,
  adamEpsilon: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  clip: 0.2,
  valueClip: 0.2,
  huberDelta: 10,
  valueCoef: 1,
  entropyCoef: 0.01,
  maxGradNorm: 10,
  valueNorm: true,
  normalizeAdvantages: true,
  agentIdFeatures: false,
  recurrent: false,
  chunkLength: 10,
  actorHidden: [128, 128],
  criticHidden: [128, 128],
  activation: "relu",
  checkpointEvery: 20,
});

/**
 * Fills defaults in and validates; throws naming the field and value.
 *
 * @example
 * ```ts
 * import { resolveMappoConfig } from "./config.ts";
 * try {
 *   resolveMappoConfig({ gamma: 1.5 });
 * } catch (e) {
 *   console.log((e as Error).message); // Invalid MAPPO config: field "gamma" must be in (0, 1], got 1.5
 * }
 * ```
 */
export function resolveMappoConfig(partial: Partial<MappoConfig> = {}): MappoConfig {
  const c: MappoConfig = {
    ...DEFAULT_MAPPO_CONFIG,
    actorHidden: [...DEFAULT_MAPPO_CONFIG.actorHidden],
    criticHidden: [...DEFAULT_MAPPO_CONFIG.criticHidden],
    ...partial,
  };
  const fail = configFailure("MAPPO");
  validateRolloutConfig(c, fail);
  for (const k of ["valueClip", "huberDelta", "valueCoef"] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k])) fail(k, ">= 0", c[k]);
  }
  for (const k of ["actorHidden", "criticHidden"] as const) {
    if (!Array.isArray(c[k]) || c[k].some((w) => !Number.isInteger(w) || w <= 0)) {
      fail(k, "a list of positive integers", c[k]);
    }
  }
  if (typeof c.recurrent !== "boolean") fail("recurrent", "true or false", c.recurrent);
  if (!Number.isInteger(c.chunkLength) || c.chunkLength <= 0) {
    fail("chunkLength", "a positive integer", c.chunkLength);
  }
  if (c.recurrent) {
    for (const k of ["actorHidden", "criticHidden"] as const) {
      if (c[k].length === 0) {
        fail(k, "at least one width (the GRU state size) when recurrent", c[k]);
      }
    }
    if (c.rolloutSteps % c.chunkLength !== 0) {
      fail(
        "chunkLength",
        `a divisor of rolloutSteps (${c.rolloutSteps}) when recurrent`,
        c.chunkLength,
      );
    }
    const chunks = c.numEnvs * (c.rolloutSteps / c.chunkLength);
    if (c.minibatches > chunks) {
      fail("minibatches", `<= the rollout's chunks (${chunks}) when recurrent`, c.minibatches);
    }
  }
  if (c.activation !== "relu" && c.activation !== "tanh") {
    fail("activation", '"relu" or "tanh"', c.activation);
  }
  return c;
}

/** Reports an invalid field of a `what` config (e.g. `"MAPPO"`): names the field, the rule and the value. */
export type ConfigFailure = (field: string, rule: string, value: unknown) => never;

/** A {@linkcode ConfigFailure} throwing `Invalid <what> config: field "x" must be <rule>, got <value>`. */
export function configFailure(what: string): ConfigFailure {
  return (field, rule, value) => {
    // An input error: a bad config from flags or files is the user's to fix (CLI exit code 2). Numbers are
    // shown as themselves: JSON.stringify would show NaN and Infinity as null.
    const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
    throw new InputError(`Invalid ${what} config: field "${field}" must be ${rule}, got ${shown}`);
  };
}

/**
 * Validates the shared rollout and optimiser fields of a trainer config.
 *
 * @example
 * ```ts
 * import { configFailure, DEFAULT_MAPPO_CONFIG, validateRolloutConfig } from "./config.ts";
 * validateRolloutConfig(DEFAULT_MAPPO_CONFIG, configFailure("demo")); // passes
 * ```
 */
export function validateRolloutConfig(c: RolloutConfig, fail: ConfigFailure): void {
  for (const k of ["totalEnvSteps", "numEnvs", "rolloutSteps", "epochs", "minibatches"] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) fail(k, "a positive integer", c[k]);
  }
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 0) {
    fail("checkpointEvery", "an integer >= 0", c.checkpointEvery);
  }
  if (!Number.isFinite(c.seed)) fail("seed", "a finite number", c.seed);
  for (const k of ["learningRate", "finalLearningRate", "adamEpsilon", "maxGradNorm"] as const) {
    if (!(c[k] > 0) || !Number.isFinite(c[k])) fail(k, "> 0", c[k]);
  }
  for (const k of ["gamma", "gaeLambda"] as const) {
    if (!(c[k] > 0 && c[k] <= 1)) fail(k, "in (0, 1]", c[k]);
  }
  if (!(c.clip > 0 && c.clip < 1)) fail("clip", "in (0, 1)", c.clip);
  if (!(c.entropyCoef >= 0) || !Number.isFinite(c.entropyCoef)) {
    fail("entropyCoef", ">= 0", c.entropyCoef);
  }
  if (c.minibatches > c.numEnvs * c.rolloutSteps) {
    fail("minibatches", `<= numEnvs * rolloutSteps (${c.numEnvs * c.rolloutSteps})`, c.minibatches);
  }
}
