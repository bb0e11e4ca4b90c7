/**
 * The scripted SMAX heuristic, the baseline every SMAX teacher must beat: each living ally attacks the
 * closest living enemy within SMAC's shooting range (the enemies its attack actions allow), else moves
 * towards the closest living enemy on the map (the legal cardinal move along the larger of the two
 * offsets, else along the other one), else stops. Ties go to the lower enemy index. Dead agents take
 * action 0 (the only legal one).
 *
 * It reads positions from the environment's world (a scripted baseline, not a learned policy: it may
 * see enemies beyond sight range, which makes it a slightly stronger yardstick) and the legality of each
 * action from the step's masks, so it never takes an illegal action. Deterministic: no RNG.
 *
 * @example
 * ```ts
 * import { SmaxEnv } from "./env.ts";
 * import { SmaxHeuristicController } from "./heuristic.ts";
 * const env = new SmaxEnv({ map: "3m" });
 * const ctl = new SmaxHeuristicController(env);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * let r = env.reset(1);
 * while (!r.done) {
 *   ctl.act(r, actions);
 *   r = env.step(actions);
 * }
 * console.assert(r.infos.won === 0 || r.infos.won === 1);
 * ```
 *
 * @module
 */

import type { Controller } from "../env/controller.ts";
import type { StepResult } from "../env/types.ts";
import { SMAX_NON_ATTACK_ACTIONS, type SmaxEnv } from "./env.ts";

/** Action numbers of the moves (SMAX order: north, south, east, west). */
const MOVE_NORTH = 2, MOVE_SOUTH = 3, MOVE_EAST = 4, MOVE_WEST = 5;

/** The scripted heuristic (see module docs). */
export class SmaxHeuristicController implements Controller {
  /** Display name. */
  readonly name = "heuristic";
  readonly #env: SmaxEnv;
  readonly #classOf: Int32Array;
  readonly #indexOf: Int32Array;

  /** A heuristic for `env` (it reads `env.world` when it acts). */
  constructor(env: SmaxEnv) {
    this.#env = env;
    this.#classOf = Int32Array.from(env.agents, (a) => a.classIndex);
    this.#indexOf = Int32Array.from(env.agents, (a) => a.index);
  }

  /** Writes every agent's action (see module docs). */
  act(result: StepResult, out: Int32Array[]): void {
    const env = this.#env;
    const w = env.world;
    const nA = env.numAllies;
    const nAct = env.numActions;
    for (let u = 0; u < nA; u++) {
      const c = this.#classOf[u], i = this.#indexOf[u];
      const mask = result.classes[c].actionMask;
      const m = i * nAct;
      if (!w.alive[u]) {
        out[c][i] = 0;
        continue;
      }
      let inRange = -1, inRangeD2 = Infinity, nearest = -1, nearestD2 = Infinity;
      for (let k = 0; k < env.numEnemies; k++) {
        const e = nA + k;
        if (!w.alive[e]) continue;
        const d2 = w.dist2(u, e);
        if (d2 < nearestD2) {
          nearestD2 = d2;
          nearest = e;
        }
        if (mask[m + SMAX_NON_ATTACK_ACTIONS + k] && d2 < inRangeD2) {
          inRangeD2 = d2;
          inRange = k;
        }
      }
      if (inRange >= 0) {
        out[c][i] = SMAX_NON_ATTACK_ACTIONS + inRange;
        continue;
      }
      if (nearest < 0) {
        out[c][i] = 1; // stop: no enemy left (the episode is ending)
        continue;
      }
      const dx = w.x[nearest] - w.x[u], dy = w.y[nearest] - w.y[u];
      const horizontal = dx >= 0 ? MOVE_EAST : MOVE_WEST;
      const vertical = dy >= 0 ? MOVE_NORTH : MOVE_SOUTH;
      const [first, second] = Math.abs(dx) >= Math.abs(dy)
        ? [horizontal, vertical]
        : [vertical, horizontal];
      out[c][i] = mask[m + first] ? first : mask[m + second] ? second : 1;
    }
  }
}
