/**
 * `mpe/simple_speaker_listener`: a port of PettingZoo's `simple_speaker_listener_v4` (discrete actions), the
 * heterogeneous MPE task: a speaker that sees the goal but cannot move, and a listener that moves but does
 * not see the goal.
 *
 * - Agents (radius 0.075, not colliding): `speaker_0` (immovable, speaks) and `listener_0` (movable,
 *   silent); 3 landmarks (radius 0.04, not colliding) coloured red `[0.65, 0.15, 0.15]`, green
 *   `[0.15, 0.65, 0.15]` and blue `[0.15, 0.15, 0.65]`; `dim_c = 3`.
 * - Reset, from our seeded {@linkcode Rng} (stream `"mpe/simple_speaker_listener"` of the seed): the goal
 *   landmark uniformly among the 3, then both agents' and the landmarks' positions uniform in [-1, 1)^2;
 *   velocities and communication zero.
 * - Class `"speaker"` (1 agent): 3 actions, "say symbol k" (its communication state becomes one-hot k);
 *   observation (3): the goal landmark's colour.
 * - Class `"listener"` (1 agent): 5 moves (no-op, -x, +x, -y, +y; force 5 per unit); observation (11): own
 *   velocity, the 3 landmarks' positions relative to it, the speaker's communication state (what it said
 *   on the last step; zeros after reset).
 * - Reward of both agents after a step: `-|p_listener - p_goal|^2`.
 * - Episode: `maxCycles` steps (default 25), then both agents are truncated; no terminations.
 * - `state()`: speaker observation then listener observation (14 values). Infos: `goalDistance`.
 *
 * @example
 * ```ts
 * import { SimpleSpeakerListenerEnv } from "./simple_speaker_listener.ts";
 * const env = new SimpleSpeakerListenerEnv();
 * let r = env.reset(3);
 * console.assert(r.classes[0].obs.length === 3 && r.classes[1].obs.length === 11);
 * const goal = env.getWorldState().goal!;
 * r = env.step([Int32Array.of(goal), Int32Array.of(0)]); // the speaker names the goal
 * console.assert(r.classes[1].obs[8 + goal] === 1); // the listener hears it
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
import { MPE_MOVE_NAMES } from "./simple_spread.ts";

/** Registered id. */
export const SIMPLE_SPEAKER_LISTENER_ID = "mpe/simple_speaker_listener";

/** Options of `mpe/simple_speaker_listener` (PettingZoo's `max_cycles`). */
export interface SimpleSpeakerListenerOptions {
  /** Steps per episode (default 25). */
  maxCycles?: number;
}

/** Landmark colours, `[r, g, b]` per landmark, as in PettingZoo's `reset_world`. */
export const SPEAKER_LISTENER_COLORS: readonly (readonly number[])[] = [
  [0.65, 0.15, 0.15],
  [0.15, 0.65, 0.15],
  [0.15, 0.15, 0.65],
];

const DIM_C = 3;
const NUM_LANDMARKS = 3;
const SPEAKER = 0;
const LISTENER = 1;

/**
 * Checks `mpe/simple_speaker_listener` options and fills in the defaults; throws naming the option.
 *
 * @example
 * ```ts
 * import { simpleSpeakerListenerOptions } from "./simple_speaker_listener.ts";
 * console.assert(simpleSpeakerListenerOptions({}).maxCycles === 25);
 * ```
 */
export function simpleSpeakerListenerOptions(
  options: EnvOptions | SimpleSpeakerListenerOptions = {},
): Required<SimpleSpeakerListenerOptions> {
  const id = SIMPLE_SPEAKER_LISTENER_ID;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot build "${id}": options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "maxCycles") {
      throw new RangeError(`Cannot build "${id}": unknown option "${key}"; options are maxCycles`);
    }
  }
  const raw = (options as Record<string, unknown>).maxCycles;
  const maxCycles = raw ?? 25;
  if (typeof maxCycles !== "number" || !Number.isInteger(maxCycles) || maxCycles < 1) {
    throw new RangeError(
      `Cannot build "${id}": option "maxCycles" must be a positive integer, got ${
        JSON.stringify(raw)
      }`,
    );
  }
  return { maxCycles };
}

/**
 * The simple_speaker_listener scenario over `copies` worlds (see the module docs).
 *
 * @example
 * ```ts
 * import { SimpleSpeakerListenerScenario } from "./simple_speaker_listener.ts";
 * const s = new SimpleSpeakerListenerScenario({}, 2);
 * s.resetCopy(1, 5);
 * console.assert(s.goal[1] >= 0 && s.goal[1] < 3);
 * ```
 */
export class SimpleSpeakerListenerScenario implements MpeScenario {
  /** `"mpe/simple_speaker_listener"`. */
  readonly id: string = SIMPLE_SPEAKER_LISTENER_ID;
  /** `"speaker"` (obs 3, actions 3) and `"listener"` (obs 11, actions 5). */
  readonly classes: readonly AgentClassSpec[] = [
    {
      name: "speaker",
      count: 1,
      obsSize: 3,
      numActions: DIM_C,
      actionNames: ["say_0", "say_1", "say_2"],
    },
    { name: "listener", count: 1, obsSize: 11, numActions: 5, actionNames: MPE_MOVE_NAMES },
  ];
  /** 3 + 11. */
  readonly stateSize = 14;
  /** Steps per episode. */
  readonly maxCycles: number;
  /** The worlds. */
  readonly world: MpeWorld;
  /** Per copy: index of the goal landmark. */
  readonly goal: Int32Array;

  readonly #options: SimpleSpeakerListenerOptions;

  /** The same scenario with `copies` world copies. */
  withCopies(copies: number): SimpleSpeakerListenerScenario {
    return new SimpleSpeakerListenerScenario(this.#options, copies);
  }

  /** Builds the scenario with `copies` independent worlds (default 1). */
  constructor(options: SimpleSpeakerListenerOptions = {}, copies = 1) {
    this.#options = { ...options };
    this.maxCycles = simpleSpeakerListenerOptions(options).maxCycles;
    this.world = new MpeWorld({
      agents: [
        { size: 0.075, collide: false, movable: false },
        { size: 0.075, collide: false, silent: true },
      ],
      landmarks: Array.from(
        { length: NUM_LANDMARKS },
        () => ({ size: 0.04, collide: false, movable: false }),
      ),
      dimC: DIM_C,
      copies,
    });
    this.goal = new Int32Array(copies);
  }

  /** Draws the goal, then agents' and landmarks' positions uniform in [-1, 1)^2. */
  resetCopy(copy: number, seed: number): void {
    const rng = new Rng(seed, SIMPLE_SPEAKER_LISTENER_ID);
    this.goal[copy] = rng.int(NUM_LANDMARKS);
    const w = this.world;
    w.scatterEntities(copy, rng);
    w.comm.fill(0, copy * 2 * DIM_C, (copy + 1) * 2 * DIM_C);
  }

  /** The speaker's symbol becomes its communication action; the listener's move its force. */
  setActions(copy: number, actions: readonly Int32Array[], slot: number): void {
    const w = this.world;
    w.setMoveAction(copy, SPEAKER, 0);
    w.setCommAction(copy, SPEAKER, actions[0][slot]);
    w.setMoveAction(copy, LISTENER, actions[1][slot] % 5);
    w.setCommAction(copy, LISTENER, 0);
  }

  /** Squared distance from the listener to the goal landmark. */
  goalDistance2(copy: number): number {
    const w = this.world;
    const base = copy * w.numEntities * 2;
    const g = 2 + this.goal[copy];
    const dx = w.pos[base + 2 * LISTENER] - w.pos[base + 2 * g];
    const dy = w.pos[base + 2 * LISTENER + 1] - w.pos[base + 2 * g + 1];
    return dx * dx + dy * dy;
  }

  /** Both agents get `-|p_listener - p_goal|^2`. */
  writeRewards(copy: number, rewards: readonly Float32Array[], slot: number): void {
    const r = -this.goalDistance2(copy);
    rewards[0][slot] = r;
    rewards[1][slot] = r;
  }

  #writeSpeakerObs(copy: number, out: Float32Array, o: number): void {
    const color = SPEAKER_LISTENER_COLORS[this.goal[copy]];
    out[o] = color[0];
    out[o + 1] = color[1];
    out[o + 2] = color[2];
  }

  #writeListenerObs(copy: number, out: Float32Array, o: number): void {
    const w = this.world;
    const base = copy * w.numEntities * 2;
    const px = w.pos[base + 2 * LISTENER];
    const py = w.pos[base + 2 * LISTENER + 1];
    out[o++] = w.vel[base + 2 * LISTENER];
    out[o++] = w.vel[base + 2 * LISTENER + 1];
    for (let j = 2; j < 2 + NUM_LANDMARKS; j++) {
      out[o++] = w.pos[base + 2 * j] - px;
      out[o++] = w.pos[base + 2 * j + 1] - py;
    }
    const c = copy * 2 * DIM_C + SPEAKER * DIM_C;
    for (let k = 0; k < DIM_C; k++) out[o++] = w.comm[c + k];
  }

  /** Writes the speaker's and the listener's observations. */
  writeObs(copy: number, obs: readonly Float32Array[], slot: number): void {
    this.#writeSpeakerObs(copy, obs[0], slot * 3);
    this.#writeListenerObs(copy, obs[1], slot * 11);
  }

  /** Speaker observation then listener observation. */
  writeState(copy: number, out: Float32Array, offset: number): void {
    this.#writeSpeakerObs(copy, out, offset);
    this.#writeListenerObs(copy, out, offset + 3);
  }

  /** Writes `goalDistance`. */
  writeInfos(copy: number, infos: EnvInfos): void {
    infos.goalDistance = Math.sqrt(this.goalDistance2(copy));
  }

  /** Loads positions, velocities, communication and (optionally) the goal into the copy. */
  loadState(copy: number, state: MpeWorldStateInput): void {
    const goal = state?.goal;
    if (goal !== undefined && !(Number.isInteger(goal) && goal >= 0 && goal < NUM_LANDMARKS)) {
      throw new RangeError(
        `Cannot set world state of "${this.id}": field "goal" must be 0, 1 or 2, got ${
          JSON.stringify(goal)
        }`,
      );
    }
    loadWorldState(this.id, this.world, copy, state);
    if (goal !== undefined) this.goal[copy] = goal;
  }

  /** Reads the copy's world state, with its goal. */
  readState(copy: number): MpeWorldState {
    const s = readWorldState(this.world, copy, 0);
    s.goal = this.goal[copy];
    return s;
  }
}

/**
 * `mpe/simple_speaker_listener` as a single `MultiAgentEnv` (see the module docs).
 *
 * @example
 * ```ts
 * import { SimpleSpeakerListenerEnv } from "./simple_speaker_listener.ts";
 * const env = new SimpleSpeakerListenerEnv();
 * env.setWorldState({
 *   agentPos: [0, 0, 0.5, 0.5],
 *   landmarkPos: [0.5, 0.5, -1, -1, 1, -1],
 *   goal: 0,
 * });
 * const r = env.step([Int32Array.of(0), Int32Array.of(0)]);
 * console.assert(r.classes[1].rewards[0] === 0); // the listener sits on the goal
 * ```
 */
export class SimpleSpeakerListenerEnv extends MpeEnv {
  /** Builds one world with the given options (validated). */
  constructor(options: SimpleSpeakerListenerOptions = {}) {
    super(new SimpleSpeakerListenerScenario(options, 1));
  }
}
