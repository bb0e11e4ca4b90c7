/**
 * Walker-delta constellations (Walker i: T/P/F), generated directly as SGP4 records from mean elements
 * (satellite.js `json2satrec` on an OMM-like object; no TLE text, so no 8-digit rounding).
 *
 * Plane p (0..P-1) has right ascension of the ascending node `raanOffsetDeg + p·360/P`; satellite s
 * (0..T/P-1) in plane p has mean anomaly `s·360/(T/P) + p·F·360/T` (argument of perigee 0), so adjacent
 * planes are phased by F·360/T degrees.
 *
 * Altitude: SGP4 takes a Kozai mean motion and converts it internally to a Brouwer mean motion, whose
 * semi-major axis differs from Kepler's third law by the J2 term (~10 km at LEO). The mean motion is
 * therefore solved iteratively so that SGP4's own mean semi-major axis (`satrec.a`) equals
 * `6378.135 km + altitudeKm` (WGS72 equatorial radius, SGP4's constant) to 1 mm. Geodetic height along the
 * orbit then varies around that by the Earth's oblateness (up to ~+21 km over the poles) and J2
 * short-period terms (a few km). BSTAR defaults to 0: station-kept satellites that do not decay.
 *
 * @example
 * ```ts
 * import { walkerDelta } from "./walker.ts";
 * const shell = walkerDelta({
 *   total: 1584, planes: 72, phasing: 39, altitudeKm: 550, inclinationDeg: 53,
 *   epoch: new Date("2022-08-10T00:00:00Z"),
 * });
 * console.assert(shell.length === 1584 && shell[22].plane === 1 && shell[22].slot === 0);
 * ```
 *
 * @module
 */
import { constants, json2satrec } from "satellite.js";
import type { SatelliteRecord } from "./record.ts";

/**
 * Parameters of {@link walkerDelta}.
 *
 * @example
 * ```ts
 * import { walkerDelta, type WalkerOptions } from "./walker.ts";
 * const options: WalkerOptions = {
 *   total: 24, planes: 3, phasing: 1, altitudeKm: 23222, inclinationDeg: 56,
 *   epoch: new Date("2022-08-10T00:00:00Z"), raanOffsetDeg: 10, namePrefix: "GAL",
 * };
 * console.assert(walkerDelta(options)[8].name === "GAL-P1-S0");
 * ```
 */
export interface WalkerOptions {
  /** Total number of satellites T (> 0, divisible by `planes`). */
  total: number;
  /** Number of orbital planes P (> 0). */
  planes: number;
  /** Phasing factor F, an integer 0 <= F < P. */
  phasing: number;
  /** Mean altitude above the WGS72 equatorial radius, km (100..50 000). */
  altitudeKm: number;
  /** Inclination, degrees [0, 180]. */
  inclinationDeg: number;
  /** Epoch of the elements. */
  epoch: Date;
  /** RAAN of plane 0, degrees. Default 0. */
  raanOffsetDeg?: number;
  /** Mean eccentricity [0, 0.1). Default 0 (SGP4 treats e < 1e-6 as 1e-6). */
  eccentricity?: number;
  /** Argument of perigee, degrees. Default 0. */
  argPerigeeDeg?: number;
  /** SGP4 drag term BSTAR, 1/earth radii. Default 0 (no decay). */
  bstar?: number;
  /** Name prefix: satellites are named `${namePrefix}-P${plane}-S${slot}`. Default `"WALKER"`. */
  namePrefix?: string;
  /** Catalogue number of the first satellite; the others follow. Default 800000. */
  firstCatalogNumber?: number;
}

/**
 * A generated Walker satellite: a record plus its plane and slot.
 *
 * @example
 * ```ts
 * import { walkerDelta, type WalkerSatellite } from "./walker.ts";
 * const sats: WalkerSatellite[] = walkerDelta({
 *   total: 6, planes: 3, phasing: 1, altitudeKm: 1000, inclinationDeg: 60,
 *   epoch: new Date("2022-08-10T00:00:00Z"),
 * });
 * console.assert(sats[2].raanDeg === 120 && sats[3].meanAnomalyDeg === 180 + 60);
 * ```
 */
export interface WalkerSatellite extends SatelliteRecord {
  /** Plane index 0..P-1. */
  plane: number;
  /** Slot index within the plane, 0..T/P-1. */
  slot: number;
  /** RAAN of the plane, degrees. */
  raanDeg: number;
  /** Mean anomaly at epoch, degrees. */
  meanAnomalyDeg: number;
}

const EARTH_RADIUS_KM = constants.earthRadius; // 6378.135, WGS72 (SGP4)
const MU = constants.mu; // 398600.8 km^3/s^2, WGS72 (SGP4)

function fail(field: string, want: string, got: unknown): never {
  throw new RangeError(`Walker constellation: field "${field}" must be ${want}, got ${got}`);
}

/** A minimal OMM object for `json2satrec`. */
function omm(
  epochIso: string,
  meanMotion: number,
  e: number,
  incl: number,
  raan: number,
  argp: number,
  m: number,
  bstar: number,
  catalog: number,
  name: string,
) {
  return {
    OBJECT_NAME: name,
    OBJECT_ID: "",
    EPOCH: epochIso,
    MEAN_MOTION: meanMotion,
    ECCENTRICITY: e,
    INCLINATION: incl,
    RA_OF_ASC_NODE: raan,
    ARG_OF_PERICENTER: argp,
    MEAN_ANOMALY: m,
    NORAD_CAT_ID: catalog,
    ELEMENT_SET_NO: 999,
    BSTAR: bstar,
    MEAN_MOTION_DOT: 0,
    MEAN_MOTION_DDOT: 0,
  };
}

/**
 * The Kozai mean motion (rev/day, as in TLE/OMM) that gives SGP4 a mean semi-major axis of
 * `6378.135 + altitudeKm` km at this eccentricity and inclination.
 *
 * @example
 * ```ts
 * import { meanMotionForAltitude } from "./walker.ts";
 * const n = meanMotionForAltitude(550, 53, 0);
 * console.assert(n > 15.0 && n < 15.1); // Starlink's 53° shell: ~15.06 rev/day
 * ```
 */
export function meanMotionForAltitude(
  altitudeKm: number,
  inclinationDeg: number,
  eccentricity = 0,
): number {
  const target = EARTH_RADIUS_KM + altitudeKm;
  let n = Math.sqrt(MU / (target * target * target)) * 86400 / (2 * Math.PI); // Kepler, rev/day
  const iso = "2000-01-01T12:00:00.000Z";
  for (let iter = 0; iter < 20; iter++) {
    const satrec = json2satrec(omm(iso, n, eccentricity, inclinationDeg, 0, 0, 0, 0, 1, "x"));
    const a = satrec.a * EARTH_RADIUS_KM;
    if (Math.abs(a - target) < 1e-6) break;
    n *= Math.pow(a / target, 1.5);
  }
  return n;
}

/**
 * Generates a Walker-delta constellation T/P/F as SGP4 records, plane by plane (index = plane·T/P + slot).
 * Throws RangeError naming the field for invalid parameters.
 *
 * @example
 * ```ts
 * import { walkerDelta } from "./walker.ts";
 * const iridiumLike = walkerDelta({
 *   total: 66, planes: 6, phasing: 2, altitudeKm: 780, inclinationDeg: 86.4,
 *   epoch: new Date("2022-08-10T00:00:00Z"),
 * });
 * console.assert(iridiumLike[11].raanDeg === 60 && iridiumLike.every((s) => s.satrec.error === 0));
 * ```
 */
export function walkerDelta(options: WalkerOptions): WalkerSatellite[] {
  const { total, planes, phasing, altitudeKm, inclinationDeg, epoch } = options;
  if (!Number.isInteger(total) || total <= 0) fail("total", "a positive integer", total);
  if (!Number.isInteger(planes) || planes <= 0) fail("planes", "a positive integer", planes);
  if (total % planes !== 0) fail("total", `divisible by planes (${planes})`, total);
  if (!Number.isInteger(phasing) || phasing < 0 || phasing >= planes) {
    fail("phasing", `an integer in 0..${planes - 1} (0 <= F < P)`, phasing);
  }
  if (!(altitudeKm >= 100 && altitudeKm <= 50_000)) {
    fail("altitudeKm", "in [100, 50000]", altitudeKm);
  }
  if (!(inclinationDeg >= 0 && inclinationDeg <= 180)) {
    fail("inclinationDeg", "in [0, 180]", inclinationDeg);
  }
  if (!(epoch instanceof Date) || !Number.isFinite(epoch.getTime())) {
    fail("epoch", "a valid Date", epoch);
  }
  const e = options.eccentricity ?? 0;
  if (!(e >= 0 && e < 0.1)) fail("eccentricity", "in [0, 0.1)", e);
  const raan0 = options.raanOffsetDeg ?? 0;
  if (!Number.isFinite(raan0)) fail("raanOffsetDeg", "a finite number", raan0);
  const argp = options.argPerigeeDeg ?? 0;
  if (!Number.isFinite(argp)) fail("argPerigeeDeg", "a finite number", argp);
  const bstar = options.bstar ?? 0;
  if (!Number.isFinite(bstar)) fail("bstar", "a finite number", bstar);
  const first = options.firstCatalogNumber ?? 800000;
  if (!Number.isInteger(first) || first < 0) fail("firstCatalogNumber", "an integer >= 0", first);
  const prefix = options.namePrefix ?? "WALKER";

  const perPlane = total / planes;
  const n = meanMotionForAltitude(altitudeKm, inclinationDeg, e);
  const iso = epoch.toISOString();
  const wrap = (deg: number) => ((deg % 360) + 360) % 360;
  const out: WalkerSatellite[] = [];
  for (let p = 0; p < planes; p++) {
    const raan = wrap(raan0 + (p * 360) / planes);
    for (let s = 0; s < perPlane; s++) {
      const m = wrap((s * 360) / perPlane + (p * phasing * 360) / total);
      const catalogNumber = first + p * perPlane + s;
      const name = `${prefix}-P${p}-S${s}`;
      const satrec = json2satrec(
        omm(iso, n, e, inclinationDeg, raan, wrap(argp), m, bstar, catalogNumber, name),
      );
      if (satrec.error !== 0) {
        fail(
          "altitudeKm",
          "an altitude SGP4 accepts",
          `${altitudeKm} (satrec.error ${satrec.error})`,
        );
      }
      out.push({
        name,
        catalogNumber,
        designator: "",
        epoch: new Date(epoch.getTime()),
        epochMs: epoch.getTime(),
        satrec,
        plane: p,
        slot: s,
        raanDeg: raan,
        meanAnomalyDeg: m,
      });
    }
  }
  return out;
}
