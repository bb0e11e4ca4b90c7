/**
 * Statistics for reporting reinforcement-learning results as rliable recommends (Agarwal et al., 2021,
 * "Deep RL at the Edge of the Statistical Precipice"; definitions as in google-research/rliable's
 * `metrics.py` and `library.py`), plus Student-t quantiles for any degrees of freedom.
 *
 * Scores are given per task (scenario) as the scores of independent runs (seeds): `scores[m][n]` is run
 * `n` of task `m`. Tasks may have different run counts.
 *
 * - **Mean**: the mean over every run of every task (tasks weighted by their run counts, as rliable's
 *   `aggregate_mean` on a runs x tasks matrix).
 * - **IQM** (interquartile mean): the 25% trimmed mean of all runs of all tasks pooled, as
 *   `scipy.stats.trim_mean(scores, 0.25, axis=None)`: sort the `n` values, drop `floor(0.25 n)` from
 *   each end, average the rest. It is robust to outlier runs like the median yet uses half the data.
 * - **Stratified bootstrap** 95% CI (`StratifiedBootstrap`): every replicate resamples, within each task
 *   independently, that task's runs with replacement (the task structure is kept; runs are the unit of
 *   randomness), and recomputes the statistic; the interval is the 2.5th and 97.5th percentiles of the
 *   replicates (the percentile method, rliable's default). The RNG is seeded, so a CI is reproducible.
 * - **Probability of improvement** `P(X > Y)`: per task, the Mann-Whitney U statistic of X's runs over
 *   Y's runs divided by `n_x n_y`, i.e. the share of run pairs where X scores higher, ties counting one
 *   half; averaged over tasks. Its CI comes from the stratified *independent* bootstrap: X's and Y's runs
 *   are resampled independently within each task. An improvement is claimed when the lower CI bound is
 *   above 0.5.
 *
 * Student-t quantiles come from `jstat` (`jStat.studentt.inv`, accurate to ~1e-11 relative at df 1..1000),
 * replacing a table that stopped at 30 degrees of freedom with a flat 1.96 beyond (1.96 is the normal
 * quantile: at df 40 it is 4% short of t).
 *
 * @example
 * ```ts
 * import { iqm, probabilityOfImprovement, stratifiedBootstrapCi, tQuantile } from "./stats.ts";
 * console.assert(iqm([[1, 2, 3, 4]]) === 2.5);
 * console.assert(probabilityOfImprovement([[2, 3]], [[1, 1]]) === 1);
 * console.assert(Math.abs(tQuantile(0.975, 1) - 12.7062) < 1e-4);
 * const ci = stratifiedBootstrapCi([[1, 2, 3, 4, 5]], iqm, { seed: 1, reps: 200 });
 * console.assert(ci.low <= ci.point && ci.point <= ci.high);
 * ```
 *
 * @module
 */

import jStat from "jstat";
import { Rng } from "../sim/rng.ts";

/** Scores per task: `scores[task][run]`. */
export type TaskScores = readonly (readonly number[])[];

/** A point estimate with its 95% confidence interval. */
export interface Interval {
  /** The statistic on the data as observed. */
  point: number;
  /** Lower bound (2.5th percentile of the bootstrap replicates). */
  low: number;
  /** Upper bound (97.5th percentile). */
  high: number;
}

/** Options of the bootstrap functions. */
export interface BootstrapOptions {
  /** Bootstrap replicates (default 2000; rliable uses 50,000 for papers). */
  reps?: number;
  /** RNG seed (default 0). */
  seed?: number;
  /** Confidence level (default 0.95). */
  confidence?: number;
}

/**
 * The `p` quantile of Student's t distribution with `df` degrees of freedom (any df > 0, not only
 * integers).
 *
 * @example
 * ```ts
 * import { tQuantile } from "./stats.ts";
 * console.assert(Math.abs(tQuantile(0.975, 10) - 2.228139) < 1e-6);
 * ```
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) {
    throw new RangeError(`tQuantile: degrees of freedom must be a finite number > 0, got ${df}`);
  }
  return (jStat as { studentt: { inv(p: number, df: number): number } }).studentt.inv(p, df);
}

/**
 * Mean, sample standard deviation and the half-width of the 95% Student-t confidence interval of the
 * mean of `xs` (t quantile at n - 1 degrees of freedom). One value: CI infinite; none: NaN.
 *
 * @example
 * ```ts
 * import { meanCi95 } from "./stats.ts";
 * const r = meanCi95([1, 2, 3]);
 * console.assert(r.mean === 2 && r.std === 1);
 * ```
 */
export function meanCi95(xs: readonly number[]): { mean: number; std: number; ci95: number } {
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, ci95: Number.NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0, ci95: Number.POSITIVE_INFINITY };
  const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, std, ci95: (tQuantile(0.975, n - 1) * std) / Math.sqrt(n) };
}

function flat(scores: TaskScores): number[] {
  const out: number[] = [];
  for (const task of scores) for (const x of task) out.push(x);
  return out;
}

/**
 * Mean over every run of every task.
 *
 * @example
 * ```ts
 * import { aggregateMean } from "./stats.ts";
 * console.assert(aggregateMean([[1, 3], [5]]) === 3);
 * ```
 */
export function aggregateMean(scores: TaskScores): number {
  const xs = flat(scores);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Interquartile mean: the 25% trimmed mean of all runs of all tasks pooled (see module docs).
 *
 * @example
 * ```ts
 * import { iqm } from "./stats.ts";
 * console.assert(iqm([[1, 2, 3, 4, 100, 5, 6, 7]]) === 4.5);
 * ```
 */
export function iqm(scores: TaskScores): number {
  const xs = flat(scores).sort((a, b) => a - b);
  const cut = Math.floor(0.25 * xs.length);
  const kept = xs.slice(cut, xs.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/**
 * `P(X > Y)`: per task the share of (x run, y run) pairs with x > y, ties counting 1/2 (the normalised
 * Mann-Whitney U statistic), averaged over tasks. `x` and `y` must cover the same tasks.
 *
 * @example
 * ```ts
 * import { probabilityOfImprovement } from "./stats.ts";
 * console.assert(probabilityOfImprovement([[1, 3]], [[2, 2]]) === 0.5);
 * ```
 */
export function probabilityOfImprovement(x: TaskScores, y: TaskScores): number {
  if (x.length !== y.length || x.length === 0) {
    throw new RangeError(
      `probabilityOfImprovement: needs the same non-empty tasks, got ${x.length} and ${y.length}`,
    );
  }
  let total = 0;
  for (let m = 0; m < x.length; m++) {
    const xs = x[m], ys = y[m];
    if (xs.length === 0 || ys.length === 0) {
      throw new RangeError(`probabilityOfImprovement: task ${m} has no runs`);
    }
    let u = 0;
    for (const a of xs) for (const b of ys) u += a > b ? 1 : a === b ? 0.5 : 0;
    total += u / (xs.length * ys.length);
  }
  return total / x.length;
}

function percentile(sorted: Float64Array, q: number): number {
  // Linear interpolation between closest ranks (numpy's default).
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function resample(scores: TaskScores, rng: Rng): number[][] {
  return scores.map((task) => {
    const n = task.length;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = task[rng.int(n)];
    return out;
  });
}

function interval(point: number, reps: Float64Array, confidence: number): Interval {
  reps.sort();
  const a = (1 - confidence) / 2;
  return { point, low: percentile(reps, a), high: percentile(reps, 1 - a) };
}

function bootstrapSettings(options: BootstrapOptions) {
  const reps = options.reps ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(reps) || reps < 1) {
    throw new RangeError(`bootstrap: reps must be a positive integer, got ${reps}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`bootstrap: confidence must be in (0, 1), got ${confidence}`);
  }
  return { reps, confidence, rng: new Rng(options.seed ?? 0, "stats/bootstrap") };
}

/**
 * The statistic `stat` on `scores` with its stratified-bootstrap percentile CI (see module docs).
 *
 * @example
 * ```ts
 * import { aggregateMean, stratifiedBootstrapCi } from "./stats.ts";
 * const ci = stratifiedBootstrapCi([[1, 2, 3], [10, 11, 12]], aggregateMean, { seed: 3 });
 * console.assert(ci.point === 6.5 && ci.low < 6.5 && ci.high > 6.5);
 * ```
 */
export function stratifiedBootstrapCi(
  scores: TaskScores,
  stat: (scores: TaskScores) => number,
  options: BootstrapOptions = {},
): Interval {
  const { reps, confidence, rng } = bootstrapSettings(options);
  const out = new Float64Array(reps);
  for (let r = 0; r < reps; r++) out[r] = stat(resample(scores, rng));
  return interval(stat(scores), out, confidence);
}

/**
 * {@linkcode probabilityOfImprovement} of `x` over `y` with its stratified independent bootstrap CI.
 *
 * @example
 * ```ts
 * import { probabilityOfImprovementCi } from "./stats.ts";
 * const p = probabilityOfImprovementCi([[5, 6, 7, 8, 9]], [[1, 2, 3, 4, 5]], { seed: 1 });
 * console.assert(p.point > 0.9 && p.low > 0.5);
 * ```
 */
export function probabilityOfImprovementCi(
  x: TaskScores,
  y: TaskScores,
  options: BootstrapOptions = {},
): Interval {
  const { reps, confidence, rng } = bootstrapSettings(options);
  const out = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    out[r] = probabilityOfImprovement(resample(x, rng), resample(y, rng));
  }
  return interval(probabilityOfImprovement(x, y), out, confidence);
}
