import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { type BackendName, initBackend } from "./backend.ts";
import { denseAutodiff, denseForward, matMulForward } from "./dense.ts";

function randomArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

Deno.test("denseForward computes x @ kernel + bias (hand example)", async () => {
  await initBackend("wasm");
  const y = tf.tidy(() =>
    denseForward(
      tf.tensor2d([[1, 2], [3, 4]]),
      tf.tensor2d([[1, 0, 2], [0, 1, -1]]),
      tf.tensor1d([0.5, 0, 1]),
    ).arraySync()
  );
  assert.deepEqual(y, [[1.5, 2, 1], [3.5, 4, 3]]);
});

for (const backend of ["wasm", "cpu"] as BackendName[]) {
  Deno.test(`denseForward gradients equal tfjs autodiff (${backend}), no tensor leak`, async () => {
    await initBackend(backend);
    const rng = new Rng(5);
    const [b, n, m] = [6, 5, 4];
    const k = tf.variable(tf.tensor2d(randomArray(n * m, rng), [n, m]));
    const bias = tf.variable(tf.tensor1d(randomArray(m, rng)));
    const xData = randomArray(b * n, rng);
    const wData = randomArray(b * m, rng);
    const before = tf.memory().numTensors;
    const grads = (f: typeof denseForward) =>
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [b, n]);
        const w = tf.tensor2d(wData, [b, m]);
        // x is also differentiated: a chain of two layers.
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(tf.tanh(f(x, k, bias)), w)) as tf.Scalar,
          [k, bias],
        );
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor2D, k, bias), w)))(x);
        return [value, grads[k.name], grads[bias.name], dx].map((t) => Array.from(t.dataSync()));
      });
    const mine = grads(denseForward);
    const ref = grads(denseAutodiff);
    assert.equal(tf.memory().numTensors, before);
    for (let i = 0; i < mine.length; i++) {
      assert.equal(mine[i].length, ref[i].length);
      for (let j = 0; j < mine[i].length; j++) {
        assert.ok(
          Math.abs(mine[i][j] - ref[i][j]) < 1e-5,
          `output ${i}[${j}]: ${mine[i][j]} vs ${ref[i][j]}`,
        );
      }
    }
    k.dispose();
    bias.dispose();
  });
}

Deno.test("denseForward rejects mismatched shapes", async () => {
  await initBackend("wasm");
  assert.throws(
    () =>
      tf.tidy(() =>
        denseForward(
          tf.ones([1, 2]) as tf.Tensor2D,
          tf.ones([3, 2]) as tf.Tensor2D,
          tf.ones([2]) as tf.Tensor1D,
        )
      ),
    /x \[1,2\], kernel \[3,2\]/,
  );
});

Deno.test("matMulForward gradients equal tfjs autodiff of matMul", async () => {
  await initBackend("wasm");
  const rng = new Rng(6);
  const k = tf.variable(tf.tensor2d(randomArray(12, rng), [4, 3]));
  const xData = randomArray(20, rng);
  const before = tf.memory().numTensors;
  const run = (f: (x: tf.Tensor2D, k: tf.Tensor2D) => tf.Tensor2D) =>
    tf.tidy(() => {
      const x = tf.tensor2d(xData, [5, 4]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(f(x, k))) as tf.Scalar, [k]);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.sin(f(xi as tf.Tensor2D, k))))(x);
      return [...grads[k.name].dataSync(), ...dx.dataSync()];
    });
  const mine = run(matMulForward);
  const ref = run((x, kk) => tf.matMul(x, kk));
  assert.equal(tf.memory().numTensors, before);
  mine.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `${i}: ${v} vs ${ref[i]}`));
  k.dispose();
});
