/**
 * Satellite geometry per decision epoch for the fleet env: Earth-fixed positions, unit vectors, radii,
 * Earth-fixed velocities, sunlit fractions and the Sun's direction, in preallocated typed arrays.
 *
 * Positions come from the orbit module's {@linkcode ConstellationPropagator} (JS backend: synchronous and
 * bit-reproducible), eclipse from {@linkcode eclipseFractions} and the Sun from {@linkcode sunDirection}.
 * Because every episode starts at the scenario's start plus a whole number of steps, the geometry of step
 * k is the same in every episode: when the whole span (jitter + episode) is small enough, it is computed
 * once into a table shared by every env of the same constellation and each epoch is a copy
 * (`cache: "auto"`, under {@linkcode EPHEMERIS_CACHE_LIMIT_BYTES}); otherwise it is propagated per step.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * import { FleetOrbits } from "./orbits.ts";
 * const w = buildFleetWorld(builtinScenario("leo-wildfire"));
 * const orbits = new FleetOrbits(w.satellites, Date.parse("2022-08-10T00:00:00Z"), 30, 10);
 * orbits.setStep(3);
 * console.assert(Math.abs(orbits.radius[0] - 7128) < 30);
 * ```
 *
 * @module
 */

import {
  ConstellationPropagator,
  eclipseFractions,
  type SatelliteRecord,
  sunDirection,
} from "../orbit/mod.ts";

/**
 * Ephemeris tables up to this size are computed once and shared (`cache: "auto"`).
 *
 * @example
 * ```ts
 * import { EPHEMERIS_CACHE_LIMIT_BYTES } from "./orbits.ts";
 * console.assert(EPHEMERIS_CACHE_LIMIT_BYTES >= 8 * 1024 * 1024);
 * ```
 */
export const EPHEMERIS_CACHE_LIMIT_BYTES = 32 * 1024 * 1024;

const EARTH_RATE = 7.2921158553e-5; // rad/s
/** Floats per satellite per step in the table: ecf(3), velocity(3), sunlit(1), valid(1). */
const PER_SAT = 8;

interface Table {
  data: Float64Array;
  /** Sun direction per step, Earth-fixed. */
  sun: Float64Array;
  steps: number;
}

const tables = new Map<string, Table>();
/** Shared tables are dropped oldest first beyond this total (envs keep theirs alive). */
const SHARED_TABLES_LIMIT_BYTES = 128 * 1024 * 1024;

function remember(key: string, table: Table): void {
  tables.set(key, table);
  let total = 0;
  for (const t of tables.values()) total += t.data.byteLength;
  for (const [k, t] of tables) {
    if (total <= SHARED_TABLES_LIMIT_BYTES || k === key) break;
    tables.delete(k);
    total -= t.data.byteLength;
  }
}

/** A short fingerprint of the records' identities and elements, so a changed file never hits a stale table. */
function fingerprint(records: readonly SatelliteRecord[]): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h = Math.imul(h ^ (x | 0), 16777619);
    h = Math.imul(h ^ ((x * 1e6) % 2147483647 | 0), 16777619);
  };
  for (const r of records) {
    mix(r.catalogNumber);
    mix(r.epochMs % 1e9);
    mix(r.satrec.nokozai * 1e6);
    mix(r.satrec.inclo * 1e6);
    mix(r.satrec.nodeo * 1e6);
    mix(r.satrec.mo * 1e6);
  }
  return `${records.length}:${(h >>> 0).toString(16)}`;
}

/**
 * Per-epoch satellite geometry of one constellation.
 *
 * @example
 * ```ts
 * import { walkerDelta } from "../orbit/mod.ts";
 * import { FleetOrbits } from "./orbits.ts";
 * const sats = walkerDelta({ total: 4, planes: 2, phasing: 1, altitudeKm: 550, inclinationDeg: 53,
 *   epoch: new Date("2022-08-10T00:00:00Z") });
 * const o = new FleetOrbits(sats, Date.parse("2022-08-10T00:00:00Z"), 60, 5, { cache: "never" });
 * o.setStep(2);
 * console.assert(o.valid[3] === 1 && o.sunlit[0] >= 0 && !o.cached);
 * ```
 */
export class FleetOrbits {
  /** Number of satellites. */
  readonly count: number;
  /** Earth-fixed position, km: [x, y, z] per satellite (NaN where SGP4 failed). */
  readonly ecf: Float64Array;
  /** Unit position vector (NaN where SGP4 failed). */
  readonly unit: Float64Array;
  /** Distance from the Earth's centre, km. */
  readonly radius: Float64Array;
  /** Earth-fixed velocity, km/s. */
  readonly velocity: Float64Array;
  /** 1 - eclipse fraction: 1 in sunlight, 0 in umbra. */
  readonly sunlit: Float64Array;
  /** 1 where the satellite propagated. */
  readonly valid: Uint8Array;
  /** Sun direction, Earth-fixed unit vector. */
  readonly sun: Float64Array = new Float64Array(3);
  /** Whether a shared table is used. */
  readonly cached: boolean;
  /** Bytes of the shared table (0 when propagating every step). */
  readonly tableBytes: number;
  /** Smallest satellite radius at the current step, km. */
  minRadius = 0;
  /** Largest satellite radius at the current step, km. */
  maxRadius = 0;

  readonly #startMs: number;
  readonly #dtMs: number;
  readonly #table: Table | null;
  readonly #prop: ConstellationPropagator | null;
  readonly #eclipse: Float64Array;

  /**
   * Geometry for steps 0..`steps` of `records` from `startMs` every `dtS` seconds. `cacheKey` names the
   * constellation for the shared table (omit to never share).
   */
  constructor(
    records: readonly SatelliteRecord[],
    startMs: number,
    dtS: number,
    steps: number,
    options: { cache?: "auto" | "always" | "never"; cacheKey?: string } = {},
  ) {
    const n = records.length;
    this.count = n;
    this.ecf = new Float64Array(3 * n);
    this.unit = new Float64Array(3 * n);
    this.radius = new Float64Array(n);
    this.velocity = new Float64Array(3 * n);
    this.sunlit = new Float64Array(n);
    this.valid = new Uint8Array(n);
    this.#eclipse = new Float64Array(n);
    this.#startMs = startMs;
    this.#dtMs = dtS * 1000;
    const mode = options.cache ?? "auto";
    const bytes = (steps + 1) * n * PER_SAT * 8;
    const useTable = mode === "always" || (mode === "auto" && bytes <= EPHEMERIS_CACHE_LIMIT_BYTES);
    this.cached = useTable;
    const prop = new ConstellationPropagator(records);
    if (useTable) {
      const key = options.cacheKey === undefined
        ? undefined
        : `${options.cacheKey}|${startMs}|${dtS}|${steps}|${fingerprint(records)}`;
      let table = key === undefined ? undefined : tables.get(key);
      if (table === undefined) {
        table = {
          data: new Float64Array((steps + 1) * n * PER_SAT),
          sun: new Float64Array(3 * (steps + 1)),
          steps,
        };
        for (let k = 0; k <= steps; k++) {
          this.#compute(prop, k);
          const base = k * n * PER_SAT;
          for (let i = 0; i < n; i++) {
            const o = base + i * PER_SAT;
            table.data[o] = this.ecf[3 * i];
            table.data[o + 1] = this.ecf[3 * i + 1];
            table.data[o + 2] = this.ecf[3 * i + 2];
            table.data[o + 3] = this.velocity[3 * i];
            table.data[o + 4] = this.velocity[3 * i + 1];
            table.data[o + 5] = this.velocity[3 * i + 2];
            table.data[o + 6] = this.sunlit[i];
            table.data[o + 7] = this.valid[i];
          }
          table.sun[3 * k] = this.sun[0];
          table.sun[3 * k + 1] = this.sun[1];
          table.sun[3 * k + 2] = this.sun[2];
        }
        if (key !== undefined) remember(key, table);
      }
      this.#table = table;
      this.#prop = null;
      this.tableBytes = table.data.byteLength + table.sun.byteLength;
    } else {
      this.#table = null;
      this.#prop = prop;
      this.tableBytes = 0;
    }
  }

  /** Fills the arrays for step `k` (time `startMs + k dt`). */
  setStep(k: number): void {
    const table = this.#table;
    if (table === null) {
      this.#compute(this.#prop!, k);
    } else {
      if (!(k >= 0 && k <= table.steps)) {
        throw new RangeError(`FleetOrbits: step ${k} is outside the table (0..${table.steps})`);
      }
      const n = this.count;
      const d = table.data;
      const base = k * n * PER_SAT;
      const { ecf, velocity, sunlit, valid } = this;
      for (let i = 0; i < n; i++) {
        const o = base + i * PER_SAT;
        ecf[3 * i] = d[o];
        ecf[3 * i + 1] = d[o + 1];
        ecf[3 * i + 2] = d[o + 2];
        velocity[3 * i] = d[o + 3];
        velocity[3 * i + 1] = d[o + 4];
        velocity[3 * i + 2] = d[o + 5];
        sunlit[i] = d[o + 6];
        valid[i] = d[o + 7];
      }
      this.sun[0] = table.sun[3 * k];
      this.sun[1] = table.sun[3 * k + 1];
      this.sun[2] = table.sun[3 * k + 2];
    }
    this.#units();
  }

  /** Time of step `k`, Unix ms. */
  timeOf(k: number): number {
    return this.#startMs + k * this.#dtMs;
  }

  #compute(prop: ConstellationPropagator, k: number): void {
    const t = this.timeOf(k);
    prop.propagateTo(t);
    const n = this.count;
    const g = prop.gmstRad;
    const c = Math.cos(g), s = Math.sin(g);
    const { ecf, velocity, valid, sunlit } = this;
    ecf.set(prop.ecf);
    valid.set(prop.valid);
    const v = prop.eciVelocity;
    for (let i = 0; i < n; i++) {
      const j = 3 * i;
      // Earth-fixed velocity: rotate, then remove the frame's rotation (omega x r).
      velocity[j] = c * v[j] + s * v[j + 1] + EARTH_RATE * ecf[j + 1];
      velocity[j + 1] = -s * v[j] + c * v[j + 1] - EARTH_RATE * ecf[j];
      velocity[j + 2] = v[j + 2];
    }
    eclipseFractions(prop.eci, n, t, this.#eclipse);
    for (let i = 0; i < n; i++) {
      const f = this.#eclipse[i];
      sunlit[i] = f === f ? 1 - f : 0;
    }
    const sd = sunDirection(t);
    this.sun[0] = c * sd.x + s * sd.y;
    this.sun[1] = -s * sd.x + c * sd.y;
    this.sun[2] = sd.z;
  }

  #units(): void {
    const { ecf, unit, radius, valid } = this;
    let lo = Infinity, hi = 0;
    for (let i = 0; i < this.count; i++) {
      const j = 3 * i;
      if (valid[i] === 0) {
        unit[j] = unit[j + 1] = unit[j + 2] = NaN;
        radius[i] = NaN;
        continue;
      }
      const r = Math.sqrt(ecf[j] * ecf[j] + ecf[j + 1] * ecf[j + 1] + ecf[j + 2] * ecf[j + 2]);
      radius[i] = r;
      unit[j] = ecf[j] / r;
      unit[j + 1] = ecf[j + 1] / r;
      unit[j + 2] = ecf[j + 2] / r;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    this.minRadius = lo === Infinity ? 6378 : lo;
    this.maxRadius = hi === 0 ? 6378 : hi;
  }
}
