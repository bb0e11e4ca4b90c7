import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  categoricalEntropy,
  clippedPolicyLoss,
  clippedValueLoss,
  smoothedCrossEntropy,
} from "./ppo_loss.ts";

await tf.setBackend("cpu");

function near(a: number, b: number, tol = 1e-5) {
  assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);
}

Deno.test("PPO policy loss: hand-computed clipped surrogate, weights and diagnostics", () => {
  const before = tf.memory().numTensors;
  const got = tf.tidy(() => {
    // Row 0: pi(a=0) = e^1/(e^1+e^0) = 0.7310586, old prob 0.5 -> ratio 1.4621172 > 1.2, A = +1:
    //   min(1.4621, 1.2) * 1 = 1.2 (clipped).
    // Row 1: pi(a=1) = 0.5, old 0.5 -> ratio 1, A = -2: -2.
    // Row 2: weight 0 (padding): ignored whatever it holds.
    // loss = -(1.2 + -2) / 2 = 0.4
    const r = clippedPolicyLoss({
      logits: tf.tensor2d([[1, 0], [3, 3], [50, -50]]),
      actions: tf.tensor1d([0, 1, 1], "int32"),
      oldLogProbs: tf.tensor1d([Math.log(0.5), Math.log(0.5), 0]),
      advantages: tf.tensor1d([1, -2, 100]),
      weights: tf.tensor1d([1, 1, 0]),
      clip: 0.2,
    });
    return [r.loss, r.entropy, r.clipFraction, r.approxKl].map((t) => t.dataSync()[0]);
  });
  near(got[0], 0.4);
  const p = Math.exp(1) / (Math.exp(1) + 1);
  const h0 = -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
  near(got[1], (h0 + Math.log(2)) / 2);
  near(got[2], 0.5);
  const ratio = p / 0.5;
  near(got[3], ((ratio - 1) - Math.log(ratio)) / 2);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("PPO policy loss: gradient raises the probability of a positive-advantage action", () => {
  const logits = tf.variable(tf.tensor2d([[0, 0, 0]]));
  const grads = tf.tidy(() => {
    const g = tf.grads((l: tf.Tensor) =>
      clippedPolicyLoss({
        logits: l as tf.Tensor2D,
        actions: tf.tensor1d([2], "int32"),
        oldLogProbs: tf.tensor1d([Math.log(1 / 3)]),
        advantages: tf.tensor1d([1]),
        weights: tf.tensor1d([1]),
        clip: 0.2,
      }).loss
    )([logits]);
    return Array.from(g[0].dataSync());
  });
  // d(-pi_2/pi_old)/dlogit_k = -(1/pi_old) pi_2 (δ_k2 - pi_k) = -(δ_k2 - 1/3): [1/3, 1/3, -2/3]
  near(grads[0], 1 / 3);
  near(grads[1], 1 / 3);
  near(grads[2], -2 / 3);
  logits.dispose();
});

Deno.test("PPO: masked logits give zero probability and finite entropy", () => {
  const h = tf.tidy(() =>
    categoricalEntropy(tf.tensor2d([[0, -1e9, 0], [0, 0, 0]])).arraySync() as number[]
  );
  near(h[0], Math.log(2));
  near(h[1], Math.log(3));
});

Deno.test("value loss: clipping takes the larger of clipped and unclipped errors; Huber beyond delta", () => {
  const [clippedLoss, huber] = tf.tidy(() => [
    // old 0, new 1, target 1, clip 0.2: unclipped error 0, clipped value 0.2 error -0.8 -> 0.5*0.64 = 0.32
    clippedValueLoss({
      values: tf.tensor1d([1]),
      oldValues: tf.tensor1d([0]),
      targets: tf.tensor1d([1]),
      clip: 0.2,
      huberDelta: 0,
    }).dataSync()[0],
    // error 4 with delta 1: 1 * (4 - 0.5) = 3.5; error 0.5: 0.125 -> mean 1.8125
    clippedValueLoss({
      values: tf.tensor1d([4, 0.5]),
      oldValues: tf.tensor1d([4, 0.5]),
      targets: tf.tensor1d([0, 0]),
      clip: 0,
      huberDelta: 1,
    }).dataSync()[0],
  ]);
  near(clippedLoss, 0.32);
  near(huber, 1.8125);
});

Deno.test("smoothed cross-entropy: hand-computed targets over legal actions only", () => {
  const before = tf.memory().numTensors;
  const logits = tf.tensor2d([[1, 0, -1e9], [0, 2, 0]]);
  const actions = tf.tensor1d([0, 1], "int32");
  const mask = tf.tensor2d([[1, 1, 0], [1, 1, 1]]);
  const logp = (row: number[]) => {
    const z = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
    return row.map((x) => x - z);
  };
  const a = logp([1, 0]), b = logp([0, 2, 0]);
  const eps = 0.3;
  // Row 0: target (0.85, 0.15, 0) over its two legal actions; row 1: (0.1, 0.8, 0.1).
  const row0 = -((1 - eps + eps / 2) * a[0] + (eps / 2) * a[1]);
  const row1 = -((eps / 3) * b[0] + (1 - eps + eps / 3) * b[1] + (eps / 3) * b[2]);
  const got = smoothedCrossEntropy(logits, actions, mask, eps);
  assert.ok(Math.abs(got.dataSync()[0] - (row0 + row1) / 2) < 1e-5);
  const plain = smoothedCrossEntropy(logits, actions, mask, 0);
  assert.ok(Math.abs(plain.dataSync()[0] + (a[0] + b[1]) / 2) < 1e-5);
  tf.dispose([logits, actions, mask, got, plain]);
  assert.equal(tf.memory().numTensors, before);
});
