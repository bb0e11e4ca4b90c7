/**
 * A SMAC-style StarCraft II micromanagement environment in the manner of JaxMARL's SMAX: unit types with
 * SC2 figures, SC2 game-loop combat, SMAC's scripted enemy, observations, state and reward, the scripted heuristic baseline, the maps 3m, 8m,
 * 2s3z, 3s5z and 3s_vs_5z, and their registry entries.
 *
 * @example
 * ```ts
 * import { SmaxEnv, smaxEnvEntries } from "./mod.ts";
 * const env = new SmaxEnv({ map: "3m" });
 * console.assert(env.classes[0].obsSize === 30 && env.stateSize === 48); // SMAC's 3m sizes
 * console.assert(smaxEnvEntries.length === 5); // the scenario catalog (catalog/) lists them
 * ```
 *
 * @module
 */
export * from "./units.ts";
export * from "./map.ts";
export * from "./maps.ts";
export * from "./world.ts";
export * from "./enemy.ts";
export * from "./reward.ts";
export * from "./env.ts";
export * from "./entries.ts";
export * from "./heuristic.ts";
