import assert from "node:assert/strict";
import { Rng } from "../sim/rng.ts";
import { networkFromWeights } from "./network.ts";
import { calibrate, roundHalfAway } from "./quantize.ts";

const spec = {
  obsSize: 6,
  agentIdSize: 0,
  numActions: 3,
  hiddenSizes: [5],
  activation: "relu" as const,
  kind: "mlp" as const,
};

function randomNet(seed: number) {
  const rng = new Rng(seed);
  const arr = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.5);
  return networkFromWeights("t", spec, [arr(30), arr(5), arr(15), arr(3)]);
}

Deno.test("calibrate: per-feature scales cover the calibration range, weights within int8", () => {
  const net = randomNet(1);
  const rng = new Rng(2);
  const rows = 400;
  const x = Float32Array.from({ length: rows * 6 }, (_, k) => rng.normal() * (1 + (k % 6)));
  const q = calibrate(net, x, rows);
  for (let i = 0; i < 6; i++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(x[r * 6 + i]));
    assert.ok(Math.abs(q.layers[0].inputInvScales[i] - 127 / m) < 1e-3 * (127 / m));
  }
  assert.equal(q.layers[0].unsignedInput, false);
  assert.equal(q.layers[1].unsignedInput, true); // post-ReLU
  for (const l of q.layers) for (const w of l.weights) assert.ok(w >= -127 && w <= 127);
  // Every output channel uses the full int8 range on its largest folded weight.
  for (let o = 0; o < 5; o++) {
    let m = 0;
    for (let i = 0; i < 6; i++) m = Math.max(m, Math.abs(q.layers[0].weights[i * 5 + o]));
    assert.equal(m, 127);
  }
});

Deno.test("calibrate: bias correction cancels the weight rounding's mean error on the calibration set", () => {
  const net = randomNet(3);
  const rng = new Rng(4);
  const rows = 500;
  const x = Float32Array.from({ length: rows * 6 }, () => 2 + rng.normal()); // non-zero mean
  const q = calibrate(net, x, rows);
  const l0 = net.layers[0], q0 = q.layers[0];
  for (let o = 0; o < 5; o++) {
    let errCorrected = 0, errRaw = 0;
    for (let r = 0; r < rows; r++) {
      let exact = l0.bias[o], quant = 0;
      for (let i = 0; i < 6; i++) {
        const xi = x[r * 6 + i];
        exact += l0.kernel[i * 5 + o] * xi;
        quant += q0.weights[i * 5 + o] * q0.weightScales[o] * q0.inputInvScales[i] * xi;
      }
      errCorrected += (quant + q0.bias[o] - exact) / rows;
      errRaw += (quant + l0.bias[o] - exact) / rows;
    }
    assert.ok(Math.abs(errCorrected) < 1e-5, `channel ${o}: ${errCorrected}`);
    assert.ok(Math.abs(errRaw) > Math.abs(errCorrected));
  }
});

Deno.test("roundHalfAway rounds ties away from zero", () => {
  assert.deepEqual([2.5, -2.5, 0.49, -0.5].map(roundHalfAway), [3, -3, 0, -1]);
});
