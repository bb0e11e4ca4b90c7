/**
 * {@linkcode tapEnv}: a wrapper that calls hooks after every `reset` and `step` of an environment and
 * otherwise behaves exactly as the environment (same results, same buffers). Recorders (episode
 * recordings, CZML timelines) are built on it.
 *
 * @example
 * ```ts
 * import { tapEnv } from "./tap.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * let steps = 0;
 * const env = tapEnv(makeBuiltinEnv("toy/matching"), { step: () => steps++ });
 * let r = env.reset(1);
 * while (!r.done) r = env.step(env.classes.map((c) => new Int32Array(c.count)));
 * console.assert(steps === env.maxSteps);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv, StepResult } from "./types.ts";

/** Hooks of {@linkcode tapEnv}, called after the environment has done its work. */
export interface EnvTap {
  /** After `reset(seed)`, with its result. */
  reset?(seed: number, result: StepResult): void;
  /** After `step(actions)`, with the actions taken and the result. */
  step?(actions: readonly Int32Array[], result: StepResult): void;
}

/**
 * Wraps `env` so that `hooks` see every reset and step. Every property is forwarded to `env` (not through
 * the prototype, so methods reading private fields keep their `this`), `snapshot()` where the
 * environment has one.
 */
export function tapEnv(env: MultiAgentEnv, hooks: EnvTap): MultiAgentEnv {
  const wrapped: MultiAgentEnv = {
    get id() {
      return env.id;
    },
    get classes() {
      return env.classes;
    },
    get agents() {
      return env.agents;
    },
    get stateSize() {
      return env.stateSize;
    },
    get maxSteps() {
      return env.maxSteps;
    },
    get budgets() {
      return env.budgets;
    },
    get decisionPeriodMs() {
      return env.decisionPeriodMs;
    },
    reset(seed: number) {
      const r = env.reset(seed);
      hooks.reset?.(seed, r);
      return r;
    },
    step(actions: readonly Int32Array[]) {
      const r = env.step(actions);
      hooks.step?.(actions, r);
      return r;
    },
    state: (out?: Float32Array) => env.state(out),
  };
  if (env.snapshot) wrapped.snapshot = () => env.snapshot!();
  return wrapped;
}
