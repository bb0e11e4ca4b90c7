/**
 * A deployable policy set: one actor (tfjs {@linkcode Actor} or {@linkcode PlainActor}) per agent class, an
 * optional critic, and the metadata a model file carries (provenance of the training run).
 *
 * @example
 * ```ts
 * import { Actor } from "./actor.ts";
 * import { type PolicySet, validatePolicySetFor } from "./policy_set.ts";
 * const set: PolicySet = { classes: [{ name: "agent", actor: new Actor({ obsSize: 4, agentIdSize: 0,
 *   numActions: 2, hiddenSizes: [8], activation: "tanh", kind: "mlp" }, { seed: 0, name: "ps_demo" }) }] };
 * validatePolicySetFor(set, [{ name: "agent", count: 3, obsSize: 4, numActions: 2 }]);
 * (set.classes[0].actor as Actor).dispose();
 * ```
 *
 * @module
 */

import type { AgentClassSpec } from "../sim/env/types.ts";
import type { Actor } from "./actor.ts";
import type { Critic } from "./critic.ts";
import type { PlainActor } from "./plain.ts";
import type { CompiledActor } from "./compiled.ts";
import type { ObservationView } from "./observation_view.ts";

/** Where a policy came from. */
export interface Provenance {
  /** Command line that trained it. */
  command: string;
  /** Root seed of the run. */
  seed: number;
  /** Environment steps (or iterations) trained. */
  steps: number;
  /** ISO date of the run. */
  date: string;
  /** Code version, e.g. `git rev-parse HEAD` (the caller passes it in). */
  codeVersion: string;
  /**
   * The teacher's behaviour-cloning warm start: its budget (demonstration episodes, epochs, DAgger
   * rounds and episodes per round), or `"off"` when `--warm-start off` skipped the preset's; absent where
   * there was none to run.
   */
  warmStart?: WarmStartRecord | "off";
}

/** The budget a warm start ran with (see {@linkcode Provenance.warmStart}). */
export interface WarmStartRecord {
  /** Demonstration episodes the heuristic played. */
  episodes: number;
  /** Passes over the demonstrations per cloning. */
  epochs: number;
  /** DAgger rounds after plain cloning. */
  daggerRounds: number;
  /** Episodes the actor played per DAgger round. */
  daggerEpisodes: number;
}

/** One agent class's policy. */
export interface PolicyClass {
  /** Agent class name (`AgentClassSpec.name`). */
  name: string;
  /** The network. */
  actor: Actor | PlainActor | CompiledActor;
  /**
   * The student's observation budget, when it sees a reduced view of the full observation
   * (`observation_view.ts`): the runtime maps each full observation through it before the network, whose
   * `obsSize` is then `view.outputSize`. Absent: the network reads the full observation.
   */
  view?: ObservationView;
}

/** One policy per agent class, in the environment's class order, plus metadata. */
export interface PolicySet {
  /** Per class, in environment class order. */
  classes: PolicyClass[];
  /** Centralised critic (training only; deployment does not need it). */
  critic?: Critic;
  /** Training provenance. */
  provenance?: Provenance;
  /** Free-form label, e.g. `"teacher"` or `"student cubesat"`. */
  label?: string;
}

/**
 * Checks that `set` matches an environment's classes (order, names, observation and action sizes); throws
 * naming the class, field and both values.
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * import { validatePolicySetFor } from "./policy_set.ts";
 * const actor = PlainActor.fromWeights({ obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, -1), Float32Array.of(0, 0)]);
 * try {
 *   validatePolicySetFor({ classes: [{ name: "a", actor }] }, [{ name: "a", count: 1, obsSize: 3, numActions: 2 }]);
 * } catch (e) {
 *   console.log((e as Error).message); // ... class "a": obsSize is 1, the environment has 3
 * }
 * ```
 */
export function validatePolicySetFor(set: PolicySet, classes: readonly AgentClassSpec[]): void {
  if (set.classes.length !== classes.length) {
    throw new RangeError(
      `Policy set does not fit the environment: it has ${set.classes.length} classes [${
        set.classes.map((c) => c.name).join(", ")
      }], the environment has ${classes.length} [${classes.map((c) => c.name).join(", ")}]`,
    );
  }
  classes.forEach((k, i) => {
    const p = set.classes[i];
    const s = p.actor.spec;
    if (p.view && p.view.outputSize !== s.obsSize) {
      throw new RangeError(
        `Policy set does not fit the environment: class ${i} ("${k.name}"): its observation view writes ${p.view.outputSize} values, the network reads ${s.obsSize}`,
      );
    }
    const pairs: [string, unknown, unknown][] = [
      ["name", p.name, k.name],
      [p.view ? "view.inputSize" : "obsSize", p.view ? p.view.inputSize : s.obsSize, k.obsSize],
      ["numActions", s.numActions, k.numActions],
    ];
    for (const [field, mine, env] of pairs) {
      if (mine !== env) {
        throw new RangeError(
          `Policy set does not fit the environment: class ${i} ("${k.name}"): ${field} is ${
            JSON.stringify(mine)
          }, the environment has ${JSON.stringify(env)}`,
        );
      }
    }
  });
}
