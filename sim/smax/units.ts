/**
 * The unit types of the SMAC-style micromanagement environment, SC2's time base and the damage rule.
 *
 * ## Where the figures come from
 *
 * The base is JaxMARL SMAX's unit table (`jaxmarl/environments/smax/smax_env.py`: velocities, attacks,
 * attack ranges, sight ranges, radii, health, weapon cooldowns for marine, marauder, stalker, zealot,
 * zergling, hydralisk). SMAX documents it as a simplification of SC2: it merges shields into health, has no
 * armour or bonus damage, gives melee units range 2 and mixes "normal" and "faster" game-speed figures. SMAC
 * runs the real game, so where SMAX simplified we take the SC2 Legacy of the Void figures that SMAC's
 * recommended game version (4.6.2) uses, as listed on Liquipedia and sc2jpwiki unit pages:
 *
 * | unit | HP | shield | armour | attribute | damage | range | cooldown s | speed | sight | radius |
 * | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |
 * | marine | 45 | 0 | 0 | light | 6 | 5 | 0.61 | 3.15 | 9 | 0.375 |
 * | marauder | 125 | 0 | 1 | armored | 10 (+10 armored) | 6 | 1.07 | 3.15 | 10 | 0.5625 |
 * | stalker | 80 | 80 | 1 | armored | 13 (+5 armored) | 6 | 1.34 | 4.13 | 10 | 0.625 |
 * | zealot | 100 | 50 | 1 | light | 8 x2 | 0.1 | 0.86 | 3.15 | 9 | 0.5 |
 * | zergling | 35 | 0 | 0 | light | 5 | 0.1 | 0.497 | 4.13 | 8 | 0.375 |
 * | hydralisk | 80 | 0 | 0 | light | 12 | 5 | 0.59 | 3.15 | 9 | 0.625 |
 *
 * - Speed, sight, radius, the ranged units' ranges and the marine, marauder, zealot and hydralisk cooldowns:
 *   SMAX's table, which agrees with the SC2 "faster" figures, except the marauder's speed (SMAX 2.25, the
 *   "normal"-speed figure; 3.15 at "faster").
 * - HP and shields: SC2 (Liquipedia); SMAX's merged health is their sum (stalker 160, zealot 150).
 * - Damage: SC2. SMAX uses 9 for the marine and a single 8-damage hit for the zealot.
 * - Armour, the armored attribute and bonus damage: SC2 (SMAX has none).
 * - Stalker cooldown 1.34 s: SC2 since patch 4.0 at "faster" (SMAX's 1.87 is the "normal"-speed figure).
 * - Melee range 0.1 edge to edge: SC2 (SMAX: 2 centre to centre).
 * - Hydralisk HP 80: SC2 before patch 4.7.1 (SMAC's 4.6.2; 90 since), as in SMAX.
 * - Zergling cooldown 0.497 s: SC2 ("faster", Liquipedia; 0.696 at "normal"; SMAX 0.5).
 *
 * Times are "faster" game speed (real) seconds, as in LotV. One game loop is 1/22.4 s at that speed, and one
 * environment step is SMAC's `step_mul` of 8 game loops (0.357 s). Weapon cooldowns are rounded to whole game
 * loops ({@linkcode cooldownLoops}). Plasma shields regenerate 2 points per game second (0.125 per loop)
 * after 10 game seconds (160 loops) without damage (Liquipedia, "Plasma Shield").
 *
 * The medivac (SMAC's MMM maps) is not modelled: it heals rather than attacks.
 *
 * @example
 * ```ts
 * import { cooldownLoops, UNIT_TYPES } from "./units.ts";
 * console.assert(UNIT_TYPES.marine.health === 45);
 * console.assert(cooldownLoops(UNIT_TYPES.marine) === 14);
 * ```
 *
 * @module
 */

/** Names of the unit types, in catalogue order (the order of agent classes and of type one-hot bits). */
export const UNIT_TYPE_NAMES = [
  "marine",
  "marauder",
  "stalker",
  "zealot",
  "zergling",
  "hydralisk",
] as const;

/** A unit type name. */
export type UnitTypeName = typeof UNIT_TYPE_NAMES[number];

/** The figures of one unit type (times in "faster" seconds, distances in SC2 map units). */
export interface UnitType {
  /** Name, e.g. `"stalker"`. */
  readonly name: UnitTypeName;
  /** Race; protoss units carry plasma shields. */
  readonly race: "terran" | "protoss" | "zerg";
  /** Maximum hit points. */
  readonly health: number;
  /** Maximum plasma shield points (0 for non-protoss). */
  readonly shield: number;
  /** Armour subtracted from each hit on hit points. */
  readonly armor: number;
  /** Whether the unit has SC2's Armored attribute (bonus damage applies). */
  readonly armored: boolean;
  /** Damage of one hit. */
  readonly damage: number;
  /** Extra damage of one hit against armored targets. */
  readonly bonusVsArmored: number;
  /** Hits per attack (zealot: 2). */
  readonly hits: number;
  /** Weapon range, edge to edge. */
  readonly range: number;
  /** Weapon cooldown, seconds. */
  readonly cooldown: number;
  /** Movement speed, map units per second. */
  readonly speed: number;
  /** Sight range (used by the scripted enemy to acquire targets), centre to centre. */
  readonly sight: number;
  /** Footprint radius. */
  readonly radius: number;
}

/**
 * The unit catalogue (figures and sources in the module documentation).
 *
 * @example
 * ```ts
 * import { UNIT_TYPES } from "./units.ts";
 * console.assert(UNIT_TYPES.zealot.hits === 2 && UNIT_TYPES.stalker.shield === 80);
 * ```
 */
export const UNIT_TYPES: Readonly<Record<UnitTypeName, UnitType>> = {
  marine: {
    name: "marine",
    race: "terran",
    health: 45,
    shield: 0,
    armor: 0,
    armored: false,
    damage: 6,
    bonusVsArmored: 0,
    hits: 1,
    range: 5,
    cooldown: 0.61,
    speed: 3.15,
    sight: 9,
    radius: 0.375,
  },
  marauder: {
    name: "marauder",
    race: "terran",
    health: 125,
    shield: 0,
    armor: 1,
    armored: true,
    damage: 10,
    bonusVsArmored: 10,
    hits: 1,
    range: 6,
    cooldown: 1.07,
    speed: 3.15,
    sight: 10,
    radius: 0.5625,
  },
  stalker: {
    name: "stalker",
    race: "protoss",
    health: 80,
    shield: 80,
    armor: 1,
    armored: true,
    damage: 13,
    bonusVsArmored: 5,
    hits: 1,
    range: 6,
    cooldown: 1.34,
    speed: 4.13,
    sight: 10,
    radius: 0.625,
  },
  zealot: {
    name: "zealot",
    race: "protoss",
    health: 100,
    shield: 50,
    armor: 1,
    armored: false,
    damage: 8,
    bonusVsArmored: 0,
    hits: 2,
    range: 0.1,
    cooldown: 0.86,
    speed: 3.15,
    sight: 9,
    radius: 0.5,
  },
  zergling: {
    name: "zergling",
    race: "zerg",
    health: 35,
    shield: 0,
    armor: 0,
    armored: false,
    damage: 5,
    bonusVsArmored: 0,
    hits: 1,
    range: 0.1,
    cooldown: 0.497,
    speed: 4.13,
    sight: 8,
    radius: 0.375,
  },
  hydralisk: {
    name: "hydralisk",
    race: "zerg",
    health: 80,
    shield: 0,
    armor: 0,
    armored: false,
    damage: 12,
    bonusVsArmored: 0,
    hits: 1,
    range: 5,
    cooldown: 0.59,
    speed: 3.15,
    sight: 9,
    radius: 0.625,
  },
};

/** Game loops per "faster" second (16 loops per game second, times 1.4). */
export const GAME_LOOPS_PER_SECOND = 22.4;
/** Game loops per environment step (SMAC's map `step_mul`). */
export const LOOPS_PER_STEP = 8;
/** Loops without damage before plasma shields regenerate (10 game seconds). */
export const SHIELD_REGEN_DELAY_LOOPS = 160;
/** Shield points regenerated per loop (2 per game second). */
export const SHIELD_REGEN_PER_LOOP = 2 / 16;
/** SMAC's shooting range (`unit_shoot_range`): attack actions are legal within it, centre to centre. */
export const SMAC_SHOOT_RANGE = 6;
/** SMAC's sight range (`unit_sight_range`): agents observe units within it, centre to centre. */
export const SMAC_SIGHT_RANGE = 9;
/** SMAC's `move_amount`: a move action orders the unit to a point this far away. */
export const SMAC_MOVE_AMOUNT = 2;

/**
 * A unit type's weapon cooldown in whole game loops (rounded to the nearest loop).
 *
 * @example
 * ```ts
 * import { cooldownLoops, UNIT_TYPES } from "./units.ts";
 * console.assert(cooldownLoops(UNIT_TYPES.stalker) === 30); // 1.34 s * 22.4
 * ```
 */
export function cooldownLoops(type: UnitType): number {
  return Math.max(1, Math.round(type.cooldown * GAME_LOOPS_PER_SECOND));
}

/**
 * Damage of one hit of `attacker` on `target` before shields and armour: base plus the bonus against armored
 * targets. SC2 applies attributes to shields too (a stalker's 13 +5 hits a stalker's shields for 18).
 *
 * @example
 * ```ts
 * import { hitDamage, UNIT_TYPES } from "./units.ts";
 * console.assert(hitDamage(UNIT_TYPES.stalker, UNIT_TYPES.stalker) === 18);
 * console.assert(hitDamage(UNIT_TYPES.stalker, UNIT_TYPES.zealot) === 13);
 * ```
 */
export function hitDamage(attacker: UnitType, target: UnitType): number {
  return attacker.damage + (target.armored ? attacker.bonusVsArmored : 0);
}

/**
 * Hit points one hit of `damage` removes from a unit with `shield` shield points left and `armor` armour,
 * by SC2's rule: shields (armour 0) absorb first; damage spilling past them loses `armor`, floored at 0; a hit
 * landing on hit points alone loses `armor`, floored at 0.5. The shields lose `min(damage, shield)`.
 *
 * @example
 * ```ts
 * import { hitPointLoss } from "./units.ts";
 * console.assert(hitPointLoss(13, 0, 1) === 12); // stalker on a zealot without shields
 * console.assert(hitPointLoss(13, 11, 1) === 1); // 11 absorbed, 2 spill, minus 1 armour
 * console.assert(hitPointLoss(13, 20, 1) === 0); // all absorbed
 * console.assert(hitPointLoss(1, 0, 3) === 0.5); // armour never stops a hit completely
 * ```
 */
export function hitPointLoss(damage: number, shield: number, armor: number): number {
  if (shield <= 0) return Math.max(damage - armor, 0.5);
  if (damage <= shield) return 0;
  return Math.max(damage - shield - armor, 0);
}
