/**
 * The platform model of one decision (see `sim/budget.ts` for the fields and their sources in
 * `scenarios/README.md`): compute time and energy from a network's FLOPs, and the latency distribution.
 *
 * - **Compute time** `F / flopsPerSecond` seconds; **nominal latency** `overheadMs + 1000 F / flopsPerSecond`.
 * - **Latency** of each decision: `nominal * exp(sigma * Z)`, `Z ~ N(0, 1)` (lognormal, median = nominal).
 *   A decision misses its deadline `D` with probability `P(L > D) = Q(ln(D / nominal) / sigma)`, `Q` the
 *   standard normal tail; with `sigma = 0` the latency is the nominal one and the miss is 0 or 1.
 * - **Energy** per decision `activePowerW * F / flopsPerSecond + wakeEnergyJ` joules: the processor's active
 *   power over the compute time (the nominal one: jitter is time spent in other tasks), plus the fixed
 *   wake-up/overhead energy.
 *
 * @example
 * ```ts
 * import { inferenceEnergyJ, missProbability, nominalLatencyMs } from "./platform_model.ts";
 * const b = { flopsPerSecond: 1e6, paramMemoryBytes: 1e6, deadlineMs: 2, overheadMs: 1, activePowerW: 0.5,
 *   wakeEnergyJ: 1e-4, latencySigma: 0.1 };
 * console.assert(nominalLatencyMs(1000, b) === 2); // 1 ms compute + 1 ms overhead
 * console.assert(Math.abs(inferenceEnergyJ(1000, b) - 6e-4) < 1e-15); // 0.5 W x 1 ms + 0.1 mJ
 * console.assert(Math.abs(missProbability(1000, b) - 0.5) < 1e-7); // deadline at the median
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../sim/budget.ts";
import type { Rng } from "../sim/rng.ts";

/**
 * Compute time of `flops` on `budget`, milliseconds (no overhead).
 *
 * @example
 * ```ts
 * import { computeMs } from "./platform_model.ts";
 * console.assert(computeMs(3e4, { flopsPerSecond: 3e7 }) === 1);
 * ```
 */
export function computeMs(flops: number, budget: Pick<ComputeBudget, "flopsPerSecond">): number {
  return (flops / budget.flopsPerSecond) * 1000;
}

/**
 * Nominal (median) decision latency, milliseconds: `overheadMs + computeMs`.
 *
 * @example
 * ```ts
 * import { nominalLatencyMs } from "./platform_model.ts";
 * console.assert(nominalLatencyMs(3e4, { flopsPerSecond: 3e7, overheadMs: 0.5 }) === 1.5);
 * ```
 */
export function nominalLatencyMs(
  flops: number,
  budget: Pick<ComputeBudget, "flopsPerSecond" | "overheadMs">,
): number {
  return computeMs(flops, budget) + budget.overheadMs;
}

/**
 * Energy of one decision of a `flops`-FLOP network, joules (see module docs).
 *
 * @example
 * ```ts
 * import { inferenceEnergyJ } from "./platform_model.ts";
 * // 24 mW for 1 ms of compute, plus 1 uJ to wake
 * const e = inferenceEnergyJ(3e4, { flopsPerSecond: 3e7, activePowerW: 0.024, wakeEnergyJ: 1e-6 });
 * console.assert(Math.abs(e - 25e-6) < 1e-15);
 * ```
 */
export function inferenceEnergyJ(
  flops: number,
  budget: Pick<ComputeBudget, "flopsPerSecond" | "activePowerW" | "wakeEnergyJ">,
): number {
  return (budget.activePowerW * flops) / budget.flopsPerSecond + budget.wakeEnergyJ;
}

/**
 * The complementary error function, `erfc(x) = 1 - erf(x)`, to about 1.2e-7 relative error everywhere
 * (Numerical Recipes' Chebyshev fit `erfcc`), so tails far below 1e-7 keep their relative accuracy.
 *
 * @example
 * ```ts
 * import { erfc } from "./platform_model.ts";
 * console.assert(Math.abs(erfc(0) - 1) < 1e-7 && Math.abs(erfc(1) - 0.157299207) < 1e-7);
 * ```
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 +
            t * (0.37409196 +
                t * (0.09678418 +
                    t * (-0.18628806 +
                        t * (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Standard normal upper tail `Q(z) = P(Z > z)`.
 *
 * @example
 * ```ts
 * import { normalTail } from "./platform_model.ts";
 * console.assert(Math.abs(normalTail(1.959964) - 0.025) < 1e-7);
 * ```
 */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Probability that one decision of a `flops`-FLOP network misses `deadlineMs` (default the budget's):
 * `Q(ln(deadline / nominal) / sigma)`; with `latencySigma = 0`, 1 when nominal > deadline, else 0.
 *
 * @example
 * ```ts
 * import { missProbability } from "./platform_model.ts";
 * const b = { flopsPerSecond: 1e6, overheadMs: 0, latencySigma: 0.2, deadlineMs: 1 };
 * // nominal 0.5 ms: the deadline sits ln(2) / 0.2 = 3.47 sigma above the median
 * console.assert(Math.abs(missProbability(500, b) - 2.65e-4) < 1e-6);
 * ```
 */
export function missProbability(
  flops: number,
  budget: Pick<ComputeBudget, "flopsPerSecond" | "overheadMs" | "latencySigma" | "deadlineMs">,
  deadlineMs: number = budget.deadlineMs,
): number {
  const nominal = nominalLatencyMs(flops, budget);
  if (budget.latencySigma === 0 || nominal === 0) return nominal > deadlineMs ? 1 : 0;
  return normalTail(Math.log(deadlineMs / nominal) / budget.latencySigma);
}

/**
 * The `p`-quantile of the decision latency, milliseconds (`p` in (0, 1)), e.g. `p = 0.99` for the 99th
 * percentile: `nominal * exp(sigma * z_p)`, `z_p` found by bisection on {@linkcode normalTail}.
 *
 * @example
 * ```ts
 * import { latencyQuantileMs } from "./platform_model.ts";
 * const b = { flopsPerSecond: 1e6, overheadMs: 0, latencySigma: 0.1 };
 * console.assert(Math.abs(latencyQuantileMs(1000, b, 0.5) - 1) < 1e-6);
 * ```
 */
export function latencyQuantileMs(
  flops: number,
  budget: Pick<ComputeBudget, "flopsPerSecond" | "overheadMs" | "latencySigma">,
  p: number,
): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`latencyQuantileMs: p must be in (0, 1), got ${p}`);
  let lo = -40, hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalTail(mid) > 1 - p) lo = mid;
    else hi = mid;
  }
  return nominalLatencyMs(flops, budget) * Math.exp(budget.latencySigma * 0.5 * (lo + hi));
}

/**
 * One decision's latency, milliseconds: `nominalMs * exp(sigma * Z)` with `Z` drawn from `rng`. Draws
 * nothing when `sigma` is 0.
 *
 * @example
 * ```ts
 * import { sampleLatencyMs } from "./platform_model.ts";
 * import { Rng } from "../sim/rng.ts";
 * const rng = new Rng(1, "latency");
 * console.assert(sampleLatencyMs(2, 0, rng) === 2 && sampleLatencyMs(2, 0.1, rng) > 0);
 * ```
 */
export function sampleLatencyMs(nominalMs: number, sigma: number, rng: Rng): number {
  return sigma === 0 ? nominalMs : nominalMs * Math.exp(sigma * rng.normal());
}

/**
 * Wilson score 95% interval of a binomial proportion `k / n` (`[0, 1]` when `n = 0`): the interval
 * reported with deadline-miss rates. Unlike the normal approximation it stays inside [0, 1] and is not
 * degenerate at 0 or n misses (0 misses in n decisions gives [0, 3.84 / (n + 3.84)]).
 *
 * @example
 * ```ts
 * import { wilsonInterval } from "./platform_model.ts";
 * const [lo, hi] = wilsonInterval(0, 1000);
 * console.assert(lo === 0 && Math.abs(hi - 3.8415 / 1003.8415) < 1e-4);
 * ```
 */
export function wilsonInterval(k: number, n: number, z = 1.959964): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [k <= 0 ? 0 : Math.max(0, centre - half), k >= n ? 1 : Math.min(1, centre + half)];
}
