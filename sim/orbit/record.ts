/**
 * The satellite record shared by every orbit function: identity, element-set epoch and the initialised
 * SGP4 state (`SatRec`) from satellite.js.
 *
 * Records come from {@link https://celestrak.org/NORAD/documentation/tle-fmt.php TLE} text
 * (`parseTle`), CelesTrak OMM JSON (`parseOmm`) or are generated from elements (`walkerDelta`).
 *
 * @example
 * ```ts
 * import { parseTle } from "./tle.ts";
 * import { describeSatRecError } from "./record.ts";
 * const [iss] = parseTle(await Deno.readTextFile("data/tle/iss.tle"), "iss.tle");
 * console.assert(iss.catalogNumber === 25544);
 * console.assert(describeSatRecError(iss.satrec.error) === "no error");
 * ```
 *
 * @module
 */
import type { SatRec } from "satellite.js";

/**
 * Element-set files larger than this are refused before they are read (the whole 2022 public catalogue,
 * 25,975 sets, is 4.3 MB as TLE and about 20 MB as OMM XML).
 *
 * @example
 * ```ts
 * import { MAX_ELEMENT_FILE_BYTES } from "./record.ts";
 * console.assert(MAX_ELEMENT_FILE_BYTES === 64 * 1024 * 1024);
 * ```
 */
export const MAX_ELEMENT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * One satellite: identity, epoch and the SGP4 state to propagate it with.
 *
 * @example
 * ```ts
 * import type { SatelliteRecord } from "./record.ts";
 * import { loadTle } from "./tle.ts";
 * const [iss]: SatelliteRecord[] = await loadTle("data/tle/iss.tle");
 * console.assert(iss.epoch.getTime() === Math.round(iss.epochMs));
 * ```
 */
export interface SatelliteRecord {
  /** Object name (the TLE title line or OMM `OBJECT_NAME`); `""` when the input has none. */
  name: string;
  /** NORAD catalogue number; Alpha-5 numbers (`A0000` = 100000) are decoded. */
  catalogNumber: number;
  /** International designator (`98067A`, `1998-067A`); `""` when unknown. */
  designator: string;
  /** Element-set epoch, rounded to the millisecond. */
  epoch: Date;
  /**
   * Element-set epoch in Unix milliseconds with sub-millisecond precision (TLE epochs carry ~1 µs,
   * OMM epochs 1 µs). Propagation measures time from this value.
   */
  epochMs: number;
  /** Initialised SGP4 state. Mutated by propagation (satellite.js writes `error`, `t`). */
  satrec: SatRec;
}

const SATREC_ERRORS: Record<number, string> = {
  0: "no error",
  1: "mean eccentricity out of range 0 <= e < 1",
  2: "mean motion fell below zero",
  3: "perturbed eccentricity out of range 0 <= e <= 1",
  4: "semi-latus rectum fell below zero",
  5: "epoch elements are sub-orbital",
  6: "satellite has decayed (position below the Earth's surface)",
};

/**
 * A readable description of satellite.js `SatRec.error` / `SatRecError` codes.
 *
 * @example
 * ```ts
 * import { describeSatRecError } from "./record.ts";
 * console.assert(describeSatRecError(6).includes("decayed"));
 * ```
 */
export function describeSatRecError(code: number): string {
  return SATREC_ERRORS[code] ?? `unknown SGP4 error ${code}`;
}
