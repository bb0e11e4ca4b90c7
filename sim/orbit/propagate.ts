/**
 * SGP4 propagation of one satellite record to TEME position (km) and velocity (km/s).
 *
 * Time is measured internally in minutes since the element-set epoch (`sgp4(satrec, tsince)`), computed
 * from the record's sub-millisecond `epochMs`, not through satellite.js `propagate(Date)` whose Julian-date
 * arithmetic loses precision (a Julian date near 2.46e6 resolves only ~40 µs, ~0.3 m along-track).
 * Failures (decayed satellites, eccentricity out of range) come back as `{ ok: false, error, reason }`.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { propagate } from "./propagate.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const s = propagate(iss, new Date("2022-08-10T00:00:00Z"));
 * if (!s.ok) throw new Error(s.reason);
 * const r = Math.hypot(s.position.x, s.position.y, s.position.z);
 * console.assert(r > 6700 && r < 6900);
 * ```
 *
 * @module
 */
import { checkForDecay, sgp4 } from "satellite.js";
import type { Vec3 } from "./frames.ts";
import { describeSatRecError, type SatelliteRecord } from "./record.ts";

/**
 * Successful propagation.
 *
 * @example
 * ```ts
 * import { propagate } from "./propagate.ts";
 * import { loadTle } from "./tle.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const s = propagate(iss, 0);
 * if (s.ok) console.assert(Math.hypot(s.velocity.x, s.velocity.y, s.velocity.z) > 7);
 * ```
 */
export interface StateOk {
  /** Discriminant: success. */
  ok: true;
  /** Minutes since the element-set epoch (SGP4 `tsince`). */
  minutes: number;
  /** TEME position, km. */
  position: Vec3;
  /** TEME velocity, km/s. */
  velocity: Vec3;
}

/**
 * Failed propagation: SGP4 reported an error (the satellite decayed, elements out of range).
 *
 * @example
 * ```ts
 * import { propagate } from "./propagate.ts";
 * import { loadTle } from "./tle.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const s = propagate(iss, new Date("2045-01-01T00:00:00Z"));
 * if (!s.ok) console.assert(s.error > 0 && s.reason.includes("25544"));
 * ```
 */
export interface StateError {
  /** Discriminant: failure. */
  ok: false;
  /** Minutes since the element-set epoch (SGP4 `tsince`). */
  minutes: number;
  /** satellite.js `SatRecError` code (6 = decayed). */
  error: number;
  /** Readable reason, naming the satellite. */
  reason: string;
}

/**
 * Result of {@link propagate}.
 *
 * @example
 * ```ts
 * import { propagate, type StateResult } from "./propagate.ts";
 * import { loadTle } from "./tle.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const s: StateResult = propagate(iss, 60);
 * console.assert(s.ok ? s.position.x !== 0 : s.reason !== "");
 * ```
 */
export type StateResult = StateOk | StateError;

/**
 * Options of {@link propagate}.
 *
 * @example
 * ```ts
 * import { propagate, type PropagateOptions } from "./propagate.ts";
 * import { loadTle } from "./tle.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const options: PropagateOptions = { referenceEpoch: new Date("2022-08-10T00:00:00Z") };
 * console.assert(propagate(iss, 30, options).ok); // 00:30 UTC
 * ```
 */
export interface PropagateOptions {
  /**
   * What a numeric `time` counts minutes from: a Date or Unix milliseconds. Default: the record's own
   * epoch, so a number is SGP4's `tsince`.
   */
  referenceEpoch?: Date | number;
  /**
   * Also report as decayed (error 6) satellites whose drag term has run the orbit below zero size, which
   * plain SGP4 propagates to meaningless positions (satellite.js `checkForDecay`). Default true.
   */
  decayCheck?: boolean;
}

/**
 * Minutes from the record's epoch to `time`: a Date, or a number of minutes since `referenceEpoch`
 * (Date or Unix ms; default the record's epoch, making this the identity).
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { minutesSinceEpoch } from "./propagate.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const later = new Date(iss.epochMs + 90 * 60_000);
 * console.assert(Math.abs(minutesSinceEpoch(iss, later) - 90) < 1e-4);
 * console.assert(minutesSinceEpoch(iss, 90) === 90);
 * ```
 */
export function minutesSinceEpoch(
  record: SatelliteRecord,
  time: Date | number,
  referenceEpoch?: Date | number,
): number {
  if (typeof time !== "number") return (time.getTime() - record.epochMs) / 60_000;
  if (referenceEpoch === undefined) return time;
  const refMs = typeof referenceEpoch === "number" ? referenceEpoch : referenceEpoch.getTime();
  return time + (refMs - record.epochMs) / 60_000;
}

function failure(record: SatelliteRecord, minutes: number, code: number): StateError {
  const who = record.name ? `${record.name} (${record.catalogNumber})` : `${record.catalogNumber}`;
  return {
    ok: false,
    minutes,
    error: code,
    reason: `satellite ${who} at ${minutes.toFixed(3)} min from epoch: ${
      describeSatRecError(code)
    }`,
  };
}

/**
 * Propagates a record to `time` (a Date, or minutes since `options.referenceEpoch`, default the record's
 * epoch) and returns TEME position/velocity, or the SGP4 error as a value.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { propagate } from "./propagate.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const atEpoch = propagate(iss, 0);
 * console.assert(atEpoch.ok);
 * const decayed = propagate(iss, 365 * 1440 * 20); // 20 years on: drag has brought it down
 * console.assert(!decayed.ok && decayed.error !== 0);
 * ```
 */
export function propagate(
  record: SatelliteRecord,
  time: Date | number,
  options: PropagateOptions = {},
): StateResult {
  const minutes = minutesSinceEpoch(record, time, options.referenceEpoch);
  const satrec = record.satrec;
  const pv = sgp4(satrec, minutes);
  if (pv === null) return failure(record, minutes, satrec.error || 6);
  if ((options.decayCheck ?? true) && checkForDecay(satrec)) return failure(record, minutes, 6);
  const p = pv.position;
  const v = pv.velocity;
  if (!Number.isFinite(p.x + p.y + p.z + v.x + v.y + v.z)) return failure(record, minutes, 6);
  return {
    ok: true,
    minutes,
    position: { x: p.x, y: p.y, z: p.z },
    velocity: { x: v.x, y: v.y, z: v.z },
  };
}

/**
 * Propagates to `minutes` since the record's epoch and writes position (km) then velocity (km/s), TEME,
 * into `out[offset..offset + 5]`. Returns 0 on success or the SGP4 error code (then `out` is NaN-filled).
 * For loops that keep their own typed arrays; satellite.js itself still allocates its result object.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { propagateInto } from "./propagate.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const out = new Float64Array(6);
 * console.assert(propagateInto(iss, 10, out, 0) === 0 && out[0] !== 0);
 * ```
 */
export function propagateInto(
  record: SatelliteRecord,
  minutes: number,
  out: Float64Array,
  offset: number,
  decayCheck = true,
): number {
  const satrec = record.satrec;
  const pv = sgp4(satrec, minutes);
  let code = 0;
  if (pv === null) code = satrec.error || 6;
  else if (decayCheck && checkForDecay(satrec)) code = 6;
  if (code !== 0 || pv === null) {
    out.fill(NaN, offset, offset + 6);
    return code;
  }
  const p = pv.position;
  const v = pv.velocity;
  out[offset] = p.x;
  out[offset + 1] = p.y;
  out[offset + 2] = p.z;
  out[offset + 3] = v.x;
  out[offset + 4] = v.y;
  out[offset + 5] = v.z;
  return 0;
}
