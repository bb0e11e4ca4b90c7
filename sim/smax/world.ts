/**
 * The battle simulation under the SMAX environment: units as structure-of-arrays typed arrays, advanced one
 * SC2 game loop (1/22.4 s at "faster") at a time by {@linkcode SmaxWorld.tick}. No allocation per loop.
 *
 * Each unit carries an SC2-like order, executed every loop:
 * - **idle** (after `stop`, an arrived move or a dead target): stands; fires at the closest opponent within
 *   weapon reach when its weapon is ready (SC2's auto-acquire, without chasing);
 * - **move** to a point: moves at the unit's speed until it arrives, then idles; does not fire;
 * - **attack** a unit: moves towards it until within weapon reach, then fires whenever the weapon is ready;
 *   idles once the target is dead;
 * - **attack-move** to a point (the scripted enemy, `enemy.ts` picks the target each loop): engages the
 *   chosen target like *attack*, or moves towards the point when there is none.
 *
 * Weapon reach is SC2's edge-to-edge range: centre distance <= range + both radii. One loop runs in
 * phases, so the order of units does not matter: every unit decides (from positions at the loop's start),
 * then all attacks land (a unit killed in this loop still fires in it, so both armies can die at once), then
 * dead units are removed, living units move and overlapping units are pushed apart (each by half the
 * overlap along the line of centres, like SMAX; no pathing, no terrain), and positions are clamped to the
 * map. Last, weapon cooldowns count down and shields regenerate.
 *
 * @example
 * ```ts
 * import { SmaxWorld } from "./world.ts";
 * import { UNIT_TYPES } from "./units.ts";
 * const w = new SmaxWorld([UNIT_TYPES.marine], [UNIT_TYPES.marine], 32, 32);
 * w.reset();
 * w.place(0, 10, 16);
 * w.place(1, 15, 16); // 5 apart: within a marine's reach of 5 + 2 * 0.375
 * w.tick();
 * console.assert(w.health[0] === 39 && w.health[1] === 39);
 * ```
 *
 * @module
 */

import { attackMoveTarget } from "./attack_move.ts";
import { ORDER_ATTACK, ORDER_IDLE, ORDER_MOVE } from "./orders.ts";
import {
  cooldownLoops,
  GAME_LOOPS_PER_SECOND,
  hitPointLoss,
  SHIELD_REGEN_DELAY_LOOPS,
  SHIELD_REGEN_PER_LOOP,
  UNIT_TYPE_NAMES,
  type UnitType,
} from "./units.ts";

export { ORDER_ATTACK, ORDER_ATTACK_MOVE, ORDER_IDLE, ORDER_MOVE } from "./orders.ts";

const REACH_EPS = 1e-9;

/** The units of one battle and their simulation (see module docs). Allies come first, then enemies. */
export class SmaxWorld {
  /** Number of allied units (indices `0 .. numAllies - 1`). */
  readonly numAllies: number;
  /** Number of enemy units (indices `numAllies .. numUnits - 1`). */
  readonly numEnemies: number;
  /** Total number of units. */
  readonly numUnits: number;
  /** Map width; positions are clamped to `[0, width]`. */
  readonly width: number;
  /** Map height; positions are clamped to `[0, height]`. */
  readonly height: number;
  /** Unit type of each unit. */
  readonly types: readonly UnitType[];
  /** Catalogue index (`UNIT_TYPE_NAMES`) of each unit's type. */
  readonly typeIndex: Uint8Array;
  /** Footprint radius of each unit. */
  readonly radius: Float64Array;
  /** Distance moved per loop. */
  readonly speedPerLoop: Float64Array;
  /** Weapon range plus own radius (add the target's radius for the reach). */
  readonly reachBase: Float64Array;
  /** Sight range (scripted enemy target acquisition). */
  readonly sight: Float64Array;
  /** Weapon cooldown in loops. */
  readonly cooldownLoops: Int32Array;
  /** Maximum hit points. */
  readonly healthMax: Float64Array;
  /** Maximum shield points. */
  readonly shieldMax: Float64Array;

  /** Position x. */
  readonly x: Float64Array;
  /** Position y. */
  readonly y: Float64Array;
  /** Hit points left (0 when dead). */
  readonly health: Float64Array;
  /** Shield points left. */
  readonly shield: Float64Array;
  /** 1 while the unit lives. */
  readonly alive: Uint8Array;
  /** Loops until the weapon is ready (0: ready). */
  readonly cooldown: Int32Array;
  /** Loops since the unit last took damage (shield regeneration). */
  readonly sinceDamage: Int32Array;
  /** Current order (`ORDER_*`). */
  readonly order: Uint8Array;
  /** Target unit of an attack order. */
  readonly orderTarget: Int32Array;
  /** Destination x of a move or attack-move order. */
  readonly orderX: Float64Array;
  /** Destination y of a move or attack-move order. */
  readonly orderY: Float64Array;
  /** Target an attack-move order has acquired (-1: none). */
  readonly acquired: Int32Array;
  /** Loops simulated since `reset`. */
  loop = 0;

  readonly #damage: Float64Array;
  readonly #bonusVsArmored: Float64Array;
  readonly #hits: Int32Array;
  readonly #armor: Float64Array;
  readonly #armored: Uint8Array;
  readonly #shot: Int32Array;
  readonly #mx: Float64Array;
  readonly #my: Float64Array;

  /** A world with `allies` then `enemies` (one type per unit) on a `width` x `height` map. */
  constructor(
    allies: readonly UnitType[],
    enemies: readonly UnitType[],
    width: number,
    height: number,
  ) {
    this.numAllies = allies.length;
    this.numEnemies = enemies.length;
    const n = this.numUnits = allies.length + enemies.length;
    this.width = width;
    this.height = height;
    this.types = [...allies, ...enemies];
    const f = () => new Float64Array(n);
    this.typeIndex = new Uint8Array(n);
    this.radius = f();
    this.speedPerLoop = f();
    this.reachBase = f();
    this.sight = f();
    this.cooldownLoops = new Int32Array(n);
    this.healthMax = f();
    this.shieldMax = f();
    this.#damage = f();
    this.#bonusVsArmored = f();
    this.#hits = new Int32Array(n);
    this.#armor = f();
    this.#armored = new Uint8Array(n);
    this.types.forEach((t, i) => {
      this.typeIndex[i] = UNIT_TYPE_NAMES.indexOf(t.name);
      this.radius[i] = t.radius;
      this.speedPerLoop[i] = t.speed / GAME_LOOPS_PER_SECOND;
      this.reachBase[i] = t.range + t.radius;
      this.sight[i] = t.sight;
      this.cooldownLoops[i] = cooldownLoops(t);
      this.healthMax[i] = t.health;
      this.shieldMax[i] = t.shield;
      this.#damage[i] = t.damage;
      this.#bonusVsArmored[i] = t.bonusVsArmored;
      this.#hits[i] = t.hits;
      this.#armor[i] = t.armor;
      this.#armored[i] = t.armored ? 1 : 0;
    });
    this.x = f();
    this.y = f();
    this.health = f();
    this.shield = f();
    this.alive = new Uint8Array(n);
    this.cooldown = new Int32Array(n);
    this.sinceDamage = new Int32Array(n);
    this.order = new Uint8Array(n);
    this.orderTarget = new Int32Array(n);
    this.orderX = f();
    this.orderY = f();
    this.acquired = new Int32Array(n);
    this.#shot = new Int32Array(n);
    this.#mx = f();
    this.#my = f();
  }

  /** Every unit alive at full health and shields, weapon ready, idle, at the origin. */
  reset(): void {
    this.health.set(this.healthMax);
    this.shield.set(this.shieldMax);
    this.alive.fill(1);
    this.cooldown.fill(0);
    this.sinceDamage.fill(SHIELD_REGEN_DELAY_LOOPS);
    this.order.fill(ORDER_IDLE);
    this.orderTarget.fill(-1);
    this.orderX.fill(0);
    this.orderY.fill(0);
    this.acquired.fill(-1);
    this.x.fill(0);
    this.y.fill(0);
    this.loop = 0;
  }

  /** Puts unit `i` at (`x`, `y`), clamped to the map. */
  place(i: number, x: number, y: number): void {
    this.x[i] = Math.min(Math.max(x, 0), this.width);
    this.y[i] = Math.min(Math.max(y, 0), this.height);
  }

  /** First index of `u`'s opponents. */
  opponentStart(u: number): number {
    return u < this.numAllies ? this.numAllies : 0;
  }

  /** One past the last index of `u`'s opponents. */
  opponentEnd(u: number): number {
    return u < this.numAllies ? this.numUnits : this.numAllies;
  }

  /** Squared centre distance of units `i` and `j`. */
  dist2(i: number, j: number): number {
    const dx = this.x[j] - this.x[i];
    const dy = this.y[j] - this.y[i];
    return dx * dx + dy * dy;
  }

  /** Whether `j` is within `i`'s weapon reach (centre distance <= range + both radii). */
  inReach(i: number, j: number): boolean {
    const r = this.reachBase[i] + this.radius[j] + REACH_EPS;
    return this.dist2(i, j) <= r * r;
  }

  /** Number of living allies. */
  alliesAlive(): number {
    let k = 0;
    for (let i = 0; i < this.numAllies; i++) k += this.alive[i];
    return k;
  }

  /** Number of living enemies. */
  enemiesAlive(): number {
    let k = 0;
    for (let i = this.numAllies; i < this.numUnits; i++) k += this.alive[i];
    return k;
  }

  /** Advances one game loop (see module docs for the phases). */
  tick(): void {
    const n = this.numUnits;
    const shot = this.#shot;
    const alive = this.alive;
    // 1. Every living unit decides from the positions at the start of the loop.
    for (let u = 0; u < n; u++) {
      shot[u] = -1;
      this.#mx[u] = 0;
      this.#my[u] = 0;
      if (!alive[u]) continue;
      let order = this.order[u];
      if (order === ORDER_ATTACK && !alive[this.orderTarget[u]]) {
        order = this.order[u] = ORDER_IDLE;
      }
      if (order === ORDER_IDLE) {
        if (this.cooldown[u] === 0) shot[u] = this.#closestOpponentInReach(u);
      } else if (order === ORDER_MOVE) {
        if (this.#stepToward(u, this.orderX[u], this.orderY[u], 0)) this.order[u] = ORDER_IDLE;
      } else if (order === ORDER_ATTACK) {
        this.#engage(u, this.orderTarget[u]);
      } else {
        const t = attackMoveTarget(this, u);
        if (t >= 0) this.#engage(u, t);
        else this.#stepToward(u, this.orderX[u], this.orderY[u], 0);
      }
    }
    // 2. All attacks land.
    for (let u = 0; u < n; u++) {
      const t = shot[u];
      if (t < 0) continue;
      this.#attack(u, t);
      this.cooldown[u] = this.cooldownLoops[u];
    }
    // 3. The dead leave; the living move.
    for (let u = 0; u < n; u++) {
      if (!alive[u]) continue;
      if (this.health[u] <= 0) {
        alive[u] = 0;
        this.health[u] = 0;
        this.shield[u] = 0;
        this.order[u] = ORDER_IDLE;
        continue;
      }
      this.x[u] += this.#mx[u];
      this.y[u] += this.#my[u];
    }
    this.separate();
    // 4. Cooldowns count down, shields regenerate.
    for (let u = 0; u < n; u++) {
      if (!alive[u]) continue;
      if (this.cooldown[u] > 0) this.cooldown[u]--;
      if (this.sinceDamage[u] < SHIELD_REGEN_DELAY_LOOPS) this.sinceDamage[u]++;
      else if (this.shield[u] < this.shieldMax[u]) {
        this.shield[u] = Math.min(this.shieldMax[u], this.shield[u] + SHIELD_REGEN_PER_LOOP);
      }
    }
    this.loop++;
  }

  /** Fires at `t` when in reach and ready; otherwise closes in (to just inside the reach). */
  #engage(u: number, t: number): void {
    if (this.inReach(u, t)) {
      if (this.cooldown[u] === 0) this.#shot[u] = t;
      return;
    }
    const stop = this.reachBase[u] + this.radius[t] - 1e-6;
    this.#stepToward(u, this.x[t], this.y[t], stop);
  }

  /** Plans a step towards (tx, ty), stopping `stop` short; returns whether the unit is there. */
  #stepToward(u: number, tx: number, ty: number, stop: number): boolean {
    const dx = tx - this.x[u];
    const dy = ty - this.y[u];
    const d = Math.sqrt(dx * dx + dy * dy);
    const gap = d - stop;
    if (gap <= 1e-12) return true;
    const speed = this.speedPerLoop[u];
    const step = gap < speed ? gap : speed;
    this.#mx[u] = dx / d * step;
    this.#my[u] = dy / d * step;
    return step === gap;
  }

  #closestOpponentInReach(u: number): number {
    let best = -1;
    let bestD2 = Infinity;
    const end = this.opponentEnd(u);
    for (let j = this.opponentStart(u); j < end; j++) {
      if (!this.alive[j]) continue;
      const d2 = this.dist2(u, j);
      const r = this.reachBase[u] + this.radius[j] + REACH_EPS;
      if (d2 <= r * r && d2 < bestD2) {
        best = j;
        bestD2 = d2;
      }
    }
    return best;
  }

  #attack(u: number, t: number): void {
    const dmg = this.#damage[u] + (this.#armored[t] ? this.#bonusVsArmored[u] : 0);
    const armor = this.#armor[t];
    for (let h = this.#hits[u]; h > 0; h--) {
      const sh = this.shield[t];
      this.health[t] -= hitPointLoss(dmg, sh, armor);
      this.shield[t] = sh > dmg ? sh - dmg : 0;
    }
    this.sinceDamage[t] = 0;
  }

  /** Pushes overlapping living units apart (one sweep, in index order) and clamps everyone to the map. */
  separate(): void {
    const n = this.numUnits;
    const { x, y, radius, alive } = this;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!alive[j]) continue;
        const dx = x[j] - x[i];
        const dy = y[j] - y[i];
        const min = radius[i] + radius[j];
        const d2 = dx * dx + dy * dy;
        if (d2 >= min * min) continue;
        const d = Math.sqrt(d2);
        let nx = 1;
        let ny = 0;
        if (d > 1e-9) {
          nx = dx / d;
          ny = dy / d;
        }
        const half = (min - d) / 2;
        x[i] -= nx * half;
        y[i] -= ny * half;
        x[j] += nx * half;
        y[j] += ny * half;
      }
    }
    const w = this.width;
    const h = this.height;
    for (let i = 0; i < n; i++) {
      if (x[i] < 0) x[i] = 0;
      else if (x[i] > w) x[i] = w;
      if (y[i] < 0) y[i] = 0;
      else if (y[i] > h) y[i] = h;
    }
  }
}
