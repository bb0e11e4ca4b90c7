/**
 * The orders a SMAX unit can carry out (SC2's move, attack and attack-move), as the small integers that
 * {@linkcode SmaxWorld}'s `order` array holds. Their own file so that the world and the scripted enemy
 * both read them without importing each other.
 *
 * @example
 * ```ts
 * import { ORDER_ATTACK_MOVE, ORDER_IDLE } from "./orders.ts";
 * console.assert(ORDER_IDLE === 0 && ORDER_ATTACK_MOVE === 3);
 * ```
 *
 * @module
 */

/** Order: stand, fire at opponents within reach. */
export const ORDER_IDLE = 0;
/** Order: move to (`orderX`, `orderY`). */
export const ORDER_MOVE = 1;
/** Order: attack unit `orderTarget`. */
export const ORDER_ATTACK = 2;
/** Order: attack-move to (`orderX`, `orderY`). */
export const ORDER_ATTACK_MOVE = 3;
