import assert from "node:assert/strict";
import { Rng } from "../sim/rng.ts";
import { forwardLayers, networkFromWeights } from "./network.ts";
import {
  allInt8,
  calibrate,
  calibrationStats,
  choosePrecision,
  quantizeWith,
  roundHalfAway,
  simulateQuantized,
} from "./quantize.ts";

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

Deno.test("quantizeWith: 16-bit operands use the 16-bit range and cut the error of the 8-bit network", () => {
  const net = randomNet(5);
  const rng = new Rng(6);
  const rows = 300;
  const x = Float32Array.from({ length: rows * 6 }, () => rng.normal());
  const stats = calibrationStats(net, x, rows);
  const wide = quantizeWith(net, stats, [
    { weightBits: 16, inputBits: 16 },
    { weightBits: 16, inputBits: 16 },
  ]);
  assert.ok(wide.layers[0].weights.some((w) => Math.abs(w) === 32767));
  for (const l of wide.layers) for (const w of l.weights) assert.ok(Math.abs(w) <= 32767);
  assert.throws(() => quantizeWith(net, stats, allInt8(net).slice(1)), /precision has 1 layers/);
  const narrow = quantizeWith(net, stats, allInt8(net));
  const err = (q: typeof wide) => {
    let e = 0;
    const out = new Float32Array(3);
    for (let r = 0; r < rows; r++) {
      const ref = forwardLayers(net, x, r).at(-1)!;
      simulateQuantized(net, q, x, r, out);
      for (let k = 0; k < 3; k++) e = Math.max(e, Math.abs(out[k] - ref[k]));
    }
    return e;
  };
  assert.ok(err(wide) < err(narrow) / 20, `${err(wide)} vs ${err(narrow)}`);
});

Deno.test("choosePrecision: promotes operands until the calibration agreement reaches the target", () => {
  // Near-tied logits (two almost equal output columns) make 8-bit rounding flip actions.
  const rng = new Rng(8);
  const k0 = Float32Array.from({ length: 30 }, () => rng.normal());
  const k1 = new Float32Array(15);
  for (let h = 0; h < 5; h++) {
    const w = rng.normal();
    k1[h * 3] = w;
    k1[h * 3 + 1] = w * 1.02 + 0.02 * rng.normal();
    k1[h * 3 + 2] = rng.normal() * 0.1;
  }
  const net = networkFromWeights("t", spec, [k0, new Float32Array(5), k1, new Float32Array(3)]);
  const rows = 500;
  const x = Float32Array.from({ length: rows * 6 }, () => rng.normal());
  const masks = new Uint8Array(rows * 3).fill(1);
  const stats = calibrationStats(net, x, rows);
  const none = choosePrecision(net, stats, x, masks, rows, 0);
  assert.deepEqual(none.steps, []);
  assert.deepEqual(none.precision, allInt8(net));
  assert.ok(none.int8Agreement < 0.99, `${none.int8Agreement}`);
  // Unreachable target: every operand ends at 16 bits, and that beats 8 bits.
  const all = choosePrecision(net, stats, x, masks, rows, 1.01);
  assert.equal(all.steps.length, 4);
  assert.ok(all.precision.every((p) => p.weightBits === 16 && p.inputBits === 16));
  assert.ok(all.agreement > none.int8Agreement, `${all.agreement} vs ${none.int8Agreement}`);
  // A target between the two is reached with fewer promotions, each one recorded.
  const target = (none.int8Agreement + all.agreement) / 2;
  const c = choosePrecision(net, stats, x, masks, rows, target);
  assert.ok(c.agreement >= target, `${c.agreement} < ${target}`);
  assert.ok(c.steps.length > 0 && c.steps.length <= 4);
  assert.equal(c.steps.at(-1)!.agreement, c.agreement);
  const promoted = c.precision.flatMap((p) => [p.weightBits, p.inputBits]).filter((b) => b === 16);
  assert.equal(promoted.length, c.steps.length);
});
