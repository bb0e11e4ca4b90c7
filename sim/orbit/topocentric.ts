/**
 * Ground sites and look angles (azimuth, elevation, range) from a site to a satellite.
 *
 * A {@link SiteFrame} precomputes the site's Earth-fixed position and its local east/north/up axes once,
 * so each look-angle evaluation is a few multiply-adds (satellite.js `ecfToLookAngles` recomputes the
 * site's position and six sines/cosines per call). Azimuth is measured from true north through east,
 * [0°, 360°); elevation is geometric (no refraction), from the WGS84 ellipsoid normal.
 *
 * @example
 * ```ts
 * import { SiteFrame } from "./topocentric.ts";
 * import { geodeticToEcf } from "./frames.ts";
 * const site = new SiteFrame({ latDeg: 0, lonDeg: 0, altKm: 0 });
 * const overhead = geodeticToEcf(0, 0, 550);
 * console.assert(Math.abs(site.lookAngles(overhead).elevationDeg - 90) < 1e-6);
 * ```
 *
 * @module
 */
import { geodeticToEcf, type Vec3 } from "./frames.ts";

/**
 * A ground site: geodetic latitude and longitude in degrees, height above the WGS84 ellipsoid in km.
 *
 * @example
 * ```ts
 * import type { Site } from "./topocentric.ts";
 * const munich: Site = { latDeg: 48.14, lonDeg: 11.58, altKm: 0.52 };
 * console.assert(munich.altKm < 1);
 * ```
 */
export interface Site {
  /** Geodetic latitude, degrees [-90, 90]. */
  latDeg: number;
  /** Longitude, degrees [-180, 360]. */
  lonDeg: number;
  /** Height above the ellipsoid, km. */
  altKm: number;
}

/**
 * Look angles from a site to a target.
 *
 * @example
 * ```ts
 * import { type LookAngles, lookAngles } from "./topocentric.ts";
 * import { geodeticToEcf } from "./frames.ts";
 * const la: LookAngles = lookAngles({ latDeg: 0, lonDeg: 0, altKm: 0 }, geodeticToEcf(0, 0, 600));
 * console.assert(Math.abs(la.elevationDeg - 90) < 1e-6 && Math.abs(la.rangeKm - 600) < 1e-6);
 * ```
 */
export interface LookAngles {
  /** Azimuth from north through east, degrees [0, 360). */
  azimuthDeg: number;
  /** Elevation above the local horizon, degrees [-90, 90]. */
  elevationDeg: number;
  /** Slant range, km. */
  rangeKm: number;
}

const DEG2RAD = Math.PI / 180;
const RAD2DEG = 180 / Math.PI;

/**
 * Throws a RangeError naming the bad field when `site` is not a valid site.
 *
 * @example
 * ```ts
 * import { validateSite } from "./topocentric.ts";
 * validateSite({ latDeg: 52.5, lonDeg: 13.4, altKm: 0.03 });
 * let threw = false;
 * try { validateSite({ latDeg: 95, lonDeg: 0, altKm: 0 }); } catch { threw = true; }
 * console.assert(threw);
 * ```
 */
export function validateSite(site: Site, label = "site"): void {
  const bad = (field: string, v: unknown, want: string) =>
    new RangeError(`${label}: field "${field}" must be ${want}, got ${v}`);
  if (!(Math.abs(site.latDeg) <= 90)) throw bad("latDeg", site.latDeg, "in [-90, 90]");
  if (!(site.lonDeg >= -180 && site.lonDeg <= 360)) {
    throw bad("lonDeg", site.lonDeg, "in [-180, 360]");
  }
  if (!(site.altKm >= -12 && site.altKm <= 100)) throw bad("altKm", site.altKm, "in [-12, 100] km");
}

/**
 * A site with its Earth-fixed position and local east/north/up unit vectors precomputed.
 *
 * @example
 * ```ts
 * import { SiteFrame } from "./topocentric.ts";
 * const f = new SiteFrame({ latDeg: 45, lonDeg: 7, altKm: 0.2 });
 * const out = new Float64Array(3);
 * f.lookAnglesInto(f.x, f.y, f.z + 1000, out, 0); // 1000 km straight along the polar axis
 * console.assert(out[1] > 0 && Math.abs(out[0]) < 1e-9); // north, up
 * ```
 */
export class SiteFrame {
  /** The site. */
  readonly site: Site;
  /** Site Earth-fixed position, km. */
  readonly x: number;
  /** Site Earth-fixed position, km. */
  readonly y: number;
  /** Site Earth-fixed position, km. */
  readonly z: number;
  /** Up (ellipsoid normal) unit vector. */
  readonly ux: number;
  /** Up (ellipsoid normal) unit vector. */
  readonly uy: number;
  /** Up (ellipsoid normal) unit vector. */
  readonly uz: number;
  /** East unit vector. */
  readonly ex: number;
  /** East unit vector. */
  readonly ey: number;
  /** North unit vector. */
  readonly nx: number;
  /** North unit vector. */
  readonly ny: number;
  /** North unit vector. */
  readonly nz: number;

  /** Precomputes the frame; throws RangeError for an invalid site. */
  constructor(site: Site) {
    validateSite(site);
    this.site = { latDeg: site.latDeg, lonDeg: site.lonDeg, altKm: site.altKm };
    const p = geodeticToEcf(site.latDeg, site.lonDeg, site.altKm);
    this.x = p.x;
    this.y = p.y;
    this.z = p.z;
    const lat = site.latDeg * DEG2RAD;
    const lon = site.lonDeg * DEG2RAD;
    const sl = Math.sin(lat), cl = Math.cos(lat), so = Math.sin(lon), co = Math.cos(lon);
    this.ux = cl * co;
    this.uy = cl * so;
    this.uz = sl;
    this.ex = -so;
    this.ey = co;
    this.nx = -sl * co;
    this.ny = -sl * so;
    this.nz = cl;
  }

  /**
   * Sine of the elevation of the Earth-fixed point (x, y, z): cheap (one square root), monotonic in
   * elevation, used to scan for passes.
   */
  sinElevation(x: number, y: number, z: number): number {
    const dx = x - this.x, dy = y - this.y, dz = z - this.z;
    return (dx * this.ux + dy * this.uy + dz * this.uz) / Math.sqrt(dx * dx + dy * dy + dz * dz);
  }

  /**
   * Look angles to the Earth-fixed point (x, y, z) km, written as azimuth (deg), elevation (deg), range
   * (km) into `out[offset..offset + 2]` without allocating.
   */
  lookAnglesInto(x: number, y: number, z: number, out: Float64Array, offset: number): void {
    const dx = x - this.x, dy = y - this.y, dz = z - this.z;
    const e = dx * this.ex + dy * this.ey;
    const n = dx * this.nx + dy * this.ny + dz * this.nz;
    const u = dx * this.ux + dy * this.uy + dz * this.uz;
    const range = Math.sqrt(dx * dx + dy * dy + dz * dz);
    let az = Math.atan2(e, n) * RAD2DEG;
    if (az < 0) az += 360;
    out[offset] = az;
    out[offset + 1] = Math.asin(Math.max(-1, Math.min(1, u / range))) * RAD2DEG;
    out[offset + 2] = range;
  }

  /** Look angles to an Earth-fixed position (km). */
  lookAngles(ecf: Vec3): LookAngles {
    const out = new Float64Array(3);
    this.lookAnglesInto(ecf.x, ecf.y, ecf.z, out, 0);
    return { azimuthDeg: out[0], elevationDeg: out[1], rangeKm: out[2] };
  }
}

/**
 * Look angles from `site` to an Earth-fixed position (km). For many evaluations from one site build a
 * {@link SiteFrame} once instead.
 *
 * @example
 * ```ts
 * import { lookAngles } from "./topocentric.ts";
 * import { geodeticToEcf } from "./frames.ts";
 * const la = lookAngles({ latDeg: 10, lonDeg: 20, altKm: 0 }, geodeticToEcf(12, 20, 500));
 * console.assert(Math.min(la.azimuthDeg, 360 - la.azimuthDeg) < 1e-6); // due north
 * console.assert(la.elevationDeg > 60);
 * ```
 */
export function lookAngles(site: Site, ecf: Vec3): LookAngles {
  return new SiteFrame(site).lookAngles(ecf);
}
