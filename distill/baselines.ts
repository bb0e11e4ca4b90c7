/**
 * The heuristic baseline of each environment family, for evaluations: the greedy scheduler of the fleet
 * scenarios and the optimal-assignment heuristic of MPE simple_spread.
 *
 * @example
 * ```ts
 * import { baselineFor } from "./baselines.ts";
 * console.assert(baselineFor("smax/3m") === undefined);
 * console.assert(baselineFor("fleet/leo-wildfire") !== undefined);
 * console.assert(baselineFor("fleet/leo-wildfire") !== undefined);
 * ```
 *
 * @module
 */

import type { Controller } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { SpreadAssignmentController } from "../sim/baselines/spread_assignment.ts";
import { GreedyFleetController } from "../sim/fleet/greedy.ts";

/** A factory of the baseline controller of `envId`, or undefined when the family has none. */
export function baselineFor(envId: string): ((env: MultiAgentEnv) => Controller) | undefined {
  if (envId === "mpe/simple_spread") {
    return (env) => new SpreadAssignmentController(env.classes[0].count);
  }
  if (envId.startsWith("fleet/")) return (env) => new GreedyFleetController(env);
  return undefined;
}
