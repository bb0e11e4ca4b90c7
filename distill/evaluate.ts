/**
 * Seeded evaluation of controllers: mean per-agent episode return with a 95% confidence interval, the
 * environment's infos averaged over episodes, and KD-MARL's retention.
 *
 * Episode `k` of an evaluation with seed `s` is reset with `deriveSeed(s, "eval", k)`, so every controller
 * meets exactly the same episodes.
 *
 * Retention = (student - random) / (teacher - random): normalising by the random policy keeps the figure
 * honest where returns are negative (a plain student/teacher ratio of two negative numbers rewards the
 * worse policy).
 *
 * @example
 * ```ts
 * import { evaluateController, retention } from "./evaluate.ts";
 * import { RandomController } from "../sim/env/controller.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const env = new MatchingEnv();
 * const report = evaluateController(env, new RandomController(env.classes, 1), { episodes: 20, seed: 1 });
 * console.log(report.mean, report.ci95);
 * // (student - random) / (teacher - random): a student at -40 between the teacher's -20 and random's -60.
 * console.assert(retention(-40, -20, -60) === 0.5);
 * ```
 *
 * @module
 */

import type { Controller } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { deriveSeed } from "../sim/rng.ts";
import { meanCi95 } from "./stats.ts";

/** Options of {@linkcode evaluateController}. */
export interface EvaluateOptions {
  /** Number of episodes (default 100). */
  episodes?: number;
  /** Evaluation seed (default 0). */
  seed?: number;
  /** Called after each episode with its index and return (progress). */
  onEpisode?: (episode: number, meanAgentReturn: number) => void;
}

/** Result of {@linkcode evaluateController}. */
export interface EvaluationReport {
  /** Controller name. */
  controller: string;
  /** Environment id. */
  envId: string;
  /** Episodes played. */
  episodes: number;
  /** Mean of the per-episode mean-per-agent returns. */
  mean: number;
  /** Half-width of the 95% confidence interval of the mean (Student t). */
  ci95: number;
  /** Sample standard deviation of the episode returns. */
  std: number;
  /** Every episode's mean per-agent return. */
  returns: number[];
  /** Mean episode length. */
  meanLength: number;
  /** The environment's final infos, averaged over episodes. */
  infos: Record<string, number>;
  /** Every episode's final `infos.won` (SMAX), when the environment reports it. */
  wins?: number[];
}

/**
 * Win rate of a report's episodes with a 95% Wilson score interval (`low`, `high`); NaN without wins
 * recorded.
 *
 * @example
 * ```ts
 * import { winRate } from "./evaluate.ts";
 * const w = winRate({ wins: [1, 1, 0, 1] });
 * console.assert(w.rate === 0.75 && w.low < 0.75 && w.high > 0.75);
 * ```
 */
export function winRate(
  report: Pick<EvaluationReport, "wins">,
): { rate: number; low: number; high: number } {
  const wins = report.wins ?? [];
  const n = wins.length;
  if (n === 0) return { rate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const p = wins.reduce((a, b) => a + b, 0) / n;
  const z = 1.96, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * The paired difference of two evaluations' win rates on the same seeded episodes, `a - b`, with its 95%
 * CI (Student t over the per-episode differences).
 *
 * @example
 * ```ts
 * import { pairedWinDifference } from "./evaluate.ts";
 * const d = pairedWinDifference({ wins: [1, 1, 0, 1] }, { wins: [1, 0, 0, 0] });
 * console.assert(d.mean === 0.5);
 * ```
 */
export function pairedWinDifference(
  a: Pick<EvaluationReport, "wins">,
  b: Pick<EvaluationReport, "wins">,
): { mean: number; ci95: number } {
  return pairedDifference({ returns: a.wins ?? [] }, { returns: b.wins ?? [] });
}

/**
 * Mean, sample std and 95% CI half-width of `xs` (Student t at n - 1 degrees of freedom, any n; see
 * `stats.ts`).
 */
export { meanCi95 };

/**
 * The paired difference `a - b` of two evaluations on the same seeded episodes: its mean and 95% CI.
 * Episodes differ far more from each other (how many events arrive, where landmarks fall) than two
 * policies differ on one episode, so pairing by seed resolves differences that overlapping per-policy
 * CIs cannot.
 *
 * @example
 * ```ts
 * import { pairedDifference } from "./evaluate.ts";
 * const d = pairedDifference({ returns: [5, 9, 2] }, { returns: [4, 8, 1] });
 * console.assert(d.mean === 1 && d.ci95 === 0);
 * ```
 */
export function pairedDifference(
  a: Pick<EvaluationReport, "returns">,
  b: Pick<EvaluationReport, "returns">,
): { mean: number; ci95: number } {
  if (a.returns.length !== b.returns.length) {
    throw new RangeError(
      `pairedDifference: needs the same episodes, got ${a.returns.length} and ${b.returns.length} returns`,
    );
  }
  const { mean, ci95 } = meanCi95(a.returns.map((x, i) => x - b.returns[i]));
  return { mean, ci95 };
}

/** Retention of a student relative to the teacher, normalised by the random policy. */
export function retention(student: number, teacher: number, random: number): number {
  return (student - random) / (teacher - random);
}

/** Plays `episodes` seeded episodes of `env` with `controller`. */
export function evaluateController(
  env: MultiAgentEnv,
  controller: Controller,
  options: EvaluateOptions = {},
): EvaluationReport {
  const episodes = options.episodes ?? 100;
  const seed = options.seed ?? 0;
  const actions = env.classes.map((c) => new Int32Array(c.count));
  const agents = env.agents.length;
  const returns: number[] = [];
  const wins: number[] = [];
  const infos: Record<string, number> = {};
  let totalLength = 0;
  for (let k = 0; k < episodes; k++) {
    const episodeSeed = deriveSeed(seed, "eval", k);
    let result = env.reset(episodeSeed);
    controller.reset?.(episodeSeed);
    let total = 0;
    let length = 0;
    while (!result.done) {
      controller.act(result, actions);
      result = env.step(actions);
      for (const b of result.classes) {
        for (let i = 0; i < b.rewards.length; i++) total += b.rewards[i];
      }
      length++;
    }
    const ret = total / agents;
    returns.push(ret);
    totalLength += length;
    for (const [key, v] of Object.entries(result.infos)) {
      infos[key] = (infos[key] ?? 0) + v / episodes;
    }
    if (result.infos.won !== undefined) wins.push(result.infos.won);
    options.onEpisode?.(k, ret);
  }
  const { mean, std, ci95 } = meanCi95(returns);
  return {
    controller: controller.name,
    envId: env.id,
    episodes,
    mean,
    ci95,
    std,
    returns,
    meanLength: totalLength / episodes,
    infos,
    ...(wins.length === episodes ? { wins } : {}),
  };
}
