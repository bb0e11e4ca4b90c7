/**
 * SVG pictures: line charts, histograms, world maps.
 *
 * @example
 * ```ts
 * import { histogram } from "./mod.ts";
 * console.assert(histogram({ title: "latency", values: [1, 2, 2, 3] }).includes("<rect"));
 * ```
 *
 * @module
 */
export * from "./svg.ts";
export * from "./world_map.ts";
export * from "./fleet_map_data.ts";
