/**
 * A PettingZoo-shaped view of any fleetkd environment: {@linkcode toParallelEnv} wraps a
 * {@linkcode MultiAgentEnv} in the names and shapes of PettingZoo's `ParallelEnv`, so code written against
 * PettingZoo (or a port of it) drives fleetkd's environments unchanged.
 *
 * What maps to what:
 * - `possible_agents` lists every agent id (`<class>_<index>`, e.g. `"satellite_3"`); `agents` lists the
 *   agents still in the episode. An agent leaves `agents` after the step that terminated or truncated it
 *   and does not come back before the next `reset`.
 * - `observation_space(agent)` is a {@linkcode BoxSpace} (float32, shape `[obsSize]`, bounds from the
 *   environment's class spec when it declares them, else unbounded) and `action_space(agent)` a
 *   {@linkcode DiscreteSpace} of `numActions`; each call for the same agent returns the same object, as
 *   PettingZoo requires.
 * - `reset({ seed })` returns `[observations, infos]` and `step(actions)` returns `[observations, rewards,
 *   terminations, truncations, infos]`, each keyed by agent id, holding only the agents that were live
 *   before the step. Every agent's info holds its `action_mask` (PettingZoo's convention for masked
 *   discrete actions) and the environment-level scalars of the step (`env_infos`).
 *
 * The wrapper copies observations out of the environment's reused buffers, so the dictionaries stay valid
 * after the next step; it is an interoperability layer, not the training path (training reads the
 * per-class typed arrays directly).
 *
 * @example
 * ```ts
 * import { toParallelEnv } from "./parallel.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * const env = toParallelEnv(makeBuiltinEnv("mpe/simple_spread"));
 * let [obs] = env.reset({ seed: 7 });
 * while (env.agents.length > 0) {
 *   const actions = Object.fromEntries(env.agents.map((a) => [a, 0]));
 *   [obs] = env.step(actions);
 * }
 * console.assert(env.possible_agents.length === 3 && Object.keys(obs).length === 3);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv, StepResult } from "./types.ts";

/** A PettingZoo/Gymnasium `Box` descriptor: a float vector with element-wise bounds. */
export interface BoxSpace {
  /** Always `"Box"`. */
  readonly kind: "Box";
  /** Shape of one observation, `[obsSize]`. */
  readonly shape: readonly number[];
  /** Element type of the observation. */
  readonly dtype: "float32";
  /** Element-wise lower bounds (`-Infinity` where unbounded). */
  readonly low: Float32Array;
  /** Element-wise upper bounds (`Infinity` where unbounded). */
  readonly high: Float32Array;
  /** True when `x` has the shape and every element lies within the bounds (NaN never does). */
  contains(x: ArrayLike<number>): boolean;
}

/** A PettingZoo/Gymnasium `Discrete` descriptor: the integers `start .. start + n - 1`. */
export interface DiscreteSpace {
  /** Always `"Discrete"`. */
  readonly kind: "Discrete";
  /** Number of actions. */
  readonly n: number;
  /** The first action's value (0 in fleetkd). */
  readonly start: number;
  /** Element type of an action. */
  readonly dtype: "int64";
  /** True when `a` is an integer in range. */
  contains(a: number): boolean;
}

/** The per-agent info of a PettingZoo-shaped step. */
export interface AgentInfo {
  /** Legal actions of this agent for its next step, 1 = legal. */
  readonly action_mask: Uint8Array;
  /** Environment-level scalars of the step (events delivered, battle won, ...), shared by all agents. */
  readonly env_infos: Readonly<Record<string, number>>;
}

/** `step`'s return value: observations, rewards, terminations, truncations and infos by agent id. */
export type ParallelStepReturn = [
  Record<string, Float32Array>,
  Record<string, number>,
  Record<string, boolean>,
  Record<string, boolean>,
  Record<string, AgentInfo>,
];

/** PettingZoo's `ParallelEnv` surface over a fleetkd environment. */
export interface ParallelEnv {
  /** Metadata, as PettingZoo envs carry it. */
  readonly metadata: { readonly name: string; readonly is_parallelizable: true };
  /** Every agent that can appear in an episode. */
  readonly possible_agents: readonly string[];
  /** The agents still in the current episode (empty before the first reset and after the episode ends). */
  readonly agents: readonly string[];
  /** `possible_agents.length`. */
  readonly max_num_agents: number;
  /** `agents.length`. */
  readonly num_agents: number;
  /** The observation space of `agent` (the same object on every call). */
  observation_space(agent: string): BoxSpace;
  /** The action space of `agent` (the same object on every call). */
  action_space(agent: string): DiscreteSpace;
  /** The global state's space (for centralized critics), `[stateSize]`. */
  readonly state_space: BoxSpace;
  /** Starts an episode; every random draw in it derives from `seed`. */
  reset(options?: { seed?: number }): [Record<string, Float32Array>, Record<string, AgentInfo>];
  /** Applies one action per live agent; agents missing from `actions` are an error. */
  step(actions: Readonly<Record<string, number>>): ParallelStepReturn;
  /** The global state of the current step (a fresh array). */
  state(): Float32Array;
  /** Releases nothing (fleetkd environments hold no external resources); present for API parity. */
  close(): void;
}

/** Options of {@linkcode toParallelEnv}. */
export interface ParallelEnvOptions {
  /** Seed used by `reset()` when it is called without one (default 0). */
  defaultSeed?: number;
}

function boxSpace(size: number, low?: ArrayLike<number>, high?: ArrayLike<number>): BoxSpace {
  const lo = new Float32Array(size).fill(-Infinity);
  const hi = new Float32Array(size).fill(Infinity);
  if (low) lo.set(low);
  if (high) hi.set(high);
  return {
    kind: "Box",
    shape: [size],
    dtype: "float32",
    low: lo,
    high: hi,
    contains(x: ArrayLike<number>): boolean {
      if (x.length !== size) return false;
      for (let i = 0; i < size; i++) {
        const v = x[i];
        if (!(v >= lo[i] && v <= hi[i])) return false;
      }
      return true;
    },
  };
}

function discreteSpace(n: number): DiscreteSpace {
  return {
    kind: "Discrete",
    n,
    start: 0,
    dtype: "int64",
    contains: (a: number) => Number.isInteger(a) && a >= 0 && a < n,
  };
}

/**
 * Wraps `env` in PettingZoo's parallel API (see the module docs for the mapping).
 *
 * @example
 * ```ts
 * import { toParallelEnv } from "./parallel.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * const env = toParallelEnv(makeBuiltinEnv("smax/3m"));
 * const [, infos] = env.reset({ seed: 1 });
 * console.assert(env.action_space("marine_0").n === infos["marine_0"].action_mask.length);
 * ```
 */
export function toParallelEnv(env: MultiAgentEnv, options: ParallelEnvOptions = {}): ParallelEnv {
  const ids = env.agents.map((a) => a.id);
  const byId = new Map(env.agents.map((a) => [a.id, a]));
  const obsSpaces = new Map<string, BoxSpace>();
  const actSpaces = new Map<string, DiscreteSpace>();
  const classObs = env.classes.map((c) => boxSpace(c.obsSize, c.obsLow, c.obsHigh));
  const classAct = env.classes.map((c) => discreteSpace(c.numActions));
  for (const a of env.agents) {
    obsSpaces.set(a.id, classObs[a.classIndex]);
    actSpaces.set(a.id, classAct[a.classIndex]);
  }
  const stateSpace = boxSpace(env.stateSize);
  const actionBatches = env.classes.map((c) => new Int32Array(c.count));
  let live: string[] = [];

  const known = (agent: string, what: string) => {
    const ref = byId.get(agent);
    if (!ref) {
      throw new RangeError(
        `Cannot ${what} of "${env.id}": unknown agent "${agent}"; agents are ${
          ids.slice(0, 6).join(", ")
        }${ids.length > 6 ? ", ..." : ""}`,
      );
    }
    return ref;
  };

  const collect = (r: StepResult, agents: readonly string[]) => {
    const obs: Record<string, Float32Array> = {};
    const infos: Record<string, AgentInfo> = {};
    const envInfos = { ...r.infos };
    for (const id of agents) {
      const { classIndex, index } = byId.get(id)!;
      const spec = env.classes[classIndex];
      const b = r.classes[classIndex];
      obs[id] = b.obs.slice(index * spec.obsSize, (index + 1) * spec.obsSize);
      infos[id] = {
        action_mask: b.actionMask.slice(index * spec.numActions, (index + 1) * spec.numActions),
        env_infos: envInfos,
      };
    }
    return { obs, infos };
  };

  return {
    metadata: { name: env.id, is_parallelizable: true },
    possible_agents: ids,
    get agents() {
      return live;
    },
    max_num_agents: ids.length,
    get num_agents() {
      return live.length;
    },
    observation_space: (agent) => obsSpaces.get(known(agent, "read the observation space").id)!,
    action_space: (agent) => actSpaces.get(known(agent, "read the action space").id)!,
    state_space: stateSpace,
    reset(opts = {}) {
      const seed = opts.seed ?? options.defaultSeed ?? 0;
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new RangeError(
          `Cannot reset "${env.id}": seed must be a non-negative integer, got ${seed}`,
        );
      }
      const r = env.reset(seed);
      // An agent already out of the game at reset (none of fleetkd's envs has one) would start finished.
      live = ids.filter((id) => {
        const { classIndex, index } = byId.get(id)!;
        const b = r.classes[classIndex];
        return b.terminations[index] === 0 && b.truncations[index] === 0;
      });
      const { obs, infos } = collect(r, live);
      return [obs, infos];
    },
    step(actions) {
      if (live.length === 0) {
        throw new Error(
          `Cannot step "${env.id}": no live agents (call reset() first, or the episode has ended)`,
        );
      }
      const liveSet = new Set(live);
      for (const key of Object.keys(actions)) {
        known(key, "step");
        if (!liveSet.has(key)) {
          throw new RangeError(
            `Cannot step "${env.id}": agent "${key}" is done and must not be given an action`,
          );
        }
      }
      for (const batch of actionBatches) batch.fill(0); // action 0 is the no-op a finished agent takes
      for (const id of live) {
        const a = actions[id];
        if (a === undefined) {
          throw new RangeError(`Cannot step "${env.id}": no action for live agent "${id}"`);
        }
        const { classIndex, index } = byId.get(id)!;
        if (!classAct[classIndex].contains(a)) {
          throw new RangeError(
            `Cannot step "${env.id}": action of "${id}" must be an integer in [0, ${
              classAct[classIndex].n - 1
            }], got ${a}`,
          );
        }
        actionBatches[classIndex][index] = a;
      }
      const before = live;
      const r = env.step(actionBatches);
      const { obs, infos } = collect(r, before);
      const rewards: Record<string, number> = {};
      const terminations: Record<string, boolean> = {};
      const truncations: Record<string, boolean> = {};
      const next: string[] = [];
      for (const id of before) {
        const { classIndex, index } = byId.get(id)!;
        const b = r.classes[classIndex];
        rewards[id] = b.rewards[index];
        terminations[id] = b.terminations[index] === 1;
        // The episode's end truncates every agent still in it, as PettingZoo's max_cycles does.
        truncations[id] = b.truncations[index] === 1 || (r.done && !terminations[id]);
        if (!terminations[id] && !truncations[id]) next.push(id);
      }
      live = next;
      return [obs, rewards, terminations, truncations, infos];
    },
    state: () => env.state(),
    close() {},
  };
}
