import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { Critic } from "./critic.ts";

Deno.test("Critic.forward: [batch] values equal the net's output, no leak, gradient step", async () => {
  await initBackend("wasm");
  const c = new Critic({ stateSize: 7, hiddenSizes: [32, 32], activation: "tanh" }, {
    seed: 3,
    name: "critic_t",
  });
  const s = tf.randomNormal([9, 7], 0, 1, "float32", 2) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const [v, raw] = tf.tidy(() => [c.forward(s).arraySync(), c.net.apply(s).output.arraySync()]);
  assert.equal(tf.memory().numTensors, before);
  assert.equal((v as number[]).length, 9);
  assert.deepEqual(v, (raw as number[][]).map((r) => r[0]));
  const opt = tf.train.sgd(0.1);
  const w0 = c.net.getWeights()[4];
  const loss = () => tf.mean(tf.square(tf.sub(c.forward(s), 1))) as tf.Scalar;
  opt.minimize(loss, false, c.variables); // creates the optimiser's learning-rate scalar
  const afterFirst = tf.memory().numTensors;
  opt.minimize(loss, false, c.variables);
  assert.equal(tf.memory().numTensors, afterFirst);
  assert.notDeepEqual(c.net.getWeights()[4], w0);
  opt.dispose();
  s.dispose();
  c.dispose();
});
