/**
 * {@linkcode MpeEnv}: one MPE world behind the fleetkd `MultiAgentEnv` API, with PettingZoo's parallel-API
 * episode semantics: rewards and observations are those of the world after the step, there are no
 * terminations, and every agent is truncated on the step where the step count reaches `max_cycles`.
 *
 * Besides `reset`/`step`/`state`, `setWorldState` loads an explicit world (positions, velocities,
 * communication, goal) and `getWorldState` reads it back, so a trajectory recorded from PettingZoo can be
 * replayed step by step (see `sim/mpe/mod.ts` for the recipe).
 *
 * @example
 * ```ts
 * import { MpeEnv } from "./env.ts";
 * import { SimpleSpreadScenario } from "./simple_spread.ts";
 * const env = new MpeEnv(new SimpleSpreadScenario());
 * let r = env.reset(1);
 * const actions = [new Int32Array(3)];
 * while (!r.done) r = env.step(actions);
 * console.assert(env.getWorldState().cycle === 25);
 * ```
 *
 * @module
 */

import {
  type AgentClassSpec,
  type AgentRef,
  agentRefs,
  allocateClassBuffers,
  type ClassBuffers,
  type EnvInfos,
  type StepResult,
  validateActions,
} from "../env/types.ts";
import { MPE_DT, type MpeWorldState, type MpeWorldStateInput } from "./core.ts";
import type { MpeScenario } from "./scenario.ts";
import type { ObservationLayout } from "../env/observation_layout.ts";
import { MpeBatchEnv } from "./batch.ts";
import type { BatchableEnv, BatchedEnv } from "../env/vector.ts";

/** One MPE world as a `MultiAgentEnv` (see the module docs). */
export class MpeEnv implements BatchableEnv {
  /** Registered id of the scenario. */
  readonly id: string;
  /** Agent classes. */
  readonly classes: readonly AgentClassSpec[];
  /** Every agent, class by class. */
  readonly agents: readonly AgentRef[];
  /** Global state length (all observations concatenated, as PettingZoo's MPE `state()`). */
  readonly stateSize: number;
  /** `max_cycles`. */
  readonly maxSteps: number;
  /** MPE's world step, dt = 0.1 s, in milliseconds. */
  readonly decisionPeriodMs: number = MPE_DT * 1000;
  /** The scenario (its world has one copy). */
  readonly scenario: MpeScenario;
  #buffers: ClassBuffers[];
  #obs: Float32Array[];
  #rewards: Float32Array[];
  #result: { classes: ClassBuffers[]; done: boolean; infos: EnvInfos };
  #cycle = 0;
  #ready = false;

  /**
   * `numEnvs` copies of this environment as one {@linkcode MpeBatchEnv} (the same results as a
   * `VectorEnv` of `MpeEnv`s, bit for bit; faster).
   */
  makeBatch(numEnvs: number): BatchedEnv {
    return new MpeBatchEnv(this.scenario.withCopies(numEnvs));
  }

  /** Wraps `scenario`, which must have exactly one world copy. */
  constructor(scenario: MpeScenario) {
    if (scenario.world.copies !== 1) {
      throw new RangeError(
        `Cannot build MpeEnv for "${scenario.id}": the scenario has ${scenario.world.copies} world copies, expected 1 (use MpeBatchEnv for more)`,
      );
    }
    this.scenario = scenario;
    this.id = scenario.id;
    this.classes = scenario.classes;
    this.agents = agentRefs(this.classes);
    this.stateSize = scenario.stateSize;
    this.maxSteps = scenario.maxCycles;
    this.#buffers = allocateClassBuffers(this.classes);
    this.#obs = this.#buffers.map((b) => b.obs);
    this.#rewards = this.#buffers.map((b) => b.rewards);
    const infos: EnvInfos = {};
    scenario.writeInfos(0, infos);
    this.#result = { classes: this.#buffers, done: false, infos };
  }

  /** Starts an episode whose initial world is drawn from `seed` alone. */
  reset(seed: number): StepResult {
    this.scenario.resetCopy(0, seed);
    return this.#start(0);
  }

  /** Applies one discrete action per agent and advances the world by one step. */
  step(actions: readonly Int32Array[]): StepResult {
    validateActions(this.id, this.classes, this.#buffers, actions);
    if (!this.#ready) throw new Error(`Cannot step "${this.id}": call reset() first`);
    if (this.#result.done) {
      throw new Error(`Cannot step "${this.id}": episode is over, call reset()`);
    }
    const s = this.scenario;
    s.setActions(0, actions, 0);
    s.world.step(0);
    s.writeRewards(0, this.#rewards, 0);
    this.#cycle++;
    const truncated = this.#cycle >= this.maxSteps ? 1 : 0;
    for (const b of this.#buffers) b.truncations.fill(truncated);
    this.#result.done = truncated === 1;
    s.writeObs(0, this.#obs, 0);
    s.writeInfos(0, this.#result.infos);
    return this.#result;
  }

  /** Writes the concatenated observations of every agent (PettingZoo MPE's `state()`). */
  state(out: Float32Array = new Float32Array(this.stateSize)): Float32Array {
    if (out.length !== this.stateSize) {
      throw new RangeError(
        `Cannot write state of "${this.id}": out has ${out.length} values, expected ${this.stateSize}`,
      );
    }
    this.scenario.writeState(0, out, 0);
    return out;
  }

  /** The scenario's observation layout of class `classIndex` (undefined when it describes none). */
  observationLayout(classIndex: number): ObservationLayout | undefined {
    return this.scenario.observationLayout?.(classIndex);
  }

  /**
   * Loads an explicit world state and starts (or continues) an episode from it; returns the observations of
   * that state with zero rewards. `cycle` (default 0) is the number of steps already taken.
   */
  setWorldState(state: MpeWorldStateInput): StepResult {
    const cycle = state?.cycle ?? 0;
    if (!Number.isInteger(cycle) || cycle < 0 || cycle >= this.maxSteps) {
      throw new RangeError(
        `Cannot set world state of "${this.id}": field "cycle" must be an integer in [0, ${this.maxSteps}), got ${cycle}`,
      );
    }
    this.scenario.loadState(0, state);
    return this.#start(cycle);
  }

  /** Copies the current world state out (positions, velocities, communication, goal, cycle). */
  getWorldState(): MpeWorldState {
    const s = this.scenario.readState(0);
    s.cycle = this.#cycle;
    return s;
  }

  #start(cycle: number): StepResult {
    this.#cycle = cycle;
    this.#ready = true;
    for (const b of this.#buffers) {
      b.rewards.fill(0);
      b.terminations.fill(0);
      b.truncations.fill(0);
    }
    this.#result.done = false;
    this.scenario.writeObs(0, this.#obs, 0);
    this.scenario.writeInfos(0, this.#result.infos);
    return this.#result;
  }
}
