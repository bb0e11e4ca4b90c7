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
