/**
 * Vectorised wrapper: N copies of an environment stepped together with auto-reset, results concatenated per
 * agent class in preallocated typed arrays (copy-major, then agent, then feature).
 *
 * When copy `e` finishes an episode during `step`, its terminal state is kept in `finalStates` (for
 * bootstrapping truncated episodes), its statistics are appended to `completed`, and it is reset at once with
 * the next seed of its own seed sequence, so `obs`, `actionMask` and `states` always hold the observations the
 * next actions are chosen from.
 *
 * @example
 * ```ts
 * import { VectorEnv } from "./vector.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * const venv = new VectorEnv(Array.from({ length: 8 }, () => new MatchingEnv()));
 * venv.reset(1);
 * const actions = venv.classes.map((c) => new Int32Array(venv.numEnvs * c.count));
 * venv.step(actions);
 * console.log(venv.rewards[0].length === 8 * venv.classes[0].count);
 * ```
 *
 * @module
 */

import { deriveSeed } from "../rng.ts";
import type { AgentClassSpec, EnvInfos, MultiAgentEnv } from "./types.ts";

/** Statistics of one finished episode of one copy. */
export interface EpisodeStats {
  /** Index of the copy. */
  env: number;
  /** Seed the episode was reset with. */
  seed: number;
  /** Sum over steps of the mean per-agent reward. */
  meanAgentReturn: number;
  /** Sum over steps and agents of the reward. */
  totalReturn: number;
  /** Number of steps. */
  length: number;
  /** Whether it ended by truncation (time limit) rather than termination. */
  truncated: boolean;
  /** The environment's infos at the last step. */
  infos: EnvInfos;
}

/** N environment copies with auto-reset and batched, preallocated results. */
/**
 * The batched-environment interface rollouts take: `numEnvs` copies of one environment stepped together
 * with auto-reset, results in preallocated per-class arrays over all copies (copy `e`'s agents at rows
 * `e * count ...`). {@linkcode VectorEnv} implements it over any `MultiAgentEnv`; `MpeBatchEnv` over MPE
 * worlds stored as structs of arrays. Copy `e`'s episode `k` is reset with
 * `VectorEnv.episodeSeed(seed, e, k)` in every implementation, so they are interchangeable bit for bit.
 */
export interface BatchedEnv {
  /** Environment id. */
  readonly id: string;
  /** Number of copies. */
  readonly numEnvs: number;
  /** Agent classes (identical in every copy). */
  readonly classes: readonly AgentClassSpec[];
  /** Global state size of one copy. */
  readonly stateSize: number;
  /** Per class: observations, `numEnvs * count * obsSize`. */
  readonly obs: Float32Array[];
  /** Per class: action masks, `numEnvs * count * numActions`. */
  readonly actionMask: Uint8Array[];
  /** Per class: rewards of the last step, `numEnvs * count`. */
  readonly rewards: Float32Array[];
  /** Per class: terminations of the last step (before auto-reset), `numEnvs * count`. */
  readonly terminations: Uint8Array[];
  /** Per class: truncations of the last step (before auto-reset), `numEnvs * count`. */
  readonly truncations: Uint8Array[];
  /** Per copy: 1 when the last step ended its episode (it has been reset since). */
  readonly dones: Uint8Array;
  /** Per copy: 1 when the last step ended its episode by truncation. */
  readonly truncatedEpisodes: Uint8Array;
  /** Global states the next actions are chosen in, `numEnvs * stateSize`. */
  readonly states: Float32Array;
  /** Terminal global states of copies whose episode ended in the last step, `numEnvs * stateSize`. */
  readonly finalStates: Float32Array;
  /** Episodes finished since the caller last emptied this array. */
  readonly completed: EpisodeStats[];
  /** Resets every copy (see the interface docs for the seeds). */
  reset(seed: number): void;
  /** Steps every copy with `actions[classIndex]` of length `numEnvs * count`, auto-resetting. */
  step(actions: readonly Int32Array[]): void;
}

/** An environment that builds its own faster batched form (e.g. `MpeEnv` -> `MpeBatchEnv`). */
export interface BatchableEnv extends MultiAgentEnv {
  /** `numEnvs` copies of this environment as one {@linkcode BatchedEnv}, same results as a `VectorEnv`. */
  makeBatch(numEnvs: number): BatchedEnv;
}

/**
 * `numEnvs` copies from `makeEnv` as one batched environment: the environment's own batched form when
 * it has one ({@linkcode BatchableEnv}), else a {@linkcode VectorEnv} over `numEnvs` instances.
 *
 * @example
 * ```ts
 * import { batchEnvs } from "./vector.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * const venv = batchEnvs(() => new MatchingEnv(), 4);
 * console.assert(venv.numEnvs === 4 && venv.id === "toy/matching");
 * ```
 */
export function batchEnvs(makeEnv: () => MultiAgentEnv, numEnvs: number): BatchedEnv {
  const first = makeEnv();
  const batchable = first as Partial<BatchableEnv>;
  if (typeof batchable.makeBatch === "function") return batchable.makeBatch(numEnvs);
  return new VectorEnv([first, ...Array.from({ length: numEnvs - 1 }, makeEnv)]);
}

export class VectorEnv implements BatchedEnv {
  /** Id of the copies' environment. */
  readonly id: string;
  /** The copies. */
  readonly envs: readonly MultiAgentEnv[];
  /** Number of copies. */
  readonly numEnvs: number;
  /** Agent classes (identical in every copy). */
  readonly classes: readonly AgentClassSpec[];
  /** Global state size of one copy. */
  readonly stateSize: number;
  /** Per class: observations, `numEnvs * count * obsSize`. */
  readonly obs: Float32Array[];
  /** Per class: action masks, `numEnvs * count * numActions`. */
  readonly actionMask: Uint8Array[];
  /** Per class: rewards of the last step, `numEnvs * count`. */
  readonly rewards: Float32Array[];
  /** Per class: terminations of the last step (before auto-reset), `numEnvs * count`. */
  readonly terminations: Uint8Array[];
  /** Per class: truncations of the last step (before auto-reset), `numEnvs * count`. */
  readonly truncations: Uint8Array[];
  /** Per copy: 1 when the last step ended its episode (it has been reset since). */
  readonly dones: Uint8Array;
  /** Per copy: 1 when the last step ended its episode by truncation (some agent truncated, not terminated). */
  readonly truncatedEpisodes: Uint8Array;
  /** Global states the next actions are chosen in, `numEnvs * stateSize`. */
  readonly states: Float32Array;
  /** Terminal global states of copies whose episode ended in the last step, `numEnvs * stateSize`. */
  readonly finalStates: Float32Array;
  /** Episodes finished since the caller last emptied this array. */
  readonly completed: EpisodeStats[] = [];

  #baseSeed = 0;
  #episodeIndex: Uint32Array;
  #episodeSeed: Uint32Array;
  #meanReturn: Float64Array;
  #totalReturn: Float64Array;
  #length: Uint32Array;
  #scratchActions: Int32Array[];
  #agentsTotal: number;
  /** Per copy: views of `states` / `finalStates`, made once so stepping allocates nothing. */
  #stateViews: Float32Array[];
  #finalStateViews: Float32Array[];

  /** Wraps `envs` (all of the same environment and configuration). */
  constructor(envs: readonly MultiAgentEnv[]) {
    if (envs.length === 0) {
      throw new RangeError("Cannot build VectorEnv: needs at least one environment");
    }
    const first = envs[0];
    for (const [i, env] of envs.entries()) {
      const same = env.stateSize === first.stateSize &&
        env.classes.length === first.classes.length &&
        env.classes.every((c, k) =>
          c.count === first.classes[k].count && c.obsSize === first.classes[k].obsSize &&
          c.numActions === first.classes[k].numActions
        );
      if (!same) {
        throw new RangeError(
          `Cannot build VectorEnv: envs[${i}] ("${env.id}") has other classes or state size than envs[0] ("${first.id}")`,
        );
      }
    }
    this.envs = envs;
    this.id = first.id;
    this.numEnvs = envs.length;
    this.classes = first.classes;
    this.stateSize = first.stateSize;
    const n = this.numEnvs;
    this.obs = this.classes.map((c) => new Float32Array(n * c.count * c.obsSize));
    this.actionMask = this.classes.map((c) => new Uint8Array(n * c.count * c.numActions));
    this.rewards = this.classes.map((c) => new Float32Array(n * c.count));
    this.terminations = this.classes.map((c) => new Uint8Array(n * c.count));
    this.truncations = this.classes.map((c) => new Uint8Array(n * c.count));
    this.dones = new Uint8Array(n);
    this.truncatedEpisodes = new Uint8Array(n);
    this.states = new Float32Array(n * this.stateSize);
    this.finalStates = new Float32Array(n * this.stateSize);
    this.#episodeIndex = new Uint32Array(n);
    this.#episodeSeed = new Uint32Array(n);
    this.#meanReturn = new Float64Array(n);
    this.#totalReturn = new Float64Array(n);
    this.#length = new Uint32Array(n);
    this.#scratchActions = this.classes.map((c) => new Int32Array(c.count));
    this.#agentsTotal = this.classes.reduce((s, c) => s + c.count, 0);
    const S = this.stateSize;
    this.#stateViews = envs.map((_, e) => this.states.subarray(e * S, (e + 1) * S));
    this.#finalStateViews = envs.map((_, e) => this.finalStates.subarray(e * S, (e + 1) * S));
  }

  /** The seed of episode `episode` of copy `env` under base seed `seed`. */
  static episodeSeed(seed: number, env: number, episode: number): number {
    return deriveSeed(seed, "env", env, "episode", episode);
  }

  /** Resets every copy; copy `e`'s episodes use seeds `VectorEnv.episodeSeed(seed, e, k)`, k = 0, 1, ... */
  reset(seed: number): void {
    this.#baseSeed = seed;
    this.completed.length = 0;
    this.dones.fill(0);
    this.truncatedEpisodes.fill(0);
    for (let e = 0; e < this.numEnvs; e++) {
      this.#episodeIndex[e] = 0;
      this.#resetCopy(e);
    }
    for (const r of this.rewards) r.fill(0);
    for (const t of this.terminations) t.fill(0);
    for (const t of this.truncations) t.fill(0);
  }

  /** Steps every copy with `actions[classIndex]` of length `numEnvs * count`, auto-resetting finished ones. */
  step(actions: readonly Int32Array[]): void {
    for (let c = 0; c < this.classes.length; c++) {
      const need = this.numEnvs * this.classes[c].count;
      if (actions[c]?.length !== need) {
        throw new RangeError(
          `Cannot step VectorEnv: actions[${c}] (class "${
            this.classes[c].name
          }") must have ${need} entries, got ${actions[c]?.length}`,
        );
      }
    }
    for (let e = 0; e < this.numEnvs; e++) {
      const env = this.envs[e];
      for (let c = 0; c < this.classes.length; c++) {
        const count = this.classes[c].count;
        const src = actions[c], dst = this.#scratchActions[c];
        for (let i = 0; i < count; i++) dst[i] = src[e * count + i];
      }
      const result = env.step(this.#scratchActions);
      let stepTotal = 0;
      let anyTruncatedOnly = false;
      for (let c = 0; c < this.classes.length; c++) {
        const count = this.classes[c].count;
        const b = result.classes[c];
        this.rewards[c].set(b.rewards, e * count);
        this.terminations[c].set(b.terminations, e * count);
        this.truncations[c].set(b.truncations, e * count);
        for (let i = 0; i < count; i++) {
          stepTotal += b.rewards[i];
          if (b.truncations[i] && !b.terminations[i]) anyTruncatedOnly = true;
        }
      }
      this.#totalReturn[e] += stepTotal;
      this.#meanReturn[e] += stepTotal / this.#agentsTotal;
      this.#length[e]++;
      if (result.done) {
        this.dones[e] = 1;
        // An episode cut by the time limit has agents still in play, marked truncated and not terminated.
        const truncated = anyTruncatedOnly;
        this.truncatedEpisodes[e] = truncated ? 1 : 0;
        env.state(this.#finalStateViews[e]);
        this.completed.push({
          env: e,
          seed: this.#episodeSeed[e],
          meanAgentReturn: this.#meanReturn[e],
          totalReturn: this.#totalReturn[e],
          length: this.#length[e],
          truncated,
          infos: { ...result.infos },
        });
        this.#episodeIndex[e]++;
        this.#resetCopy(e);
      } else {
        this.dones[e] = 0;
        this.truncatedEpisodes[e] = 0;
        this.#copyObservations(e, result.classes);
        env.state(this.#stateViews[e]);
      }
    }
  }

  #resetCopy(e: number): void {
    const seed = VectorEnv.episodeSeed(this.#baseSeed, e, this.#episodeIndex[e]);
    this.#episodeSeed[e] = seed;
    this.#meanReturn[e] = 0;
    this.#totalReturn[e] = 0;
    this.#length[e] = 0;
    const env = this.envs[e];
    const result = env.reset(seed);
    this.#copyObservations(e, result.classes);
    env.state(this.#stateViews[e]);
  }

  #copyObservations(e: number, buffers: ReturnType<MultiAgentEnv["step"]>["classes"]): void {
    for (let c = 0; c < this.classes.length; c++) {
      const spec = this.classes[c];
      this.obs[c].set(buffers[c].obs, e * spec.count * spec.obsSize);
      this.actionMask[c].set(buffers[c].actionMask, e * spec.count * spec.numActions);
    }
  }
}
