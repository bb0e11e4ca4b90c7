/**
 * The simulation kernel and the environments: seeded RNG streams, the discrete-event scheduler, orbital
 * mechanics, the environment API (with its vectorised wrapper, registry and conformance check), and the
 * fleet, MPE, SMAX-style and toy environments (`builtinEnvEntries`; the scenario catalog in `catalog/` adds
 * each one's heuristic, models and training preset).
 *
 * @example
 * ```ts
 * import { builtinEnvEntries, findEnvEntry } from "./mod.ts";
 * const env = findEnvEntry(builtinEnvEntries, "fleet/leo-wildfire").make();
 * console.log(env.classes.map((c) => `${c.name} x${c.count}`).join(", "));
 * ```
 *
 * @module
 */
export * from "./rng.ts";
export * from "./builtin_envs.ts";
export * from "./scheduler.ts";
export * from "./budget.ts";
export * from "./field_path.ts";
export * from "./input_error.ts";
export * from "./atomic_write.ts";
export * from "./env/mod.ts";
export * as orbit from "./orbit/mod.ts";
export * as fleet from "./fleet/mod.ts";
export * as mpe from "./mpe/mod.ts";
export * as smax from "./smax/mod.ts";
export { SpreadAssignmentController } from "./baselines/spread_assignment.ts";
export { MatchingEnv } from "./toy/matching.ts";
