/**
 * KD-MARL training: the MAPPO teacher (stage 1), critic-free heterogeneous student distillation (stage 2),
 * their losses, GAE, checkpoints, curves, evaluation and the deployment report.
 *
 * @example
 * ```ts
 * import { MappoTrainer, resolveMappoConfig } from "./mod.ts";
 * console.log(resolveMappoConfig().learningRate, typeof MappoTrainer);
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./gae.ts";
export * from "./advantages.ts";
export * from "./ppo_loss.ts";
export * from "./kd_loss.ts";
export * from "./kd_config.ts";
export * from "./value_norm.ts";
export * from "./optim.ts";
export * from "./rollout.ts";
export * from "./mappo.ts";
export { warmStartActors, type WarmStartTarget } from "./warm_start.ts";
export * from "./run_driver.ts";
export * from "./schedule.ts";
export * from "./data_parallel.ts";
export { GradientPool, type GradientPoolSpec } from "./grad_pool.ts";
export type { RunStage } from "./stages.ts";
export * from "./kd.ts";
export * from "./viewed_env.ts";
export * from "./checkpoint.ts";
export * from "./trainer_state.ts";
export * from "./curves.ts";
export * from "./progress.ts";
export * from "./stop_signal.ts";
export * from "./provenance.ts";
export * from "./model_store.ts";
export * from "./evaluate.ts";
export * from "./stats.ts";
export * from "./seeds.ts";
export * from "./study_plan.ts";
export * from "./study_cell.ts";
export * from "./study_report.ts";
export * from "./study.ts";
export * from "./deployment.ts";
export * from "./regression.ts";
export * from "./presets.ts";
export * from "./platforms.ts";
export * from "./scenario.ts";
export * from "./teacher_run.ts";
export * from "./student_run.ts";
