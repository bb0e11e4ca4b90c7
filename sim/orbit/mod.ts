/**
 * Orbital mechanics for the simulation kernel, on satellite.js 7 (SGP4/SDP4).
 *
 * - Loading: {@link parseTle} / {@link loadTle} (2- and 3-line TLE, Alpha-5), {@link parseOmm} /
 *   {@link loadOmm} (CelesTrak OMM JSON, zod-validated); generation: {@link walkerDelta}.
 * - One satellite: {@link propagate} (TEME), frames ({@link temeToEcf}, {@link ecfToGeodetic},
 *   {@link gmst}), look angles ({@link SiteFrame}, {@link lookAngles}), passes ({@link predictPasses},
 *   {@link predictPassesBatch}).
 * - Links and lighting: {@link hasLineOfSight}, {@link islVisibility}, {@link eclipse},
 *   {@link eclipseFractions}.
 * - Whole constellations per time step: {@link ConstellationPropagator} (WASM BulkPropagator or JS,
 *   typed-array buffers, inline ECF and geodetic).
 *
 * @example
 * ```ts
 * import { ConstellationPropagator, islVisibility, loadTle, predictPasses } from "./mod.ts";
 * const iridium = await loadTle("data/tle/iridium.tle");
 * const passes = predictPasses(iridium[0], { latDeg: 78.2, lonDeg: 15.6, altKm: 0.5 }, {
 *   start: new Date("2022-08-10T00:00:00Z"),
 *   end: new Date("2022-08-10T06:00:00Z"),
 *   minElevationDeg: 10,
 * });
 * console.assert(passes.length > 0);
 * const prop = await ConstellationPropagator.create(iridium);
 * prop.propagateTo(new Date("2022-08-10T00:00:00Z"));
 * const links = new Uint8Array(iridium.length ** 2);
 * console.assert(islVisibility(prop.eci, iridium.length, links, { maxRangeKm: 4500 }) > 0);
 * prop.dispose();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./record.ts";
export * from "./tle.ts";
export * from "./omm.ts";
export * from "./omm_csv.ts";
export * from "./omm_xml.ts";
export * from "./elements.ts";
export * from "./walker.ts";
export * from "./frames.ts";
export * from "./topocentric.ts";
export * from "./propagate.ts";
export * from "./solve.ts";
export * from "./ephemeris.ts";
export * from "./passes.ts";
export * from "./visibility.ts";
export * from "./eclipse.ts";
export * from "./wasm.ts";
export * from "./bulk.ts";
