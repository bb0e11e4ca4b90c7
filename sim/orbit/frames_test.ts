import assert from "node:assert/strict";
import { eciToEcf, eciToGeodetic, gstime, sgp4 } from "satellite.js";
import {
  ecfToGeodetic,
  ecfToGeodeticInto,
  ecfToTeme,
  geodeticToEcf,
  gmst,
  julianDate,
  temeToEcf,
  temeToGeodetic,
} from "./frames.ts";
import { loadTle } from "./tle.ts";

Deno.test("frames: gmst and julianDate match satellite.js", () => {
  for (const iso of ["2000-01-01T12:00:00Z", "2022-08-10T06:30:12.345Z", "2031-03-01T00:00:00Z"]) {
    const d = new Date(iso);
    assert.ok(Math.abs(gmst(d) - gstime(d)) < 1e-9, iso);
  }
  assert.equal(julianDate(Date.UTC(2000, 0, 1, 12)), 2451545);
});

Deno.test("frames: TEME->ECF and geodetic agree with satellite.js eciToEcf / eciToGeodetic (< 1 m)", async () => {
  const sats = [
    ...(await loadTle("data/tle/starlink-53deg.tle")).slice(0, 200),
    ...(await loadTle("data/tle/gps.tle")),
    ...(await loadTle("data/tle/sun-synchronous-leo.tle")).slice(0, 200),
  ];
  const t = Date.UTC(2022, 7, 10, 3);
  const g = gmst(t);
  let worst = 0;
  for (const s of sats) {
    const p = sgp4(s.satrec, (t - s.epochMs) / 60_000)!.position;
    const e = temeToEcf(p, g);
    const ref = eciToEcf(p, g);
    assert.ok(Math.hypot(e.x - ref.x, e.y - ref.y, e.z - ref.z) < 1e-9);
    const back = ecfToTeme(e, g);
    assert.ok(Math.hypot(back.x - p.x, back.y - p.y, back.z - p.z) < 1e-9);
    const ours = temeToGeodetic(p, g);
    const theirs = eciToGeodetic(p, g);
    const dLat = Math.abs(ours.latRad - theirs.latitude) * 6378;
    const dLon = Math.abs(ours.lonRad - theirs.longitude) * 6378 * Math.cos(ours.latRad);
    const dH = Math.abs(ours.altKm - theirs.height);
    worst = Math.max(worst, dLat, dLon, dH);
    assert.ok(Math.abs(ours.latDeg - ours.latRad * 180 / Math.PI) < 1e-12);
  }
  assert.ok(worst < 1e-3, `worst ${worst} km`);
});

Deno.test("frames: geodetic round trip from the ground to beyond GEO, poles included", () => {
  const out = new Float64Array(3);
  for (const h of [-0.4, 0, 0.5, 400, 1200, 20200, 35786, 100000]) {
    for (let lat = -90; lat <= 90; lat += 2.5) {
      for (const lon of [-179.5, -60, 0, 33.3, 180]) {
        const p = geodeticToEcf(lat, lon, h);
        ecfToGeodeticInto(p.x, p.y, p.z, out, 0);
        assert.ok(Math.abs(out[2] - h) < 1e-6, `height at ${lat},${lon},${h}: ${out[2]}`);
        assert.ok(Math.abs(out[0] - lat * Math.PI / 180) < 1e-10, `lat at ${lat},${lon},${h}`);
        if (Math.abs(lat) < 90) {
          const dl = Math.abs(((out[1] * 180 / Math.PI - lon + 540) % 360) - 180);
          assert.ok(dl < 1e-9, `lon at ${lat},${lon},${h}`);
        }
      }
    }
  }
  const g = ecfToGeodetic({ x: 0, y: 0, z: -7000 });
  assert.equal(g.latDeg, -90);
});
