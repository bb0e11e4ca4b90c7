/**
 * The onboard compute budget of a node class: what a network deployed on that node may cost. Node classes
 * in scenario files carry one; the budget sizer (`policies/`) chooses a student that fits it and the latency
 * model charges each decision against it.
 *
 * @example
 * ```ts
 * import { type ComputeBudget, validateBudget } from "./budget.ts";
 * const cubesat: ComputeBudget = {
 *   flopsPerSecond: 2e8, paramMemoryBytes: 256 * 1024, deadlineMs: 50, overheadMs: 0.5,
 *   energyPerInferenceJ: 1e-3,
 * };
 * validateBudget(cubesat, "cubesat");
 * ```
 *
 * @module
 */

/** Compute limits of one node class. */
export interface ComputeBudget {
  /** Sustained processor rate available to the policy, FLOP/s. */
  readonly flopsPerSecond: number;
  /** Memory available for network parameters, bytes. */
  readonly paramMemoryBytes: number;
  /** Time allowed from observation to action, milliseconds. */
  readonly deadlineMs: number;
  /** Fixed cost of one decision on this node (wake-up, I/O, scheduling), milliseconds. */
  readonly overheadMs: number;
  /** Energy drawn by one inference, joules (0 when not modelled). */
  readonly energyPerInferenceJ: number;
}

/**
 * Checks that every budget field is a finite number in range; throws naming the field and the value.
 *
 * @example
 * ```ts
 * import { validateBudget } from "./budget.ts";
 * try {
 *   validateBudget({ flopsPerSecond: -5, paramMemoryBytes: 1, deadlineMs: 1, overheadMs: 0,
 *     energyPerInferenceJ: 0 }, "mcu");
 * } catch (e) {
 *   console.log((e as Error).message); // budget "mcu": field "flopsPerSecond" must be > 0, got -5
 * }
 * ```
 */
export function validateBudget(budget: ComputeBudget, name: string): void {
  const positive = ["flopsPerSecond", "paramMemoryBytes", "deadlineMs"] as const;
  const nonNegative = ["overheadMs", "energyPerInferenceJ"] as const;
  for (const key of positive) {
    const v = budget[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`budget "${name}": field "${key}" must be > 0, got ${v}`);
    }
  }
  for (const key of nonNegative) {
    const v = budget[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`budget "${name}": field "${key}" must be >= 0, got ${v}`);
    }
  }
}
