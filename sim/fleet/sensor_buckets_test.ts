import assert from "node:assert/strict";
import { buildFleetWorld } from "./world.ts";
import { builtinScenario } from "./scenario.ts";
import { sensorBuckets } from "./sensor_buckets.ts";

Deno.test("sensor buckets: every sensor once, radius covers its members, one elevation per bucket", () => {
  const w = buildFleetWorld(builtinScenario("iot-edge-fleet"));
  const n = w.sensorCount;
  // Two minimum elevations, alternating, so buckets must split by level.
  const minEl = Float64Array.from({ length: n }, (_, s) => (s % 2 === 0 ? 0.1 : 0.2));
  for (const cellDeg of [0, 1, 5]) {
    const b = sensorBuckets(w.sensorUnit, n, minEl, cellDeg);
    assert.equal(b.start[0], 0);
    assert.equal(b.start[b.count], n, `cellDeg ${cellDeg}`);
    assert.deepEqual(
      Array.from(b.members).sort((x, y) => x - y),
      Array.from({ length: n }, (_, s) => s),
      `cellDeg ${cellDeg}: every sensor once`,
    );
    if (cellDeg === 0) assert.equal(b.count, n);
    else assert.ok(b.count < n, `cellDeg ${cellDeg}: sensors share buckets`);
    for (let k = 0; k < b.count; k++) {
      const c = b.center.subarray(3 * k, 3 * k + 3);
      assert.ok(Math.abs(Math.hypot(c[0], c[1], c[2]) - 1) < 1e-12);
      for (let m = b.start[k]; m < b.start[k + 1]; m++) {
        const s = b.members[m];
        assert.equal(minEl[s], b.minElRad[k], `bucket ${k} mixes elevations`);
        const u = w.sensorUnit.subarray(3 * s, 3 * s + 3);
        const angle = Math.acos(Math.min(1, u[0] * c[0] + u[1] * c[1] + u[2] * c[2]));
        // Rounding: the one-sensor buckets of cellDeg 0 have radius 0.
        assert.ok(angle <= b.radius[k] + 1e-7, `sensor ${s} outside bucket ${k}`);
      }
    }
  }
});
