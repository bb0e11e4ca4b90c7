/**
 * The environment API, the vectorised wrapper and the registry.
 *
 * @example
 * ```ts
 * import { listEnvs } from "./mod.ts";
 * console.log(listEnvs().length >= 0);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./vector.ts";
export * from "./registry.ts";
export * from "./conformance.ts";
export * from "./controller.ts";
export * from "./parallel.ts";
export * from "./parallel_api.ts";
export * from "./recording.ts";
export * from "./tap.ts";
