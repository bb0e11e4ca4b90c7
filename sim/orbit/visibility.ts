/**
 * Inter-satellite line of sight and range.
 *
 * Two satellites see each other when the straight segment between them stays clear of the Earth plus an
 * atmosphere margin. The blocking body is the WGS84 ellipsoid grown by `marginKm` on both axes; the test
 * scales z by (a + m)/(b + m), turning it into a sphere, then compares the segment's closest approach to
 * the centre with the sphere's radius. The default margin, {@link DEFAULT_ATMOSPHERE_MARGIN_KM} = 80 km,
 * keeps links out of the mesosphere and below, where optical links suffer refraction, absorption and
 * scintillation and RF links grazing the Earth pass through the dense atmosphere and ionospheric
 * D/E layers; raise it (100 km, the Kármán line) for conservative link budgets. Positions are in any
 * Earth-centred frame (TEME or ECF) as long as both use the same one: the Earth's axis is z in both.
 *
 * @example
 * ```ts
 * import { hasLineOfSight } from "./visibility.ts";
 * const r = 6378 + 550;
 * console.assert(!hasLineOfSight({ x: r, y: 0, z: 0 }, { x: -r, y: 0, z: 0 })); // opposite sides
 * console.assert(hasLineOfSight({ x: r, y: 0, z: 0 }, { x: r * Math.cos(0.3), y: r * Math.sin(0.3), z: 0 }));
 * ```
 *
 * @module
 */
import { type Vec3, WGS84_A_KM, WGS84_B_KM } from "./frames.ts";

/**
 * Default height of the atmosphere a link must clear, km.
 *
 * @example
 * ```ts
 * import { DEFAULT_ATMOSPHERE_MARGIN_KM, hasLineOfSight } from "./visibility.ts";
 * const a = { x: 6378.137 + 90, y: -3000, z: 0 }, b = { x: 6378.137 + 90, y: 3000, z: 0 }; // grazes at 90 km
 * console.assert(DEFAULT_ATMOSPHERE_MARGIN_KM === 80 && hasLineOfSight(a, b) && !hasLineOfSight(a, b, 100));
 * ```
 */
export const DEFAULT_ATMOSPHERE_MARGIN_KM = 80;

/** Does the segment (a, b) clear the ellipsoid grown by `marginKm`? Core test on raw coordinates. */
function clear(
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
  marginKm: number,
): boolean {
  const ra = WGS84_A_KM + marginKm;
  const k = ra / (WGS84_B_KM + marginKm); // stretch z so the ellipsoid becomes a sphere of radius ra
  az *= k;
  bz *= k;
  const dx = bx - ax, dy = by - ay, dz = bz - az;
  const dd = dx * dx + dy * dy + dz * dz;
  let t = dd > 0 ? -(ax * dx + ay * dy + az * dz) / dd : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const cx = ax + t * dx, cy = ay + t * dy, cz = az + t * dz;
  return cx * cx + cy * cy + cz * cz > ra * ra;
}

/**
 * True when the straight line between positions `a` and `b` (km, same Earth-centred frame) clears the
 * Earth plus `marginKm` of atmosphere (default 80 km).
 *
 * @example
 * ```ts
 * import { hasLineOfSight } from "./visibility.ts";
 * const a = { x: 7000, y: 0, z: 0 };
 * // 90° apart: the chord passes 4950 km from the centre, through the Earth.
 * console.assert(!hasLineOfSight(a, { x: 0, y: 7000, z: 0 }));
 * // 0.5 rad apart: the chord passes 6782 km from the centre, above 6378 + 80 km.
 * console.assert(hasLineOfSight(a, { x: 7000 * Math.cos(0.5), y: 7000 * Math.sin(0.5), z: 0 }));
 * ```
 */
export function hasLineOfSight(a: Vec3, b: Vec3, marginKm = DEFAULT_ATMOSPHERE_MARGIN_KM): boolean {
  return clear(a.x, a.y, a.z, b.x, b.y, b.z, marginKm);
}

/**
 * Line of sight between satellites `i` and `j` of a packed position buffer ([x0, y0, z0, x1, ...], e.g.
 * `ConstellationPropagator.eci`), without allocating.
 *
 * @example
 * ```ts
 * import { lineOfSightAt } from "./visibility.ts";
 * const pos = new Float64Array([6928, 0, 0, -6928, 0, 0, 6928 * Math.cos(0.2), 6928 * Math.sin(0.2), 0]);
 * console.assert(!lineOfSightAt(pos, 0, 1) && lineOfSightAt(pos, 0, 2));
 * ```
 */
export function lineOfSightAt(
  positions: Float64Array,
  i: number,
  j: number,
  marginKm = DEFAULT_ATMOSPHERE_MARGIN_KM,
): boolean {
  const a = 3 * i, b = 3 * j;
  return clear(
    positions[a],
    positions[a + 1],
    positions[a + 2],
    positions[b],
    positions[b + 1],
    positions[b + 2],
    marginKm,
  );
}

/**
 * Distance between two positions, km.
 *
 * @example
 * ```ts
 * import { rangeKm } from "./visibility.ts";
 * console.assert(rangeKm({ x: 0, y: 0, z: 0 }, { x: 3, y: 4, z: 0 }) === 5);
 * ```
 */
export function rangeKm(a: Vec3, b: Vec3): number {
  const dx = b.x - a.x, dy = b.y - a.y, dz = b.z - a.z;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Distance between satellites `i` and `j` of a packed position buffer, km.
 *
 * @example
 * ```ts
 * import { rangeAt } from "./visibility.ts";
 * console.assert(rangeAt(new Float64Array([0, 0, 0, 0, 0, 2]), 0, 1) === 2);
 * ```
 */
export function rangeAt(positions: Float64Array, i: number, j: number): number {
  const a = 3 * i, b = 3 * j;
  const dx = positions[b] - positions[a];
  const dy = positions[b + 1] - positions[a + 1];
  const dz = positions[b + 2] - positions[a + 2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Options of {@link islVisibility}.
 *
 * @example
 * ```ts
 * import { islVisibility, type IslOptions } from "./visibility.ts";
 * const options: IslOptions = { marginKm: 100, maxRangeKm: 5000 };
 * const pos = new Float64Array([6928, 0, 0, 6928, 1000, 0]);
 * const m = new Uint8Array(4);
 * console.assert(islVisibility(pos, 2, m, options) === 1);
 * ```
 */
export interface IslOptions {
  /** Atmosphere margin, km. Default {@link DEFAULT_ATMOSPHERE_MARGIN_KM}. */
  marginKm?: number;
  /** Links longer than this are not visible (terminal range), km. Default unlimited. */
  maxRangeKm?: number;
}

/**
 * Fills the symmetric `count`×`count` visibility matrix `out` (row-major, 1 = visible, diagonal 0) for the
 * packed positions, honouring line of sight and an optional maximum range. Returns the number of visible
 * pairs (i < j). Invalid (NaN) positions see nothing.
 *
 * @example
 * ```ts
 * import { islVisibility } from "./visibility.ts";
 * const r = 6928;
 * const c = r * Math.cos(Math.PI / 6), s = r * Math.sin(Math.PI / 6);
 * const pos = new Float64Array([r, 0, 0, -r, 0, 0, c, s, 0]); // at 0°, 180°, 30°
 * const m = new Uint8Array(9);
 * console.assert(islVisibility(pos, 3, m) === 1); // only 0-2: the others cross the Earth
 * console.assert(m[0 * 3 + 2] === 1 && m[2 * 3 + 0] === 1 && m[0 * 3 + 1] === 0);
 * console.assert(islVisibility(pos, 3, m, { maxRangeKm: 3000 }) === 0); // 0-2 is 3586 km long
 * ```
 */
export function islVisibility(
  positions: Float64Array,
  count: number,
  out: Uint8Array,
  options: IslOptions = {},
): number {
  if (out.length < count * count) {
    throw new RangeError(`islVisibility: "out" needs ${count * count} entries, has ${out.length}`);
  }
  const margin = options.marginKm ?? DEFAULT_ATMOSPHERE_MARGIN_KM;
  const max = options.maxRangeKm ?? Infinity;
  const max2 = max * max;
  let pairs = 0;
  for (let i = 0; i < count; i++) {
    out[i * count + i] = 0;
    const a = 3 * i;
    const ax = positions[a], ay = positions[a + 1], az = positions[a + 2];
    for (let j = i + 1; j < count; j++) {
      const b = 3 * j;
      const bx = positions[b], by = positions[b + 1], bz = positions[b + 2];
      const dx = bx - ax, dy = by - ay, dz = bz - az;
      const d2 = dx * dx + dy * dy + dz * dz;
      const v = d2 <= max2 && clear(ax, ay, az, bx, by, bz, margin) ? 1 : 0;
      out[i * count + j] = v;
      out[j * count + i] = v;
      pairs += v;
    }
  }
  return pairs;
}
