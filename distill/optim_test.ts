import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ScheduledAdam } from "./optim.ts";

await tf.setBackend("cpu");

Deno.test("ScheduledAdam: a variable missing from one step's gradients keeps every moment in place", () => {
  const a = tf.variable(tf.zeros([2, 3]), true, "optim_test_a");
  const b = tf.variable(tf.zeros([4]), true, "optim_test_b");
  const adam = new ScheduledAdam(0.1);
  const step = (names: string[]) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () =>
          tf.addN(
            names.map((n) => tf.sum(n === "a" ? a : b)),
          ) as tf.Scalar,
        names.map((n) => (n === "a" ? a : b)),
      );
      adam.applyGradientMap(grads, [a, b]);
    });
  step(["a", "b"]);
  const before = tf.memory().numTensors;
  // Only b this time: without the completed map, tfjs's Adam would pair b's gradient with a's moments.
  step(["b"]);
  assert.equal(tf.memory().numTensors, before);
  step(["a", "b"]);
  // Adam's first steps move each weight by ~lr against a constant gradient of 1.
  const bAfter = b.dataSync();
  assert.ok(bAfter.every((x) => Math.abs(x + 0.3) < 1e-3), `b moved to ${bAfter}`);
  const aAfter = a.dataSync();
  assert.ok(aAfter.every((x) => x < -0.15 && x > -0.3), `a moved to ${aAfter}`);
  assert.throws(
    () => tf.tidy(() => adam.applyGradientMap({ stray: tf.zeros([1]) }, [a, b])),
    /gradient for "stray", which is not among the variables/,
  );
  adam.dispose();
  tf.dispose([a, b]);
});

Deno.test("ScheduledAdam.restoreWeights: replaces the moments it held and disposes them", async () => {
  const v = tf.variable(tf.ones([3]), true, "optim_test_restore");
  const source = new ScheduledAdam(0.1), target = new ScheduledAdam(0.1);
  const step = (adam: ScheduledAdam) =>
    adam.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, false, [v]);
  step(source);
  step(source);
  step(target); // target holds moments of its own
  const saved = await source.getWeights();
  const copies = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
  saved[0].tensor.dispose(); // getWeights' fresh iteration scalar
  const before = tf.memory().numTensors;
  await target.restoreWeights(copies);
  assert.equal(tf.memory().numTensors, before, "old moments disposed, new ones in their place");
  const restored = await target.getWeights();
  assert.equal(restored[0].tensor.dataSync()[0], 2);
  restored[0].tensor.dispose();
  assert.deepEqual(
    restored.slice(1).map((w) => Array.from(w.tensor.dataSync())),
    copies.slice(1).map((w) => Array.from(w.tensor.dataSync())),
  );
  tf.dispose(copies.map((w) => w.tensor));
  source.dispose();
  target.dispose();
  v.dispose();
});
