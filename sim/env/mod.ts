/**
 * The environment API, the vectorised wrapper, environment entries and the conformance check.
 *
 * @example
 * ```ts
 * import { checkConformance } from "./mod.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * checkConformance(() => new MatchingEnv(), { episodes: 1 });
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./observation_layout.ts";
export * from "./vector.ts";
export * from "./registry.ts";
export * from "./conformance.ts";
export * from "./controller.ts";
export * from "./parallel.ts";
export * from "./parallel_api.ts";
export * from "./recording.ts";
export * from "./tap.ts";
