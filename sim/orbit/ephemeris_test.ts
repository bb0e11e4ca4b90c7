import assert from "node:assert/strict";
import { eciToEcf, gstime, sgp4 } from "satellite.js";
import { Ephemeris } from "./ephemeris.ts";
import { defaultScanStepSec } from "./passes.ts";
import { loadTle } from "./tle.ts";

Deno.test("ephemeris: Hermite interpolation at the default pass step stays within a metre of SGP4", async () => {
  const sats = [
    ...(await loadTle("data/tle/iss.tle")),
    ...(await loadTle("data/tle/gps.tle")).slice(0, 2),
    ...(await loadTle("data/tle/sun-synchronous-leo.tle")).slice(0, 2),
  ];
  const start = Date.UTC(2022, 7, 10);
  const out = new Float64Array(3);
  for (const sat of sats) {
    const stepMs = Math.round(defaultScanStepSec(sat) * 1000);
    const eph = Ephemeris.sample(sat, start, start + 6 * 3_600_000, stepMs);
    let worst = 0;
    for (let t = start + 1234; t < start + 6 * 3_600_000 - stepMs; t += 7_919) {
      assert.ok(eph.ecfAt(t, out, 0));
      const ref = eciToEcf(
        sgp4(sat.satrec, (t - sat.epochMs) / 60_000)!.position,
        gstime(2440587.5 + t / 86_400_000),
      );
      worst = Math.max(worst, Math.hypot(out[0] - ref.x, out[1] - ref.y, out[2] - ref.z));
    }
    assert.ok(worst < 1e-3, `${sat.catalogNumber}: ${worst * 1000} m at step ${stepMs} ms`);
    assert.ok(eph.maxSpeedKmS > 3 && eph.maxSpeedKmS < 8.5);
  }
});

Deno.test("ephemeris: samples are exact and the span is enforced", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  const start = Date.UTC(2022, 7, 10);
  const eph = Ephemeris.sample(iss, start, start + 600_000, 60_000);
  assert.equal(eph.count, 11);
  const out = new Float64Array(3);
  assert.ok(eph.ecfAt(start + 300_000, out, 0));
  assert.equal(out[0], eph.ecf[6 * 5]);
  assert.ok(eph.ecfAt(start + 600_000, out, 0)); // the last sample itself
  assert.equal(eph.ecfAt(start - 1, out, 0), false);
  assert.equal(eph.ecfAt(start + 600_001, out, 0), false);
  assert.ok(Number.isNaN(out[0]));
});
