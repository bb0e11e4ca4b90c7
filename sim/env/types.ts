/**
 * The environment API shared by every fleetkd environment (the fleet task, MPE ports, the SMAC-style
 * micromanagement benchmark).
 *
 * It follows PettingZoo's parallel API and JaxMARL's batching, with one change made for training speed:
 * per-agent results live in preallocated typed arrays batched per *agent class* (agents of a class share
 * observation size and action count), so a training loop reads them without any per-step allocation.
 *
 * - `reset(seed)` starts an episode; everything random in it derives from `seed` (no global RNG).
 * - `step(actions)` takes one `Int32Array` per class (`actions[c][i]` for agent `i` of class `c`) and
 *   returns the same {@linkcode StepResult} object every time, its arrays overwritten in place.
 * - `state()` writes the global state for a centralized critic.
 *
 * Every agent stays in its class batch for the whole episode; an agent that is out of the game (a dead unit)
 * has `terminations[i] = 1` and an action mask that allows only action 0, and its reward is 0 unless the
 * environment documents a shared team reward paid to every agent (SMAX's default `"smac"` reward, as SMAC).
 * The episode is over when every agent is terminated or truncated (`StepResult.done`).
 *
 * @example
 * ```ts
 * import type { MultiAgentEnv } from "./types.ts";
 * function randomEpisode(env: MultiAgentEnv, seed: number): number {
 *   let result = env.reset(seed);
 *   const actions = env.classes.map((c) => new Int32Array(c.count));
 *   let total = 0;
 *   while (!result.done) {
 *     for (let c = 0; c < env.classes.length; c++) actions[c].fill(0); // action 0 is always legal
 *     result = env.step(actions);
 *     for (const batch of result.classes) for (const r of batch.rewards) total += r;
 *   }
 *   return total;
 * }
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../budget.ts";
import type { ObservationLayout } from "./observation_layout.ts";

/** One class of agents: agents that share an observation layout and an action space. */
export interface AgentClassSpec {
  /** Class name, e.g. `"satellite"`, `"sensor"`, `"speaker"`, `"agent"`. */
  readonly name: string;
  /** Number of agents of this class in one environment copy. */
  readonly count: number;
  /** Length of one agent's observation vector. */
  readonly obsSize: number;
  /** Number of discrete actions. Action 0 is always legal (no-op / idle). */
  readonly numActions: number;
  /** Optional names of the actions, for logs and dashboards. */
  readonly actionNames?: readonly string[];
  /** Optional element-wise lower bounds of an observation (`obsSize` entries), when the env knows them. */
  readonly obsLow?: ArrayLike<number>;
  /** Optional element-wise upper bounds of an observation (`obsSize` entries), when the env knows them. */
  readonly obsHigh?: ArrayLike<number>;
}

/** One agent: its id and where it sits in the class batches. */
export interface AgentRef {
  /** Stable agent id, e.g. `"satellite_12"`, `"agent_0"`. */
  readonly id: string;
  /** Index into {@linkcode MultiAgentEnv.classes}. */
  readonly classIndex: number;
  /** Index of the agent inside its class batch. */
  readonly index: number;
}

/** Preallocated per-class result arrays, overwritten in place by `reset` and `step`. */
export interface ClassBuffers {
  /** Observations, `count * obsSize`, agent-major. */
  readonly obs: Float32Array;
  /** Legal actions, `count * numActions`, 1 = legal. Action 0 is always legal. */
  readonly actionMask: Uint8Array;
  /** Rewards of the last step, `count`. Zero after `reset`. */
  readonly rewards: Float32Array;
  /** 1 where the agent's episode ended by the task (goal reached, unit dead, ...), `count`. */
  readonly terminations: Uint8Array;
  /** 1 where the agent's episode was cut by a time limit, `count`. */
  readonly truncations: Uint8Array;
}

/** Environment-level scalar infos of the last step (events delivered, battle won, ...). */
export type EnvInfos = Record<string, number>;

/** What `reset` and `step` return. The same object is returned on every call. */
export interface StepResult {
  /** Per-class buffers, in the order of {@linkcode MultiAgentEnv.classes}. */
  readonly classes: readonly ClassBuffers[];
  /** True when every agent is terminated or truncated. */
  readonly done: boolean;
  /** Environment-level scalar metrics of the last step. */
  readonly infos: EnvInfos;
}

/** A cooperative multi-agent environment with heterogeneous agent classes. */
export interface MultiAgentEnv {
  /** Registered environment id, e.g. `"mpe/simple_spread"`, `"fleet/leo-wildfire"`. */
  readonly id: string;
  /** The agent classes, in batch order. */
  readonly classes: readonly AgentClassSpec[];
  /** Every agent, class by class. */
  readonly agents: readonly AgentRef[];
  /** Length of the global state vector returned by `state()`. */
  readonly stateSize: number;
  /** Steps after which an episode is truncated. */
  readonly maxSteps: number;
  /**
   * Per class (in class order): the compute budget of that class's nodes, when the environment models node
   * hardware (the fleet scenarios). Students are sized to it and the latency model charges against it.
   */
  readonly budgets?: readonly ComputeBudget[];
  /** Simulated time between decision epochs, milliseconds, when the environment has a clock. */
  readonly decisionPeriodMs?: number;
  /** Starts a new episode whose randomness derives from `seed` alone. */
  reset(seed: number): StepResult;
  /** Applies one action per agent (`actions[classIndex][index]`) and advances one decision epoch. */
  step(actions: readonly Int32Array[]): StepResult;
  /** Writes the global state into `out` (allocated when omitted) and returns it. */
  state(out?: Float32Array): Float32Array;
  /**
   * A JSON-serialisable picture of the world after the last reset or step, for telemetry and maps (the
   * fleet's node positions, links and events: `FleetSnapshot`), when the environment has one.
   */
  snapshot?(): EnvSnapshot;
  /**
   * The observation layout of class `classIndex` (`observation_layout.ts`), when the environment describes
   * it: what an observation budget (a student that sees fewer nearest entities) needs. Absent or undefined:
   * the class supports no observation budget.
   */
  observationLayout?(classIndex: number): ObservationLayout | undefined;
}

/**
 * What {@linkcode MultiAgentEnv.snapshot} returns: a plain, JSON-serialisable object whose shape is the
 * environment's own (documented with it).
 */
export type EnvSnapshot = object;

/**
 * Allocates the per-class buffers of an environment, with action 0 legal everywhere.
 *
 * @example
 * ```ts
 * import { allocateClassBuffers } from "./types.ts";
 * const [b] = allocateClassBuffers([{ name: "agent", count: 3, obsSize: 18, numActions: 5 }]);
 * console.assert(b.obs.length === 54 && b.actionMask.length === 15);
 * ```
 */
export function allocateClassBuffers(classes: readonly AgentClassSpec[]): ClassBuffers[] {
  return classes.map((c) => {
    const actionMask = new Uint8Array(c.count * c.numActions);
    actionMask.fill(1);
    return {
      obs: new Float32Array(c.count * c.obsSize),
      actionMask,
      rewards: new Float32Array(c.count),
      terminations: new Uint8Array(c.count),
      truncations: new Uint8Array(c.count),
    };
  });
}

/**
 * Lists the agents of `classes` in batch order, with ids `<class>_<index>`.
 *
 * @example
 * ```ts
 * import { agentRefs } from "./types.ts";
 * const refs = agentRefs([{ name: "speaker", count: 1, obsSize: 3, numActions: 3 }, {
 *   name: "listener", count: 1, obsSize: 11, numActions: 5 }]);
 * console.assert(refs[1].id === "listener_0" && refs[1].classIndex === 1);
 * ```
 */
export function agentRefs(classes: readonly AgentClassSpec[]): AgentRef[] {
  const refs: AgentRef[] = [];
  classes.forEach((c, classIndex) => {
    for (let index = 0; index < c.count; index++) {
      refs.push({ id: `${c.name}_${index}`, classIndex, index });
    }
  });
  return refs;
}

/**
 * Validates an action batch against an environment's classes and current masks; throws a clear error naming
 * the agent, the action and what was legal. Environments call it at the top of `step`.
 *
 * @example
 * ```ts
 * import { allocateClassBuffers, validateActions } from "./types.ts";
 * const classes = [{ name: "agent", count: 2, obsSize: 4, numActions: 5 }];
 * const buffers = allocateClassBuffers(classes);
 * validateActions("demo", classes, buffers, [Int32Array.of(0, 4)]); // fine
 * ```
 */
export function validateActions(
  envId: string,
  classes: readonly AgentClassSpec[],
  buffers: readonly ClassBuffers[],
  actions: readonly Int32Array[],
): void {
  if (actions.length !== classes.length) {
    throw new RangeError(
      `Cannot step "${envId}": expected actions for ${classes.length} agent classes, got ${actions.length}`,
    );
  }
  for (let c = 0; c < classes.length; c++) {
    const spec = classes[c];
    const a = actions[c];
    if (a.length !== spec.count) {
      throw new RangeError(
        `Cannot step "${envId}": actions[${c}] (class "${spec.name}") must have ${spec.count} entries, got ${a.length}`,
      );
    }
    const mask = buffers[c].actionMask;
    for (let i = 0; i < spec.count; i++) {
      const act = a[i];
      if (act < 0 || act >= spec.numActions || mask[i * spec.numActions + act] === 0) {
        const legal: number[] = [];
        for (let k = 0; k < spec.numActions; k++) if (mask[i * spec.numActions + k]) legal.push(k);
        throw new RangeError(
          `Cannot step "${envId}": agent "${spec.name}_${i}" chose action ${act}, legal actions are [${
            legal.join(", ")
          }]`,
        );
      }
    }
  }
}
