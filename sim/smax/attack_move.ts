/**
 * SC2's attack-move target acquisition, as SMAC's scripted enemy uses it (rules in `enemy.ts`'s module
 * docs). It reads the world through the small {@linkcode AttackMoveWorld} view, so the world can call it
 * for units on an attack-move order without an import cycle between `world.ts` and `enemy.ts`.
 *
 * @example
 * ```ts
 * import { attackMoveTarget } from "./attack_move.ts";
 * import { SmaxWorld } from "./world.ts";
 * import { UNIT_TYPES } from "./units.ts";
 * const w = new SmaxWorld([UNIT_TYPES.marine], [UNIT_TYPES.marine], 32, 32);
 * w.reset();
 * w.place(0, 10, 16);
 * w.place(1, 13, 16); // 3 away: within a marine's reach of 5
 * console.assert(attackMoveTarget(w, 1) === 0);
 * ```
 *
 * @module
 */

/** What attack-move target acquisition reads and writes of a world (a `SmaxWorld` satisfies it). */
export interface AttackMoveWorld {
  /** Target an attack-move order has acquired per unit (-1: none); written. */
  readonly acquired: Int32Array;
  /** Whether each unit is alive (non-zero). */
  readonly alive: ArrayLike<number>;
  /** Sight range per unit. */
  readonly sight: ArrayLike<number>;
  /** First index of `u`'s opponents. */
  opponentStart(u: number): number;
  /** One past the last index of `u`'s opponents. */
  opponentEnd(u: number): number;
  /** Squared distance between units `i` and `j`. */
  dist2(i: number, j: number): number;
  /** Whether `j` is within `i`'s weapon reach. */
  inReach(i: number, j: number): boolean;
}

/**
 * The target unit `u` on an attack-move order engages this loop, or -1 to keep moving to its destination
 * (rules in the module docs). Updates `world.acquired[u]`.
 *
 * @example
 * ```ts
 * import { attackMoveTarget } from "./attack_move.ts";
 * import { SmaxWorld } from "./world.ts";
 * import { UNIT_TYPES } from "./units.ts";
 * const m = UNIT_TYPES.marine;
 * const w = new SmaxWorld([m, m], [m], 32, 32);
 * w.reset();
 * w.place(0, 10, 16); // 8 away from the enemy: visible, out of reach
 * w.place(1, 14, 16); // 4 away: within reach
 * w.place(2, 18, 16);
 * console.assert(attackMoveTarget(w, 2) === 1);
 * ```
 */
export function attackMoveTarget(world: AttackMoveWorld, u: number): number {
  const cur = world.acquired[u];
  if (cur >= 0 && world.alive[cur] && world.inReach(u, cur)) return cur;
  const sight = world.sight[u];
  const sight2 = sight * sight;
  let inReach = -1;
  let inReachD2 = Infinity;
  let inSight = -1;
  let inSightD2 = Infinity;
  const end = world.opponentEnd(u);
  for (let j = world.opponentStart(u); j < end; j++) {
    if (!world.alive[j]) continue;
    const d2 = world.dist2(u, j);
    if (d2 < inSightD2 && d2 < sight2) {
      inSight = j;
      inSightD2 = d2;
    }
    if (d2 < inReachD2 && world.inReach(u, j)) {
      inReach = j;
      inReachD2 = d2;
    }
  }
  let target = inReach;
  if (target < 0) {
    target = cur >= 0 && world.alive[cur] && world.dist2(u, cur) < sight2 ? cur : inSight;
  }
  world.acquired[u] = target;
  return target;
}
