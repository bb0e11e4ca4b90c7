/**
 * Simulated decision latency in the loop: a deployment wrapper that lets an action through only if the
 * node could have computed it before its deadline.
 *
 * Every decision of every node draws its latency from the platform model (`platform_model.ts`): the
 * nominal latency `flopsPerDecision / flopsPerSecond * 1000 + overheadMs` (the network's FLOPs per
 * decision from `cost.ts`, its class's {@linkcode ComputeBudget}) times a lognormal factor
 * `exp(latencySigma * Z)`. The draws come from the seeded stream `Rng(seed, "latency/<class>")` of the
 * episode (`resetEpisode(seed)`), so a deployment replays exactly and two policies on the same seeds see
 * the same `Z`s. A decision whose latency exceeds `deadlineMs` misses: the node keeps its previous action
 * (`onMiss: "hold"`, the default) or falls back to `defaultAction` (`onMiss: "default"`, action 0 unless
 * set). A held action that the current mask forbids falls back to action 0 (always legal). The miss rate
 * is therefore a probability (`missProbability` in `platform_model.ts`), reported with its Wilson 95%
 * interval.
 *
 * With `decisionPeriodMs` (the simulated time between decision epochs, which must be >= every deadline) a
 * late decision is not lost: it finishes `L` ms after its observation and takes effect at the first epoch
 * after that, `ceil(L / P)` epochs later, unless the decision started on that epoch's observation is in
 * time (the newer one wins). Until then the node is busy: it holds its last action and starts no new
 * decision. Without `decisionPeriodMs` a late decision never takes effect. Every decision that starts
 * charges the platform's inference energy `activePowerW * computeTime + wakeEnergyJ`.
 *
 * Counting: `decisions` are the decisions started, `misses` those whose latency exceeded the deadline
 * (so `missRate` estimates the per-decision miss probability), `busyEpochs` the node-epochs spent waiting
 * for a late decision.
 *
 * @example
 * ```ts
 * import { LatencyGate } from "./latency.ts";
 * const weak = { flopsPerSecond: 1e6, paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0.1,
 *   activePowerW: 0.02, wakeEnergyJ: 0, latencySigma: 0 };
 * const gate = new LatencyGate([{ name: "sensor", count: 2, budget: weak, flopsPerDecision: 5e5 }]);
 * const applied = gate.filter([Int32Array.of(3, 1)]); // 500 ms > 1 ms deadline: missed
 * console.assert(applied[0][0] === 0 && gate.stats()[0].misses === 2);
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../sim/budget.ts";
import { validateBudget } from "../sim/budget.ts";
import { Rng } from "../sim/rng.ts";
import {
  inferenceEnergyJ,
  latencyQuantileMs,
  missProbability,
  nominalLatencyMs,
  sampleLatencyMs,
  wilsonInterval,
} from "./platform_model.ts";

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
  /** Seed of the latency draws until the first `resetEpisode(seed)`; default 0. */
  seed?: number;
}

/** Per-class statistics of a {@linkcode LatencyGate}. */
export interface GateStats {
  /** Class name. */
  name: string;
  /** Nominal (median) decision latency, ms. */
  latencyMs: number;
  /** 99th percentile of the decision latency, ms. */
  p99LatencyMs: number;
  /** Deadline, ms. */
  deadlineMs: number;
  /** Modelled probability that one decision misses the deadline. */
  missProbability: number;
  /** Decisions started. */
  decisions: number;
  /** Decisions that missed the deadline. */
  misses: number;
  /** misses / decisions (0 when none). */
  missRate: number;
  /** Wilson 95% interval of the miss rate. */
  missRateCi95: [number, number];
  /** Node-epochs spent waiting for a late decision (holding the last action). */
  busyEpochs: number;
  /** Energy of one decision, joules. */
  energyPerDecisionJ: number;
  /** Energy drawn by the decisions started, joules. */
  energyJ: number;
}

/**
 * Deadline filter between the policy and `env.step` (see module docs).
 *
 * @example
 * ```ts
 * import { LatencyGate } from "./latency.ts";
 * const gate = new LatencyGate([{ name: "sat", count: 1, flopsPerDecision: 1e3, budget: { flopsPerSecond: 1e9,
 *   paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0.2, activePowerW: 1, wakeEnergyJ: 0,
 *   latencySigma: 0.1 } }]);
 * console.assert(Math.abs(gate.latencyMs[0] - 0.201) < 1e-12 && gate.missProbability(0) < 1e-9);
 * ```
 */
export class LatencyGate {
  /** The classes. */
  readonly classes: readonly GateClass[];
  /** Miss policy. */
  readonly onMiss: MissPolicy;
  /** Default / initial action. */
  readonly defaultAction: number;
  /** Nominal (median) latency per class, ms. */
  readonly latencyMs: readonly number[];
  /** Energy of one decision per class, joules. */
  readonly energyPerDecisionJ: readonly number[];
  readonly #p99: readonly number[];
  readonly #missProbability: readonly number[];
  readonly #period: number | undefined;
  readonly #previous: Int32Array[];
  readonly #applied: Int32Array[];
  readonly #pending: Int32Array[];
  readonly #hasPending: Uint8Array[];
  readonly #readyAt: Float64Array[];
  readonly #decisions: Float64Array;
  readonly #misses: Float64Array;
  readonly #busy: Float64Array;
  #rngs: Rng[];
  #epoch = 0;

  /** Builds the gate; validates budgets, FLOPs, counts and the period against the deadlines. */
  constructor(classes: readonly GateClass[], options: LatencyGateOptions = {}) {
    const period = options.decisionPeriodMs;
    if (period !== undefined && !(period > 0 && Number.isFinite(period))) {
      throw new RangeError(`LatencyGate: decisionPeriodMs must be > 0, got ${period}`);
    }
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
      if (period !== undefined && c.budget.deadlineMs > period) {
        throw new RangeError(
          `LatencyGate: class "${c.name}": deadlineMs ${c.budget.deadlineMs} exceeds the decision period ${period} ms`,
        );
      }
    });
    this.classes = classes;
    this.onMiss = options.onMiss ?? "hold";
    this.defaultAction = options.defaultAction ?? 0;
    this.#period = period;
    this.latencyMs = classes.map((c) => nominalLatencyMs(c.flopsPerDecision, c.budget));
    this.energyPerDecisionJ = classes.map((c) => inferenceEnergyJ(c.flopsPerDecision, c.budget));
    this.#p99 = classes.map((c) => latencyQuantileMs(c.flopsPerDecision, c.budget, 0.99));
    this.#missProbability = classes.map((c) => missProbability(c.flopsPerDecision, c.budget));
    this.#previous = classes.map((c) => new Int32Array(c.count).fill(this.defaultAction));
    this.#applied = classes.map((c) => new Int32Array(c.count));
    this.#pending = classes.map((c) => new Int32Array(c.count));
    this.#hasPending = classes.map((c) => new Uint8Array(c.count));
    this.#readyAt = classes.map((c) => new Float64Array(c.count));
    this.#decisions = new Float64Array(classes.length);
    this.#misses = new Float64Array(classes.length);
    this.#busy = new Float64Array(classes.length);
    this.#rngs = this.#streams(options.seed ?? 0);
  }

  #streams(seed: number): Rng[] {
    return this.classes.map((c) => new Rng(seed, `latency/${c.name}`));
  }

  /** Modelled probability that one decision of class `c` misses its deadline. */
  missProbability(c: number): number {
    return this.#missProbability[c];
  }

  /**
   * Starts an episode: every node's previous action becomes the default, no decision is pending, and the
   * latency draws restart from `seed`'s streams (kept going when no seed is given). Statistics are kept.
   */
  resetEpisode(seed?: number): void {
    for (const p of this.#previous) p.fill(this.defaultAction);
    for (const h of this.#hasPending) h.fill(0);
    for (const r of this.#readyAt) r.fill(0);
    this.#epoch = 0;
    if (seed !== undefined) this.#rngs = this.#streams(seed);
  }

  /** Zeroes the statistics. */
  resetStats(): void {
    this.#decisions.fill(0);
    this.#misses.fill(0);
    this.#busy.fill(0);
  }

  /**
   * The actions that take effect this step, given the chosen ones (see module docs). `masks` (per class,
   * `count * numActions`) guard held and late actions: one the mask now forbids becomes action 0. Returns
   * internal buffers (valid until the next call) unless `out` is given.
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
    const e = this.#epoch;
    const period = this.#period;
    for (let c = 0; c < this.classes.length; c++) {
      const k = this.classes[c];
      const a = chosen[c], dst = out[c], prev = this.#previous[c];
      if (a.length !== k.count || dst.length !== k.count) {
        throw new RangeError(
          `LatencyGate.filter: class "${k.name}" has ${k.count} agents, got ${a.length} chosen and ${dst.length} output entries`,
        );
      }
      const mask = masks?.[c];
      const A = k.numActions ?? 0;
      if (mask && !(A > 0)) {
        throw new RangeError(
          `LatencyGate.filter: class "${k.name}" needs numActions to read its mask`,
        );
      }
      const nominal = this.latencyMs[c], sigma = k.budget.latencySigma;
      const deadline = k.budget.deadlineMs;
      const rng = this.#rngs[c];
      const pending = this.#pending[c],
        hasPending = this.#hasPending[c],
        readyAt = this.#readyAt[c];
      let decisions = 0, misses = 0, busy = 0;
      for (let i = 0; i < k.count; i++) {
        let act: number;
        let fresh = false;
        if (e < readyAt[i]) {
          // Still computing a late decision: hold (or default).
          busy++;
          act = this.onMiss === "hold" ? prev[i] : this.defaultAction;
        } else {
          decisions++;
          const latency = sampleLatencyMs(nominal, sigma, rng);
          if (latency <= deadline) {
            act = a[i];
            fresh = true;
            hasPending[i] = 0;
          } else {
            misses++;
            // A late decision that finished since the last epoch takes effect now.
            act = hasPending[i]
              ? pending[i]
              : this.onMiss === "hold"
              ? prev[i]
              : this.defaultAction;
            hasPending[i] = 0;
            if (period !== undefined) {
              pending[i] = a[i];
              hasPending[i] = 1;
              readyAt[i] = e + Math.max(1, Math.ceil(latency / period));
            }
          }
        }
        if (!fresh && mask && (act < 0 || act >= A || mask[i * A + act] === 0)) act = 0;
        dst[i] = act;
      }
      this.#decisions[c] += decisions;
      this.#misses[c] += misses;
      this.#busy[c] += busy;
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
   *   flopsPerSecond: 1e6, paramMemoryBytes: 1e6, deadlineMs: 5, overheadMs: 0, activePowerW: 2,
   *   wakeEnergyJ: 1e-3, latencySigma: 0 } }]);
   * gate.filter([Int32Array.of(1)]);
   * // 2 W x 1 ms + 1 mJ
   * console.assert(Math.abs(gate.stats()[0].energyJ - 3e-3) < 1e-15 && gate.stats()[0].misses === 0);
   * ```
   */
  stats(): GateStats[] {
    return this.classes.map((k, c) => {
      const decisions = this.#decisions[c], misses = this.#misses[c];
      return {
        name: k.name,
        latencyMs: this.latencyMs[c],
        p99LatencyMs: this.#p99[c],
        deadlineMs: k.budget.deadlineMs,
        missProbability: this.missProbability(c),
        decisions,
        misses,
        missRate: decisions > 0 ? misses / decisions : 0,
        missRateCi95: wilsonInterval(misses, decisions),
        busyEpochs: this.#busy[c],
        energyPerDecisionJ: this.energyPerDecisionJ[c],
        energyJ: decisions * this.energyPerDecisionJ[c],
      };
    });
  }
}
