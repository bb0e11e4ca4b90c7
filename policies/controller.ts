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
import { Rng } from "../sim/rng.ts";

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
  /**
   * How a node turns its policy's distribution into an action: `"greedy"` (argmax, the default) or
   * `"sample"` (a draw from the masked softmax, seeded by `reset(seed)` so episodes replay exactly).
   * Sampling is the policy PPO optimised; where many identical nodes share one policy (fleet sensors),
   * their argmax acts in lockstep and can lose what the stochastic policy earned.
   */
  actions?: ActionMode;
}

/** How a deployed policy picks its action (see {@linkcode PolicyControllerOptions.actions}). */
export type ActionMode = "greedy" | "sample";

/** A policy set deployed as a controller (see module docs). */
export class PolicyController implements Controller {
  /** Display name. */
  readonly name: string;
  /** The latency gate, when budgets were given. */
  readonly gate: LatencyGate | undefined;
  readonly #runtime: PolicyRuntime;
  readonly #chosen: Int32Array[];
  readonly #sampling: { greedy: false; rng: Rng } | undefined;
  #timings: DecisionTiming[] = [];

  /** Deploys `set` under `name`; with `options.budgets` every decision passes the latency model. */
  constructor(name: string, set: PolicySet, options: PolicyControllerOptions = {}) {
    this.name = name;
    this.#runtime = new PolicyRuntime(set);
    this.#sampling = options.actions === "sample" ? { greedy: false, rng: new Rng(0) } : undefined;
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
    actions?: ActionMode,
  ): PolicyController {
    return new PolicyController(name, set, {
      budgets,
      onMiss,
      actions,
      counts: env.classes.map((c) => c.count),
      numActions: env.classes.map((c) => c.numActions),
      decisionPeriodMs: env.decisionPeriodMs,
    });
  }

  /** Clears recurrent state and the gate's held actions at an episode start. */
  reset(seed: number): void {
    if (this.#sampling) this.#sampling.rng = new Rng(seed, "policy-actions");
    this.#runtime.resetHidden();
    this.gate?.resetEpisode(seed);
  }

  /** Chooses actions (greedy or sampled), then lets the latency gate decide which take effect. */
  act(result: StepResult, out: Int32Array[]): void {
    for (let c = 0; c < out.length; c++) {
      if (this.#chosen[c].length !== out[c].length) this.#chosen[c] = new Int32Array(out[c].length);
    }
    if (!this.gate) {
      this.#runtime.act(result.classes, out, this.#sampling ?? { greedy: true });
      return;
    }
    this.#runtime.act(result.classes, this.#chosen, this.#sampling ?? { greedy: true });
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
