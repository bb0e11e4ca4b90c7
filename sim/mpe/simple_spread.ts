/**
 * `mpe/simple_spread`: a port of PettingZoo's `simple_spread_v3` (`pettingzoo/mpe/scenarios`/
 * `simple_spread/simple_spread.py` with `_mpe_utils/simple_env.py`, discrete actions).
 *
 * - `n` agents (default 3, radius 0.15, silent, colliding) and `n` landmarks (radius 0.05, not colliding,
 *   immovable); `dim_c = 2`.
 * - Reset: every agent position, then every landmark position, uniform in [-1, 1)^2 from our seeded
 *   {@linkcode Rng} (stream `"mpe/simple_spread"` of the seed); velocities and communication zero.
 * - Actions (5): no-op, move left (-x), right (+x), down (-y), up (+y); force = 5 per unit.
 * - Observation of agent i (`4 + 2n + 4(n - 1)` values, 18 for n = 3, Float32): own velocity, own position,
 *   each landmark's position relative to it, each other agent's position relative to it, each other agent's
 *   communication (always zero: agents are silent).
 * - Reward of agent i after a step: `(1 - localRatio) * G + localRatio * L_i`, with the global
 *   `G = -sum over landmarks of min over agents |p_agent - p_landmark|` and the local `L_i = -(number of
 *   other agents j with |p_i - p_j| < 0.3)` (strictly below the sum of radii).
 * - Episode: `maxCycles` steps (default 25), then every agent is truncated; no terminations.
 * - `state()`: all observations concatenated (`n * obsSize`), as PettingZoo's MPE `state()`.
 * - Infos: `collisions` (colliding agent pairs), `minDistSum` (`-G`), `occupiedLandmarks` (landmarks whose
 *   nearest agent is closer than 0.1), as PettingZoo's `benchmark_data`.
 *
 * @example
 * ```ts
 * import { SimpleSpreadEnv } from "./simple_spread.ts";
 * const env = new SimpleSpreadEnv();
 * let r = env.reset(7);
 * console.assert(env.classes[0].obsSize === 18 && env.stateSize === 54);
 * let ret = 0;
 * while (!r.done) {
 *   r = env.step([Int32Array.of(1, 2, 4)]);
 *   ret += r.classes[0].rewards[0];
 * }
 * console.assert(ret < 0);
 * ```
 *
 * @module
 */

import type { EnvOptions } from "../env/registry.ts";
import type { AgentClassSpec, EnvInfos } from "../env/types.ts";
import { Rng } from "../rng.ts";
import {
  loadWorldState,
  MpeWorld,
  type MpeWorldState,
  type MpeWorldStateInput,
  readWorldState,
} from "./core.ts";
import { MpeEnv } from "./env.ts";
import type { MpeScenario } from "./scenario.ts";
import type { ObservationLayout } from "../env/observation_layout.ts";

/** Registered id. */
export const SIMPLE_SPREAD_ID = "mpe/simple_spread";

/** Options of `mpe/simple_spread` (PettingZoo's `N`, `local_ratio`, `max_cycles`). */
export interface SimpleSpreadOptions {
  /** Number of agents and of landmarks (default 3). */
  n?: number;
  /** Weight of the local (collision) reward, in [0, 1] (default 0.5). */
  localRatio?: number;
  /** Steps per episode (default 25). */
  maxCycles?: number;
}

const AGENT_SIZE = 0.15;
const LANDMARK_SIZE = 0.05;
const DIM_C = 2;
const KNOWN_OPTIONS = ["n", "localRatio", "maxCycles"];

/** Names of the 5 discrete moves of an MPE agent. */
export const MPE_MOVE_NAMES: readonly string[] = [
  "no_action",
  "move_left",
  "move_right",
  "move_down",
  "move_up",
];

function optionError(id: string, key: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot build "${id}": option "${key}" must be ${expected}, got ${JSON.stringify(value)}`,
  );
}

/**
 * Checks `mpe/simple_spread` options (unknown keys, types, ranges) and fills in the defaults; throws naming
 * the option and the value.
 *
 * @example
 * ```ts
 * import { simpleSpreadOptions } from "./simple_spread.ts";
 * console.assert(simpleSpreadOptions({ n: 4 }).localRatio === 0.5);
 * ```
 */
export function simpleSpreadOptions(
  options: EnvOptions | SimpleSpreadOptions = {},
): Required<SimpleSpreadOptions> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot build "${SIMPLE_SPREAD_ID}": options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new RangeError(
        `Cannot build "${SIMPLE_SPREAD_ID}": unknown option "${key}"; options are ${
          KNOWN_OPTIONS.join(", ")
        }`,
      );
    }
  }
  const o = options as Record<string, unknown>;
  const n = o.n ?? 3;
  const localRatio = o.localRatio ?? 0.5;
  const maxCycles = o.maxCycles ?? 25;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw optionError(SIMPLE_SPREAD_ID, "n", "a positive integer", o.n);
  }
  if (typeof localRatio !== "number" || !(localRatio >= 0 && localRatio <= 1)) {
    throw optionError(SIMPLE_SPREAD_ID, "localRatio", "a number in [0, 1]", o.localRatio);
  }
  if (typeof maxCycles !== "number" || !Number.isInteger(maxCycles) || maxCycles < 1) {
    throw optionError(SIMPLE_SPREAD_ID, "maxCycles", "a positive integer", o.maxCycles);
  }
  return { n, localRatio, maxCycles };
}

/**
 * The simple_spread scenario over `copies` worlds (see the module docs); drive it with {@linkcode MpeEnv}
 * or `MpeBatchEnv`.
 *
 * @example
 * ```ts
 * import { SimpleSpreadScenario } from "./simple_spread.ts";
 * const s = new SimpleSpreadScenario({ n: 2 }, 4);
 * s.resetCopy(3, 11);
 * const state = new Float32Array(s.stateSize);
 * s.writeState(3, state, 0);
 * console.assert(state.length === 2 * 12);
 * ```
 */
export class SimpleSpreadScenario implements MpeScenario {
  /** `"mpe/simple_spread"`. */
  readonly id: string = SIMPLE_SPREAD_ID;
  /** One class `"agent"`. */
  readonly classes: readonly AgentClassSpec[];
  /** `n * obsSize`. */
  readonly stateSize: number;
  /** Steps per episode. */
  readonly maxCycles: number;
  /** Agents and landmarks. */
  readonly n: number;
  /** Weight of the local reward. */
  readonly localRatio: number;
  /** The worlds. */
  readonly world: MpeWorld;
  /** Observation length of one agent. */
  readonly obsSize: number;

  readonly #options: SimpleSpreadOptions;

  /** The same scenario with `copies` world copies. */
  withCopies(copies: number): SimpleSpreadScenario {
    return new SimpleSpreadScenario(this.#options, copies);
  }

  /** Builds the scenario with `copies` independent worlds (default 1). */
  constructor(options: SimpleSpreadOptions = {}, copies = 1) {
    this.#options = { ...options };
    const { n, localRatio, maxCycles } = simpleSpreadOptions(options);
    this.n = n;
    this.localRatio = localRatio;
    this.maxCycles = maxCycles;
    this.obsSize = 4 + 2 * n + 2 * (n - 1) + DIM_C * (n - 1);
    this.classes = [{
      name: "agent",
      count: n,
      obsSize: this.obsSize,
      numActions: 5,
      actionNames: MPE_MOVE_NAMES,
    }];
    this.stateSize = n * this.obsSize;
    this.world = new MpeWorld({
      agents: Array.from({ length: n }, () => ({ size: AGENT_SIZE, silent: true })),
      landmarks: Array.from(
        { length: n },
        () => ({ size: LANDMARK_SIZE, collide: false, movable: false }),
      ),
      dimC: DIM_C,
      copies,
    });
  }

  /** Draws the copy's initial world: agents, then landmarks, uniform in [-1, 1)^2. */
  resetCopy(copy: number, seed: number): void {
    const rng = new Rng(seed, SIMPLE_SPREAD_ID);
    const w = this.world;
    w.scatterEntities(copy, rng);
    w.comm.fill(0, copy * this.n * DIM_C, (copy + 1) * this.n * DIM_C);
  }

  /** Sets every agent's move. */
  setActions(copy: number, actions: readonly Int32Array[], slot: number): void {
    const a = actions[0];
    const n = this.n;
    for (let i = 0; i < n; i++) {
      this.world.setMoveAction(copy, i, a[slot * n + i] % 5);
      this.world.setCommAction(copy, i, 0);
    }
  }

  /** The global reward `G` of the copy (minus the sum of landmarks' nearest-agent distances). */
  globalReward(copy: number): number {
    const w = this.world;
    const n = this.n;
    const pos = w.pos;
    const base = copy * w.numEntities * 2;
    let rew = 0;
    for (let j = 0; j < n; j++) {
      const lx = pos[base + 2 * (n + j)];
      const ly = pos[base + 2 * (n + j) + 1];
      let min = Infinity;
      for (let i = 0; i < n; i++) {
        const dx = pos[base + 2 * i] - lx;
        const dy = pos[base + 2 * i + 1] - ly;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d < min) min = d;
      }
      rew -= min;
    }
    return rew;
  }

  /** The local reward of agent `i` of the copy: minus the number of other agents it collides with. */
  localReward(copy: number, i: number): number {
    const w = this.world;
    const pos = w.pos;
    const base = copy * w.numEntities * 2;
    const px = pos[base + 2 * i];
    const py = pos[base + 2 * i + 1];
    let rew = 0;
    for (let a = 0; a < this.n; a++) {
      if (a === i) continue;
      const dx = pos[base + 2 * a] - px;
      const dy = pos[base + 2 * a + 1] - py;
      if (Math.sqrt(dx * dx + dy * dy) < w.size[a] + w.size[i]) rew -= 1.0;
    }
    return rew;
  }

  /** Writes `(1 - localRatio) * G + localRatio * L_i` for every agent. */
  writeRewards(copy: number, rewards: readonly Float32Array[], slot: number): void {
    const g = this.globalReward(copy);
    const lr = this.localRatio;
    const out = rewards[0];
    for (let i = 0; i < this.n; i++) {
      out[slot * this.n + i] = g * (1 - lr) + this.localReward(copy, i) * lr;
    }
  }

  /** Writes agent `i`'s observation at `out[o...]`. */
  #writeAgentObs(copy: number, i: number, out: Float32Array, o: number): void {
    const w = this.world;
    const n = this.n;
    const pos = w.pos;
    const base = copy * w.numEntities * 2;
    const px = pos[base + 2 * i];
    const py = pos[base + 2 * i + 1];
    out[o++] = w.vel[base + 2 * i];
    out[o++] = w.vel[base + 2 * i + 1];
    out[o++] = px;
    out[o++] = py;
    for (let j = n; j < 2 * n; j++) {
      out[o++] = pos[base + 2 * j] - px;
      out[o++] = pos[base + 2 * j + 1] - py;
    }
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      out[o++] = pos[base + 2 * k] - px;
      out[o++] = pos[base + 2 * k + 1] - py;
    }
    const cBase = copy * n * DIM_C;
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      for (let c = 0; c < DIM_C; c++) out[o++] = w.comm[cBase + k * DIM_C + c];
    }
  }

  /**
   * The observation layout (`sim/env/observation_layout.ts`): scalar `self` (velocity, position: 4),
   * entities `landmarks` (`n` relative positions, always visible, distance their length), entities
   * `agents` (the `n - 1` other agents' relative positions, likewise), scalar `comm` (their
   * communication, `2 (n - 1)` values, always zero as the agents are silent).
   *
   * @example
   * ```ts
   * import { SimpleSpreadScenario } from "./simple_spread.ts";
   * const layout = new SimpleSpreadScenario().observationLayout(0);
   * console.assert(layout.size === 18 && layout.segments[1].name === "landmarks");
   * ```
   */
  observationLayout(classIndex: number): ObservationLayout {
    if (classIndex !== 0) {
      throw new RangeError(
        `"${this.id}".observationLayout: class index must be 0 (one class "agent"), got ${classIndex}`,
      );
    }
    const n = this.n;
    const distance = { kind: "offset", x: 0, y: 1, scale: 1 } as const;
    return {
      size: this.obsSize,
      segments: [
        { kind: "scalar", name: "self", offset: 0, size: 4 },
        { kind: "entities", name: "landmarks", offset: 4, count: n, features: 2, distance },
        ...(n > 1
          ? [
            {
              kind: "entities",
              name: "agents",
              offset: 4 + 2 * n,
              count: n - 1,
              features: 2,
              distance,
            } as const,
            {
              kind: "scalar",
              name: "comm",
              offset: 4 + 2 * n + 2 * (n - 1),
              size: DIM_C * (n - 1),
            } as const,
          ]
          : []),
      ],
    };
  }

  /** Writes every agent's observation. */
  writeObs(copy: number, obs: readonly Float32Array[], slot: number): void {
    const out = obs[0];
    for (let i = 0; i < this.n; i++) {
      this.#writeAgentObs(copy, i, out, (slot * this.n + i) * this.obsSize);
    }
  }

  /** Writes the observations concatenated. */
  writeState(copy: number, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.n; i++) this.#writeAgentObs(copy, i, out, offset + i * this.obsSize);
  }

  /** Writes `collisions`, `minDistSum` and `occupiedLandmarks`. */
  writeInfos(copy: number, infos: EnvInfos): void {
    const w = this.world;
    const n = this.n;
    const pos = w.pos;
    const base = copy * w.numEntities * 2;
    let collisions = 0;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const dx = pos[base + 2 * a] - pos[base + 2 * b];
        const dy = pos[base + 2 * a + 1] - pos[base + 2 * b + 1];
        if (Math.sqrt(dx * dx + dy * dy) < w.size[a] + w.size[b]) collisions++;
      }
    }
    let minDistSum = 0;
    let occupied = 0;
    for (let j = n; j < 2 * n; j++) {
      let min = Infinity;
      for (let i = 0; i < n; i++) {
        const dx = pos[base + 2 * i] - pos[base + 2 * j];
        const dy = pos[base + 2 * i + 1] - pos[base + 2 * j + 1];
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d < min) min = d;
      }
      minDistSum += min;
      if (min < 0.1) occupied++;
    }
    infos.collisions = collisions;
    infos.minDistSum = minDistSum;
    infos.occupiedLandmarks = occupied;
  }

  /** Loads positions, velocities and communication into the copy (`goal` is not allowed here). */
  loadState(copy: number, state: MpeWorldStateInput): void {
    if (state?.goal !== undefined) {
      throw new RangeError(
        `Cannot set world state of "${this.id}": field "goal" does not exist in this environment`,
      );
    }
    loadWorldState(this.id, this.world, copy, state);
  }

  /** Reads the copy's world state. */
  readState(copy: number): MpeWorldState {
    return readWorldState(this.world, copy, 0);
  }
}

/**
 * `mpe/simple_spread` as a single `MultiAgentEnv` (see the module docs), with `setWorldState` /
 * `getWorldState` for step-by-step comparison with PettingZoo.
 *
 * @example
 * ```ts
 * import { SimpleSpreadEnv } from "./simple_spread.ts";
 * const env = new SimpleSpreadEnv({ localRatio: 0 });
 * const r = env.setWorldState({
 *   agentPos: [-0.5, 0, 0.5, 0, 0, 0.5],
 *   landmarkPos: [-0.5, 0.1, 0.5, 0, 0, 0.5],
 * });
 * env.step([new Int32Array(3)]); // no-op: nobody moves (the agents are far apart)
 * console.assert(Math.abs(r.classes[0].rewards[0] - -0.1) < 1e-7);
 * ```
 */
export class SimpleSpreadEnv extends MpeEnv {
  /** Builds one world with the given options (validated). */
  constructor(options: SimpleSpreadOptions = {}) {
    super(new SimpleSpreadScenario(options, 1));
  }
}
