import assert from "node:assert/strict";
import { ecfToLookAngles, eciToEcf, sgp4 } from "satellite.js";
import { geodeticToEcf, gmst } from "./frames.ts";
import { lookAngles, SiteFrame, validateSite } from "./topocentric.ts";
import { loadTle } from "./tle.ts";

Deno.test("topocentric: look angles agree with satellite.js ecfToLookAngles", async () => {
  const sats = (await loadTle("data/tle/starlink-53deg.tle")).slice(0, 300);
  const sites = [
    { latDeg: 48.14, lonDeg: 11.58, altKm: 0.52 },
    { latDeg: -33.9, lonDeg: 18.4, altKm: 0 },
    { latDeg: 78.2, lonDeg: 15.6, altKm: 0.4 },
  ];
  const t = Date.UTC(2022, 7, 10, 12);
  const g = gmst(t);
  for (const site of sites) {
    const frame = new SiteFrame(site);
    const obs = {
      latitude: site.latDeg * Math.PI / 180,
      longitude: site.lonDeg * Math.PI / 180,
      height: site.altKm,
    };
    for (const s of sats) {
      const ecf = eciToEcf(sgp4(s.satrec, (t - s.epochMs) / 60_000)!.position, g);
      const ours = frame.lookAngles(ecf);
      const ref = ecfToLookAngles(obs, ecf);
      assert.ok(Math.abs(ours.elevationDeg - ref.elevation * 180 / Math.PI) < 1e-9);
      assert.ok(Math.abs(ours.rangeKm - ref.rangeSat) < 1e-9);
      const daz = Math.abs(((ours.azimuthDeg - ref.azimuth * 180 / Math.PI + 540) % 360) - 180);
      assert.ok(daz < 1e-8);
      const sinEl = frame.sinElevation(ecf.x, ecf.y, ecf.z);
      assert.ok(Math.abs(Math.asin(sinEl) - ref.elevation) < 1e-12);
    }
  }
});

Deno.test("topocentric: cardinal directions", () => {
  const site = { latDeg: 30, lonDeg: 40, altKm: 0 };
  const north = lookAngles(site, geodeticToEcf(31, 40, 500));
  const east = lookAngles(site, geodeticToEcf(30, 41, 500));
  const south = lookAngles(site, geodeticToEcf(29, 40, 500));
  assert.ok(Math.min(north.azimuthDeg, 360 - north.azimuthDeg) < 1e-6);
  assert.ok(Math.abs(east.azimuthDeg - 90) < 1); // a great circle bends north of the parallel
  assert.ok(Math.abs(south.azimuthDeg - 180) < 1e-6);
  const zenith = lookAngles(site, geodeticToEcf(30, 40, 800));
  assert.ok(Math.abs(zenith.elevationDeg - 90) < 1e-6 && Math.abs(zenith.rangeKm - 800) < 1e-6);
});

Deno.test("topocentric: invalid sites name the field", () => {
  assert.throws(
    () => validateSite({ latDeg: 91, lonDeg: 0, altKm: 0 }),
    /"latDeg" must be in \[-90, 90\], got 91/,
  );
  assert.throws(() => new SiteFrame({ latDeg: 0, lonDeg: NaN, altKm: 0 }), /"lonDeg"/);
  assert.throws(() => validateSite({ latDeg: 0, lonDeg: 0, altKm: 500 }), /"altKm"/);
});
