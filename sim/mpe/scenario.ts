/**
 * The contract between an MPE scenario (simple_spread, simple_speaker_listener) and the two environment
 * front ends that drive it: `MpeEnv` (one world, the fleetkd `MultiAgentEnv` API) and
 * `MpeBatchEnv` (many worlds stepped together, the `VectorEnv` API). A scenario owns an `MpeWorld`
 * with one or more copies and knows how to reset a copy, turn discrete actions into world actions, and write
 * rewards, observations, the global state and infos of a copy into caller-provided typed arrays.
 *
 * "slot" arguments say where the copy's agents sit in the destination arrays: agent `i` of class `c` of
 * the copy is entry `slot * classes[c].count + i`.
 *
 * @example
 * ```ts
 * import type { MpeScenario } from "./scenario.ts";
 * import { SimpleSpreadScenario } from "./simple_spread.ts";
 * const scenario: MpeScenario = new SimpleSpreadScenario();
 * scenario.resetCopy(0, 42);
 * const obs = scenario.classes.map((c) => new Float32Array(c.count * c.obsSize));
 * scenario.writeObs(0, obs, 0);
 * ```
 *
 * @module
 */

import type { ObservationLayout } from "../env/observation_layout.ts";
import type { AgentClassSpec, EnvInfos } from "../env/types.ts";
import type { MpeWorld, MpeWorldState, MpeWorldStateInput } from "./core.ts";

/** An MPE scenario over the copies of its world (see the module docs). */
export interface MpeScenario {
  /** Environment id, e.g. `"mpe/simple_spread"`. */
  readonly id: string;
  /** Agent classes, in batch order. */
  readonly classes: readonly AgentClassSpec[];
  /** Length of one copy's global state. */
  readonly stateSize: number;
  /** Steps per episode (PettingZoo's `max_cycles`). */
  readonly maxCycles: number;
  /** The worlds. */
  readonly world: MpeWorld;
  /** The same scenario (same options) with `copies` world copies, for batching. */
  withCopies(copies: number): MpeScenario;
  /** Draws copy `copy`'s initial state from `seed` alone. */
  resetCopy(copy: number, seed: number): void;
  /** Converts the copy's discrete actions (`actions[c][slot * count + i]`) into world actions. */
  setActions(copy: number, actions: readonly Int32Array[], slot: number): void;
  /** Writes the copy's per-agent rewards of the current world (after a step). */
  writeRewards(copy: number, rewards: readonly Float32Array[], slot: number): void;
  /** Writes the copy's observations. */
  writeObs(copy: number, obs: readonly Float32Array[], slot: number): void;
  /** Writes the copy's global state (the agents' observations concatenated) at `out[offset...]`. */
  writeState(copy: number, out: Float32Array, offset: number): void;
  /** Writes the copy's scalar infos into `infos` (same keys every call). */
  writeInfos(copy: number, infos: EnvInfos): void;
  /** Loads an explicit world state into the copy (validated, clear errors). */
  loadState(copy: number, state: MpeWorldStateInput): void;
  /** Reads the copy's world state (cycle left 0 for the caller to fill in). */
  readState(copy: number): MpeWorldState;
  /** The observation layout of class `classIndex`, when the scenario describes it (`observation_layout.ts`). */
  observationLayout?(classIndex: number): ObservationLayout | undefined;
}
