/**
 * Static groups of nearby sensors that share one spatial query per step (see
 * {@linkcode FleetVisibility}): sensors are sorted into the cells of a {@linkcode SphereGrid}, one pass
 * per distinct minimum elevation so a bucket never mixes coverage radii. With `cellDeg` 0 every sensor is
 * its own bucket (the all-pairs baseline).
 *
 * @example
 * ```ts
 * import { sensorBuckets } from "./sensor_buckets.ts";
 * // Two sensors 0.1° apart near the equator, one on the opposite side.
 * const d = 0.1 * Math.PI / 180;
 * const units = new Float64Array([1, 0, 0, Math.cos(d), Math.sin(d), 0, -1, 0, 0]);
 * const b = sensorBuckets(units, 3, new Float64Array(3), 1);
 * console.assert(b.count === 2 && b.start[b.count] === 3);
 * ```
 *
 * @module
 */

import { SphereGrid } from "./sphere_grid.ts";

/**
 * Static groups of nearby sensors.
 *
 * @example
 * ```ts
 * import { type SensorBuckets, sensorBuckets } from "./sensor_buckets.ts";
 * const b: SensorBuckets = sensorBuckets(new Float64Array([0, 0, 1]), 1, new Float64Array(1), 0);
 * console.assert(b.count === 1 && b.members[0] === 0);
 * ```
 */
export interface SensorBuckets {
  /** Number of buckets. */
  count: number;
  /** Bucket b holds `members[start[b] .. start[b + 1])`. */
  start: Int32Array;
  /** Sensor indices, bucket by bucket. */
  members: Int32Array;
  /** Unit vector of each bucket's centre. */
  center: Float64Array;
  /** Largest angle from the centre to a member (plus 1e-6), radians. */
  radius: Float64Array;
  /** Smallest minimum elevation among the members, radians. */
  minElRad: Float64Array;
}

/**
 * Buckets of the `n` sensors with unit vectors `units` and minimum elevations `minElRad`, by cells of
 * `cellDeg` degrees (0: one bucket per sensor).
 *
 * @example
 * ```ts
 * import { sensorBuckets } from "./sensor_buckets.ts";
 * const b = sensorBuckets(new Float64Array([0, 0, 1, 0, 0, 1]), 2, new Float64Array([0, 0.1]), 1);
 * console.assert(b.count === 2); // same place, different minimum elevations
 * ```
 */
export function sensorBuckets(
  units: Float64Array,
  n: number,
  minElRad: Float64Array,
  cellDeg: number,
): SensorBuckets {
  if (cellDeg === 0) {
    const members = Int32Array.from({ length: n }, (_, s) => s);
    return {
      count: n,
      start: Int32Array.from({ length: n + 1 }, (_, b) => b),
      members,
      center: units.slice(0, 3 * n),
      radius: new Float64Array(n),
      minElRad: minElRad.slice(0, n),
    };
  }
  // One grid pass per distinct minimum elevation, so a bucket never mixes coverage radii.
  const levels = [...new Set(minElRad)].sort((a, b) => a - b);
  const starts: number[] = [0];
  const members: number[] = [];
  const grid = new SphereGrid(cellDeg, n, 0); // always sorted into cells: buckets are cells
  const ids = new Int32Array(n);
  for (const level of levels) {
    let m = 0;
    for (let s = 0; s < n; s++) if (minElRad[s] === level) ids[m++] = s;
    grid.build(units, m, ids);
    const cells = grid.rows * grid.cols;
    for (let c = 0; c < cells; c++) {
      const a = grid.cellStart[c], b = grid.cellStart[c + 1];
      if (b === a) continue;
      for (let k = a; k < b; k++) members.push(grid.items[k]);
      starts.push(members.length);
    }
  }
  const count = starts.length - 1;
  const center = new Float64Array(3 * count);
  const radius = new Float64Array(count);
  const minEl = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let x = 0, y = 0, z = 0;
    for (let k = starts[b]; k < starts[b + 1]; k++) {
      const s = members[k];
      x += units[3 * s];
      y += units[3 * s + 1];
      z += units[3 * s + 2];
    }
    const r = Math.sqrt(x * x + y * y + z * z);
    center[3 * b] = x / r;
    center[3 * b + 1] = y / r;
    center[3 * b + 2] = z / r;
    let maxAngle = 0;
    for (let k = starts[b]; k < starts[b + 1]; k++) {
      const s = members[k];
      const d = (units[3 * s] * x + units[3 * s + 1] * y + units[3 * s + 2] * z) / r;
      maxAngle = Math.max(maxAngle, Math.acos(Math.min(1, d)));
    }
    radius[b] = maxAngle + 1e-6;
    minEl[b] = minElRad[members[starts[b]]];
  }
  return {
    count,
    start: Int32Array.from(starts),
    members: Int32Array.from(members),
    center,
    radius,
    minElRad: minEl,
  };
}
