/**
 * Deployment: a policy set acting in an environment as a {@linkcode Controller}, greedily (argmax of the
 * masked logits), optionally under the latency model ({@linkcode LatencyGate}): each class's decision costs
 * its network's FLOPs on its nodes' processor, and a decision that misses its deadline is not applied in
 * time. Per-step timings (latency against deadline, misses, inference energy) are reported through
 * `timings()` for telemetry.
 *
 * @example
 * ```ts
 * import { PolicyController } from "./controller.ts";
 * import { PlainActor } from "./plain.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const env = new MatchingEnv();
 * const set = { classes: env.classes.map((c) => ({ name: c.name, actor: PlainActor.fromWeights(
 *   { obsSize: c.obsSize, agentIdSize: 0, numActions: c.numActions, hiddenSizes: [], activation: "relu",
 *     kind: "mlp" },
 *   [new Float32Array(c.obsSize * c.numActions), new Float32Array(c.numActions)]) })) };
 * const controller = new PolicyController("zero", set);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * controller.act(env.reset(1), actions);
 * ```
 *
 * @module
 */

import type { Controller, DecisionTiming } from "../sim/env/controller.ts";
import type { MultiAgentEnv, StepResult } from "../sim/env/types.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import { actorCost } from "./cost.ts";
import { LatencyGate, type MissPolicy } from "./latency.ts";
import type { PolicySet } from "./policy_set.ts";
import { PolicyRuntime } from "./runtime.ts";

/** Options of {@linkcode PolicyController}. */
export interface PolicyControllerOptions {
  /** Per class (in class order): the nodes' compute budgets; enables the latency model. */
  budgets?: readonly ComputeBudget[];
  /** What a node applies when its decision misses the deadline (default `"hold"` its previous action). */
  onMiss?: MissPolicy;
  /** Agents per class, needed with `budgets`. */
  counts?: readonly number[];
  /** Actions per class, needed with `budgets` to guard held actions against the current mask. */
  numActions?: readonly number[];
  /** Simulated time between decision epochs, ms: late decisions act this many epochs late (see `latency.ts`). */
  decisionPeriodMs?: number;
}

/** A policy set deployed as a controller (see module docs). */
export class PolicyController implements Controller {
  /** Display name. */
  readonly name: string;
  /** The latency gate, when budgets were given. */
  readonly gate: LatencyGate | undefined;
  readonly #runtime: PolicyRuntime;
  readonly #chosen: Int32Array[];
  #timings: DecisionTiming[] = [];

  /** Deploys `set` under `name`; with `options.budgets` every decision passes the latency model. */
  constructor(name: string, set: PolicySet, options: PolicyControllerOptions = {}) {
    this.name = name;
    this.#runtime = new PolicyRuntime(set);
    const counts = options.counts ?? [];
    this.#chosen = set.classes.map((_, c) => new Int32Array(counts[c] ?? 0));
    if (options.budgets) {
      if (options.budgets.length !== set.classes.length || counts.length !== set.classes.length) {
        throw new RangeError(
          `PolicyController "${name}": needs one budget and one agent count per class (${set.classes.length})`,
        );
      }
      this.gate = new LatencyGate(
        set.classes.map((k, c) => ({
          name: k.name,
          count: counts[c],
          numActions: options.numActions?.[c],
          budget: options.budgets![c],
          flopsPerDecision: actorCost(k.actor.spec).flops,
        })),
        { onMiss: options.onMiss ?? "hold", decisionPeriodMs: options.decisionPeriodMs },
      );
    }
  }

  /**
   * `set` deployed on `env`'s nodes: one budget per class, the environment's agent counts, action counts
   * and decision period, so late decisions act late as `latency.ts` describes.
   */
  static deployed(
    name: string,
    set: PolicySet,
    env: MultiAgentEnv,
    budgets: readonly ComputeBudget[],
    onMiss?: MissPolicy,
  ): PolicyController {
    return new PolicyController(name, set, {
      budgets,
      onMiss,
      counts: env.classes.map((c) => c.count),
      numActions: env.classes.map((c) => c.numActions),
      decisionPeriodMs: env.decisionPeriodMs,
    });
  }

  /** Clears recurrent state and the gate's held actions at an episode start. */
  reset(_seed: number): void {
    this.#runtime.resetHidden();
    this.gate?.resetEpisode();
  }

  /** Chooses greedy actions, then lets the latency gate decide which take effect. */
  act(result: StepResult, out: Int32Array[]): void {
    for (let c = 0; c < out.length; c++) {
      if (this.#chosen[c].length !== out[c].length) this.#chosen[c] = new Int32Array(out[c].length);
    }
    if (!this.gate) {
      this.#runtime.act(result.classes, out, { greedy: true });
      return;
    }
    this.#runtime.act(result.classes, this.#chosen, { greedy: true });
    const before = this.gate.stats();
    this.gate.filter(this.#chosen, result.classes.map((b) => b.actionMask), out);
    const after = this.gate.stats();
    this.#timings = after.map((s, c) => ({
      className: s.name,
      latencyMs: s.latencyMs,
      deadlineMs: s.deadlineMs,
      missed: s.misses - before[c].misses,
      decisions: s.decisions - before[c].decisions,
      energyJ: s.energyJ - before[c].energyJ,
    }));
  }

  /** Per-class timings of the last step (empty without a latency model). */
  timings(): readonly DecisionTiming[] {
    return this.#timings;
  }
}
