/**
 * Sweeps: a study plan (scenarios x methods x seeds x budgets x student sizes) expanded into train ->
 * distill -> evaluate jobs, run on a local pool of worker processes or on BullMQ workers over Redis,
 * with results keyed by job, resumable, and confined to one artifact directory.
 *
 * @example
 * ```ts
 * import { expandPlan, parsePlan } from "./mod.ts";
 * const plan = parsePlan({
 *   name: "demo", scenarios: ["toy/matching"], seeds: [1],
 *   budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
 * }, "demo.json");
 * console.log(expandPlan(plan).map((j) => j.key));
 * ```
 *
 * @module
 */
export * from "./paths.ts";
export * from "./plan.ts";
export * from "./job_kinds.ts";
export * from "./execute.ts";
export * from "./scheduler.ts";
export * from "./local_pool.ts";
export * from "./redis.ts";
export * from "./sweep_run.ts";
