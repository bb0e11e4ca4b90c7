import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { bruteWithin, SphereGrid } from "./sphere_grid.ts";

function randomUnits(n: number, rng: Rng): Float64Array {
  const u = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const z = 2 * rng.uniform() - 1;
    const phi = 2 * Math.PI * rng.uniform();
    const r = Math.sqrt(1 - z * z);
    u.set([r * Math.cos(phi), r * Math.sin(phi), z], 3 * i);
  }
  return u;
}

Deno.test("within matches the all-pairs scan, including poles and the date line", () => {
  const rng = new Rng(5, "grid-test");
  for (const [n, cellDeg] of [[2000, 5], [300, 10], [40, 45], [20, 5]] as const) {
    const units = randomUnits(n, rng);
    const grid = new SphereGrid(cellDeg, n);
    grid.build(units, n);
    const a = new Int32Array(n), b = new Int32Array(n);
    const centres = randomUnits(50, rng);
    const special = [0, 0, 1, 0, 0, -1, -1, 1e-9, 0, -1, -1e-9, 0]; // poles, date line both sides
    for (let q = 0; q < 54; q++) {
      const c = q < 50
        ? centres.subarray(3 * q, 3 * q + 3)
        : special.slice(3 * (q - 50), 3 * (q - 50) + 3);
      const len = Math.hypot(c[0], c[1], c[2]);
      for (const r of [0.01, 0.1, 0.3, 1.2]) {
        const na = grid.within(c[0] / len, c[1] / len, c[2] / len, r, a);
        const nb = bruteWithin(units, n, c[0] / len, c[1] / len, c[2] / len, r, b);
        assert.deepEqual(
          [...a.subarray(0, na)].sort((x, y) => x - y),
          [...b.subarray(0, nb)],
          `n ${n} r ${r}`,
        );
      }
    }
  }
});

Deno.test("build takes ids, skips NaN, and within excludes one id", () => {
  const units = new Float64Array([1, 0, 0, NaN, NaN, NaN, 1, 0, 0, 0, 1, 0]);
  const grid = new SphereGrid(5, 2);
  grid.build(units, 3, Int32Array.of(0, 1, 2));
  assert.equal(grid.size, 2);
  const out = new Int32Array(4);
  assert.equal(grid.within(1, 0, 0, 0.1, out), 2);
  assert.equal(grid.within(1, 0, 0, 0.1, out, 2), 1);
  assert.equal(out[0], 0);
  assert.ok(Math.abs(grid.cosines[0] - 1) < 1e-12);
  assert.throws(() => new SphereGrid(0, 1), /cellDeg must be in \(0, 90\]/);
});
