/**
 * Rollout storage and collection for the MAPPO teacher and the KD-MARL students.
 *
 * A rollout holds `T = rolloutSteps` steps of `E = numEnvs` vectorised copies. Environment-level arrays
 * (team reward, episode ends, global states) are `T * E`, time-major; per-class arrays hold one row per
 * agent: row `(t * E + e) * count + i` is agent `i` of copy `e` at step `t`.
 *
 * The team reward of a step is the mean of the agents' rewards (MAPPO's shared-reward setting): the
 * centralized critic V(s) estimates its discounted sum, and every agent of a copy shares that copy's
 * advantage. Rows of agents that are out of play (terminated earlier in the episode) get weight 0.
 *
 * @example
 * ```ts
 * import { RolloutBuffer } from "./rollout.ts";
 * const buffer = new RolloutBuffer([{ name: "agent", count: 3, obsSize: 18, numActions: 5 }], {
 *   steps: 25, envs: 4, stateSize: 54, inputSizes: [18] });
 * console.assert(buffer.classes[0].actions.length === 25 * 4 * 3);
 * ```
 *
 * @module
 */

import type { AgentClassSpec } from "../sim/env/types.ts";
import type { BatchedEnv } from "../sim/env/vector.ts";
import type { Rng } from "../sim/rng.ts";

/** Per-class rollout arrays. */
export interface ClassRollout {
  /** Actor inputs (observation + optional agent id), `T * E * count * inputSize`. */
  inputs: Float32Array;
  /** Action masks as floats (1 legal), `T * E * count * numActions`. */
  masks: Float32Array;
  /** Actions taken, `T * E * count`. */
  actions: Int32Array;
  /** Log-probability of each action under the rollout policy, `T * E * count`. */
  logProbs: Float32Array;
  /** Row weights: 1 in play, 0 for an agent already out of its episode, `T * E * count`. */
  weights: Float32Array;
}

/** Sizes of a {@linkcode RolloutBuffer}. */
export interface RolloutSizes {
  /** Steps per copy, T. */
  steps: number;
  /** Parallel copies, E. */
  envs: number;
  /** Global state size. */
  stateSize: number;
  /** Actor input size per class. */
  inputSizes: readonly number[];
}

/** Preallocated storage for one rollout. */
export class RolloutBuffer {
  /** Agent classes. */
  readonly specs: readonly AgentClassSpec[];
  /** Sizes. */
  readonly sizes: RolloutSizes;
  /** Per-class arrays. */
  readonly classes: ClassRollout[];
  /** Global states before each step, `T * E * stateSize`. */
  readonly states: Float32Array;
  /** Team reward (mean agent reward) of each step, `T * E`. */
  readonly rewards: Float32Array;
  /** 1 when the step ended the episode by termination, `T * E`. */
  readonly terminated: Uint8Array;
  /** 1 when the step ended the episode (termination or truncation), `T * E`. */
  readonly ended: Uint8Array;
  /** Terminal global states where `ended`, `T * E * stateSize` (other rows unused). */
  readonly finalStates: Float32Array;
  /** Global states after the last step (bootstrap), `E * stateSize`. */
  readonly bootstrapStates: Float32Array;
  /** Value predictions V(s_t) in environment units, filled by the trainer, `T * E`. */
  readonly values: Float32Array;
  /** Value of the state following each step (see distill/gae.ts), `T * E`. */
  readonly nextValues: Float32Array;
  /** GAE advantages, `T * E`. */
  readonly advantages: Float32Array;
  /** Value targets, `T * E`. */
  readonly returns: Float32Array;

  /** Allocates storage for `specs` at `sizes`. */
  constructor(specs: readonly AgentClassSpec[], sizes: RolloutSizes) {
    this.specs = specs;
    this.sizes = sizes;
    const te = sizes.steps * sizes.envs;
    this.classes = specs.map((c, k) => ({
      inputs: new Float32Array(te * c.count * sizes.inputSizes[k]),
      masks: new Float32Array(te * c.count * c.numActions),
      actions: new Int32Array(te * c.count),
      logProbs: new Float32Array(te * c.count),
      weights: new Float32Array(te * c.count),
    }));
    this.states = new Float32Array(te * sizes.stateSize);
    this.rewards = new Float32Array(te);
    this.terminated = new Uint8Array(te);
    this.ended = new Uint8Array(te);
    this.finalStates = new Float32Array(te * sizes.stateSize);
    this.bootstrapStates = new Float32Array(sizes.envs * sizes.stateSize);
    this.values = new Float32Array(te);
    this.nextValues = new Float32Array(te);
    this.advantages = new Float32Array(te);
    this.returns = new Float32Array(te);
  }
}

/**
 * Computes every agent's actions for one step of a vectorised environment: the collector calls it with the
 * class index, the actor inputs and masks of that class (`rows = E * count` rows), and it must write the
 * logits of each row into `logits` (`rows * numActions`).
 */
export type LogitsFn = (
  classIndex: number,
  inputs: Float32Array,
  masks: Float32Array,
  rows: number,
  logits: Float32Array,
) => void;

/**
 * Writes actor inputs for `count` agents of one copy: the observation, then a one-hot agent index when
 * `agentIdSize > 0`.
 */
export function writeActorInputs(
  obs: Float32Array,
  count: number,
  obsSize: number,
  agentIdSize: number,
  out: Float32Array,
  outOffset: number,
): void {
  const inputSize = obsSize + agentIdSize;
  for (let i = 0; i < count; i++) {
    const dst = outOffset + i * inputSize;
    out.set(obs.subarray(i * obsSize, (i + 1) * obsSize), dst);
    if (agentIdSize > 0) {
      out.fill(0, dst + obsSize, dst + inputSize);
      out[dst + obsSize + (i % agentIdSize)] = 1;
    }
  }
}

/**
 * Samples an action from masked logits with `rng` (or takes the argmax when `greedy`) and returns it; writes
 * its log-probability into `logProbOut[index]`. Illegal actions (mask 0) are never chosen.
 */
export function sampleMasked(
  logits: Float32Array,
  offset: number,
  numActions: number,
  mask: Float32Array,
  maskOffset: number,
  rng: Rng | undefined,
  logProbOut: Float32Array,
  index: number,
): number {
  let max = -Infinity;
  let argmax = 0;
  for (let k = 0; k < numActions; k++) {
    if (mask[maskOffset + k] === 0) continue;
    const l = logits[offset + k];
    if (l > max) {
      max = l;
      argmax = k;
    }
  }
  let sum = 0;
  for (let k = 0; k < numActions; k++) {
    if (mask[maskOffset + k] !== 0) sum += Math.exp(logits[offset + k] - max);
  }
  const logSum = Math.log(sum) + max;
  let chosen = argmax;
  if (rng) {
    let target = rng.uniform() * sum;
    for (let k = 0; k < numActions; k++) {
      if (mask[maskOffset + k] === 0) continue;
      chosen = k;
      target -= Math.exp(logits[offset + k] - max);
      if (target < 0) break;
    }
  }
  logProbOut[index] = logits[offset + chosen] - logSum;
  return chosen;
}

/** Episode statistics gathered during a rollout. */
export interface RolloutEpisodes {
  /** Mean per-agent returns of episodes finished during the rollout. */
  meanAgentReturns: number[];
  /** Lengths of those episodes. */
  lengths: number[];
  /** Their final infos. */
  infos: Record<string, number>[];
}

/**
 * Collects one rollout from `venv` (any {@linkcode BatchedEnv}: a `VectorEnv`, an `MpeBatchEnv`; already
 * reset) into `buffer`, choosing actions with `logitsFn` and
 * sampling with `rng` (greedy argmax when `rng` is undefined); `afterStep(t, dones)`, when given, runs after
 * each environment step (recurrent trainers zero the hidden states of copies whose episode ended). `alive` per class tracks which agents are still in play across calls
 * (`E * count`, 1 = in play; pass arrays filled with 1 after a reset).
 */
export function collectRollout(
  venv: BatchedEnv,
  buffer: RolloutBuffer,
  logitsFn: LogitsFn,
  rng: Rng | undefined,
  agentIdSizes: readonly number[],
  alive: Float32Array[],
  scratchLogits: Float32Array[],
  actionBuffers: Int32Array[],
  afterStep?: (t: number, dones: Uint8Array) => void,
): RolloutEpisodes {
  const { steps, envs, stateSize } = buffer.sizes;
  const specs = buffer.specs;
  const agentsTotal = specs.reduce((s, c) => s + c.count, 0);
  const episodes: RolloutEpisodes = { meanAgentReturns: [], lengths: [], infos: [] };
  venv.completed.length = 0;
  for (let t = 0; t < steps; t++) {
    buffer.states.set(venv.states, t * envs * stateSize);
    for (let c = 0; c < specs.length; c++) {
      const spec = specs[c];
      const cr = buffer.classes[c];
      const inputSize = spec.obsSize + agentIdSizes[c];
      const rows = envs * spec.count;
      const rowBase = t * rows;
      for (let e = 0; e < envs; e++) {
        writeActorInputs(
          venv.obs[c].subarray(e * spec.count * spec.obsSize, (e + 1) * spec.count * spec.obsSize),
          spec.count,
          spec.obsSize,
          agentIdSizes[c],
          cr.inputs,
          (rowBase + e * spec.count) * inputSize,
        );
      }
      const maskBase = rowBase * spec.numActions;
      const masks = venv.actionMask[c];
      for (let j = 0; j < rows * spec.numActions; j++) cr.masks[maskBase + j] = masks[j];
      const inputs = cr.inputs.subarray(rowBase * inputSize, (rowBase + rows) * inputSize);
      const maskView = cr.masks.subarray(maskBase, maskBase + rows * spec.numActions);
      logitsFn(c, inputs, maskView, rows, scratchLogits[c]);
      const acts = actionBuffers[c];
      for (let r = 0; r < rows; r++) {
        const a = sampleMasked(
          scratchLogits[c],
          r * spec.numActions,
          spec.numActions,
          maskView,
          r * spec.numActions,
          rng,
          cr.logProbs,
          rowBase + r,
        );
        acts[r] = a;
        cr.actions[rowBase + r] = a;
        cr.weights[rowBase + r] = alive[c][r];
      }
    }
    venv.step(actionBuffers);
    afterStep?.(t, venv.dones);
    for (let e = 0; e < envs; e++) {
      const i = t * envs + e;
      let total = 0;
      for (let c = 0; c < specs.length; c++) {
        const count = specs[c].count;
        for (let k = 0; k < count; k++) {
          total += venv.rewards[c][e * count + k];
          alive[c][e * count + k] = venv.dones[e]
            ? 1
            : (venv.terminations[c][e * count + k] ? 0 : 1);
        }
      }
      buffer.rewards[i] = total / agentsTotal;
      buffer.ended[i] = venv.dones[e];
      buffer.terminated[i] = venv.dones[e] && !venv.truncatedEpisodes[e] ? 1 : 0;
      if (venv.dones[e]) {
        buffer.finalStates.set(
          venv.finalStates.subarray(e * stateSize, (e + 1) * stateSize),
          i * stateSize,
        );
      }
    }
  }
  buffer.bootstrapStates.set(venv.states);
  for (const ep of venv.completed) {
    episodes.meanAgentReturns.push(ep.meanAgentReturn);
    episodes.lengths.push(ep.length);
    episodes.infos.push(ep.infos);
  }
  venv.completed.length = 0;
  return episodes;
}
