/**
 * The MPE world: a port of PettingZoo's `pettingzoo/mpe/_mpe_utils/core.py` (`World.step` and the discrete
 * action conversion of `simple_env.py`), over typed arrays and batched over `copies` independent worlds.
 *
 * Semantics, as in PettingZoo MPE since the "fix agent dynamics" change (the `_v3`/`_v4` envs):
 *
 * 1. every movable agent's force is its action `u` (discrete action 1/2 = -x/+x, 3/4 = -y/+y, times the
 *    sensitivity `accel`, 5 when unset); other entities have no force;
 * 2. every pair `a < b` (agents first, then landmarks) of colliding entities exchanges the contact force
 *    `contact_force * delta / dist * k * log(1 + exp(-(dist - dist_min) / k))`, `delta = p_a - p_b`,
 *    `dist_min = size_a + size_b`, `k = contact_margin` (numpy's `logaddexp(0, x)`, evaluated the same way);
 *    `+force` goes to `a` and `-force` to `b` when movable;
 * 3. every movable entity integrates `p += v * dt`, then `v = v * (1 - damping)`, then `v += F / mass * dt`,
 *    then clips `|v|` to `max_speed` when set (the position uses the velocity from before the update);
 * 4. every agent's communication state becomes its communication action (zeros when silent).
 *
 * Constants: `dt = 0.1`, `damping = 0.25`, `contact_force = 100`, `contact_margin = 1e-3`, `mass = 1`.
 * Everything is Float64, as numpy computes it; two agents at exactly the same point get NaN forces there as
 * they do in PettingZoo (0/0).
 *
 * @example
 * ```ts
 * import { MpeWorld } from "./core.ts";
 * const world = new MpeWorld({
 *   agents: [{ size: 0.15 }, { size: 0.15 }],
 *   landmarks: [{ size: 0.05, collide: false }],
 *   dimC: 2,
 * });
 * world.pos.set([0, 0, 0.2, 0]); // two overlapping agents (distance 0.2 < 0.3)
 * world.setMoveAction(0, 0, 0);
 * world.setMoveAction(0, 1, 0);
 * world.step(0);
 * world.step(0); // positions move only from the second step on (p += v * dt uses the old velocity)
 * console.assert(world.pos[0] < 0 && world.pos[2] > 0.2); // pushed apart
 * ```
 *
 * @module
 */

/** World time step (s). */
export const MPE_DT = 0.1;
/** Velocity damping per step. */
export const MPE_DAMPING = 0.25;
/** Contact force gain. */
export const MPE_CONTACT_FORCE = 1e2;
/** Contact margin `k` of the softplus penetration. */
export const MPE_CONTACT_MARGIN = 1e-3;
/** Action sensitivity used when an agent's `accel` is unset. */
export const MPE_DEFAULT_SENSITIVITY = 5.0;

const LOGE2 = Math.LN2;

/**
 * `log(1 + exp(z))`, computed as numpy's `logaddexp(0, z)` does (stable for large `|z|`).
 *
 * @example
 * ```ts
 * import { softplus } from "./core.ts";
 * console.assert(softplus(0) === Math.LN2);
 * console.assert(softplus(800) === 800 && softplus(-800) === 0);
 * ```
 */
export function softplus(z: number): number {
  if (z === 0) return LOGE2;
  const tmp = -z;
  if (tmp > 0) return Math.log1p(Math.exp(z));
  if (tmp <= 0) return z + Math.log1p(Math.exp(-z));
  return tmp; // NaN
}

/**
 * Magnitude of the contact force between two entities whose centres are `dist` apart, with
 * `distMin = size_a + size_b`: `contact_force * k * softplus(-(dist - distMin) / k)`.
 *
 * @example
 * ```ts
 * import { contactForceMagnitude } from "./core.ts";
 * // Touching (dist = distMin): 100 * 1e-3 * ln 2.
 * console.assert(Math.abs(contactForceMagnitude(0.3, 0.3) - 0.1 * Math.LN2) < 1e-15);
 * console.assert(contactForceMagnitude(2, 0.3) === 0); // far apart: exp underflows to exactly 0
 * ```
 */
export function contactForceMagnitude(dist: number, distMin: number): number {
  const k = MPE_CONTACT_MARGIN;
  return MPE_CONTACT_FORCE * (softplus(-(dist - distMin) / k) * k);
}

/** Properties of one entity (PettingZoo's `Entity`/`Agent` attributes). */
export interface EntitySpec {
  /** Radius. */
  size: number;
  /** Whether forces move it (default: true for agents, false for landmarks). */
  movable?: boolean;
  /** Whether it takes part in contact forces (default true). */
  collide?: boolean;
  /** Mass (default 1). */
  mass?: number;
  /** Speed limit, `null`/absent for none. */
  maxSpeed?: number | null;
  /** Action sensitivity, `null`/absent for the default 5. Agents only. */
  accel?: number | null;
  /** Whether the agent cannot communicate (default false). Agents only. */
  silent?: boolean;
}

/** Configuration of {@linkcode MpeWorld}. */
export interface MpeWorldConfig {
  /** Agents, in PettingZoo's `world.agents` order. */
  agents: readonly EntitySpec[];
  /** Landmarks, in `world.landmarks` order. */
  landmarks: readonly EntitySpec[];
  /** Communication channel dimension (`world.dim_c`). */
  dimC: number;
  /** Number of independent world copies stored side by side (default 1). */
  copies?: number;
}

/**
 * `copies` independent MPE worlds with identical entities, stored as structs of arrays.
 *
 * Per-copy arrays are copy-major: `pos[(copy * numEntities + e) * 2 + axis]` (agents are entities
 * `0..numAgents-1`, landmarks follow), `comm[(copy * numAgents + i) * dimC + k]`.
 */
export class MpeWorld {
  /** Number of world copies. */
  readonly copies: number;
  /** Agents per copy. */
  readonly numAgents: number;
  /** Landmarks per copy. */
  readonly numLandmarks: number;
  /** Agents + landmarks. */
  readonly numEntities: number;
  /** Communication dimension. */
  readonly dimC: number;
  /** Entity radii. */
  readonly size: Float64Array;
  /** 1 where the entity is movable. */
  readonly movable: Uint8Array;
  /** 1 where the entity collides. */
  readonly collide: Uint8Array;
  /** Entity masses. */
  readonly mass: Float64Array;
  /** Speed limits; NaN where none. */
  readonly maxSpeed: Float64Array;
  /** Per agent: action sensitivity (`accel`, or 5 when unset). */
  readonly sensitivity: Float64Array;
  /** Per agent: 1 where silent. */
  readonly silent: Uint8Array;
  /** Positions, `copies * numEntities * 2`. */
  readonly pos: Float64Array;
  /** Velocities, `copies * numEntities * 2`. */
  readonly vel: Float64Array;
  /** Agents' communication states, `copies * numAgents * dimC`. */
  readonly comm: Float64Array;
  /** Agents' physical actions `u` (already scaled by the sensitivity), `copies * numAgents * 2`. */
  readonly actionU: Float64Array;
  /** Agents' communication actions, `copies * numAgents * dimC`. */
  readonly actionC: Float64Array;
  /** Pairs of colliding entities `(a, b)`, `a < b`, flattened. */
  readonly collisionPairs: Int32Array;

  #force: Float64Array;
  #hasForce: Uint8Array;

  /** Builds the worlds; every state starts at zero. */
  constructor(config: MpeWorldConfig) {
    const copies = config.copies ?? 1;
    if (!Number.isInteger(copies) || copies < 1) {
      throw new RangeError(
        `Cannot build MpeWorld: copies must be a positive integer, got ${copies}`,
      );
    }
    if (!Number.isInteger(config.dimC) || config.dimC < 0) {
      throw new RangeError(
        `Cannot build MpeWorld: dimC must be a non-negative integer, got ${config.dimC}`,
      );
    }
    this.copies = copies;
    this.numAgents = config.agents.length;
    this.numLandmarks = config.landmarks.length;
    const nE = this.numAgents + this.numLandmarks;
    this.numEntities = nE;
    this.dimC = config.dimC;
    this.size = new Float64Array(nE);
    this.movable = new Uint8Array(nE);
    this.collide = new Uint8Array(nE);
    this.mass = new Float64Array(nE);
    this.maxSpeed = new Float64Array(nE);
    this.sensitivity = new Float64Array(this.numAgents);
    this.silent = new Uint8Array(this.numAgents);
    const all = [...config.agents, ...config.landmarks];
    all.forEach((spec, e) => {
      const isAgent = e < this.numAgents;
      if (!(spec.size >= 0) || !Number.isFinite(spec.size)) {
        throw new RangeError(
          `Cannot build MpeWorld: entity ${e} size must be finite and >= 0, got ${spec.size}`,
        );
      }
      this.size[e] = spec.size;
      this.movable[e] = (spec.movable ?? isAgent) ? 1 : 0;
      this.collide[e] = (spec.collide ?? true) ? 1 : 0;
      this.mass[e] = spec.mass ?? 1.0;
      this.maxSpeed[e] = spec.maxSpeed ?? NaN;
      if (isAgent) {
        this.sensitivity[e] = spec.accel ?? MPE_DEFAULT_SENSITIVITY;
        this.silent[e] = spec.silent ? 1 : 0;
      }
    });
    const pairs: number[] = [];
    for (let a = 0; a < nE; a++) {
      for (let b = a + 1; b < nE; b++) if (this.collide[a] && this.collide[b]) pairs.push(a, b);
    }
    this.collisionPairs = Int32Array.from(pairs);
    this.pos = new Float64Array(copies * nE * 2);
    this.vel = new Float64Array(copies * nE * 2);
    this.comm = new Float64Array(copies * this.numAgents * this.dimC);
    this.actionU = new Float64Array(copies * this.numAgents * 2);
    this.actionC = new Float64Array(copies * this.numAgents * this.dimC);
    this.#force = new Float64Array(nE * 2);
    this.#hasForce = new Uint8Array(nE);
  }

  /**
   * Places every entity of copy `copy` uniformly in [-1, 1)^2 at rest, in entity order (x then y per
   * entity), drawing from `rng`: the reset all MPE scenarios share (PettingZoo's `np_random.uniform(-1,
   * +1, dim_p)` per entity, agents then landmarks). Communication is left to the scenario.
   *
   * @example
   * ```ts
   * import { MpeWorld } from "./core.ts";
   * import { Rng } from "../rng.ts";
   * const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [{ size: 0.05 }], dimC: 0 });
   * w.scatterEntities(0, new Rng(1));
   * console.assert(Math.abs(w.pos[2]) < 1 && w.vel[0] === 0);
   * ```
   */
  scatterEntities(copy: number, rng: { uniformRange(lo: number, hi: number): number }): void {
    const base = copy * this.numEntities * 2;
    for (let e = 0; e < this.numEntities; e++) {
      this.pos[base + 2 * e] = rng.uniformRange(-1, 1);
      this.pos[base + 2 * e + 1] = rng.uniformRange(-1, 1);
      this.vel[base + 2 * e] = 0;
      this.vel[base + 2 * e + 1] = 0;
    }
  }

  /**
   * Sets agent `agent`'s physical action from a discrete move (PettingZoo `_set_action`): 0 none, 1 `-x`,
   * 2 `+x`, 3 `-y`, 4 `+y`, scaled by the agent's sensitivity. Immovable agents get `u = 0`.
   *
   * @example
   * ```ts
   * import { MpeWorld } from "./core.ts";
   * const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [], dimC: 0 });
   * w.setMoveAction(0, 0, 1);
   * console.assert(w.actionU[0] === -5 && w.actionU[1] === 0);
   * ```
   */
  setMoveAction(copy: number, agent: number, move: number): void {
    const o = (copy * this.numAgents + agent) * 2;
    let ux = 0;
    let uy = 0;
    if (this.movable[agent]) {
      if (move === 1) ux = -1.0;
      if (move === 2) ux = +1.0;
      if (move === 3) uy = -1.0;
      if (move === 4) uy = +1.0;
      const s = this.sensitivity[agent];
      ux *= s;
      uy *= s;
    }
    this.actionU[o] = ux;
    this.actionU[o + 1] = uy;
  }

  /**
   * Sets agent `agent`'s communication action to the one-hot vector of `symbol` (silent agents: zeros).
   *
   * @example
   * ```ts
   * import { MpeWorld } from "./core.ts";
   * const w = new MpeWorld({ agents: [{ size: 0.075, movable: false }], landmarks: [], dimC: 3 });
   * w.setCommAction(0, 0, 2);
   * w.step(0);
   * console.assert(w.comm.join() === "0,0,1");
   * ```
   */
  setCommAction(copy: number, agent: number, symbol: number): void {
    const d = this.dimC;
    const o = (copy * this.numAgents + agent) * d;
    for (let k = 0; k < d; k++) this.actionC[o + k] = 0;
    if (!this.silent[agent]) this.actionC[o + symbol] = 1.0;
  }

  /**
   * Advances world copy `copy` by one step `dt` (see the module docs for the order of operations).
   *
   * @example
   * ```ts
   * import { MpeWorld } from "./core.ts";
   * const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [], dimC: 0 });
   * w.setMoveAction(0, 0, 2); // +x: force 5
   * w.step(0);
   * console.assert(w.pos[0] === 0 && Math.abs(w.vel[0] - 0.5) < 1e-15);
   * ```
   */
  step(copy: number): void {
    const nA = this.numAgents;
    const nE = this.numEntities;
    const force = this.#force;
    const hasForce = this.#hasForce;
    const pos = this.pos;
    const vel = this.vel;
    const base = copy * nE * 2;
    // 1. Action forces of movable agents (PettingZoo adds a motor noise of 0.0 when u_noise is unset).
    for (let e = 0; e < nE; e++) {
      force[2 * e] = 0;
      force[2 * e + 1] = 0;
      hasForce[e] = 0;
    }
    const uBase = copy * nA * 2;
    for (let i = 0; i < nA; i++) {
      if (!this.movable[i]) continue;
      force[2 * i] = this.actionU[uBase + 2 * i] + 0.0;
      force[2 * i + 1] = this.actionU[uBase + 2 * i + 1] + 0.0;
      hasForce[i] = 1;
    }
    // 2. Contact forces, pair by pair in PettingZoo's order.
    const pairs = this.collisionPairs;
    const k = MPE_CONTACT_MARGIN;
    for (let p = 0; p < pairs.length; p += 2) {
      const a = pairs[p];
      const b = pairs[p + 1];
      const dx = pos[base + 2 * a] - pos[base + 2 * b];
      const dy = pos[base + 2 * a + 1] - pos[base + 2 * b + 1];
      const dist = Math.sqrt(dx * dx + dy * dy);
      const distMin = this.size[a] + this.size[b];
      const penetration = softplus(-(dist - distMin) / k) * k;
      const fx = MPE_CONTACT_FORCE * dx / dist * penetration;
      const fy = MPE_CONTACT_FORCE * dy / dist * penetration;
      if (this.movable[a]) {
        force[2 * a] = fx + force[2 * a];
        force[2 * a + 1] = fy + force[2 * a + 1];
        hasForce[a] = 1;
      }
      if (this.movable[b]) {
        force[2 * b] = -fx + force[2 * b];
        force[2 * b + 1] = -fy + force[2 * b + 1];
        hasForce[b] = 1;
      }
    }
    // 3. Integration.
    const dt = MPE_DT;
    const keep = 1 - MPE_DAMPING;
    for (let e = 0; e < nE; e++) {
      if (!this.movable[e]) continue;
      const o = base + 2 * e;
      pos[o] += vel[o] * dt;
      pos[o + 1] += vel[o + 1] * dt;
      let vx = vel[o] * keep;
      let vy = vel[o + 1] * keep;
      if (hasForce[e]) {
        const m = this.mass[e];
        vx += (force[2 * e] / m) * dt;
        vy += (force[2 * e + 1] / m) * dt;
      }
      const maxSpeed = this.maxSpeed[e];
      if (maxSpeed === maxSpeed) { // not NaN: a limit is set
        const speed = Math.sqrt(vx * vx + vy * vy);
        if (speed > maxSpeed) {
          const norm = Math.sqrt(vx * vx + vy * vy);
          vx = vx / norm * maxSpeed;
          vy = vy / norm * maxSpeed;
        }
      }
      vel[o] = vx;
      vel[o + 1] = vy;
    }
    // 4. Communication states (PettingZoo adds a noise of 0.0 when c_noise is unset).
    const d = this.dimC;
    const cBase = copy * nA * d;
    for (let i = 0; i < nA; i++) {
      const o = cBase + i * d;
      if (this.silent[i]) {
        for (let c = 0; c < d; c++) this.comm[o + c] = 0;
      } else {
        for (let c = 0; c < d; c++) this.comm[o + c] = this.actionC[o + c] + 0.0;
      }
    }
  }
}

/** A world state to load with `setWorldState` (plain arrays or typed arrays). */
export interface MpeWorldStateInput {
  /** Agents' positions `[x0, y0, x1, y1, ...]`, `numAgents * 2`. */
  agentPos: ArrayLike<number>;
  /** Agents' velocities, `numAgents * 2` (default zeros). */
  agentVel?: ArrayLike<number>;
  /** Agents' communication states, `numAgents * dimC` (default zeros). */
  agentComm?: ArrayLike<number>;
  /** Landmarks' positions, `numLandmarks * 2`. */
  landmarkPos: ArrayLike<number>;
  /** speaker_listener only: index of the goal landmark (default: unchanged). */
  goal?: number;
  /** Steps already taken in the episode, 0 <= cycle < maxCycles (default 0). */
  cycle?: number;
}

/** A world state as returned by `getWorldState` (copies, safe to keep). */
export interface MpeWorldState {
  /** Agents' positions, `numAgents * 2`. */
  agentPos: Float64Array;
  /** Agents' velocities, `numAgents * 2`. */
  agentVel: Float64Array;
  /** Agents' communication states, `numAgents * dimC`. */
  agentComm: Float64Array;
  /** Landmarks' positions, `numLandmarks * 2`. */
  landmarkPos: Float64Array;
  /** speaker_listener only: index of the goal landmark. */
  goal?: number;
  /** Steps taken in the episode. */
  cycle: number;
}

function checkVector(
  envId: string,
  field: string,
  value: ArrayLike<number> | undefined,
  length: number,
): void {
  if (value === undefined) return;
  if (value === null || typeof value !== "object" || typeof value.length !== "number") {
    throw new TypeError(
      `Cannot set world state of "${envId}": field "${field}" must be an array of ${length} numbers, got ${
        JSON.stringify(value)
      }`,
    );
  }
  if (value.length !== length) {
    throw new RangeError(
      `Cannot set world state of "${envId}": field "${field}" must have ${length} values, got ${value.length}`,
    );
  }
  for (let i = 0; i < length; i++) {
    if (typeof value[i] !== "number" || !Number.isFinite(value[i])) {
      throw new RangeError(
        `Cannot set world state of "${envId}": field "${field}[${i}]" must be a finite number, got ${
          value[i]
        }`,
      );
    }
  }
}

/**
 * Loads the positions, velocities and communication states of `state` into world copy `copy`; throws naming
 * the field when a length or value is wrong. Landmark velocities are set to zero (landmarks never move).
 *
 * @example
 * ```ts
 * import { loadWorldState, MpeWorld } from "./core.ts";
 * const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [{ size: 0.05 }], dimC: 2 });
 * loadWorldState("demo", w, 0, { agentPos: [0.5, -0.5], landmarkPos: [0, 0] });
 * console.assert(w.pos[0] === 0.5 && w.pos[3] === 0);
 * ```
 */
export function loadWorldState(
  envId: string,
  world: MpeWorld,
  copy: number,
  state: MpeWorldStateInput,
): void {
  if (state === null || typeof state !== "object") {
    throw new TypeError(`Cannot set world state of "${envId}": expected an object, got ${state}`);
  }
  const nA = world.numAgents;
  const nL = world.numLandmarks;
  const d = world.dimC;
  if (state.agentPos === undefined) {
    throw new RangeError(`Cannot set world state of "${envId}": field "agentPos" is missing`);
  }
  if (state.landmarkPos === undefined) {
    throw new RangeError(`Cannot set world state of "${envId}": field "landmarkPos" is missing`);
  }
  checkVector(envId, "agentPos", state.agentPos, nA * 2);
  checkVector(envId, "agentVel", state.agentVel, nA * 2);
  checkVector(envId, "agentComm", state.agentComm, nA * d);
  checkVector(envId, "landmarkPos", state.landmarkPos, nL * 2);
  const base = copy * world.numEntities * 2;
  for (let i = 0; i < nA * 2; i++) {
    world.pos[base + i] = state.agentPos[i];
    world.vel[base + i] = state.agentVel ? state.agentVel[i] : 0;
  }
  for (let j = 0; j < nL * 2; j++) {
    world.pos[base + nA * 2 + j] = state.landmarkPos[j];
    world.vel[base + nA * 2 + j] = 0;
  }
  const cBase = copy * nA * d;
  for (let i = 0; i < nA * d; i++) {
    world.comm[cBase + i] = state.agentComm ? state.agentComm[i] : 0;
  }
}

/**
 * Copies world copy `copy`'s positions, velocities and communication states out (goal and cycle are added by
 * the environment).
 *
 * @example
 * ```ts
 * import { MpeWorld, readWorldState } from "./core.ts";
 * const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [{ size: 0.05 }], dimC: 2 });
 * w.pos.set([0.25, 0.5, -1, 1]);
 * const s = readWorldState(w, 0, 0);
 * console.assert(s.agentPos[1] === 0.5 && s.landmarkPos[0] === -1 && s.cycle === 0);
 * ```
 */
export function readWorldState(world: MpeWorld, copy: number, cycle: number): MpeWorldState {
  const nA = world.numAgents;
  const base = copy * world.numEntities * 2;
  return {
    agentPos: world.pos.slice(base, base + nA * 2),
    agentVel: world.vel.slice(base, base + nA * 2),
    agentComm: world.comm.slice(copy * nA * world.dimC, (copy + 1) * nA * world.dimC),
    landmarkPos: world.pos.slice(base + nA * 2, base + world.numEntities * 2),
    cycle,
  };
}
