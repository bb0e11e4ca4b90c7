/**
 * Whole-constellation propagation per time step into preallocated typed arrays.
 *
 * A {@link ConstellationPropagator} owns Float64Array buffers (TEME position and velocity, Earth-fixed
 * position, geodetic latitude / longitude / height) and a validity flag per satellite, and refills them
 * for a given time with no allocation of its own per step. Backends:
 *
 * - `"simd"` (the default): fleetkd's own WebAssembly SIMD SGP4 ({@link BatchPropagator}, two
 *   satellites per f64x2 lane pair) with TEME→ECF→geodetic in the same module; about 3x satellite.js's
 *   `BulkPropagator` on the same TEME work (`bench/orbit_bench.ts`).
 * - `"wasm"`: satellite.js's WebAssembly `BulkPropagator` (ECI only), ECF and geodetic inline in JS.
 * - `"js"`: satellite.js's JS `sgp4` per satellite (bit-identical to `propagate()`), ECF and geodetic
 *   inline in JS; what the synchronous constructor gives.
 *
 * The JS TEME→ECF rotation and ECF→geodetic conversion (Bowring, two iterations, sub-micrometre) run
 * inline over the arrays instead of satellite.js `eciToGeodetic` per satellite (~2 µs each).
 *
 * Allocation: this module allocates nothing per step (the SIMD backend nothing at all); satellite.js
 * itself still creates a few small objects per `BulkPropagator.run()` (its run descriptor) and one
 * result object per satellite in JS `sgp4`, which the garbage collector's young generation absorbs.
 *
 * Precision: the JS and SIMD backends measure time from each record's sub-millisecond epoch (SIMD
 * agrees with JS to ~1e-11 km). The satellite.js WASM backend takes times as JS Dates (whole
 * milliseconds) and works in Julian dates (~40 µs resolution near 2022), so positions agree with the
 * JS backend to well under a metre (0.1 m measured at LEO); use the JS backend for bit-level
 * reproducibility against `propagate()`.
 *
 * @example
 * ```ts
 * import { walkerDelta } from "./walker.ts";
 * import { ConstellationPropagator } from "./bulk.ts";
 * const sats = walkerDelta({
 *   total: 66, planes: 6, phasing: 1, altitudeKm: 780, inclinationDeg: 86.4,
 *   epoch: new Date("2022-08-10T00:00:00Z"),
 * });
 * const prop = await ConstellationPropagator.create(sats);
 * try {
 *   prop.propagateTo(new Date("2022-08-10T01:00:00Z"));
 *   console.assert(prop.valid[0] === 1 && Math.abs(prop.alt[0] - 790) < 30);
 * } finally {
 *   prop.dispose();
 * }
 * ```
 *
 * @module
 */
import { BulkPropagator, EciBaseCalculator, gstime } from "satellite.js";
import { MS_PER_DAY, UNIX_EPOCH_JD, WGS84_A_KM, WGS84_B_KM } from "./frames.ts";
import { propagateInto } from "./propagate.ts";
import type { SatelliteRecord } from "./record.ts";
import { BatchPropagator, simdAvailable } from "./batch.ts";
import { createRuntime, disposeRuntime, type WasmRuntime, wasmSatrec } from "./wasm.ts";

/**
 * Which SGP4 implementation a {@link ConstellationPropagator} uses.
 *
 * @example
 * ```ts
 * import { ConstellationPropagator, type PropagatorBackend } from "./bulk.ts";
 * import { loadTle } from "./tle.ts";
 * const prop = new ConstellationPropagator(await loadTle("data/tle/iss.tle"));
 * const backend: PropagatorBackend = prop.backend;
 * console.assert(backend === "js");
 * ```
 */
export type PropagatorBackend = "simd" | "wasm" | "js";

/**
 * Options of {@link ConstellationPropagator.create}.
 *
 * @example
 * ```ts
 * import { type ConstellationOptions, ConstellationPropagator } from "./bulk.ts";
 * import { loadTle } from "./tle.ts";
 * const options: ConstellationOptions = { backend: "auto", decayCheck: true };
 * const prop = await ConstellationPropagator.create(await loadTle("data/tle/iridium.tle"), options);
 * console.assert(prop.backend === "simd");
 * prop.dispose();
 * ```
 */
export interface ConstellationOptions {
  /**
   * `"auto"` (default): `"simd"` when the runtime has WebAssembly SIMD; otherwise satellite.js `"wasm"`
   * when there are at least {@link WASM_MIN_SATELLITES} satellites and its runtime loads, JS otherwise.
   * `"simd"` and `"wasm"` fail if their module cannot load.
   */
  backend?: "auto" | PropagatorBackend;
  /** A satellite.js runtime to share; the caller keeps ownership. By default one is created and owned. */
  runtime?: WasmRuntime;
  /** Also flag as decayed satellites SGP4 would propagate to meaningless positions. Default true. */
  decayCheck?: boolean;
}

/**
 * Without WebAssembly SIMD, below this many satellites `"auto"` picks the JS backend and skips loading
 * satellite.js's WASM runtime. A WASM run has a fixed cost of a few microseconds; measured on a 2-core x86 machine, WASM is already ahead at 8
 * satellites (5.9 vs 7.3 µs per step) and 1.7x faster from 32 on.
 *
 * @example
 * ```ts
 * import { ConstellationPropagator, WASM_MIN_SATELLITES } from "./bulk.ts";
 * import { loadTle } from "./tle.ts";
 * const few = (await loadTle("data/tle/gps.tle")).slice(0, WASM_MIN_SATELLITES - 1);
 * const prop = await ConstellationPropagator.create(few, { backend: "js" });
 * console.assert(prop.backend === "js" && prop.count < WASM_MIN_SATELLITES);
 * prop.dispose();
 * ```
 */
export const WASM_MIN_SATELLITES = 8;

const A = WGS84_A_KM;
const B = WGS84_B_KM;
const F = (A - B) / A;
const E2 = 2 * F - F * F;
const EP2 = E2 / ((1 - F) * (1 - F));
const ONE_MINUS_F = 1 - F;

type Bulk = BulkPropagator<readonly [EciBaseCalculator], WasmRuntime>;

/**
 * Propagates a fixed set of satellites to successive times into owned typed arrays.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { ConstellationPropagator } from "./bulk.ts";
 * const gps = await loadTle("data/tle/gps.tle");
 * const prop = await ConstellationPropagator.create(gps, { backend: "js" });
 * prop.propagateTo(Date.UTC(2022, 7, 10));
 * console.assert(prop.backend === "js" && Math.abs(prop.alt[0] - 20200) < 400);
 * prop.dispose();
 * ```
 */
export class ConstellationPropagator {
  /** The satellites, in buffer order. */
  readonly records: readonly SatelliteRecord[];
  /** Number of satellites. */
  readonly count: number;
  /** The SGP4 implementation in use. */
  readonly backend: PropagatorBackend;
  /** TEME position, km: [x0, y0, z0, x1, ...]. */
  readonly eci: Float64Array;
  /** TEME velocity, km/s: [vx0, vy0, vz0, ...]. */
  readonly eciVelocity: Float64Array;
  /** Earth-fixed position, km: [x0, y0, z0, ...]. */
  readonly ecf: Float64Array;
  /** Geodetic latitude, radians. */
  readonly lat: Float64Array;
  /** Longitude, radians (-π, π]. */
  readonly lon: Float64Array;
  /** Height above the WGS84 ellipsoid, km. */
  readonly alt: Float64Array;
  /** 1 where SGP4 succeeded at the last time; 0 (and NaN coordinates) where it failed. */
  readonly valid: Uint8Array;
  /** SGP4 error code per satellite at the last time (0 = none, 6 = decayed). */
  readonly error: Uint8Array;
  /** Time of the last {@link propagateTo}, Unix ms (NaN before the first). */
  timeMs: number = NaN;
  /** Greenwich mean sidereal time at {@link timeMs}, radians. */
  gmstRad: number = NaN;

  private readonly epochMs: Float64Array;
  private readonly decayCheck: boolean;
  private bulk: Bulk | null = null;
  private batch: BatchPropagator | null = null;
  private runtime: WasmRuntime | null = null;
  private ownsRuntime = false;
  private readonly date = new Date(0);
  private readonly dates: Date[] = [this.date];
  private readonly runParams: { eci: { communityDecayCheckEnabled: boolean } };
  private positionView: Float64Array | null = null;
  private velocityView: Float64Array | null = null;
  private errorView: Int8Array | null = null;
  private disposed = false;

  /**
   * A JS-backend propagator (synchronous). Use {@link ConstellationPropagator.create} for the WASM
   * backend.
   */
  constructor(records: readonly SatelliteRecord[], options: { decayCheck?: boolean } = {}) {
    this.records = records.slice();
    const n = records.length;
    this.count = n;
    this.backend = "js";
    this.eci = new Float64Array(3 * n);
    this.eciVelocity = new Float64Array(3 * n);
    this.ecf = new Float64Array(3 * n);
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    this.alt = new Float64Array(n);
    this.valid = new Uint8Array(n);
    this.error = new Uint8Array(n);
    this.epochMs = Float64Array.from(records, (r) => r.epochMs);
    this.decayCheck = options.decayCheck ?? true;
    this.runParams = { eci: { communityDecayCheckEnabled: this.decayCheck } };
  }

  /**
   * Creates a propagator, loading satellite.js's WASM runtime when the backend calls for it.
   *
   * @example
   * ```ts
   * import { walkerDelta } from "./walker.ts";
   * import { ConstellationPropagator } from "./bulk.ts";
   * const sats = walkerDelta({
   *   total: 100, planes: 10, phasing: 3, altitudeKm: 600, inclinationDeg: 60,
   *   epoch: new Date("2022-08-10T00:00:00Z"),
   * });
   * const prop = await ConstellationPropagator.create(sats, { backend: "wasm" });
   * console.assert(prop.backend === "wasm");
   * prop.dispose();
   * ```
   */
  static async create(
    records: readonly SatelliteRecord[],
    options: ConstellationOptions = {},
  ): Promise<ConstellationPropagator> {
    const prop = new ConstellationPropagator(records, options);
    const want = options.backend ?? "auto";
    if (want === "simd" || (want === "auto" && simdAvailable())) {
      prop.attachSimd();
      return prop;
    }
    if (want === "js" || (want === "auto" && records.length < WASM_MIN_SATELLITES)) return prop;
    let runtime = options.runtime ?? null;
    let owns = false;
    if (runtime === null) {
      try {
        runtime = await createRuntime();
        owns = true;
      } catch (err) {
        if (want === "wasm") throw err;
        return prop;
      }
    }
    prop.attachWasm(runtime, owns);
    return prop;
  }

  /** Switches to the SIMD backend: the buffers become views of its WebAssembly memory. */
  private attachSimd(): void {
    const batch = BatchPropagator.create(this.records, {
      maxDates: 1,
      decayCheck: this.decayCheck,
      geodetic: true,
    });
    const self = this as {
      backend: PropagatorBackend;
      eci: Float64Array;
      eciVelocity: Float64Array;
      ecf: Float64Array;
      lat: Float64Array;
      lon: Float64Array;
      alt: Float64Array;
      error: Uint8Array;
    };
    self.backend = "simd";
    self.eci = batch.position;
    self.eciVelocity = batch.velocity;
    self.ecf = batch.ecf;
    self.lat = batch.lat;
    self.lon = batch.lon;
    self.alt = batch.alt;
    self.error = batch.error;
    this.batch = batch;
  }

  /** Switches to the WASM backend on `runtime`. */
  private attachWasm(runtime: WasmRuntime, owns: boolean): void {
    const n = Math.max(1, this.count);
    const bulk = new BulkPropagator({
      runtime,
      calculators: [new EciBaseCalculator()] as const,
      satRecsCount: n,
      datesCount: 1,
    });
    bulk.setSatRecs(this.records.map(wasmSatrec));
    (this as { backend: PropagatorBackend }).backend = "wasm";
    this.bulk = bulk;
    this.runtime = runtime;
    this.ownsRuntime = owns;
  }

  /**
   * Propagates every satellite to `time` (a Date or Unix milliseconds) and fills the buffers. Returns
   * the number of valid satellites.
   */
  propagateTo(time: Date | number): number {
    if (this.disposed) throw new Error("ConstellationPropagator: propagateTo() after dispose()");
    const ms = typeof time === "number" ? time : time.getTime();
    if (!Number.isFinite(ms)) throw new RangeError(`ConstellationPropagator: invalid time ${time}`);
    this.timeMs = ms;
    const g = gstime(UNIX_EPOCH_JD + ms / MS_PER_DAY);
    this.gmstRad = g;
    if (this.batch !== null) return this.runSimd(ms);
    if (this.bulk !== null) this.runWasm(ms);
    else this.runJs(ms);
    return this.toEarthFixed(g);
  }

  /** One SIMD call for TEME, one for ECF + geodetic (written straight into the view buffers). */
  private runSimd(ms: number): number {
    const batch = this.batch!;
    const ok = batch.propagate(ms);
    batch.toGeodetic();
    const { valid, error } = this;
    for (let i = 0; i < this.count; i++) valid[i] = error[i] === 0 ? 1 : 0;
    return ok;
  }

  /** JS sgp4 per satellite into the ECI buffers. */
  private runJs(ms: number): void {
    const { records, eci, eciVelocity, valid, error, epochMs, decayCheck } = this;
    const pv = SCRATCH6;
    for (let i = 0; i < this.count; i++) {
      const code = propagateInto(records[i], (ms - epochMs[i]) / 60_000, pv, 0, decayCheck);
      error[i] = code;
      valid[i] = code === 0 ? 1 : 0;
      const j = 3 * i;
      eci[j] = pv[0];
      eci[j + 1] = pv[1];
      eci[j + 2] = pv[2];
      eciVelocity[j] = pv[3];
      eciVelocity[j + 1] = pv[4];
      eciVelocity[j + 2] = pv[5];
    }
  }

  /** One BulkPropagator run, copied into the ECI buffers. */
  private runWasm(ms: number): void {
    const bulk = this.bulk!;
    // BulkPropagator takes Dates (whole milliseconds).
    this.date.setTime(Math.round(ms));
    bulk.setDates(this.dates);
    bulk.run(this.runParams);
    let pos = this.positionView;
    if (pos === null || pos.length === 0 || pos.buffer !== this.runtime!.module.HEAP8.buffer) {
      const raw = bulk.getRawOutput().eci;
      this.positionView = pos = raw.position;
      this.velocityView = raw.velocity;
      this.errorView = raw.error;
    }
    const vel = this.velocityView!;
    const err = this.errorView!;
    const { eci, eciVelocity, valid, error } = this;
    const n3 = 3 * this.count;
    eci.set(pos.subarray(0, n3));
    eciVelocity.set(vel.subarray(0, n3));
    for (let i = 0; i < this.count; i++) {
      const code = err[i];
      error[i] = code;
      valid[i] = code === 0 ? 1 : 0;
    }
  }

  /** Rotates to ECF and converts to geodetic in place; invalid satellites get NaN. */
  private toEarthFixed(g: number): number {
    const { eci, ecf, lat, lon, alt, valid } = this;
    const c = Math.cos(g);
    const s = Math.sin(g);
    let ok = 0;
    for (let i = 0; i < this.count; i++) {
      const j = 3 * i;
      if (valid[i] === 0) {
        ecf[j] = ecf[j + 1] = ecf[j + 2] = NaN;
        lat[i] = lon[i] = alt[i] = NaN;
        continue;
      }
      ok++;
      const xi = eci[j], yi = eci[j + 1], z = eci[j + 2];
      const x = c * xi + s * yi;
      const y = -s * xi + c * yi;
      ecf[j] = x;
      ecf[j + 1] = y;
      ecf[j + 2] = z;
      // Bowring, two iterations (see frames.ts ecfToGeodeticInto).
      const p = Math.sqrt(x * x + y * y);
      lon[i] = Math.atan2(y, x);
      if (p < 1e-9) {
        lat[i] = z >= 0 ? Math.PI / 2 : -Math.PI / 2;
        alt[i] = Math.abs(z) - B;
        continue;
      }
      let t = z / (p * ONE_MINUS_F);
      let cb = 1 / Math.sqrt(1 + t * t);
      let sb = t * cb;
      let num = z + EP2 * B * sb * sb * sb;
      let den = p - E2 * A * cb * cb * cb;
      t = ONE_MINUS_F * num / den;
      cb = 1 / Math.sqrt(1 + t * t);
      sb = t * cb;
      num = z + EP2 * B * sb * sb * sb;
      den = p - E2 * A * cb * cb * cb;
      const r = Math.sqrt(num * num + den * den);
      const sinLat = num / r;
      const cosLat = den / r;
      lat[i] = Math.atan2(num, den);
      alt[i] = p * cosLat + z * sinLat - A * Math.sqrt(1 - E2 * sinLat * sinLat);
    }
    return ok;
  }

  /**
   * Frees the WASM propagator and, when owned, the runtime (catching Emscripten's `ExitStatus(0)`).
   * Safe to call twice.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.bulk?.dispose();
    this.bulk = null;
    this.batch = null;
    this.positionView = this.velocityView = null;
    this.errorView = null;
    if (this.runtime !== null && this.ownsRuntime) disposeRuntime(this.runtime);
    this.runtime = null;
  }

  /** `using` support: same as {@link dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

const SCRATCH6 = new Float64Array(6);
