/**
 * Eclipse state of satellites: the fraction of the Sun's disc hidden by the Earth (0 sunlit, 1 umbra,
 * between: penumbra), for power and thermal models.
 *
 * The Sun's direction is satellite.js `sunPos` (Vallado's low-precision series, ~0.01°, mean equator of
 * date, used as TEME). The shadow model is satellite.js `shadowFraction`'s conical one, reimplemented
 * here so that it runs over packed buffers without allocation ({@link eclipseFractions}) and is defined
 * on the anti-solar axis (where satellite.js 7.1.0 returns NaN): the Earth (a sphere of 6378.135 km) and
 * the Sun seen from the satellite as discs, the hidden fraction being their overlap area (circle-circle
 * intersection) over the Sun's disc area. Atmospheric refraction and the Earth's oblateness are ignored
 * (a few seconds on eclipse entry and exit).
 *
 * @example
 * ```ts
 * import { eclipse, sunDirection } from "./eclipse.ts";
 * const t = new Date("2022-08-10T00:00:00Z");
 * const s = sunDirection(t);
 * const r = 6928;
 * console.assert(eclipse({ x: s.x * r, y: s.y * r, z: s.z * r }, t).state === "sunlit");
 * console.assert(eclipse({ x: -s.x * r, y: -s.y * r, z: -s.z * r }, t).state === "umbra");
 * ```
 *
 * @module
 */
import { constants, sunPos } from "satellite.js";
import { julianDate, type Vec3 } from "./frames.ts";

/**
 * Kilometres per astronomical unit (as satellite.js).
 *
 * @example
 * ```ts
 * import { KM_PER_AU } from "./eclipse.ts";
 * console.assert(Math.abs(KM_PER_AU - 149597870.7) < 1);
 * ```
 */
export const KM_PER_AU = 149597870.69098932;
/**
 * Solar radius, km (as satellite.js).
 *
 * @example
 * ```ts
 * import { SUN_RADIUS_KM } from "./eclipse.ts";
 * console.assert(SUN_RADIUS_KM === 695700);
 * ```
 */
export const SUN_RADIUS_KM = 695700;
/** Radius of the shadowing Earth sphere, km (satellite.js `constants.earthRadius`, WGS72). */
const EARTH_RADIUS_KM = constants.earthRadius;

/**
 * Lighting of a satellite.
 *
 * @example
 * ```ts
 * import { eclipse, type EclipseState, sunDirection } from "./eclipse.ts";
 * const t = Date.UTC(2022, 11, 21);
 * const s = sunDirection(t);
 * const state: EclipseState = eclipse({ x: -7000 * s.x, y: -7000 * s.y, z: -7000 * s.z }, t).state;
 * console.assert(state === "umbra"); // straight behind the Earth
 * ```
 */
export type EclipseState = "sunlit" | "penumbra" | "umbra";

/**
 * Result of {@link eclipse}.
 *
 * @example
 * ```ts
 * import { type Eclipse, eclipse } from "./eclipse.ts";
 * const e: Eclipse = eclipse({ x: 0, y: 0, z: 8000 }, Date.UTC(2022, 5, 21));
 * console.assert(e.fraction === 0 && e.state === "sunlit"); // north pole in June: midnight sun
 * ```
 */
export interface Eclipse {
  /** Fraction of the Sun's disc hidden by the Earth: 0 fully lit .. 1 umbra. */
  fraction: number;
  /** `"sunlit"` (fraction 0), `"umbra"` (fraction 1) or `"penumbra"`. */
  state: EclipseState;
}

/**
 * Sun position in the TEME/ECI frame at `time` (Date or Unix ms), km.
 *
 * @example
 * ```ts
 * import { sunPositionKm } from "./eclipse.ts";
 * const s = sunPositionKm(new Date("2022-08-10T00:00:00Z"));
 * const au = Math.hypot(s.x, s.y, s.z) / 149597870.7;
 * console.assert(au > 1.01 && au < 1.02); // August: near aphelion
 * ```
 */
export function sunPositionKm(time: Date | number): Vec3 {
  const r = sunPos(julianDate(time)).rsun;
  return { x: r.x * KM_PER_AU, y: r.y * KM_PER_AU, z: r.z * KM_PER_AU };
}

/**
 * Unit vector from the Earth's centre to the Sun at `time`.
 *
 * @example
 * ```ts
 * import { sunDirection } from "./eclipse.ts";
 * const d = sunDirection(Date.UTC(2022, 5, 21, 12)); // June solstice: declination ~ +23.4°
 * console.assert(Math.abs(Math.asin(d.z) * 180 / Math.PI - 23.4) < 0.2);
 * ```
 */
export function sunDirection(time: Date | number): Vec3 {
  const r = sunPos(julianDate(time)).rsun;
  const n = Math.hypot(r.x, r.y, r.z);
  return { x: r.x / n, y: r.y / n, z: r.z / n };
}

function stateOf(fraction: number): EclipseState {
  return fraction <= 0 ? "sunlit" : fraction >= 1 ? "umbra" : "penumbra";
}

/** Sun geometry shared by the eclipse functions. */
interface SunGeometry {
  /** Unit anti-solar direction. */
  ax: number;
  ay: number;
  az: number;
  /** Angular radius of the Sun, rad. */
  rS: number;
}

function sunGeometry(time: Date | number): SunGeometry {
  const sun = sunPos(julianDate(time)).rsun;
  const sx = sun.x * KM_PER_AU, sy = sun.y * KM_PER_AU, sz = sun.z * KM_PER_AU;
  const dist = Math.sqrt(sx * sx + sy * sy + sz * sz);
  return { ax: -sx / dist, ay: -sy / dist, az: -sz / dist, rS: Math.asin(SUN_RADIUS_KM / dist) };
}

/**
 * satellite.js `shadowFraction`'s conical model, with the angle clamped so that points exactly on the
 * anti-solar axis give 1 (satellite.js returns NaN there: `acos` of a ratio rounded above 1).
 */
function fractionAt(x: number, y: number, z: number, g: SunGeometry): number {
  const dot = x * g.ax + y * g.ay + z * g.az;
  if (!(dot > 0)) return Number.isNaN(dot) ? NaN : 0; // Sun side of the Earth
  const len = Math.sqrt(x * x + y * y + z * z);
  const rS = g.rS;
  const rE = Math.asin(Math.min(1, EARTH_RADIUS_KM / len));
  const d = Math.acos(Math.min(1, dot / len));
  if (d <= rE - rS) return 1;
  if (d >= rE + rS) return 0;
  const p1 = rS * rS * Math.acos((d * d + rS * rS - rE * rE) / (2 * d * rS));
  const p2 = rE * rE * Math.acos((d * d + rE * rE - rS * rS) / (2 * d * rE));
  const p3 = 0.5 * Math.sqrt((-d + rS + rE) * (d + rS - rE) * (d - rS + rE) * (d + rS + rE));
  return Math.min(1, Math.max(0, (p1 + p2 - p3) / (Math.PI * rS * rS)));
}

/**
 * Eclipse fraction and state of a satellite at TEME position `satEci` (km) at `time`.
 *
 * @example
 * ```ts
 * import { eclipse } from "./eclipse.ts";
 * const e = eclipse({ x: 0, y: 0, z: 42164 }, new Date("2022-08-10T00:00:00Z")); // far above the pole
 * console.assert(e.state === "sunlit" && e.fraction === 0);
 * ```
 */
export function eclipse(satEci: Vec3, time: Date | number): Eclipse {
  const fraction = fractionAt(satEci.x, satEci.y, satEci.z, sunGeometry(time));
  return { fraction, state: stateOf(fraction) };
}

/**
 * Eclipse fractions of `count` satellites from a packed TEME position buffer ([x0, y0, z0, ...], e.g.
 * `ConstellationPropagator.eci`) into `out`, without per-satellite allocation. NaN positions give NaN.
 * Returns the number of satellites in umbra.
 *
 * @example
 * ```ts
 * import { eclipseFractions, sunDirection } from "./eclipse.ts";
 * const t = Date.UTC(2022, 7, 10);
 * const s = sunDirection(t);
 * const r = 6928;
 * const pos = new Float64Array([s.x * r, s.y * r, s.z * r, -s.x * r, -s.y * r, -s.z * r]);
 * const out = new Float64Array(2);
 * console.assert(eclipseFractions(pos, 2, t, out) === 1 && out[0] === 0 && out[1] === 1);
 * ```
 */
export function eclipseFractions(
  positions: Float64Array,
  count: number,
  time: Date | number,
  out: Float64Array,
): number {
  const g = sunGeometry(time);
  let umbra = 0;
  for (let i = 0; i < count; i++) {
    const f = fractionAt(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2], g);
    out[i] = f;
    if (f >= 1) umbra++;
  }
  return umbra;
}
