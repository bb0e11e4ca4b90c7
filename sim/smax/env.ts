/**
 * `smax/<map>`: a SMAC-style StarCraft II micromanagement environment in the manner of JaxMARL's SMAX. The
 * agents control the allied units of a map (`scenarios/smax/*.json`) against SMAC's scripted enemy
 * (attack-move towards the allies, `enemy.ts`); units, damage, cooldowns and movement are simulated per SC2
 * game loop (`world.ts`, figures in `units.ts`), 8 loops per step as SMAC's `step_mul`.
 *
 * **Agent classes**: one per allied unit type present, in catalogue order (2s3z: `stalker` x2, `zealot` x3).
 * Every class shares the map's SMAC observation layout and action space.
 *
 * **Actions** (`6 + enemies`): 0 no-op, 1 stop, 2..5 move north/south/east/west (SMAC: order a move 2 map
 * units away; legal when the point 1 away is on the map), `6 + k` attack enemy k (legal when it lives within
 * SMAC's shooting range 6, centre to centre; out of weapon reach the unit closes in first, as SC2 does).
 * Dead agents may only take action 0.
 *
 * **Observation** (SMAC's layout with `obs_all_health`, no last actions), all zero for a dead agent:
 * - move features (4): the legality of actions 2..5;
 * - per enemy (`4 + 1 + shield? + typeBits`): attackable, distance / 9, relative x / 9, relative y / 9,
 *   health / max, [shield / max when the enemies are protoss], [type one-hot]; zero beyond sight range 9;
 * - per other ally, in agent order (same size as enemy features): visible, distance / 9, relative x / 9,
 *   relative y / 9, health / max, [shield / max], [type one-hot];
 * - own (`1 + shield? + typeBits`): health / max, [shield / max], [type one-hot].
 *
 * `typeBits` is the number of unit types on the map when either army mixes types (SMAC's 2s3z, 3s5z: 2),
 * else 0 (3m, 8m, 3s_vs_5z); the one-hot follows the catalogue order (stalker, zealot).
 *
 * **State** (SMAC's `get_state`, `state_last_action=True`): per ally health / max, weapon cooldown / its
 * cooldown, (x - width/2) / width, (y - height/2) / height, [shield / max], [type one-hot]; per enemy
 * health / max, relative x, relative y, [shield / max], [type one-hot]; then every agent's last action one-hot.
 *
 * **Reward** (option `reward`, default `"smac"`): SMAC's shaped reward (`reward.ts`: damage dealt to the
 * enemies' hit and shield points, 10 per kill, 200 for the win, no defeat penalty, `reward_only_positive`,
 * scaled so that a won battle returns 20), one team reward per step. In the default `"smac"` mode every
 * agent, dead or alive, receives it, as SMAC returns one team reward for all agents (and MAPPO's SMAC wrapper
 * copies it to every agent, dead ones included; JaxMARL's SMAX does the same "to allow for noble
 * sacrifice"): the team mean the trainers use is exactly SMAC's reward. `"survivors"` is the reward before
 * issue 17: an agent dead at the start of the step gets 0, so the team mean is SMAC's reward times the
 * surviving fraction, which undervalues every kill made after a loss. An unknown mode is an error naming
 * the option and the value.
 *
 * **Episode end**: all enemies dead (won) or all allies dead (lost; both at once is a draw): every agent
 * terminated. At the episode limit (SMAC's, or `maxSteps`) living agents are truncated.
 * `infos`: `won` (0/1), `alliesAlive`, `enemiesAlive`, `battleStep`.
 *
 * **Divergences from SMAC** (the reward itself is SMAC's, above): action 0 (no-op) is legal for living agents too (the fleetkd API requires it):
 * the unit keeps its current order, as when no command is sent in SC2. Enemy type one-hot bits use the same
 * order as the allies' (SMAC numbers enemy stalkers and zealots the other way round). The state's cooldown is
 * divided by the unit's own cooldown (SMAC divides by a per-type constant, e.g. 15 loops for the marine).
 * Start positions are SMAX's random clusters rather than SMAC's fixed ones. Simplified physics: see
 * `world.ts` (no projectiles, no attack delay, no pathing or terrain, idle units do not chase).
 * Unit stats are SC2's (`units.ts`): hit points, shields, armour, the armored attribute and bonus damage as
 * in SC2 4.6.2, which SMAC runs; shields regenerate after 10 game seconds without damage; weapon cooldowns
 * are rounded to whole game loops and have no random jitter (SC2 adds a small random delay). Targeting:
 * the scripted enemy's attack-move picks its target as `enemy.ts` describes (closest opponent in sight),
 * an approximation of SC2's target priorities. SC2's unit collision and pathing are replaced by pushing
 * overlapping units apart; there is no high ground, fog beyond sight range, or projectile travel time
 * (stalker shots land at once).
 *
 * **Divergences from JaxMARL's SMAX** (`jaxmarl/environments/smax/smax_env.py`): SMAX merges shields
 * into health (stalker 160, zealot 150) and has no armour, bonus damage or shield regeneration; here they
 * are SC2's. SMAX's reward is the enemies' lost health fraction averaged over enemies plus a
 * `won_battle_bonus` of 1 (a won episode returns 2, no kill bonus); here it is SMAC's (20, with kill
 * bonus). Both pay dead agents the team reward. SMAX's actions are 4 diagonal-rotated moves, stop and
 * attack (attacks only land within range; a unit never closes in) with a random cooldown jitter; here
 * they are SMAC's (no-op, stop, 4 moves of 2 map units, attack with closing in, deterministic cooldowns).
 * SMAX kills units that touch the map edge (`walls_cause_death`); here positions are clamped. SMAX's
 * observation is its own `unit_list`; here it is SMAC's layout. SMAX uses 1/16 s world steps; here SC2
 * game loops of 1/22.4 s, 8 per step. Start positions and the enemy's attack-move follow SMAX.
 *
 * @example
 * ```ts
 * import { SmaxEnv } from "./env.ts";
 * const env = new SmaxEnv({ map: "2s3z" });
 * console.assert(env.classes.map((c) => `${c.name}:${c.count}`).join() === "stalker:2,zealot:3");
 * console.assert(env.classes[0].obsSize === 80 && env.stateSize === 120); // SMAC's sizes for 2s3z
 * let r = env.reset(1);
 * const actions = env.classes.map((c) => new Int32Array(c.count).fill(1)); // stop
 * r = env.step(actions);
 * console.assert(r.infos.battleStep === 1);
 * ```
 *
 * @module
 */

import type { ObservationLayout, ObservationSegment } from "../env/observation_layout.ts";
import { Rng } from "../rng.ts";
import {
  type AgentClassSpec,
  type AgentRef,
  agentRefs,
  allocateClassBuffers,
  type ClassBuffers,
  type MultiAgentEnv,
  type StepResult,
  validateActions,
} from "../env/types.ts";
import { issueAttackMove } from "./enemy.ts";
import { parseSmaxMap, type SmaxMap } from "./map.ts";
import { smaxMap } from "./maps.ts";
import { smacMaxReward, smacStepReward } from "./reward.ts";
import {
  GAME_LOOPS_PER_SECOND,
  LOOPS_PER_STEP,
  SMAC_MOVE_AMOUNT,
  SMAC_SHOOT_RANGE,
  SMAC_SIGHT_RANGE,
  UNIT_TYPE_NAMES,
  UNIT_TYPES,
  type UnitType,
} from "./units.ts";
import { ORDER_ATTACK, ORDER_IDLE, ORDER_MOVE, SmaxWorld } from "./world.ts";

/** Options of {@linkcode SmaxEnv}. */
export interface SmaxEnvOptions {
  /** A shipped map name (`"3m"`, `"8m"`, `"2s3z"`, `"3s5z"`, `"3s_vs_5z"`) or a map object (default `"3m"`). */
  map?: string | SmaxMap | Record<string, unknown>;
  /** Steps after which an episode is truncated (default: the map's episode limit). */
  maxSteps?: number;
  /** Whether `state()` ends with every agent's last action one-hot (default true, as SMAC). */
  stateLastAction?: boolean;
  /**
   * How SMAC's team reward is paid to the agents (default `"smac"`, see {@linkcode SMAX_REWARD_MODES}):
   * `"smac"` pays it to every agent, dead or alive, so the team mean is SMAC's reward; `"survivors"` (the
   * reward before issue 17) pays it only to agents alive at the step's start, so the team mean is SMAC's
   * reward scaled by the surviving fraction.
   */
  reward?: SmaxRewardMode;
}

/** The reward modes of {@linkcode SmaxEnvOptions.reward}; the first is the default. */
export const SMAX_REWARD_MODES = ["smac", "survivors"] as const;

/** A reward mode: `"smac"` (shared team reward, the default) or `"survivors"` (the old reward). */
export type SmaxRewardMode = typeof SMAX_REWARD_MODES[number];

/**
 * Checks a reward mode; throws naming `where` (the option or field), the value and the modes.
 *
 * @example
 * ```ts
 * import { parseSmaxRewardMode } from "./env.ts";
 * console.assert(parseSmaxRewardMode("survivors", 'option "reward"') === "survivors");
 * ```
 */
export function parseSmaxRewardMode(value: unknown, where: string): SmaxRewardMode {
  if (typeof value === "string" && (SMAX_REWARD_MODES as readonly string[]).includes(value)) {
    return value as SmaxRewardMode;
  }
  throw new RangeError(
    `${where} must be one of ${SMAX_REWARD_MODES.map((m) => `"${m}"`).join(", ")}, got ${
      JSON.stringify(value)
    }`,
  );
}

/** Number of actions before the attack actions. */
export const SMAX_NON_ATTACK_ACTIONS = 6;

const MOVE_DX = [0, 0, 1, -1]; // north, south, east, west
const MOVE_DY = [1, -1, 0, 0];

function resolveMap(map: SmaxEnvOptions["map"]): SmaxMap {
  if (map === undefined) return smaxMap("3m");
  if (typeof map === "string") return smaxMap(map);
  const name = typeof map.name === "string" ? map.name : "";
  return parseSmaxMap(map, name ? `${name} (map object)` : "(map object)");
}

/** The SMAC-style micromanagement environment (see module docs). */
export class SmaxEnv implements MultiAgentEnv {
  /** `smax/<map name>`. */
  readonly id: string;
  /** The validated map. */
  readonly map: SmaxMap;
  /** One class per allied unit type present. */
  readonly classes: readonly AgentClassSpec[];
  /** Every agent, class by class. */
  readonly agents: readonly AgentRef[];
  /** Length of `state()`. */
  readonly stateSize: number;
  /** Episode limit in steps. */
  readonly maxSteps: number;
  /** Game time of one step (SMAC's 8 game loops at 22.4 loops/s), milliseconds. */
  readonly decisionPeriodMs: number = (LOOPS_PER_STEP / GAME_LOOPS_PER_SECOND) * 1000;
  /** Number of allied units (agents). */
  readonly numAllies: number;
  /** Number of enemy units. */
  readonly numEnemies: number;
  /** Actions per agent: 6 + enemies. */
  readonly numActions: number;
  /** Observation length (the same for every class). */
  readonly obsSize: number;
  /** The simulation; read it (positions, health, ...) but do not write it. Allies first, in agent order. */
  readonly world: SmaxWorld;

  readonly #buffers: ClassBuffers[];
  readonly #result: { classes: ClassBuffers[]; done: boolean; infos: Record<string, number> };
  readonly #stateLastAction: boolean;
  /** The reward mode (see {@linkcode SmaxEnvOptions.reward}). */
  readonly rewardMode: SmaxRewardMode;
  readonly #allyClass: Int32Array;
  readonly #allyIndex: Int32Array;
  readonly #typeBit: Int32Array;
  readonly #typeBits: number;
  readonly #shieldAlly: number;
  readonly #shieldEnemy: number;
  readonly #nfEnemy: number;
  readonly #nfAlly: number;
  readonly #maxReward: number;
  readonly #lastAction: Int32Array;
  readonly #before: Float64Array;
  readonly #after: Float64Array;
  readonly #enemyAliveBefore: Uint8Array;
  readonly #enemyAliveAfter: Uint8Array;
  readonly #allyAliveBefore: Uint8Array;
  readonly #spawnX: Float64Array;
  readonly #spawnY: Float64Array;
  #t = 0;

  /** Builds the environment for `options.map` (default `"3m"`). */
  constructor(options: SmaxEnvOptions = {}) {
    const map = this.map = resolveMap(options.map);
    this.id = `smax/${map.name}`;
    const maxSteps = options.maxSteps ?? map.episodeLimit;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      throw new RangeError(
        `Cannot build "${this.id}": option "maxSteps" must be a positive integer, got ${maxSteps}`,
      );
    }
    this.maxSteps = maxSteps;
    this.#stateLastAction = options.stateLastAction ?? true;
    this.rewardMode = options.reward === undefined
      ? "smac"
      : parseSmaxRewardMode(options.reward, `Cannot build "${this.id}": option "reward"`);

    // Allies sorted by catalogue type (SMAC sorts by unit type), enemies in map order.
    const rank = (t: string) => UNIT_TYPE_NAMES.indexOf(t as typeof UNIT_TYPE_NAMES[number]);
    const allyGroups = [...map.allies].sort((a, b) => rank(a.type) - rank(b.type));
    const allyTypes: UnitType[] = [];
    const enemyTypes: UnitType[] = [];
    const spawnX: number[] = [];
    const spawnY: number[] = [];
    for (const g of allyGroups) {
      for (let i = 0; i < g.count; i++) {
        allyTypes.push(UNIT_TYPES[g.type]);
        spawnX.push((g.spawn ?? map.allySpawn).x);
        spawnY.push((g.spawn ?? map.allySpawn).y);
      }
    }
    for (const g of map.enemies) {
      for (let i = 0; i < g.count; i++) {
        enemyTypes.push(UNIT_TYPES[g.type]);
        spawnX.push((g.spawn ?? map.enemySpawn).x);
        spawnY.push((g.spawn ?? map.enemySpawn).y);
      }
    }
    this.#spawnX = Float64Array.from(spawnX);
    this.#spawnY = Float64Array.from(spawnY);
    const nA = this.numAllies = allyTypes.length;
    const nE = this.numEnemies = enemyTypes.length;
    this.numActions = SMAX_NON_ATTACK_ACTIONS + nE;
    this.world = new SmaxWorld(allyTypes, enemyTypes, map.width, map.height);

    // Observation layout.
    const distinct = (ts: UnitType[]) => new Set(ts.map((t) => t.name));
    const mixed = distinct(allyTypes).size > 1 || distinct(enemyTypes).size > 1;
    const present = UNIT_TYPE_NAMES.filter((n) => distinct([...allyTypes, ...enemyTypes]).has(n));
    this.#typeBits = mixed ? present.length : 0;
    this.#typeBit = Int32Array.from(
      [...allyTypes, ...enemyTypes],
      (t) => mixed ? present.indexOf(t.name) : -1,
    );
    this.#shieldAlly = allyTypes.some((t) => t.shield > 0) ? 1 : 0;
    this.#shieldEnemy = enemyTypes.some((t) => t.shield > 0) ? 1 : 0;
    this.#nfEnemy = 5 + this.#shieldEnemy + this.#typeBits;
    this.#nfAlly = 5 + this.#shieldAlly + this.#typeBits;
    const nfOwn = 1 + this.#shieldAlly + this.#typeBits;
    this.obsSize = 4 + nE * this.#nfEnemy + (nA - 1) * this.#nfAlly + nfOwn;
    this.stateSize = nA * (4 + this.#shieldAlly + this.#typeBits) +
      nE * (3 + this.#shieldEnemy + this.#typeBits) +
      (this.#stateLastAction ? nA * this.numActions : 0);

    // Classes: one per allied type, in order.
    const actionNames = [
      "no-op",
      "stop",
      "move north",
      "move south",
      "move east",
      "move west",
      ...Array.from({ length: nE }, (_, k) => `attack enemy ${k}`),
    ];
    const classes: AgentClassSpec[] = [];
    this.#allyClass = new Int32Array(nA);
    this.#allyIndex = new Int32Array(nA);
    const offsets: number[] = [];
    for (let u = 0; u < nA; u++) {
      const name = allyTypes[u].name;
      if (classes.length === 0 || classes[classes.length - 1].name !== name) {
        offsets.push(u);
        classes.push({
          name,
          count: 0,
          obsSize: this.obsSize,
          numActions: this.numActions,
          actionNames,
        });
      }
      const c = classes.length - 1;
      this.#allyClass[u] = c;
      this.#allyIndex[u] = u - offsets[c];
      (classes[c] as { count: number }).count++;
    }
    this.classes = classes;
    this.agents = agentRefs(classes);
    this.#buffers = allocateClassBuffers(classes);
    this.#result = {
      classes: this.#buffers,
      done: false,
      infos: { won: 0, alliesAlive: nA, enemiesAlive: nE, battleStep: 0 },
    };
    this.#maxReward = smacMaxReward(enemyTypes);
    this.#lastAction = new Int32Array(nA);
    this.#before = new Float64Array(nE);
    this.#after = new Float64Array(nE);
    this.#enemyAliveBefore = new Uint8Array(nE);
    this.#enemyAliveAfter = new Uint8Array(nE);
    this.#allyAliveBefore = new Uint8Array(nA);
  }

  /**
   * The observation layout (the same for every class, see `sim/env/observation_layout.ts`): scalar `move`
   * (4), entities `enemies` (`numEnemies` x the enemy features, distance feature 1 times the sight range 9,
   * visible where it is non-zero, indexed: slot `k` is the target of action `6 + k`), entities `allies`
   * (the other allies in agent order, visible flag feature 0, distance feature 1 times 9), scalar `own`.
   *
   * @example
   * ```ts
   * import { SmaxEnv } from "./env.ts";
   * const layout = new SmaxEnv({ map: "3m" }).observationLayout(0);
   * console.assert(layout.size === 30 && layout.segments.map((s) => s.name).join() === "move,enemies,allies,own");
   * ```
   */
  observationLayout(classIndex: number): ObservationLayout {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.classes.length) {
      throw new RangeError(
        `"${this.id}".observationLayout: class index must be in [0, ${this.classes.length}), got ${classIndex}`,
      );
    }
    const nE = this.numEnemies, nA = this.numAllies;
    const nfE = this.#nfEnemy, nfA = this.#nfAlly;
    const distance = { kind: "feature", index: 1, scale: SMAC_SIGHT_RANGE } as const;
    const segments: ObservationSegment[] = [
      { kind: "scalar", name: "move", offset: 0, size: 4 },
      {
        kind: "entities",
        name: "enemies",
        offset: 4,
        count: nE,
        features: nfE,
        distance,
        visibleFeature: 1,
        indexed: true,
      },
    ];
    let at = 4 + nE * nfE;
    if (nA > 1) {
      segments.push({
        kind: "entities",
        name: "allies",
        offset: at,
        count: nA - 1,
        features: nfA,
        distance,
        visibleFeature: 0,
      });
      at += (nA - 1) * nfA;
    }
    segments.push({ kind: "scalar", name: "own", offset: at, size: this.obsSize - at });
    return { size: this.obsSize, segments };
  }

  /** SMAC's `max_reward` of this map (the reward scale is `maxReward / 20`). */
  get maxReward(): number {
    return this.#maxReward;
  }

  /** Starts a battle: units at their spawn points plus jitter drawn from `seed`, enemies attack-moving. */
  reset(seed: number): StepResult {
    const w = this.world;
    w.reset();
    const rng = new Rng(seed, `smax/${this.map.name}`);
    const j = this.map.spawnJitter;
    for (let u = 0; u < w.numUnits; u++) {
      w.place(
        u,
        this.#spawnX[u] + rng.uniformRange(-j, j),
        this.#spawnY[u] + rng.uniformRange(-j, j),
      );
    }
    w.separate();
    issueAttackMove(w, this.map.attackPoint.x, this.map.attackPoint.y);
    this.#t = 0;
    this.#lastAction.fill(0);
    for (const b of this.#buffers) {
      b.rewards.fill(0);
      b.terminations.fill(0);
      b.truncations.fill(0);
    }
    this.#result.done = false;
    const infos = this.#result.infos;
    infos.won = 0;
    infos.alliesAlive = this.numAllies;
    infos.enemiesAlive = this.numEnemies;
    infos.battleStep = 0;
    this.#writeMasksAndObs();
    return this.#result;
  }

  /** Issues the agents' orders and simulates 8 game loops. */
  step(actions: readonly Int32Array[]): StepResult {
    validateActions(this.id, this.classes, this.#buffers, actions);
    if (this.#result.done) {
      throw new Error(`Cannot step "${this.id}": episode is over, call reset()`);
    }
    const w = this.world;
    const nA = this.numAllies;
    const nE = this.numEnemies;
    for (let k = 0; k < nE; k++) {
      const e = nA + k;
      this.#before[k] = w.health[e] + w.shield[e];
      this.#enemyAliveBefore[k] = w.alive[e];
    }
    for (let u = 0; u < nA; u++) {
      this.#allyAliveBefore[u] = w.alive[u];
      const a = actions[this.#allyClass[u]][this.#allyIndex[u]];
      this.#lastAction[u] = a;
      this.#applyAction(u, a);
    }
    for (let l = 0; l < LOOPS_PER_STEP; l++) {
      w.tick();
      if (w.alliesAlive() === 0 || w.enemiesAlive() === 0) break;
    }
    this.#t++;
    for (let k = 0; k < nE; k++) {
      const e = nA + k;
      this.#after[k] = w.health[e] + w.shield[e];
      this.#enemyAliveAfter[k] = w.alive[e];
    }
    const alliesAlive = w.alliesAlive();
    const enemiesAlive = w.enemiesAlive();
    const won = alliesAlive > 0 && enemiesAlive === 0;
    const ended = alliesAlive === 0 || enemiesAlive === 0;
    const timeUp = !ended && this.#t >= this.maxSteps;
    const reward = smacStepReward(
      this.#before,
      this.#after,
      this.#enemyAliveBefore,
      this.#enemyAliveAfter,
      won,
      this.#maxReward,
    );
    const shared = this.rewardMode === "smac";
    for (let u = 0; u < nA; u++) {
      const b = this.#buffers[this.#allyClass[u]];
      const i = this.#allyIndex[u];
      b.rewards[i] = shared || this.#allyAliveBefore[u] ? reward : 0;
      b.terminations[i] = ended || !w.alive[u] ? 1 : 0;
      b.truncations[i] = timeUp && w.alive[u] ? 1 : 0;
    }
    this.#result.done = ended || timeUp;
    const infos = this.#result.infos;
    infos.won = won ? 1 : 0;
    infos.alliesAlive = alliesAlive;
    infos.enemiesAlive = enemiesAlive;
    infos.battleStep = this.#t;
    this.#writeMasksAndObs();
    return this.#result;
  }

  /** Writes SMAC's global state (see module docs) into `out`. */
  state(out: Float32Array = new Float32Array(this.stateSize)): Float32Array {
    const w = this.world;
    const nA = this.numAllies;
    const tb = this.#typeBits;
    const cx = w.width / 2;
    const cy = w.height / 2;
    out.fill(0);
    let o = 0;
    const nfA = 4 + this.#shieldAlly + tb;
    for (let u = 0; u < nA; u++, o += nfA) {
      if (!w.alive[u]) continue;
      out[o] = w.health[u] / w.healthMax[u];
      out[o + 1] = w.cooldown[u] / w.cooldownLoops[u];
      out[o + 2] = (w.x[u] - cx) / w.width;
      out[o + 3] = (w.y[u] - cy) / w.height;
      if (this.#shieldAlly) out[o + 4] = w.shieldMax[u] > 0 ? w.shield[u] / w.shieldMax[u] : 0;
      if (tb) out[o + 4 + this.#shieldAlly + this.#typeBit[u]] = 1;
    }
    const nfE = 3 + this.#shieldEnemy + tb;
    for (let e = nA; e < w.numUnits; e++, o += nfE) {
      if (!w.alive[e]) continue;
      out[o] = w.health[e] / w.healthMax[e];
      out[o + 1] = (w.x[e] - cx) / w.width;
      out[o + 2] = (w.y[e] - cy) / w.height;
      if (this.#shieldEnemy) out[o + 3] = w.shieldMax[e] > 0 ? w.shield[e] / w.shieldMax[e] : 0;
      if (tb) out[o + 3 + this.#shieldEnemy + this.#typeBit[e]] = 1;
    }
    if (this.#stateLastAction && this.#t > 0) {
      for (let u = 0; u < nA; u++, o += this.numActions) out[o + this.#lastAction[u]] = 1;
    }
    return out;
  }

  #applyAction(u: number, a: number): void {
    const w = this.world;
    if (a === 0 || !w.alive[u]) return;
    if (a === 1) {
      w.order[u] = ORDER_IDLE;
    } else if (a < SMAX_NON_ATTACK_ACTIONS) {
      const d = a - 2;
      w.order[u] = ORDER_MOVE;
      w.orderX[u] = Math.min(Math.max(w.x[u] + MOVE_DX[d] * SMAC_MOVE_AMOUNT, 0), w.width);
      w.orderY[u] = Math.min(Math.max(w.y[u] + MOVE_DY[d] * SMAC_MOVE_AMOUNT, 0), w.height);
    } else {
      w.order[u] = ORDER_ATTACK;
      w.orderTarget[u] = this.numAllies + a - SMAX_NON_ATTACK_ACTIONS;
    }
  }

  #writeMasksAndObs(): void {
    const w = this.world;
    const nA = this.numAllies;
    const nE = this.numEnemies;
    const nAct = this.numActions;
    const obsSize = this.obsSize;
    const tb = this.#typeBits;
    const shA = this.#shieldAlly;
    const shE = this.#shieldEnemy;
    const nfE = this.#nfEnemy;
    const nfA = this.#nfAlly;
    const shoot2 = SMAC_SHOOT_RANGE * SMAC_SHOOT_RANGE;
    const half = SMAC_MOVE_AMOUNT / 2;
    for (let u = 0; u < nA; u++) {
      const b = this.#buffers[this.#allyClass[u]];
      const i = this.#allyIndex[u];
      const mask = b.actionMask;
      const m = i * nAct;
      const obs = b.obs;
      const base = i * obsSize;
      obs.fill(0, base, base + obsSize);
      if (!w.alive[u]) {
        mask.fill(0, m, m + nAct);
        mask[m] = 1;
        continue;
      }
      const x = w.x[u];
      const y = w.y[u];
      mask[m] = 1;
      mask[m + 1] = 1;
      mask[m + 2] = y + half <= w.height ? 1 : 0;
      mask[m + 3] = y - half >= 0 ? 1 : 0;
      mask[m + 4] = x + half <= w.width ? 1 : 0;
      mask[m + 5] = x - half >= 0 ? 1 : 0;
      for (let d = 0; d < 4; d++) obs[base + d] = mask[m + 2 + d];
      let o = base + 4;
      for (let k = 0; k < nE; k++, o += nfE) {
        const e = nA + k;
        const dx = w.x[e] - x;
        const dy = w.y[e] - y;
        const d2 = dx * dx + dy * dy;
        const alive = w.alive[e] === 1;
        mask[m + SMAX_NON_ATTACK_ACTIONS + k] = alive && d2 <= shoot2 ? 1 : 0;
        if (!alive || d2 >= SMAC_SIGHT_RANGE * SMAC_SIGHT_RANGE) continue;
        obs[o] = mask[m + SMAX_NON_ATTACK_ACTIONS + k];
        obs[o + 1] = Math.sqrt(d2) / SMAC_SIGHT_RANGE;
        obs[o + 2] = dx / SMAC_SIGHT_RANGE;
        obs[o + 3] = dy / SMAC_SIGHT_RANGE;
        obs[o + 4] = w.health[e] / w.healthMax[e];
        if (shE) obs[o + 5] = w.shieldMax[e] > 0 ? w.shield[e] / w.shieldMax[e] : 0;
        if (tb) obs[o + 5 + shE + this.#typeBit[e]] = 1;
      }
      for (let j = 0; j < nA; j++) {
        if (j === u) continue;
        if (w.alive[j]) {
          const dx = w.x[j] - x;
          const dy = w.y[j] - y;
          const d2 = dx * dx + dy * dy;
          if (d2 < SMAC_SIGHT_RANGE * SMAC_SIGHT_RANGE) {
            obs[o] = 1;
            obs[o + 1] = Math.sqrt(d2) / SMAC_SIGHT_RANGE;
            obs[o + 2] = dx / SMAC_SIGHT_RANGE;
            obs[o + 3] = dy / SMAC_SIGHT_RANGE;
            obs[o + 4] = w.health[j] / w.healthMax[j];
            if (shA) obs[o + 5] = w.shieldMax[j] > 0 ? w.shield[j] / w.shieldMax[j] : 0;
            if (tb) obs[o + 5 + shA + this.#typeBit[j]] = 1;
          }
        }
        o += nfA;
      }
      obs[o] = w.health[u] / w.healthMax[u];
      if (shA) obs[o + 1] = w.shieldMax[u] > 0 ? w.shield[u] / w.shieldMax[u] : 0;
      if (tb) obs[o + 1 + shA + this.#typeBit[u]] = 1;
    }
  }
}
