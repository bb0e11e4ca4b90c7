/**
 * `runPlan`: a whole sweep as `deno task sweep` runs it: expand the plan, pick the engine (a local
 * pool of worker processes, or BullMQ on Redis when a URL is given), run every job, and return the
 * summary. Both engines run jobs with the same `executeJob`, so they make the same files and figures.
 *
 * @example
 * ```ts ignore
 * import { loadPlan, runPlan } from "./mod.ts";
 * const plan = await loadPlan("plans/tiny.json");
 * const summary = await runPlan({ plan, root: "runs/sweep", workers: 2 });
 * console.log(summary.done, summary.failed);
 * ```
 *
 * @module
 */

import { resolve } from "node:path";
import { expandPlan, type Plan, sweepDir } from "./plan.ts";
import { runSweep, type SweepSummary } from "./scheduler.ts";
import { LocalPool } from "./local_pool.ts";
import { RedisExecutor } from "./redis.ts";

/** Options of {@linkcode runPlan}. */
export interface RunPlanOptions {
  /** The validated plan. */
  plan: Plan;
  /** The artifact directory (created when missing). */
  root: string;
  /** Redis URL: run on BullMQ workers instead of a local pool. */
  redis?: string;
  /** BullMQ queue name. */
  queue?: string;
  /** Local pool size (default: one per core). */
  workers?: number;
  /** No progress bar. */
  quiet?: boolean;
  /** Stops the sweep: a local pool's jobs checkpoint; queued jobs stay queued. */
  signal?: AbortSignal;
  /** Called with the local pool once it exists (tests kill its children). */
  onPool?: (pool: LocalPool) => void;
}

/** Runs a plan to the end or until stopped (see module docs). */
export async function runPlan(options: RunPlanOptions): Promise<SweepSummary> {
  const { plan } = options;
  await Deno.mkdir(options.root, { recursive: true });
  const root = Deno.realPathSync(resolve(options.root));
  const dir = sweepDir(plan);
  await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  const jobs = expandPlan(plan);
  let executor;
  if (options.redis) {
    executor = await RedisExecutor.open({
      url: options.redis,
      maxAttempts: plan.maxAttempts,
      queue: options.queue,
      signal: options.signal,
    });
  } else {
    const pool = new LocalPool({
      root,
      size: options.workers,
      maxAttempts: plan.maxAttempts,
      logDir: `${root}/${dir}`,
    });
    options.signal?.addEventListener("abort", () => pool.interrupt(), { once: true });
    options.onPool?.(pool);
    executor = pool;
  }
  try {
    return await runSweep({
      name: plan.name,
      dir,
      root,
      jobs,
      executor,
      engine: options.redis ? "redis" : "local",
      quiet: options.quiet,
      signal: options.signal,
    });
  } finally {
    await executor.close();
  }
}
