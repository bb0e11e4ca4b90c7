import assert from "node:assert/strict";
import { constants, sgp4 } from "satellite.js";
import { meanMotionForAltitude, walkerDelta, type WalkerSatellite } from "./walker.ts";
import { gmst, temeToGeodetic } from "./frames.ts";

const EPOCH = new Date("2022-08-10T00:00:00Z");
const DEG = 180 / Math.PI;

/** RAAN and argument of latitude (degrees) from the propagated osculating state at epoch. */
function angles(s: WalkerSatellite): { raan: number; u: number; incl: number } {
  const { position: r, velocity: v } = sgp4(s.satrec, 0)!;
  const hx = r.y * v.z - r.z * v.y, hy = r.z * v.x - r.x * v.z, hz = r.x * v.y - r.y * v.x;
  const h = Math.hypot(hx, hy, hz);
  const raan = Math.atan2(hx, -hy);
  const incl = Math.acos(hz / h);
  const u = Math.atan2(r.z / Math.sin(incl), r.x * Math.cos(raan) + r.y * Math.sin(raan));
  const wrap = (a: number) => ((a * DEG) % 360 + 360) % 360;
  return { raan: wrap(raan), u: wrap(u), incl: incl * DEG };
}

/** Smallest signed difference a - b in degrees. */
function diff(a: number, b: number): number {
  return ((a - b + 540) % 360) - 180;
}

Deno.test("walker: 72x22 shell geometry (planes, in-plane spacing, inter-plane phasing)", () => {
  const T = 1584, P = 72, F = 39, S = T / P;
  const sats = walkerDelta({
    total: T,
    planes: P,
    phasing: F,
    altitudeKm: 550,
    inclinationDeg: 53,
    epoch: EPOCH,
  });
  assert.equal(sats.length, T);
  const a = sats.map(angles);
  // Osculating SGP4 elements differ from the mean ones by J2 short-period terms (measured up to 0.05°
  // here), equally for satellites at the same argument of latitude; the tolerances stay far below the
  // spacings tested (5° RAAN, 8.86° phasing, 16.4° in-plane).
  for (let p = 0; p < P; p++) {
    const base = p * S;
    // Planes equally spaced in RAAN: 5°.
    if (p > 0) {
      assert.ok(Math.abs(diff(a[base].raan, a[base - S].raan) - 360 / P) < 0.02, `plane ${p}`);
    }
    // Phasing between adjacent planes: F·360/T.
    if (p > 0) {
      assert.ok(Math.abs(diff(a[base].u, a[base - S].u) - F * 360 / T) < 0.05, `phasing ${p}`);
    }
    for (let s = 1; s < S; s++) {
      assert.ok(
        Math.abs(diff(a[base + s].u, a[base + s - 1].u) - 360 / S) < 0.08,
        `slot ${p}/${s}`,
      );
      assert.ok(Math.abs(diff(a[base + s].raan, a[base].raan)) < 0.1);
    }
  }
  assert.ok(a.every((x) => Math.abs(x.incl - 53) < 0.05));
  assert.equal(sats[P * S - 1].name, "WALKER-P71-S21");
});

Deno.test("walker: SGP4 mean altitude matches; geodetic height stays near it", () => {
  for (const [alt, inc] of [[550, 53], [780, 86.4], [1200, 30], [20200, 55]]) {
    const sats = walkerDelta({
      total: 4,
      planes: 2,
      phasing: 1,
      altitudeKm: alt,
      inclinationDeg: inc,
      epoch: EPOCH,
    });
    for (const s of sats) {
      assert.ok(Math.abs(s.satrec.a * constants.earthRadius - constants.earthRadius - alt) < 1e-5);
    }
    // Over one orbit the geodetic height stays within a few tens of km: up to +21 km over the poles
    // (oblateness), a few km of J2 short-period terms.
    const periodMin = 2 * Math.PI / sats[0].satrec.no;
    let lo = Infinity, hi = -Infinity;
    for (let m = 0; m < periodMin; m += periodMin / 90) {
      const g = temeToGeodetic(
        sgp4(sats[0].satrec, m)!.position,
        gmst(EPOCH.getTime() + m * 60_000),
      );
      lo = Math.min(lo, g.altKm);
      hi = Math.max(hi, g.altKm);
    }
    assert.ok(lo > alt - 15 && hi < alt + 35, `${alt} km: geodetic ${lo}..${hi}`);
  }
  // Kepler's law alone would put a 550 km orbit ~10 km off: the Kozai/Brouwer correction matters.
  const n = meanMotionForAltitude(550, 53);
  const kepler = Math.sqrt(constants.mu / (6928.135 ** 3)) * 86400 / (2 * Math.PI);
  assert.ok(Math.abs(n - kepler) > 1e-4 && Math.abs(n - kepler) < 0.05);
});

Deno.test("walker: invalid parameters name the field", () => {
  const ok = {
    total: 24,
    planes: 6,
    phasing: 1,
    altitudeKm: 550,
    inclinationDeg: 53,
    epoch: EPOCH,
  };
  assert.throws(
    () => walkerDelta({ ...ok, total: 25 }),
    /"total" must be divisible by planes \(6\), got 25/,
  );
  assert.throws(() => walkerDelta({ ...ok, phasing: 6 }), /"phasing" must be an integer in 0\.\.5/);
  assert.throws(() => walkerDelta({ ...ok, phasing: -1 }), /"phasing"/);
  assert.throws(() => walkerDelta({ ...ok, planes: 0 }), /"planes"/);
  assert.throws(() => walkerDelta({ ...ok, altitudeKm: 50 }), /"altitudeKm"/);
  assert.throws(() => walkerDelta({ ...ok, inclinationDeg: 200 }), /"inclinationDeg"/);
  assert.throws(() => walkerDelta({ ...ok, epoch: new Date(NaN) }), /"epoch"/);
  assert.throws(() => walkerDelta({ ...ok, eccentricity: 0.5 }), /"eccentricity"/);
});
