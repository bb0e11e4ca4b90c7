import assert from "node:assert/strict";
import { sgp4 } from "satellite.js";
import { hasLineOfSight, islVisibility, lineOfSightAt, rangeAt, rangeKm } from "./visibility.ts";
import { walkerDelta } from "./walker.ts";

const EPOCH = new Date("2022-08-10T00:00:00Z");

function positions(total: number, planes: number): Float64Array {
  const sats = walkerDelta({
    total,
    planes,
    phasing: 1,
    altitudeKm: 550,
    inclinationDeg: 53,
    epoch: EPOCH,
  });
  const out = new Float64Array(3 * sats.length);
  sats.forEach((s, i) => {
    const p = sgp4(s.satrec, 0)!.position;
    out.set([p.x, p.y, p.z], 3 * i);
  });
  return out;
}

Deno.test("visibility: opposite sides of the Earth are blocked, in-plane neighbours visible", () => {
  const S = 22;
  const pos = positions(72 * S, 72);
  // Plane 0: slot 0 and slot 11 are 180° apart; slots 0 and 1 are 16.4° apart (~2000 km).
  assert.equal(lineOfSightAt(pos, 0, 11), false);
  assert.equal(lineOfSightAt(pos, 0, 1), true);
  assert.equal(lineOfSightAt(pos, 0, S - 1), true);
  assert.ok(Math.abs(rangeAt(pos, 0, 1) - 2 * 6928 * Math.sin((16.36 / 2) * Math.PI / 180)) < 40);
  // Same plane slot for neighbouring planes: close, visible.
  assert.equal(lineOfSightAt(pos, 0, S), true);
  // Geometry: visible iff the chord clears 6378 + 80 km; at 550 km altitude that is a separation of
  // 2·acos((6378+80)/6928) = 42.4° (spherical shell; the ellipsoid changes it slightly off the equator).
  const a = { x: 6928, y: 0, z: 0 };
  const at = (deg: number) => ({
    x: 6928 * Math.cos(deg * Math.PI / 180),
    y: 6928 * Math.sin(deg * Math.PI / 180),
    z: 0,
  });
  const limit = 2 * Math.acos((6378.137 + 80) / 6928) * 180 / Math.PI;
  assert.equal(hasLineOfSight(a, at(limit - 0.1)), true);
  assert.equal(hasLineOfSight(a, at(limit + 0.1)), false);
  assert.equal(hasLineOfSight(a, at(limit + 0.1), 0), true); // without an atmosphere margin
  assert.equal(rangeKm(a, at(180)), 2 * 6928);
});

Deno.test("visibility: the Earth is oblate, the margin grows both axes", () => {
  // A chord grazing the north pole 6445 km from the centre: clear of b + 80 = 6436.75 km although a
  // sphere of a + 80 = 6458 km would block it.
  const z = 6445;
  const p = { x: -3000, y: 0, z }, q = { x: 3000, y: 0, z };
  assert.equal(hasLineOfSight(p, q), true);
  assert.equal(hasLineOfSight({ x: z, y: -3000, z: 0 }, { x: z, y: 3000, z: 0 }), false); // same over the equator
});

Deno.test("visibility: islVisibility matrix is symmetric and matches the pairwise test", () => {
  const pos = positions(60, 6);
  const n = 60;
  const m = new Uint8Array(n * n);
  const pairs = islVisibility(pos, n, m, { maxRangeKm: 5000 });
  let count = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(m[i * n + i], 0);
    for (let j = 0; j < n; j++) {
      assert.equal(m[i * n + j], m[j * n + i]);
      if (i < j) {
        const expect = lineOfSightAt(pos, i, j) && rangeAt(pos, i, j) <= 5000 ? 1 : 0;
        assert.equal(m[i * n + j], expect);
        count += expect;
      }
    }
  }
  assert.equal(pairs, count);
  assert.ok(pairs > 0 && pairs < (n * (n - 1)) / 2);
  const nan = pos.slice();
  nan.fill(NaN, 0, 3);
  islVisibility(nan, n, m);
  for (let j = 1; j < n; j++) assert.equal(m[j], 0);
  assert.throws(() => islVisibility(pos, n, new Uint8Array(10)), /needs 3600 entries/);
});
