/**
 * An environment seen through per-class observation views (`policies/observation_view.ts`): the same
 * episodes, actions, rewards, masks and global state, but each class's observations are the reduced view
 * its student reads. Trainers without a teacher (the study's `scratch` students, trained by MAPPO) train
 * on it so that their actors get exactly the observation budget the distilled students get, while their
 * centralized critic keeps reading the full global state (`state()` passes through: CTDE allows a
 * privileged critic, which is not deployed).
 *
 * @example
 * ```ts
 * import { ViewedEnv } from "./viewed_env.ts";
 * import { ObservationView } from "../policies/observation_view.ts";
 * import { SmaxEnv } from "../sim/smax/env.ts";
 * const inner = new SmaxEnv({ map: "3m" });
 * const view = ObservationView.create(inner.observationLayout(0), { entities: { enemies: 1, allies: 1 } });
 * const env = new ViewedEnv(inner, [view]);
 * console.assert(env.classes[0].obsSize === 18 && env.reset(1).classes[0].obs.length === 3 * 18);
 * ```
 *
 * @module
 */

import type {
  AgentClassSpec,
  AgentRef,
  ClassBuffers,
  EnvInfos,
  MultiAgentEnv,
  StepResult,
} from "../sim/env/types.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import type { ObservationView } from "../policies/observation_view.ts";

/** `inner` with each class's observations mapped through `views[c]` (undefined: unchanged). */
export class ViewedEnv implements MultiAgentEnv {
  /** The wrapped environment's id. */
  readonly id: string;
  /** The classes, with the views' observation sizes. */
  readonly classes: readonly AgentClassSpec[];
  /** Every agent. */
  readonly agents: readonly AgentRef[];
  /** The wrapped environment's (full) global state size. */
  readonly stateSize: number;
  /** Episode limit. */
  readonly maxSteps: number;
  /** Per-class compute budgets of the wrapped environment. */
  readonly budgets?: readonly ComputeBudget[];
  /** Decision period of the wrapped environment. */
  readonly decisionPeriodMs?: number;
  /** The wrapped environment. */
  readonly inner: MultiAgentEnv;
  /** The views, per class. */
  readonly views: readonly (ObservationView | undefined)[];
  readonly #buffers: ClassBuffers[];
  readonly #result: { classes: ClassBuffers[]; done: boolean; infos: EnvInfos };

  /** Wraps `inner`; `views[c]` must read class `c`'s observation size. */
  constructor(inner: MultiAgentEnv, views: readonly (ObservationView | undefined)[]) {
    if (views.length !== inner.classes.length) {
      throw new RangeError(
        `ViewedEnv "${inner.id}": ${views.length} views for ${inner.classes.length} classes`,
      );
    }
    inner.classes.forEach((k, c) => {
      const v = views[c];
      if (v && v.inputSize !== k.obsSize) {
        throw new RangeError(
          `ViewedEnv "${inner.id}": the view of class "${k.name}" reads ${v.inputSize} values, its observation has ${k.obsSize}`,
        );
      }
    });
    this.inner = inner;
    this.views = views;
    this.id = inner.id;
    this.classes = inner.classes.map((k, c) => {
      const v = views[c];
      if (!v) return k;
      const { obsLow: _l, obsHigh: _h, ...rest } = k;
      return { ...rest, obsSize: v.outputSize };
    });
    this.agents = inner.agents;
    this.stateSize = inner.stateSize;
    this.maxSteps = inner.maxSteps;
    if (inner.budgets) this.budgets = inner.budgets;
    if (inner.decisionPeriodMs !== undefined) this.decisionPeriodMs = inner.decisionPeriodMs;
    this.#buffers = [];
    this.#result = { classes: this.#buffers, done: false, infos: {} };
  }

  #map(r: StepResult): StepResult {
    if (this.#buffers.length === 0) {
      r.classes.forEach((b, c) => {
        const v = this.views[c];
        this.#buffers.push(
          v ? { ...b, obs: new Float32Array(this.classes[c].count * v.outputSize) } : b,
        );
      });
    }
    for (let c = 0; c < r.classes.length; c++) {
      const v = this.views[c];
      if (v) v.applyBatch(r.classes[c].obs, this.classes[c].count, this.#buffers[c].obs);
    }
    this.#result.done = r.done;
    this.#result.infos = r.infos;
    return this.#result;
  }

  /** Resets the wrapped environment; returns the viewed observations. */
  reset(seed: number): StepResult {
    return this.#map(this.inner.reset(seed));
  }

  /** Steps the wrapped environment; returns the viewed observations. */
  step(actions: readonly Int32Array[]): StepResult {
    return this.#map(this.inner.step(actions));
  }

  /** The wrapped environment's full global state (for a centralized critic). */
  state(out?: Float32Array): Float32Array {
    return this.inner.state(out);
  }
}
