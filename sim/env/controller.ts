/**
 * A controller chooses every agent's action for one step from the step's observations and masks: the
 * common shape of baselines (random, greedy heuristics) and deployed policies, so evaluation and the
 * simulator treat them alike.
 *
 * @example
 * ```ts
 * import { RandomController } from "./controller.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * const env = new MatchingEnv();
 * const controller = new RandomController(env.classes, 1);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * let result = env.reset(1);
 * controller.act(result, actions);
 * result = env.step(actions);
 * ```
 *
 * @module
 */

import { Rng } from "../rng.ts";
import type { AgentClassSpec, StepResult } from "./types.ts";

/** Per-class decision timing of the last step, reported by controllers that model inference latency. */
export interface DecisionTiming {
  /** Agent class name. */
  className: string;
  /** Modelled (or measured) decision latency per agent, milliseconds. */
  latencyMs: number;
  /** The class's decision deadline, milliseconds. */
  deadlineMs: number;
  /** Decisions of the last step that missed the deadline. */
  missed: number;
  /** Decisions taken in the last step. */
  decisions: number;
  /** Energy drawn by inference in the last step, joules. */
  energyJ: number;
}

/** Chooses actions for every agent of one environment step. */
export interface Controller {
  /** Display name, e.g. `"random"`, `"greedy"`, `"students"`. */
  readonly name: string;
  /** Called after each `env.reset(seed)`, before the first `act`. */
  reset?(seed: number): void;
  /** Writes one legal action per agent into `out[classIndex][index]`. */
  act(result: StepResult, out: Int32Array[]): void;
  /** Per-class timing of the last `act`, for controllers that run under a latency model. */
  timings?(): readonly DecisionTiming[];
}

/** Uniformly random legal actions (the random baseline), from its own seeded stream. */
export class RandomController implements Controller {
  readonly name = "random";
  readonly #classes: readonly AgentClassSpec[];
  readonly #seed: number;
  #rng: Rng;

  /** A random controller for `classes`, seeded with `seed`. */
  constructor(classes: readonly AgentClassSpec[], seed = 0) {
    this.#classes = classes;
    this.#seed = seed;
    this.#rng = new Rng(seed, "random-controller");
  }

  /** Restarts the stream for the episode `seed`. */
  reset(seed: number): void {
    this.#rng = new Rng(this.#seed, `random-controller/${seed}`);
  }

  /** Picks a uniformly random legal action for every agent. */
  act(result: StepResult, out: Int32Array[]): void {
    for (let c = 0; c < this.#classes.length; c++) {
      const { count, numActions } = this.#classes[c];
      const mask = result.classes[c].actionMask;
      for (let i = 0; i < count; i++) {
        let legal = 0;
        for (let k = 0; k < numActions; k++) legal += mask[i * numActions + k];
        let pick = this.#rng.int(legal);
        for (let k = 0; k < numActions; k++) {
          if (mask[i * numActions + k] && pick-- === 0) {
            out[c][i] = k;
            break;
          }
        }
      }
    }
  }
}
