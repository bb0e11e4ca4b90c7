/**
 * {@linkcode MpeBatchEnv}: many MPE worlds stepped together, stored as structs of arrays over all copies,
 * with the same fields, auto-reset and seeding as the generic `VectorEnv` (`sim/env/vector.ts`): copy `e`'s
 * episode `k` is reset with `VectorEnv.episodeSeed(seed, e, k)`, so an `MpeBatchEnv` and a `VectorEnv` over
 * single {@linkcode MpeEnv}s of the same scenario produce identical buffers, bit for bit. It exists for
 * speed: no per-copy method dispatch, no buffer copying, no allocation per step.
 *
 * @example
 * ```ts
 * import { MpeBatchEnv } from "./batch.ts";
 * import { SimpleSpreadScenario } from "./simple_spread.ts";
 * const venv = new MpeBatchEnv(new SimpleSpreadScenario({}, 64));
 * venv.reset(1);
 * const actions = venv.classes.map((c) => new Int32Array(venv.numEnvs * c.count));
 * for (let t = 0; t < 25; t++) venv.step(actions);
 * console.assert(venv.completed.length === 64 && venv.dones[0] === 1);
 * ```
 *
 * @module
 */

import { type BatchedEnv, VectorEnv } from "../env/vector.ts";
import type { EpisodeStats } from "../env/vector.ts";
import type { AgentClassSpec, EnvInfos } from "../env/types.ts";
import type { MpeWorldState, MpeWorldStateInput } from "./core.ts";
import type { MpeScenario } from "./scenario.ts";

/** `scenario.world.copies` MPE worlds with auto-reset and batched, preallocated results. */
export class MpeBatchEnv implements BatchedEnv {
  /** The scenario (one world copy per environment copy). */
  readonly scenario: MpeScenario;
  /** Environment id. */
  readonly id: string;
  /** Number of copies. */
  readonly numEnvs: number;
  /** Agent classes (of one copy). */
  readonly classes: readonly AgentClassSpec[];
  /** Global state size of one copy. */
  readonly stateSize: number;
  /** Steps per episode. */
  readonly maxSteps: number;
  /** Per class: observations, `numEnvs * count * obsSize`. */
  readonly obs: Float32Array[];
  /** Per class: action masks (all legal), `numEnvs * count * numActions`. */
  readonly actionMask: Uint8Array[];
  /** Per class: rewards of the last step, `numEnvs * count`. */
  readonly rewards: Float32Array[];
  /** Per class: terminations of the last step (always 0 in MPE), `numEnvs * count`. */
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
  readonly completed: EpisodeStats[] = [];

  #baseSeed = 0;
  #episodeIndex: Uint32Array;
  #episodeSeed: Uint32Array;
  #meanReturn: Float64Array;
  #totalReturn: Float64Array;
  #length: Uint32Array;
  #cycle: Uint32Array;
  #agentsTotal: number;
  #infos: EnvInfos = {};
  #ready = false;

  /** Wraps `scenario`; its world's copy count is the number of environments. */
  constructor(scenario: MpeScenario) {
    this.scenario = scenario;
    this.id = scenario.id;
    this.classes = scenario.classes;
    this.stateSize = scenario.stateSize;
    this.maxSteps = scenario.maxCycles;
    const n = scenario.world.copies;
    this.numEnvs = n;
    this.obs = this.classes.map((c) => new Float32Array(n * c.count * c.obsSize));
    this.actionMask = this.classes.map((c) => new Uint8Array(n * c.count * c.numActions).fill(1));
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
    this.#cycle = new Uint32Array(n);
    this.#agentsTotal = this.classes.reduce((s, c) => s + c.count, 0);
  }

  /** Resets every copy; copy `e`'s episodes use seeds `VectorEnv.episodeSeed(seed, e, k)`. */
  reset(seed: number): void {
    this.#baseSeed = seed;
    this.#ready = true;
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

  /** Steps every copy with `actions[classIndex]` of length `numEnvs * count`, auto-resetting. */
  step(actions: readonly Int32Array[]): void {
    this.#validate(actions);
    const s = this.scenario;
    const world = s.world;
    const classes = this.classes;
    const nClasses = classes.length;
    const S = this.stateSize;
    for (let e = 0; e < this.numEnvs; e++) {
      s.setActions(e, actions, e);
      world.step(e);
      s.writeRewards(e, this.rewards, e);
      const cycle = ++this.#cycle[e];
      const truncated = cycle >= this.maxSteps ? 1 : 0;
      let stepTotal = 0;
      for (let c = 0; c < nClasses; c++) {
        const count = classes[c].count;
        const r = this.rewards[c];
        const tr = this.truncations[c];
        const te = this.terminations[c];
        for (let i = e * count; i < (e + 1) * count; i++) {
          stepTotal += r[i];
          tr[i] = truncated;
          te[i] = 0;
        }
      }
      this.#totalReturn[e] += stepTotal;
      this.#meanReturn[e] += stepTotal / this.#agentsTotal;
      this.#length[e]++;
      if (truncated) {
        this.dones[e] = 1;
        this.truncatedEpisodes[e] = 1;
        s.writeState(e, this.finalStates, e * S);
        s.writeInfos(e, this.#infos);
        this.completed.push({
          env: e,
          seed: this.#episodeSeed[e],
          meanAgentReturn: this.#meanReturn[e],
          totalReturn: this.#totalReturn[e],
          length: this.#length[e],
          truncated: true,
          infos: { ...this.#infos },
        });
        this.#episodeIndex[e]++;
        this.#resetCopy(e);
      } else {
        this.dones[e] = 0;
        this.truncatedEpisodes[e] = 0;
        s.writeObs(e, this.obs, e);
        this.#stateFromObs(e);
      }
    }
  }

  /** Copy `e`'s global state is its agents' observations concatenated (see `MpeScenario.writeState`). */
  #stateFromObs(e: number): void {
    const states = this.states;
    let o = e * this.stateSize;
    for (let c = 0; c < this.classes.length; c++) {
      const size = this.classes[c].count * this.classes[c].obsSize;
      const obs = this.obs[c];
      for (let k = e * size, end = (e + 1) * size; k < end; k++) states[o++] = obs[k];
    }
  }

  /**
   * Loads an explicit world state into copy `env` (its episode continues from `cycle`, default 0) and
   * refreshes its observations and state.
   */
  setWorldState(env: number, state: MpeWorldStateInput): void {
    this.#checkCopy(env);
    const cycle = state?.cycle ?? 0;
    if (!Number.isInteger(cycle) || cycle < 0 || cycle >= this.maxSteps) {
      throw new RangeError(
        `Cannot set world state of "${this.id}" copy ${env}: field "cycle" must be an integer in [0, ${this.maxSteps}), got ${cycle}`,
      );
    }
    this.scenario.loadState(env, state);
    this.#cycle[env] = cycle;
    this.scenario.writeObs(env, this.obs, env);
    this.scenario.writeState(env, this.states, env * this.stateSize);
  }

  /** Copies copy `env`'s world state out. */
  getWorldState(env: number): MpeWorldState {
    this.#checkCopy(env);
    const st = this.scenario.readState(env);
    st.cycle = this.#cycle[env];
    return st;
  }

  #checkCopy(env: number): void {
    if (!Number.isInteger(env) || env < 0 || env >= this.numEnvs) {
      throw new RangeError(
        `"${this.id}" batch: copy index must be an integer in [0, ${this.numEnvs}), got ${env}`,
      );
    }
  }

  #resetCopy(e: number): void {
    const seed = VectorEnv.episodeSeed(this.#baseSeed, e, this.#episodeIndex[e]);
    this.#episodeSeed[e] = seed;
    this.#meanReturn[e] = 0;
    this.#totalReturn[e] = 0;
    this.#length[e] = 0;
    this.#cycle[e] = 0;
    this.scenario.resetCopy(e, seed);
    this.scenario.writeObs(e, this.obs, e);
    this.#stateFromObs(e);
  }

  #validate(actions: readonly Int32Array[]): void {
    if (!this.#ready) throw new Error(`Cannot step "${this.id}" batch: call reset() first`);
    if (actions.length !== this.classes.length) {
      throw new RangeError(
        `Cannot step "${this.id}" batch: expected actions for ${this.classes.length} agent classes, got ${actions.length}`,
      );
    }
    for (let c = 0; c < this.classes.length; c++) {
      const spec = this.classes[c];
      const need = this.numEnvs * spec.count;
      const a = actions[c];
      if (a?.length !== need) {
        throw new RangeError(
          `Cannot step "${this.id}" batch: actions[${c}] (class "${spec.name}") must have ${need} entries, got ${a?.length}`,
        );
      }
      for (let k = 0; k < need; k++) {
        const act = a[k];
        if (act < 0 || act >= spec.numActions) {
          throw new RangeError(
            `Cannot step "${this.id}" batch: copy ${
              Math.floor(k / spec.count)
            }, agent "${spec.name}_${k % spec.count}" chose action ${act}, legal actions are 0..${
              spec.numActions - 1
            }`,
          );
        }
      }
    }
  }
}
