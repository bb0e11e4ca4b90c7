import assert from "node:assert/strict";
import { Rng } from "../sim/rng.ts";
import { orthogonal } from "./orthogonal.ts";

/** Gram matrix of the columns (tall) or rows (wide) of a row-major rows x cols matrix. */
function gram(w: Float32Array, rows: number, cols: number): number[][] {
  const n = Math.min(rows, cols);
  const g = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      if (rows >= cols) { for (let r = 0; r < rows; r++) s += w[r * cols + a] * w[r * cols + b]; }
      else for (let c = 0; c < cols; c++) s += w[a * cols + c] * w[b * cols + c];
      g[a][b] = s;
    }
  }
  return g;
}

for (const [rows, cols, gain] of [[7, 3, 1], [3, 7, 2], [16, 16, Math.SQRT2], [64, 5, 0.01]]) {
  Deno.test(`orthogonal ${rows}x${cols} gain ${gain}: W^T W = gain^2 I`, () => {
    const w = orthogonal(rows, cols, new Rng(3), gain);
    const g = gram(w, rows, cols);
    for (let a = 0; a < g.length; a++) {
      for (let b = 0; b < g.length; b++) {
        const want = a === b ? gain * gain : 0;
        assert.ok(
          Math.abs(g[a][b] - want) < 1e-5 * Math.max(1, gain * gain),
          `${a},${b}: ${g[a][b]}`,
        );
      }
    }
  });
}

Deno.test("orthogonal: same seed same matrix, other seed another", () => {
  const a = orthogonal(5, 4, new Rng(9));
  assert.deepEqual(a, orthogonal(5, 4, new Rng(9)));
  assert.notDeepEqual(a, orthogonal(5, 4, new Rng(10)));
});

Deno.test("orthogonal rejects a bad shape", () => {
  assert.throws(() => orthogonal(0, 3, new Rng(1)), /got 0x3/);
});
