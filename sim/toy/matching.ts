/**
 * `toy/matching`: a trivially learnable cooperative environment for smoke tests of trainers and of the
 * environment machinery. Each step every agent sees a one-hot cue and is paid 1 for choosing the action the
 * cue names (0 otherwise); the team bonus is the share of agents that matched. Two agent classes with
 * different observation and action sizes exercise the heterogeneous code paths, and class `"b"` has an
 * action mask (its last action is illegal on odd steps).
 *
 * A random policy scores about 1/numActions per agent-step; the optimal policy scores 1 + 1 = 2.
 *
 * @example
 * ```ts
 * import { MatchingEnv } from "./matching.ts";
 * const env = new MatchingEnv();
 * const r = env.reset(3);
 * console.assert(r.classes[0].obs.length === 2 * 5);
 * ```
 *
 * @module
 */

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

/** Options of {@linkcode MatchingEnv}. */
export interface MatchingOptions {
  /** Steps per episode (default 8). */
  maxSteps?: number;
}

/** The toy matching environment (see module docs). */
export class MatchingEnv implements MultiAgentEnv {
  readonly id = "toy/matching";
  readonly classes: readonly AgentClassSpec[] = [
    { name: "a", count: 2, obsSize: 5, numActions: 4 }, // 4 cue bits + step parity
    { name: "b", count: 1, obsSize: 4, numActions: 3 }, // 3 cue bits + step parity
  ];
  readonly agents: readonly AgentRef[] = agentRefs(this.classes);
  readonly stateSize: number = 2 * 4 + 3 + 1;
  readonly maxSteps: number;
  #buffers: ClassBuffers[] = allocateClassBuffers(this.classes);
  #result: { classes: ClassBuffers[]; done: boolean; infos: Record<string, number> };
  #cues = new Int32Array(3);
  #rng = new Rng(0);
  #t = 0;

  /** A matching task whose episodes last `options.maxSteps` steps (default 8). */
  constructor(options: MatchingOptions = {}) {
    this.maxSteps = options.maxSteps ?? 8;
    this.#result = { classes: this.#buffers, done: false, infos: { matched: 0 } };
  }

  reset(seed: number): StepResult {
    this.#rng = new Rng(seed, "toy/matching");
    this.#t = 0;
    for (const b of this.#buffers) {
      b.rewards.fill(0);
      b.terminations.fill(0);
      b.truncations.fill(0);
    }
    this.#result.done = false;
    this.#result.infos.matched = 0;
    this.#draw();
    return this.#result;
  }

  step(actions: readonly Int32Array[]): StepResult {
    validateActions(this.id, this.classes, this.#buffers, actions);
    if (this.#result.done) {
      throw new Error(`Cannot step "${this.id}": episode is over, call reset()`);
    }
    let matched = 0;
    const hits = [
      actions[0][0] === this.#cues[0],
      actions[0][1] === this.#cues[1],
      actions[1][0] === this.#cues[2],
    ];
    for (const h of hits) if (h) matched++;
    const bonus = matched / 3;
    this.#buffers[0].rewards[0] = (hits[0] ? 1 : 0) + bonus;
    this.#buffers[0].rewards[1] = (hits[1] ? 1 : 0) + bonus;
    this.#buffers[1].rewards[0] = (hits[2] ? 1 : 0) + bonus;
    this.#t++;
    this.#result.infos.matched = matched;
    if (this.#t >= this.maxSteps) {
      for (const b of this.#buffers) b.truncations.fill(1);
      this.#result.done = true;
    }
    this.#draw();
    return this.#result;
  }

  state(out: Float32Array = new Float32Array(this.stateSize)): Float32Array {
    out.fill(0);
    out[this.#cues[0]] = 1;
    out[4 + this.#cues[1]] = 1;
    out[8 + this.#cues[2]] = 1;
    out[11] = this.#t / this.maxSteps;
    return out;
  }

  #draw(): void {
    const parity = this.#t % 2;
    const [a, b] = this.#buffers;
    a.obs.fill(0);
    b.obs.fill(0);
    this.#cues[0] = this.#rng.int(4);
    this.#cues[1] = this.#rng.int(4);
    // Class b's action 2 is illegal on odd steps, so its cue avoids it there.
    this.#cues[2] = this.#rng.int(parity ? 2 : 3);
    a.obs[this.#cues[0]] = 1;
    a.obs[4] = parity;
    a.obs[5 + this.#cues[1]] = 1;
    a.obs[9] = parity;
    b.obs[this.#cues[2]] = 1;
    b.obs[3] = parity;
    b.actionMask[2] = parity ? 0 : 1;
  }
}
