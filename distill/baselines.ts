/**
 * The heuristic baseline of each environment family, for evaluations: the greedy scheduler of the fleet
 * scenarios, the optimal-assignment heuristic of MPE simple_spread and the scripted SMAX heuristic
 * (attack the closest enemy in range, else move towards the closest; `sim/smax/heuristic.ts`) on every
 * SMAX map. `evaluate`, `simulate --policy greedy`, the server's `baseline` policy and the regression
 * baselines' `baseline.return` all take it from here. The warm start of `deno task train` clones it only
 * where the preset asks for a warm start (fleet and simple_spread today).
 *
 * @example
 * ```ts
 * import { baselineFor } from "./baselines.ts";
 * console.assert(baselineFor("smax/3m") !== undefined);
 * console.assert(baselineFor("fleet/leo-wildfire") !== undefined);
 * console.assert(baselineFor("toy/matching") === undefined);
 * ```
 *
 * @module
 */

import type { Controller } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { SpreadAssignmentController } from "../sim/baselines/spread_assignment.ts";
import { GreedyFleetController } from "../sim/fleet/greedy.ts";
import { SmaxEnv } from "../sim/smax/env.ts";
import { SmaxHeuristicController } from "../sim/smax/heuristic.ts";

/** A factory of the baseline controller of `envId`, or undefined when the family has none. */
export function baselineFor(envId: string): ((env: MultiAgentEnv) => Controller) | undefined {
  if (envId === "mpe/simple_spread") {
    return (env) => new SpreadAssignmentController(env.classes[0].count);
  }
  if (envId.startsWith("fleet/")) return (env) => new GreedyFleetController(env);
  if (envId.startsWith("smax/")) {
    return (env) => {
      if (!(env instanceof SmaxEnv)) {
        throw new TypeError(`The SMAX heuristic needs a SmaxEnv, got "${env.id}"`);
      }
      return new SmaxHeuristicController(env);
    };
  }
  return undefined;
}
