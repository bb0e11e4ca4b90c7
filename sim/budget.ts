/**
 * The onboard compute budget of a node class: what a network deployed on that node may cost and what it
 * costs to run. Node classes in scenario files (and the MPE/SMAX deployment presets) describe their
 * processor as a {@linkcode PlatformBudget}; the decision period of the environment turns its deadline share
 * into a deadline ({@linkcode resolveBudget}), giving the {@linkcode ComputeBudget} that the budget sizer
 * (`policies/sizing.ts`) sizes students to and the latency model (`policies/latency.ts`,
 * `policies/platform_model.ts`) charges every decision against.
 *
 * The model of one decision of a network with `F` FLOPs on a budget `b`:
 * - compute time `F / b.flopsPerSecond` (an effective rate for batch-1 dense float32 on that core, not a
 *   peak figure) plus the fixed time `b.overheadMs` (wake-up, I/O, dispatch): the nominal latency;
 * - the latency of each decision is the nominal latency times a lognormal factor `exp(sigma * Z)`,
 *   `Z ~ N(0, 1)`, `sigma = b.latencySigma` (median = nominal; cache misses, interrupts and bus contention
 *   stretch it);
 * - energy `b.activePowerW * F / b.flopsPerSecond + b.wakeEnergyJ`;
 * - deadline `b.deadlineMs = deadlineShare * decisionPeriodMs`.
 *
 * @example
 * ```ts
 * import { type PlatformBudget, resolveBudget } from "./budget.ts";
 * const m4f: PlatformBudget = {
 *   flopsPerSecond: 3e7, paramMemoryBytes: 64 * 1024, deadlineShare: 1e-4, overheadMs: 0.05,
 *   activePowerW: 0.024, wakeEnergyJ: 1.2e-6, latencySigma: 0.05,
 * };
 * const b = resolveBudget(m4f, 30_000, "mcu-sensor");
 * console.assert(Math.abs(b.deadlineMs - 3) < 1e-12);
 * ```
 *
 * @module
 */

/** Compute limits and costs of one node class, with its deadline resolved. */
export interface ComputeBudget {
  /** Effective processor rate available to the policy for batch-1 dense float32 layers, FLOP/s. */
  readonly flopsPerSecond: number;
  /** Memory available for network parameters, bytes. */
  readonly paramMemoryBytes: number;
  /** Time allowed from observation to action, milliseconds. */
  readonly deadlineMs: number;
  /** Fixed time of one decision on this node (wake-up, I/O, scheduling), milliseconds. */
  readonly overheadMs: number;
  /** Power the processor draws while it computes the network, watts. */
  readonly activePowerW: number;
  /** Energy of one decision that does not depend on the network (wake-up, I/O, dispatch), joules. */
  readonly wakeEnergyJ: number;
  /** Spread of the decision latency: the standard deviation of its logarithm (0: deterministic). */
  readonly latencySigma: number;
  /** The node's energy store, joules, for the inference energy's share of it (absent: not modelled). */
  readonly energyStoreJ?: number;
}

/** A node class's processor as scenario files describe it: the deadline is a share of the decision period. */
export interface PlatformBudget extends Omit<ComputeBudget, "deadlineMs"> {
  /** Deadline as a fraction of the class's decision period, in (0, 1]. */
  readonly deadlineShare: number;
}

const POSITIVE = ["flopsPerSecond", "paramMemoryBytes", "deadlineMs"] as const;
const NON_NEGATIVE = ["overheadMs", "activePowerW", "wakeEnergyJ", "latencySigma"] as const;

function checkField(name: string, key: string, v: unknown, positive: boolean): void {
  if (typeof v !== "number" || !Number.isFinite(v) || (positive ? v <= 0 : v < 0)) {
    throw new RangeError(
      `budget "${name}": field "${key}" must be ${positive ? "> 0" : ">= 0"}, got ${v}`,
    );
  }
}

/**
 * Checks that every budget field is a finite number in range; throws naming the field and the value.
 *
 * @example
 * ```ts
 * import { validateBudget } from "./budget.ts";
 * try {
 *   validateBudget({ flopsPerSecond: -5, paramMemoryBytes: 1, deadlineMs: 1, overheadMs: 0,
 *     activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 }, "mcu");
 * } catch (e) {
 *   console.log((e as Error).message); // budget "mcu": field "flopsPerSecond" must be > 0, got -5
 * }
 * ```
 */
export function validateBudget(budget: ComputeBudget, name: string): void {
  for (const key of POSITIVE) checkField(name, key, budget[key], true);
  for (const key of NON_NEGATIVE) checkField(name, key, budget[key], false);
  if (budget.energyStoreJ !== undefined) {
    checkField(name, "energyStoreJ", budget.energyStoreJ, true);
  }
}

/**
 * The {@linkcode ComputeBudget} of `platform` on an environment whose class decides every
 * `decisionPeriodMs`: deadline = `deadlineShare * decisionPeriodMs`. `energyStoreJ` (when given) overrides
 * the platform's. Throws naming the field and value when the share is outside (0, 1] or the period is not
 * positive.
 *
 * @example
 * ```ts
 * import { resolveBudget } from "./budget.ts";
 * const b = resolveBudget({ flopsPerSecond: 1e9, paramMemoryBytes: 1e6, deadlineShare: 0.5,
 *   overheadMs: 0.1, activePowerW: 5, wakeEnergyJ: 5e-4, latencySigma: 0.2 }, 100, "jetson");
 * console.assert(b.deadlineMs === 50);
 * ```
 */
export function resolveBudget(
  platform: PlatformBudget,
  decisionPeriodMs: number,
  name: string,
  energyStoreJ?: number,
): ComputeBudget {
  const share = platform.deadlineShare;
  if (typeof share !== "number" || !(share > 0 && share <= 1)) {
    throw new RangeError(`budget "${name}": field "deadlineShare" must be in (0, 1], got ${share}`);
  }
  if (!(decisionPeriodMs > 0 && Number.isFinite(decisionPeriodMs))) {
    throw new RangeError(
      `budget "${name}": the decision period must be > 0 ms to resolve a deadline, got ${decisionPeriodMs}`,
    );
  }
  const { deadlineShare: _, ...rest } = platform;
  const budget: ComputeBudget = {
    ...rest,
    deadlineMs: share * decisionPeriodMs,
    ...(energyStoreJ !== undefined ? { energyStoreJ } : {}),
  };
  validateBudget(budget, name);
  return budget;
}
