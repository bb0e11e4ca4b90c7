/**
 * The scripted enemy: SMAC's built-in behaviour, where the map orders every enemy unit to attack-move
 * towards the allies' starting area, with target choice after JaxMARL SMAX's heuristic enemy
 * (`heuristic_enemy.py`, attack mode "closest").
 *
 * At reset every enemy gets an attack-move order to the map's `attackPoint` (by default the allies' spawn
 * point). Then, every game loop, each enemy unit picks its target:
 * 1. the target it engaged before, while it is alive and within weapon reach (SMAX: "keep attacking the same
 *    enemy until it is dead");
 * 2. else the closest living ally within weapon reach;
 * 3. else the target it engaged before, while alive and within the unit's sight range (chase it);
 * 4. else the closest living ally within sight range (chase it; SMAX follows a random visible unit);
 * 5. else none: it keeps moving towards the attack point (and waits there).
 *
 * Ties go to the lower unit index. The enemy sees with its units' SC2 sight ranges and no further, so
 * allies out of sight are not hunted down (as with SC2's attack-move).
 *
 * @example
 * ```ts
 * import { issueAttackMove } from "./enemy.ts";
 * import { SmaxWorld } from "./world.ts";
 * import { UNIT_TYPES } from "./units.ts";
 * const w = new SmaxWorld([UNIT_TYPES.marine], [UNIT_TYPES.zealot], 32, 32);
 * w.reset();
 * w.place(0, 8, 16);
 * w.place(1, 24, 16);
 * issueAttackMove(w, 8, 16);
 * w.tick();
 * console.assert(w.x[1] < 24); // the zealot walks towards the marine
 * ```
 *
 * @module
 */

import { ORDER_ATTACK_MOVE } from "./orders.ts";
import type { SmaxWorld } from "./world.ts";

/**
 * Orders every living enemy unit of `world` to attack-move to (`x`, `y`).
 *
 * @example
 * ```ts
 * import { issueAttackMove } from "./enemy.ts";
 * import { ORDER_ATTACK_MOVE, SmaxWorld } from "./world.ts";
 * import { UNIT_TYPES } from "./units.ts";
 * const w = new SmaxWorld([UNIT_TYPES.marine], [UNIT_TYPES.marine], 32, 32);
 * w.reset();
 * issueAttackMove(w, 8, 16);
 * console.assert(w.order[1] === ORDER_ATTACK_MOVE && w.orderX[1] === 8);
 * ```
 */
export function issueAttackMove(world: SmaxWorld, x: number, y: number): void {
  for (let u = world.numAllies; u < world.numUnits; u++) {
    if (!world.alive[u]) continue;
    world.order[u] = ORDER_ATTACK_MOVE;
    world.orderX[u] = x;
    world.orderY[u] = y;
    world.acquired[u] = -1;
  }
}

export { attackMoveTarget } from "./attack_move.ts";
