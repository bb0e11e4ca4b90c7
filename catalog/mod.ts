/**
 * The scenario catalog (one entry per scenario, found by id or short name) and the one function that
 * deploys a policy on a scenario, for the command line and the telemetry server alike.
 *
 * @example
 * ```ts
 * import { availablePolicies, defaultCatalog } from "./mod.ts";
 * const entry = defaultCatalog().get("leo-wildfire");
 * console.assert(availablePolicies(entry).some((p) => p.id === "students"));
 * ```
 *
 * @module
 */
export * from "./catalog.ts";
export * from "./builtin.ts";
export * from "./deploy.ts";
