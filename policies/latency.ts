/**
 * Simulated decision latency in the loop: a deployment wrapper that lets an action through only if the
 * node could have computed it before its deadline.
 *
 * A node's decision latency is `flopsPerDecision / flopsPerSecond * 1000 + overheadMs` (its network's FLOPs
 * per decision from `cost.ts`, its class's {@linkcode ComputeBudget}). When that exceeds `deadlineMs`, the
 * chosen action is not applied in time: the node keeps its previous action (`onMiss: "hold"`, the default)
 * or falls back to `defaultAction` (`onMiss: "default"`, action 0 unless set), and the miss is counted.
 * A held action that the current mask forbids falls back to action 0 (always legal).
 *
 * With `decisionPeriodMs` (the simulated time between decision epochs) a late decision is not lost: it
 * finishes `L` ms after its observation and takes effect at the first epoch after that, `k = ceil(L / P)`
 * epochs later, while the node holds its last action; the processor, busy until then, starts its next
 * decision on that epoch's observation. So a node whose network is too slow acts every `k` epochs on
 * observations `k` epochs old, the behaviour of real firmware that overruns its control loop. Without
 * `decisionPeriodMs` a late decision never takes effect (the node holds its last action indefinitely).
 * Every inference that runs charges `energyPerInferenceJ`.
 *
 * @example
 * ```ts
 * import { LatencyGate } from "./latency.ts";
 * const weak = { flopsPerSecond: 1e6, paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0.1,
 *   energyPerInferenceJ: 1e-3 };
 * const gate = new LatencyGate([{ name: "sensor", count: 2, budget: weak, flopsPerDecision: 5e5 }]);
 * const applied = gate.filter([Int32Array.of(3, 1)]); // 500 ms > 1 ms deadline: missed
 * console.assert(applied[0][0] === 0 && gate.stats()[0].misses === 2);
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../sim/budget.ts";
import { validateBudget } from "../sim/budget.ts";
import { decisionTimeMs } from "./sizing.ts";

/** One node class as the gate sees it. */
export interface GateClass {
  /** Class name. */
  name: string;
  /** Agents of the class. */
  count: number;
  /** Number of actions (for mask strides); needed only when masks are passed to `filter`. */
  numActions?: number;
  /** The nodes' compute budget. */
  budget: ComputeBudget;
  /** FLOPs per decision of the deployed network (`actorCost(spec).flops`). */
  flopsPerDecision: number;
}

/** What to apply when a decision misses its deadline. */
export type MissPolicy = "hold" | "default";

/** Options of {@linkcode LatencyGate}. */
export interface LatencyGateOptions {
  /** Keep the previous action (default) or apply `defaultAction`. */
  onMiss?: MissPolicy;
  /** Action applied on a miss with `onMiss: "default"`, and the "previous" action before the first step. */
  defaultAction?: number;
  /** Simulated time between decision epochs, ms: late decisions take effect `ceil(latency / period)` epochs later. */
  decisionPeriodMs?: number;
}

/** Per-class statistics of a {@linkcode LatencyGate}. */
export interface GateStats {
  /** Class name. */
  name: string;
  /** Modelled decision latency, ms. */
  latencyMs: number;
  /** Deadline, ms. */
  deadlineMs: number;
  /** Decisions taken. */
  decisions: number;
  /** Decisions that missed the deadline. */
  misses: number;
  /** misses / decisions (0 when none). */
  missRate: number;
  /** Energy drawn by the inferences that ran, joules. */
  energyJ: number;
}

/**
 * Deadline filter between the policy and `env.step` (see module docs).
 *
 * @example
 * ```ts
 * import { LatencyGate } from "./latency.ts";
 * const gate = new LatencyGate([{ name: "sat", count: 1, flopsPerDecision: 1e3, budget: { flopsPerSecond: 1e9,
 *   paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0.2, energyPerInferenceJ: 0 } }]);
 * console.assert(Math.abs(gate.latencyMs[0] - 0.201) < 1e-12 && !gate.misses(0));
 * ```
 */
export class LatencyGate {
  /** The classes. */
  readonly classes: readonly GateClass[];
  /** Miss policy. */
  readonly onMiss: MissPolicy;
  /** Default / initial action. */
  readonly defaultAction: number;
  /** Modelled latency per class, ms. */
  readonly latencyMs: readonly number[];
  readonly #previous: Int32Array[];
  readonly #applied: Int32Array[];
  readonly #decisions: Float64Array;
  readonly #misses: Float64Array;
  readonly #inferences: Float64Array;
  /** Per class: epochs from observation to effect of a late decision (0 when in time, Infinity without a period). */
  readonly #lag: number[];
  readonly #pending: Int32Array[];
  readonly #readyAt: Float64Array;
  #epoch = 0;

  /** Builds the gate; validates budgets and FLOPs. */
  constructor(classes: readonly GateClass[], options: LatencyGateOptions = {}) {
    classes.forEach((c) => {
      validateBudget(c.budget, c.name);
      if (!(c.flopsPerDecision >= 0) || !Number.isFinite(c.flopsPerDecision)) {
        throw new RangeError(
          `LatencyGate: class "${c.name}": flopsPerDecision must be finite and >= 0, got ${c.flopsPerDecision}`,
        );
      }
      if (!Number.isInteger(c.count) || c.count < 0) {
        throw new RangeError(
          `LatencyGate: class "${c.name}": count must be an integer >= 0, got ${c.count}`,
        );
      }
    });
    this.classes = classes;
    this.onMiss = options.onMiss ?? "hold";
    this.defaultAction = options.defaultAction ?? 0;
    this.latencyMs = classes.map((c) => decisionTimeMs(c.flopsPerDecision, c.budget));
    this.#previous = classes.map((c) => new Int32Array(c.count).fill(this.defaultAction));
    this.#applied = classes.map((c) => new Int32Array(c.count));
    this.#decisions = new Float64Array(classes.length);
    this.#misses = new Float64Array(classes.length);
    this.#inferences = new Float64Array(classes.length);
    const period = options.decisionPeriodMs;
    if (period !== undefined && !(period > 0 && Number.isFinite(period))) {
      throw new RangeError(`LatencyGate: decisionPeriodMs must be > 0, got ${period}`);
    }
    this.#lag = classes.map((c, i) =>
      this.latencyMs[i] <= c.budget.deadlineMs
        ? 0
        : period === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(1, Math.ceil(this.latencyMs[i] / period))
    );
    this.#pending = classes.map((c) => new Int32Array(c.count));
    this.#readyAt = new Float64Array(classes.length);
  }

  /** Epochs between a late decision's observation and its effect, per class (0: in time). */
  get lagEpochs(): readonly number[] {
    return this.#lag;
  }

  /** Whether class `c`'s decisions miss their deadline. */
  misses(c: number): boolean {
    return this.latencyMs[c] > this.classes[c].budget.deadlineMs;
  }

  /** Sets every node's previous action to the default (call at episode start). Statistics are kept. */
  resetEpisode(): void {
    for (const p of this.#previous) p.fill(this.defaultAction);
    this.#epoch = 0;
    this.#readyAt.fill(0);
  }

  /** Zeroes the statistics. */
  resetStats(): void {
    this.#decisions.fill(0);
    this.#misses.fill(0);
    this.#inferences.fill(0);
  }

  /**
   * The actions that take effect this step, given the chosen ones: chosen where the deadline is met, the
   * previous (or default) action where it is missed. `masks` (per class, `count * numActions`) guard held
   * actions: one the mask now forbids becomes action 0. Returns internal buffers (valid until the next call)
   * unless `out` is given.
   */
  filter(
    chosen: readonly Int32Array[],
    masks?: readonly Uint8Array[],
    out: Int32Array[] = this.#applied,
  ): Int32Array[] {
    if (chosen.length !== this.classes.length) {
      throw new RangeError(
        `LatencyGate.filter: expected ${this.classes.length} classes, got ${chosen.length}`,
      );
    }
    for (let c = 0; c < this.classes.length; c++) {
      const k = this.classes[c];
      const a = chosen[c], dst = out[c], prev = this.#previous[c];
      if (a.length !== k.count || dst.length !== k.count) {
        throw new RangeError(
          `LatencyGate.filter: class "${k.name}" has ${k.count} agents, got ${a.length} chosen and ${dst.length} output entries`,
        );
      }
      this.#decisions[c] += k.count;
      const lag = this.#lag[c];
      if (lag === 0) {
        this.#inferences[c] += k.count;
        dst.set(a);
      } else {
        this.#misses[c] += k.count;
        const mask = masks?.[c];
        const A = k.numActions ?? 0;
        if (mask && !(A > 0)) {
          throw new RangeError(
            `LatencyGate.filter: class "${k.name}" needs numActions to read its mask`,
          );
        }
        const ready = Number.isFinite(lag) && this.#epoch >= this.#readyAt[c];
        const pending = this.#pending[c];
        for (let i = 0; i < k.count; i++) {
          // A late decision that has now finished takes effect; otherwise hold (or default).
          let act = ready && this.#epoch > 0
            ? pending[i]
            : this.onMiss === "hold"
            ? prev[i]
            : this.defaultAction;
          if (mask && (act < 0 || act >= A || mask[i * A + act] === 0)) act = 0;
          dst[i] = act;
        }
        if (ready || !Number.isFinite(lag)) {
          // The processor is free: it starts the next decision on this epoch's observation.
          if (Number.isFinite(lag)) {
            pending.set(a);
            this.#readyAt[c] = this.#epoch + lag;
          }
          this.#inferences[c] += k.count;
        }
      }
      prev.set(dst);
    }
    this.#epoch++;
    return out;
  }

  /**
   * Per-class statistics.
   *
   * @example
   * ```ts
   * import { LatencyGate } from "./latency.ts";
   * const gate = new LatencyGate([{ name: "sat", count: 1, flopsPerDecision: 1000, budget: {
   *   flopsPerSecond: 1e9, paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0, energyPerInferenceJ: 2 } }]);
   * gate.filter([Int32Array.of(1)]);
   * console.assert(gate.stats()[0].energyJ === 2 && gate.stats()[0].misses === 0);
   * ```
   */
  stats(): GateStats[] {
    return this.classes.map((k, c) => ({
      name: k.name,
      latencyMs: this.latencyMs[c],
      deadlineMs: k.budget.deadlineMs,
      decisions: this.#decisions[c],
      misses: this.#misses[c],
      missRate: this.#decisions[c] > 0 ? this.#misses[c] / this.#decisions[c] : 0,
      energyJ: this.#inferences[c] * k.budget.energyPerInferenceJ,
    }));
  }
}
