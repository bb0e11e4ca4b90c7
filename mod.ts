/**
 * fleetkd: satellite constellations and IoT sensor fleets as cooperative multi-agent systems, a MAPPO
 * teacher trained centrally, budget-sized students distilled per node class (KD-MARL), deployed under
 * simulated latency deadlines, with live telemetry.
 *
 * - `sim`: kernel (RNG streams, scheduler, orbital mechanics) and environments (fleet, MPE, SMAX-style);
 * - `policies`: networks, cost accounting, budget sizing, runtime, latency model, model files;
 * - `distill`: teacher and student trainers, evaluation, regression, the study;
 * - `catalog`: the scenario catalog (one entry per scenario) and the policy deployment simulate and the
 *   server share;
 * - `server`: the telemetry server;
 * - `sweep`: study plans run as train -> distill -> evaluate jobs on a local pool or BullMQ workers;
 * - `viz`: SVG charts and maps;
 * - `edge` (`export/`): students compiled to C99 for the host, a Cortex-M4 and WASM SIMD.
 *
 * @example
 * ```ts
 * import { defaultCatalog, evaluateController, RandomController } from "./mod.ts";
 * const env = defaultCatalog().makeEnv("mpe/simple_spread");
 * const report = evaluateController(env, new RandomController(env.classes, 1), { episodes: 10 });
 * console.log(report.mean.toFixed(2), "±", report.ci95.toFixed(2));
 * ```
 *
 * @module
 */
export * from "./sim/mod.ts";
export * from "./policies/mod.ts";
export * from "./distill/mod.ts";
export * from "./catalog/mod.ts";
export * as server from "./server/mod.ts";
export * as sweep from "./sweep/mod.ts";
export * from "./viz/mod.ts";
export * as edge from "./export/mod.ts";
