import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { layerShapes, Mlp, type MlpArch } from "./mlp.ts";

const arch: MlpArch = { inputSize: 6, hiddenSizes: [16, 8], outputSize: 3, activation: "tanh" };

Deno.test("Mlp: same seed identical weights, other seed different, biases zero", async () => {
  await initBackend("wasm");
  const a = new Mlp(arch, { seed: 4, name: "mlp_t_same" });
  const b = new Mlp(arch, { seed: 4, name: "mlp_t_same" }); // name taken: suffixed, weights identical
  const c = new Mlp(arch, { seed: 5, name: "mlp_t_same" });
  assert.notEqual(a.variables[0].name, b.variables[0].name);
  assert.ok(b.variables[0].name.startsWith("mlp_t_same_1/"));
  assert.deepEqual(a.getWeights(), b.getWeights());
  assert.notDeepEqual(a.getWeights()[0], c.getWeights()[0]);
  assert.ok(a.getWeights()[1].every((v) => v === 0));
  assert.equal(a.paramCount, 6 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
  for (const m of [a, b, c]) m.dispose();
});

Deno.test("Mlp: kernels orthogonal with hidden gain sqrt(2) and output gain", async () => {
  await initBackend("wasm");
  const m = new Mlp(arch, { seed: 1, name: "mlp_t_gain", outputGain: 0.5 });
  const w = m.getWeights();
  const shapes = layerShapes(arch);
  shapes.forEach(([fin, fout], i) => {
    const gain = i === shapes.length - 1 ? 0.5 : Math.SQRT2;
    const k = w[2 * i];
    // Norm of the first column (tall) or first row (wide) is the gain.
    let s = 0;
    if (fin >= fout) { for (let r = 0; r < fin; r++) s += k[r * fout] ** 2; }
    else for (let c = 0; c < fout; c++) s += k[c] ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - gain) < 1e-5, `layer ${i}: ${Math.sqrt(s)}`);
  });
  m.dispose();
});

Deno.test("Mlp.apply matches a hand computation; latent is the last hidden layer", async () => {
  await initBackend("wasm");
  const m = new Mlp({ inputSize: 2, hiddenSizes: [2], outputSize: 1, activation: "relu" }, {
    seed: 0,
    name: "mlp_t_hand",
  });
  m.setWeights([
    Float32Array.of(1, -1, 2, 1), // [[1, -1], [2, 1]]
    Float32Array.of(0, 0.5),
    Float32Array.of(3, -2),
    Float32Array.of(1),
  ]);
  // x = [1, 1]: pre = [1+2, -1+1+0.5] = [3, 0.5]; relu same; out = 9 - 1 + 1 = 9
  const [out, latent] = tf.tidy(() => {
    const r = m.apply(tf.tensor2d([[1, 1]]));
    return [r.output.arraySync(), r.latent.arraySync()];
  });
  assert.deepEqual(out, [[9]]);
  assert.deepEqual(latent, [[3, 0.5]]);
  m.dispose();
  const linear = new Mlp({ inputSize: 3, hiddenSizes: [], outputSize: 2, activation: "tanh" }, {
    seed: 0,
    name: "mlp_t_lin",
  });
  const lat = tf.tidy(() => linear.apply(tf.tensor2d([[1, 2, 3]])).latent.arraySync());
  assert.deepEqual(lat, [[1, 2, 3]]);
  linear.dispose();
});

Deno.test("Mlp: no tensor leak after inference and after an optimiser step; the step changes weights", async () => {
  await initBackend("wasm");
  const m = new Mlp(arch, { seed: 2, name: "mlp_t_leak" });
  const opt = tf.train.adam(1e-2);
  const x = tf.randomNormal([32, 6], 0, 1, "float32", 1) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  tf.tidy(() => m.apply(x).output.dataSync());
  assert.equal(tf.memory().numTensors, before);
  const w0 = m.getWeights();
  // First step creates Adam's slot variables; count after it.
  opt.minimize(() => tf.mean(tf.square(m.apply(x).output)) as tf.Scalar, false, m.variables);
  const afterFirst = tf.memory().numTensors;
  opt.minimize(() => tf.mean(tf.square(m.apply(x).output)) as tf.Scalar, false, m.variables);
  assert.equal(tf.memory().numTensors, afterFirst);
  assert.notDeepEqual(m.getWeights()[0], w0[0]);
  // variableGrads path
  const mid = tf.memory().numTensors;
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(m.apply(x).output) as tf.Scalar, m.variables);
    assert.equal(Object.keys(grads).length, m.variables.length);
  });
  assert.equal(tf.memory().numTensors, mid);
  opt.dispose();
  x.dispose();
  m.dispose();
});

Deno.test("Mlp: bad architecture and bad weights are named", async () => {
  await initBackend("wasm");
  assert.throws(
    () => new Mlp({ ...arch, hiddenSizes: [4, 0] }, { seed: 0, name: "bad" }),
    /field "hiddenSizes\[1\]" must be a positive integer, got 0/,
  );
  const m = new Mlp(arch, { seed: 0, name: "mlp_t_bad" });
  const w = m.getWeights();
  w[2] = new Float32Array(5);
  assert.throws(
    () => m.setWeights(w),
    /weights\[2\] \(mlp_t_bad\/dense_1\/kernel, shape \[16,8\]\) must have 128 values, got 5/,
  );
  assert.throws(
    () => tf.tidy(() => m.apply(tf.zeros([1, 5]) as tf.Tensor2D)),
    /input must be \[batch, 6\], got \[1,5\]/,
  );
  m.dispose();
});
