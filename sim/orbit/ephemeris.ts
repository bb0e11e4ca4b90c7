/**
 * A sampled SGP4 ephemeris of one satellite with cubic Hermite interpolation.
 *
 * SGP4 is evaluated at evenly spaced times and each state rotated to Earth-fixed (position and velocity,
 * the latter including the frame rotation). Between samples the Earth-fixed position is interpolated from
 * the positions and velocities at both ends (cubic Hermite): no trigonometry per evaluation. For a
 * near-circular orbit the interpolation error is about r·(ωh)⁴/384 (ω = orbital rate, h = step): at 1/80
 * of an orbit under a metre, far below SGP4's own accuracy, while an interpolated point costs a few
 * nanoseconds against ~1 µs for `sgp4`. Pass prediction uses it to find rise, set and
 * culmination times without further SGP4 calls.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { Ephemeris } from "./ephemeris.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const start = Date.UTC(2022, 7, 10);
 * const eph = Ephemeris.sample(iss, start, start + 3_600_000, 45_000);
 * const out = new Float64Array(3);
 * console.assert(eph.ecfAt(start + 1_234_567, out, 0));
 * console.assert(Math.abs(Math.hypot(out[0], out[1], out[2]) - 6780) < 50);
 * ```
 *
 * @module
 */
import { gstime } from "satellite.js";
import { MS_PER_DAY, UNIX_EPOCH_JD } from "./frames.ts";
import { propagateInto } from "./propagate.ts";
import type { SatelliteRecord } from "./record.ts";

/**
 * Earth rotation rate implied by satellite.js `gstime` (IAU 1982 GMST), rad/s:
 * (876600 h + 8640184.812866 s) per Julian century, in radians per second.
 *
 * @example
 * ```ts
 * import { EARTH_ROTATION_RAD_S } from "./ephemeris.ts";
 * // One sidereal day: 86164.09 s.
 * console.assert(Math.abs(2 * Math.PI / EARTH_ROTATION_RAD_S - 86164.09) < 0.01);
 * ```
 */
export const EARTH_ROTATION_RAD_S = ((876600 * 3600 + 8640184.812866) / (36525 * 86400)) *
  (Math.PI / 180 / 240);

/**
 * Evenly spaced TEME states (position km, velocity km/s) and Earth-fixed positions of one satellite.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { Ephemeris } from "./ephemeris.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const eph = new Ephemeris(64);
 * eph.fill(iss, Date.UTC(2022, 7, 10), 30_000, 64);
 * console.assert(eph.count === 64 && eph.valid[63] === 1);
 * ```
 */
export class Ephemeris {
  /** Time of sample 0, Unix ms. */
  startMs: number = 0;
  /** Spacing of samples, ms. */
  stepMs: number = 1;
  /** Number of filled samples. */
  count: number = 0;
  /** TEME position and velocity per sample: [x, y, z, vx, vy, vz] × count. */
  teme: Float64Array;
  /** Earth-fixed position and velocity per sample: [x, y, z, vx, vy, vz] × count. */
  ecf: Float64Array;
  /** 1 where SGP4 succeeded at that sample. */
  valid: Uint8Array;
  /** Largest Earth-fixed speed over the samples, km/s. */
  maxSpeedKmS: number = 0;
  /** Largest geocentric distance over the samples, km. */
  maxRadiusKm: number = 0;

  /** Allocates room for `capacity` samples (grown by {@link fill} when needed). */
  constructor(capacity: number) {
    this.teme = new Float64Array(6 * capacity);
    this.ecf = new Float64Array(6 * capacity);
    this.valid = new Uint8Array(capacity);
  }

  /** Samples `record` over [startMs, endMs] (inclusive, rounded out to whole steps). */
  static sample(
    record: SatelliteRecord,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Ephemeris {
    const count = Math.ceil((endMs - startMs) / stepMs) + 1;
    const eph = new Ephemeris(count);
    eph.fill(record, startMs, stepMs, count);
    return eph;
  }

  /** Refills in place with `count` samples of `record` from `startMs` every `stepMs`. */
  fill(record: SatelliteRecord, startMs: number, stepMs: number, count: number): void {
    this.reserve(count);
    this.startMs = startMs;
    this.stepMs = stepMs;
    this.count = count;
    const teme = this.teme;
    const minutes0 = (startMs - record.epochMs) / 60_000;
    const stepMin = stepMs / 60_000;
    for (let k = 0; k < count; k++) {
      this.valid[k] = propagateInto(record, minutes0 + k * stepMin, teme, 6 * k) === 0 ? 1 : 0;
    }
    this.finish();
  }

  /**
   * Grows the buffers to hold `count` samples. Callers that fill `teme` and `valid` themselves (for
   * example from satellite.js's BulkPropagator) set `startMs`, `stepMs`, `count` and call {@link finish}.
   */
  reserve(count: number): void {
    if (this.valid.length < count) {
      this.teme = new Float64Array(6 * count);
      this.ecf = new Float64Array(6 * count);
      this.valid = new Uint8Array(count);
    }
  }

  /** Computes the Earth-fixed samples and the speed bound from `teme` and `valid`. */
  finish(): void {
    const { teme, ecf, valid, count } = this;
    const w = EARTH_ROTATION_RAD_S;
    let maxV = 0;
    let maxR = 0;
    const jd0 = UNIX_EPOCH_JD + this.startMs / MS_PER_DAY;
    const stepDays = this.stepMs / MS_PER_DAY;
    for (let k = 0; k < count; k++) {
      const i = 6 * k;
      if (valid[k] === 0) {
        ecf.fill(NaN, i, i + 6);
        continue;
      }
      const g = gstime(jd0 + k * stepDays);
      const c = Math.cos(g), s = Math.sin(g);
      const x = c * teme[i] + s * teme[i + 1];
      const y = -s * teme[i] + c * teme[i + 1];
      const vx = c * teme[i + 3] + s * teme[i + 4] + w * y;
      const vy = -s * teme[i + 3] + c * teme[i + 4] - w * x;
      const vz = teme[i + 5];
      ecf[i] = x;
      ecf[i + 1] = y;
      ecf[i + 2] = teme[i + 2];
      ecf[i + 3] = vx;
      ecf[i + 4] = vy;
      ecf[i + 5] = vz;
      const v = Math.sqrt(vx * vx + vy * vy + vz * vz);
      if (v > maxV) maxV = v;
      const r = Math.sqrt(x * x + y * y + teme[i + 2] * teme[i + 2]);
      if (r > maxR) maxR = r;
    }
    this.maxSpeedKmS = maxV;
    this.maxRadiusKm = maxR;
  }

  /**
   * Interpolated Earth-fixed position at `tMs` into `out[offset..offset + 2]`. Returns false (and writes
   * NaN) outside the sampled span or where a neighbouring sample failed.
   */
  ecfAt(tMs: number, out: Float64Array, offset: number): boolean {
    const u = (tMs - this.startMs) / this.stepMs;
    let k = Math.floor(u);
    if (k === this.count - 1 && u === k) k--; // the last sample itself
    if (!(k >= 0 && k < this.count - 1) || this.valid[k] === 0 || this.valid[k + 1] === 0) {
      out[offset] = out[offset + 1] = out[offset + 2] = NaN;
      return false;
    }
    const s = u - k;
    const s2 = s * s;
    const s3 = s2 * s;
    const h = this.stepMs / 1000; // velocities are per second
    const h00 = 2 * s3 - 3 * s2 + 1;
    const h10 = (s3 - 2 * s2 + s) * h;
    const h01 = -2 * s3 + 3 * s2;
    const h11 = (s3 - s2) * h;
    const t = this.ecf;
    const a = 6 * k;
    const b = a + 6;
    out[offset] = h00 * t[a] + h10 * t[a + 3] + h01 * t[b] + h11 * t[b + 3];
    out[offset + 1] = h00 * t[a + 1] + h10 * t[a + 4] + h01 * t[b + 1] + h11 * t[b + 4];
    out[offset + 2] = h00 * t[a + 2] + h10 * t[a + 5] + h01 * t[b + 2] + h11 * t[b + 5];
    return true;
  }

  /** Time of sample `k`, Unix ms. */
  timeOf(k: number): number {
    return this.startMs + k * this.stepMs;
  }
}
