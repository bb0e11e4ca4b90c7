/**
 * The optimal-assignment heuristic for MPE `simple_spread`, the yardstick of the teacher's quality bar:
 * every agent, from its own observation alone, computes the assignment of agents to distinct landmarks
 * that minimises the summed distance (exhaustive over permutations for N <= 7, greedy nearest pairs
 * beyond), then steers to its landmark with a damped controller and the discrete move closest to the
 * desired acceleration. All agents see the same geometry (relative positions of every agent and
 * landmark), so their assignments agree without communication.
 *
 * Observation layout (PettingZoo simple_spread_v3): self velocity (2), self position (2), landmark positions
 * relative to self (2N), other agents' positions relative to self (2(N-1)), communication (2(N-1)).
 * Actions: 0 no-op, 1 -x, 2 +x, 3 -y, 4 +y.
 *
 * @example
 * ```ts
 * import { SpreadAssignmentController } from "./spread_assignment.ts";
 * import { SimpleSpreadEnv } from "../mpe/simple_spread.ts";
 * const env = new SimpleSpreadEnv();
 * const ctrl = new SpreadAssignmentController(3);
 * const actions = [new Int32Array(3)];
 * let r = env.reset(1);
 * while (!r.done) {
 *   ctrl.act(r, actions);
 *   r = env.step(actions);
 * }
 * ```
 *
 * @module
 */

import type { Controller } from "../env/controller.ts";
import type { StepResult } from "../env/types.ts";

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  }
  return out;
}

/** The assignment heuristic (see module docs). */
export class SpreadAssignmentController implements Controller {
  readonly name = "assignment";
  readonly #n: number;
  readonly #perms: number[][];
  readonly #gainPosition: number;
  readonly #gainVelocity: number;
  readonly #px: Float64Array;
  readonly #py: Float64Array;

  /**
   * A controller for `n` agents that steers each to its landmark of the optimal assignment.
   *
   * @param n Number of agents (= landmarks).
   * @param gainPosition Desired acceleration per unit of distance to the target.
   * @param gainVelocity Desired deceleration per unit of velocity (damping of the approach).
   */
  constructor(n: number, gainPosition = 4, gainVelocity = 1) {
    this.#n = n;
    this.#perms = n <= 7 ? permutations(n) : [];
    this.#gainPosition = gainPosition;
    this.#gainVelocity = gainVelocity;
    this.#px = new Float64Array(n);
    this.#py = new Float64Array(n);
  }

  /** Chooses every agent's move toward its assigned landmark. */
  act(result: StepResult, out: Int32Array[]): void {
    const n = this.#n;
    const obsSize = 4 + 2 * n + 4 * (n - 1);
    const obs = result.classes[0].obs;
    for (let i = 0; i < n; i++) {
      const o = i * obsSize;
      // Agents' positions relative to agent i: self at 0, then the others in index order skipping i.
      this.#px[i] = 0;
      this.#py[i] = 0;
      for (let k = 0, j = 0; j < n; j++) {
        if (j === i) continue;
        this.#px[j] = obs[o + 4 + 2 * n + 2 * k];
        this.#py[j] = obs[o + 4 + 2 * n + 2 * k + 1];
        k++;
      }
      const target = this.#assign(obs, o, i);
      const dx = obs[o + 4 + 2 * target], dy = obs[o + 4 + 2 * target + 1];
      const ax = this.#gainPosition * dx - this.#gainVelocity * obs[o];
      const ay = this.#gainPosition * dy - this.#gainVelocity * obs[o + 1];
      let action = 0;
      if (Math.hypot(ax, ay) > 0.05) {
        action = Math.abs(ax) >= Math.abs(ay) ? (ax < 0 ? 1 : 2) : (ay < 0 ? 3 : 4);
      }
      out[0][i] = action;
    }
  }

  /** The landmark assigned to agent `self` by the minimum-total-distance assignment. */
  #assign(obs: Float32Array, o: number, self: number): number {
    const n = this.#n;
    const dist = (agent: number, landmark: number) =>
      Math.hypot(
        obs[o + 4 + 2 * landmark] - this.#px[agent],
        obs[o + 4 + 2 * landmark + 1] - this.#py[agent],
      );
    if (this.#perms.length > 0) {
      let best = Infinity, bestPerm = this.#perms[0];
      for (const perm of this.#perms) {
        let total = 0;
        for (let a = 0; a < n; a++) total += dist(a, perm[a]);
        if (total < best - 1e-12) {
          best = total;
          bestPerm = perm;
        }
      }
      return bestPerm[self];
    }
    // Greedy: repeatedly take the closest free (agent, landmark) pair.
    const agentTaken = new Uint8Array(n), landmarkTaken = new Uint8Array(n);
    for (let round = 0; round < n; round++) {
      let best = Infinity, ba = 0, bl = 0;
      for (let a = 0; a < n; a++) {
        if (agentTaken[a]) continue;
        for (let l = 0; l < n; l++) {
          if (landmarkTaken[l]) continue;
          const d = dist(a, l);
          if (d < best) [best, ba, bl] = [d, a, l];
        }
      }
      if (ba === self) return bl;
      agentTaken[ba] = 1;
      landmarkTaken[bl] = 1;
    }
    return 0;
  }
}
