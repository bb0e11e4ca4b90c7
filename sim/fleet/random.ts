/**
 * The random baseline: every agent picks uniformly among its legal actions (from the action masks).
 * Works with any {@linkcode MultiAgentEnv}.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { randomLegalActions } from "./random.ts";
 * import { Rng } from "../rng.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 5 });
 * const rng = new Rng(7, "random-policy");
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * let r = env.reset(7);
 * while (!r.done) {
 *   randomLegalActions(env, r, rng, actions);
 *   r = env.step(actions);
 * }
 * ```
 *
 * @module
 */

import type { MultiAgentEnv, StepResult } from "../env/types.ts";
import type { Rng } from "../rng.ts";

/**
 * Writes a uniformly random legal action for every agent into `out[classIndex][index]`, drawing from
 * `rng`. Allocates nothing.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { randomLegalActions } from "./random.ts";
 * import { Rng } from "../rng.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * const out = env.classes.map((c) => new Int32Array(c.count));
 * randomLegalActions(env, env.reset(1), new Rng(1), out);
 * ```
 */
export function randomLegalActions(
  env: Pick<MultiAgentEnv, "classes">,
  result: StepResult,
  rng: Rng,
  out: Int32Array[],
): void {
  const classes = env.classes;
  for (let c = 0; c < classes.length; c++) {
    const { count, numActions } = classes[c];
    const mask = result.classes[c].actionMask;
    const acts = out[c];
    for (let i = 0; i < count; i++) {
      const base = i * numActions;
      let legal = 0;
      for (let k = 0; k < numActions; k++) legal += mask[base + k];
      let pick = legal > 1 ? rng.int(legal) : 0;
      let chosen = 0;
      for (let k = 0; k < numActions; k++) {
        if (mask[base + k] && pick-- === 0) {
          chosen = k;
          break;
        }
      }
      acts[i] = chosen;
    }
  }
}
