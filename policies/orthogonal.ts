/**
 * Seeded orthogonal initialisation (Saxe et al. 2014), the PPO/MAPPO convention for dense layers: a Gaussian
 * matrix from a {@linkcode Rng}, orthonormalised by a Float64 QR decomposition (modified Gram-Schmidt, run
 * twice for numerical orthogonality), signs fixed so the diagonal of R is positive, scaled by a gain.
 *
 * @example
 * ```ts
 * import { Rng } from "../sim/rng.ts";
 * import { orthogonal } from "./orthogonal.ts";
 * const w = orthogonal(3, 2, new Rng(1), 1); // 3x2, orthonormal columns
 * const dot = w[0] * w[1] + w[2] * w[3] + w[4] * w[5];
 * console.assert(Math.abs(dot) < 1e-6);
 * ```
 *
 * @module
 */

import type { Rng } from "../sim/rng.ts";

/**
 * A `rows x cols` matrix (row-major Float32Array) with orthonormal columns (when `rows >= cols`) or
 * orthonormal rows (when `rows < cols`), times `gain`. Same `rng` state, same matrix.
 *
 * @example
 * ```ts
 * import { Rng } from "../sim/rng.ts";
 * import { orthogonal } from "./orthogonal.ts";
 * const w = orthogonal(2, 4, new Rng(7), 2); // rows have norm 2
 * const n0 = Math.hypot(w[0], w[1], w[2], w[3]);
 * console.assert(Math.abs(n0 - 2) < 1e-5);
 * ```
 */
export function orthogonal(rows: number, cols: number, rng: Rng, gain = 1): Float32Array {
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) {
    throw new RangeError(`orthogonal: shape must be positive integers, got ${rows}x${cols}`);
  }
  // Work on a tall m x n matrix (m >= n), column-major for Gram-Schmidt.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n); // column j at a[j*m .. j*m+m)
  for (let i = 0; i < m * n; i++) a[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    // Original norm decides the sign convention: R_jj > 0 comes out of Gram-Schmidt by construction.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = k * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[ck + i] * a[cj + i];
        for (let i = 0; i < m; i++) a[cj + i] -= dot * a[ck + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[cj + i] * a[cj + i];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error("orthogonal: degenerate Gaussian draw (rank deficient)");
    for (let i = 0; i < m; i++) a[cj + i] /= norm;
  }
  const out = new Float32Array(rows * cols);
  if (rows >= cols) {
    // out[r, c] = Q[r, c]
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = gain * a[c * m + r];
    }
  } else {
    // out = Q^T: out[r, c] = Q[c, r]
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = gain * a[r * m + c];
    }
  }
  return out;
}
