/**
 * The simulation kernel and the environments: seeded RNG streams, the discrete-event scheduler, orbital
 * mechanics, the environment API (with its vectorised wrapper, registry and conformance check), and the
 * fleet, MPE, SMAX-style and toy environments, all registered on import.
 *
 * @example
 * ```ts
 * import { makeEnv } from "./mod.ts";
 * const env = makeEnv("fleet/leo-wildfire");
 * console.log(env.classes.map((c) => `${c.name} x${c.count}`).join(", "));
 * ```
 *
 * @module
 */
import "./builtin_envs.ts";
export * from "./rng.ts";
export * from "./scheduler.ts";
export * from "./budget.ts";
export * from "./field_path.ts";
export * from "./atomic_write.ts";
export * from "./env/mod.ts";
export * as orbit from "./orbit/mod.ts";
export * as fleet from "./fleet/mod.ts";
export * as mpe from "./mpe/mod.ts";
export * as smax from "./smax/mod.ts";
export { SpreadAssignmentController } from "./baselines/spread_assignment.ts";
export { MatchingEnv } from "./toy/matching.ts";
