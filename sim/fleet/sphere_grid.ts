/**
 * A cell grid on the sphere for "what is within angle r of this point" queries between thousands of
 * satellites, sensors and events, replacing all-pairs scans.
 *
 * Points are unit vectors (Earth-centred, any frame). The grid divides geocentric latitude and longitude
 * into equal-angle cells; `build` counting-sorts the points into cells in O(n + cells) with no allocation,
 * and a query visits only the cells of the cap's latitude band and longitude span
 * (`asin(sin r / cos lat)`, the whole band near the poles), then tests candidates exactly by the dot
 * product. With cells about the query radius, a query costs O(points within ~2r), independent of the fleet
 * size at constant density; with few points (at most 32) or when the cap spans more cells than there are
 * points, the query scans the points instead, so it never costs much more than the all-pairs scan. `bench/fleet_bench.ts`
 * measures it against the all-pairs scan.
 *
 * @example
 * ```ts
 * import { SphereGrid } from "./sphere_grid.ts";
 * const units = new Float64Array([1, 0, 0, 0, 1, 0, Math.cos(0.01), Math.sin(0.01), 0]);
 * const grid = new SphereGrid(5, 3);
 * grid.build(units, 3);
 * const out = new Int32Array(3);
 * const n = grid.within(1, 0, 0, 0.05, out);
 * console.assert(n === 2); // points 0 and 2
 * ```
 *
 * @module
 */

const HALF_PI = Math.PI / 2;
/** Builds of at most this many points skip the cells: queries scan them. */
const FLAT_LIMIT = 32;
const TWO_PI = 2 * Math.PI;

/**
 * An equal-angle latitude/longitude cell grid over unit vectors.
 *
 * @example
 * ```ts
 * import { SphereGrid } from "./sphere_grid.ts";
 * const grid = new SphereGrid(10, 2);
 * grid.build(new Float64Array([0, 0, 1, 0, 0, -1]), 2);
 * const out = new Int32Array(2);
 * console.assert(grid.within(0, 0, 1, 0.1, out) === 1 && out[0] === 0);
 * ```
 */
export class SphereGrid {
  /** Cell size, radians. */
  readonly cellRad: number;
  /** Number of latitude rows. */
  readonly rows: number;
  /** Number of longitude columns. */
  readonly cols: number;
  /** Start of each cell's items in {@linkcode items}; cell c holds `items[cellStart[c] .. cellStart[c+1])`. */
  readonly cellStart: Int32Array;
  /** Item ids sorted by cell. */
  items: Int32Array;
  /** Number of items in the last build. */
  size = 0;
  /** Cos of the candidate's angle to the query point, written by {@linkcode within} beside `out`. */
  cosines: Float64Array;
  /** When true, every query scans all points (the all-pairs baseline, for benchmarks). */
  scanAll = false;
  #cellOf: Int32Array;
  #flat = false;
  readonly #flatLimit: number;
  #units: Float64Array = new Float64Array(0);
  #ids: Int32Array | null = null;

  /**
   * A grid with cells of `cellDeg` degrees, room for `capacity` items (grown by `build` when needed).
   *
   * @param cellDeg Cell size in degrees, in (0, 90]; about the typical query radius works best.
   * @param capacity Initial item capacity.
   * @param flatLimit Builds of at most this many points skip the cells and queries scan them (default
   *   32; 0 always sorts into cells, for callers that read {@linkcode cellStart}).
   */
  constructor(cellDeg: number, capacity: number, flatLimit = FLAT_LIMIT) {
    if (!(cellDeg > 0 && cellDeg <= 90)) {
      throw new RangeError(`SphereGrid: cellDeg must be in (0, 90], got ${cellDeg}`);
    }
    this.#flatLimit = flatLimit;
    this.rows = Math.ceil(180 / cellDeg);
    this.cols = Math.ceil(360 / cellDeg);
    this.cellRad = Math.PI / this.rows;
    this.cellStart = new Int32Array(this.rows * this.cols + 1);
    const cap = Math.max(1, capacity);
    this.items = new Int32Array(cap);
    this.#cellOf = new Int32Array(cap);
    this.cosines = new Float64Array(cap);
  }

  /** The cell of unit vector (x, y, z). */
  cellOf(x: number, y: number, z: number): number {
    const lat = Math.asin(z < -1 ? -1 : z > 1 ? 1 : z);
    let row = Math.floor((lat + HALF_PI) / this.cellRad);
    if (row >= this.rows) row = this.rows - 1;
    else if (row < 0) row = 0;
    let col = Math.floor((Math.atan2(y, x) + Math.PI) / (TWO_PI / this.cols));
    if (col >= this.cols) col = 0;
    else if (col < 0) col = 0;
    return row * this.cols + col;
  }

  /**
   * Sorts `count` points into cells. Point k has the unit vector `units[3p .. 3p + 2]` where p = `ids[k]`
   * (or p = k without `ids`); queries report p. NaN vectors (invalid satellites) are skipped. The arrays
   * are referenced, not copied: rebuild after they change.
   */
  build(units: Float64Array, count: number, ids: Int32Array | null = null): void {
    if (count > this.items.length) {
      const cap = Math.max(count, 2 * this.items.length);
      this.items = new Int32Array(cap);
      this.#cellOf = new Int32Array(cap);
      this.cosines = new Float64Array(cap);
    }
    this.#units = units;
    this.#ids = ids;
    if (count <= this.#flatLimit) {
      // A handful of points: keep them in a flat list that every query scans (no cells, no trigonometry).
      let n = 0;
      for (let k = 0; k < count; k++) {
        const p = ids === null ? k : ids[k];
        const x = units[3 * p];
        if (x === x) this.items[n++] = p;
      }
      this.size = n;
      this.#flat = true;
      return;
    }
    this.#flat = false;
    const start = this.cellStart;
    const cellOf = this.#cellOf;
    start.fill(0);
    let n = 0;
    for (let k = 0; k < count; k++) {
      const p = ids === null ? k : ids[k];
      const x = units[3 * p], y = units[3 * p + 1], z = units[3 * p + 2];
      if (x !== x || y !== y || z !== z) {
        cellOf[k] = -1;
        continue;
      }
      const c = this.cellOf(x, y, z);
      cellOf[k] = c;
      start[c + 1]++;
      n++;
    }
    const cells = this.rows * this.cols;
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    // Fill using start[c] as a cursor, then shift back.
    for (let k = 0; k < count; k++) {
      const c = cellOf[k];
      if (c < 0) continue;
      this.items[start[c]++] = ids === null ? k : ids[k];
    }
    for (let c = cells; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;
    this.size = n;
  }

  /**
   * Writes into `out` every built point within angle `radiusRad` of unit vector (x, y, z) and into
   * {@linkcode cosines} the cosine of its angle, in cell order; returns how many. `out` must have room for
   * the built item count.
   */
  within(
    x: number,
    y: number,
    z: number,
    radiusRad: number,
    out: Int32Array,
    exclude = -1,
  ): number {
    const units = this.#units;
    const cosR = Math.cos(radiusRad);
    const cosines = this.cosines;
    if (this.#flat || this.scanAll) return this.#scan(x, y, z, cosR, out, exclude);
    const lat = Math.asin(z < -1 ? -1 : z > 1 ? 1 : z);
    const latLo = lat - radiusRad;
    const latHi = lat + radiusRad;
    const rows = this.rows, cols = this.cols, cell = this.cellRad;
    let rowLo = Math.floor((latLo + HALF_PI) / cell);
    let rowHi = Math.floor((latHi + HALF_PI) / cell);
    if (rowLo < 0) rowLo = 0;
    if (rowHi >= rows) rowHi = rows - 1;
    let colLo = 0, colHi = cols - 1;
    if (latLo > -HALF_PI && latHi < HALF_PI) {
      const s = Math.sin(radiusRad) / Math.cos(lat);
      if (s < 1) {
        const dLon = Math.asin(s);
        const colW = TWO_PI / cols;
        const lon = Math.atan2(y, x) + Math.PI;
        colLo = Math.floor((lon - dLon) / colW);
        colHi = Math.floor((lon + dLon) / colW);
        if (colHi - colLo + 1 >= cols) {
          colLo = 0;
          colHi = cols - 1;
        }
      }
    }
    const start = this.cellStart, items = this.items;
    let n = 0;
    if ((rowHi - rowLo + 1) * (colHi - colLo + 1) >= this.size) {
      // Sparse grid: scanning every item is cheaper than visiting the cells.
      return this.#scan(x, y, z, cosR, out, exclude);
    }
    for (let row = rowLo; row <= rowHi; row++) {
      const base = row * cols;
      for (let cc = colLo; cc <= colHi; cc++) {
        const col = cc < 0 ? cc + cols : cc >= cols ? cc - cols : cc;
        const c = base + col;
        const end = start[c + 1];
        for (let k = start[c]; k < end; k++) {
          const p = items[k];
          if (p === exclude) continue;
          const d = x * units[3 * p] + y * units[3 * p + 1] + z * units[3 * p + 2];
          if (d >= cosR) {
            out[n] = p;
            cosines[n] = d;
            n++;
          }
        }
      }
    }
    return n;
  }

  #scan(x: number, y: number, z: number, cosR: number, out: Int32Array, exclude: number): number {
    const units = this.#units, items = this.items, cosines = this.cosines;
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const p = items[k];
      if (p === exclude) continue;
      const d = x * units[3 * p] + y * units[3 * p + 1] + z * units[3 * p + 2];
      if (d >= cosR) {
        out[n] = p;
        cosines[n] = d;
        n++;
      }
    }
    return n;
  }

  /** The ids passed to the last build (null: points were 0..count-1). */
  get ids(): Int32Array | null {
    return this.#ids;
  }
}

/**
 * All-pairs reference for {@linkcode SphereGrid.within}: every point of `units[0 .. 3 count)` within
 * `radiusRad` of (x, y, z), in index order. Used by tests and the benchmark's comparison.
 *
 * @example
 * ```ts
 * import { bruteWithin } from "./sphere_grid.ts";
 * const out = new Int32Array(2);
 * console.assert(bruteWithin(new Float64Array([0, 0, 1, 1, 0, 0]), 2, 0, 0, 1, 0.1, out) === 1);
 * ```
 */
export function bruteWithin(
  units: Float64Array,
  count: number,
  x: number,
  y: number,
  z: number,
  radiusRad: number,
  out: Int32Array,
): number {
  const cosR = Math.cos(radiusRad);
  let n = 0;
  for (let p = 0; p < count; p++) {
    if (x * units[3 * p] + y * units[3 * p + 1] + z * units[3 * p + 2] >= cosR) out[n++] = p;
  }
  return n;
}
