import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { Actor, type ActorSpec } from "./actor.ts";
import { initBackend } from "./backend.ts";
import { fastTanh, PlainActor } from "./plain.ts";

const SPECS: ActorSpec[] = [
  {
    obsSize: 18,
    agentIdSize: 0,
    numActions: 5,
    hiddenSizes: [64],
    activation: "tanh",
    kind: "mlp",
  },
  {
    obsSize: 18,
    agentIdSize: 0,
    numActions: 5,
    hiddenSizes: [32, 32],
    activation: "relu",
    kind: "mlp",
  },
  {
    obsSize: 10,
    agentIdSize: 3,
    numActions: 7,
    hiddenSizes: [16, 8, 8],
    activation: "tanh",
    kind: "mlp",
  },
  { obsSize: 6, agentIdSize: 0, numActions: 3, hiddenSizes: [], activation: "relu", kind: "mlp" },
];

const N = 5000; // per architecture: 20,000 decisions in all

Deno.test("PlainActor: identical argmax actions and matching logits to the tfjs (wasm) path, 20,000 inputs", async () => {
  await initBackend("wasm");
  const rng = new Rng(11, "plain_test");
  for (const [s, spec] of SPECS.entries()) {
    const actor = new Actor(spec, { seed: s, name: `plain_t_${s}` });
    // Random biases and larger output weights so the logits spread; then copy to the plain path.
    const w = actor.net.getWeights().map((a, i) =>
      a.map((
        v,
      ) => (i % 2 === 1 ? rng.normal(0, 0.3) : i === 2 * spec.hiddenSizes.length ? v * 100 : v))
    );
    actor.net.setWeights(w);
    const plain = PlainActor.fromActor(actor);
    const I = actor.inputSize, A = spec.numActions;
    const inputs = new Float32Array(N * I).map(() => rng.normal(0, 1.5));
    const masks = new Uint8Array(N * A).map((_, i) => (i % A === 0 || rng.uniform() < 0.6 ? 1 : 0));
    // Every 50th row allows action 0 only.
    for (let r = 0; r < N; r += 50) masks.fill(0, r * A + 1, (r + 1) * A);
    const before = tf.memory().numTensors;
    const [tfActions, tfLogits] = tf.tidy(() => {
      const { logits } = actor.forward(
        tf.tensor2d(inputs, [N, I]),
        tf.tensor2d(Float32Array.from(masks), [N, A]),
      );
      return [tf.argMax(logits, 1).dataSync() as Int32Array, logits.dataSync() as Float32Array];
    });
    assert.equal(tf.memory().numTensors, before);
    const plainActions = plain.actBatch(inputs, N, masks, new Int32Array(N));
    const plainLogits = plain.logits(inputs, masks, new Float32Array(N * A), N);
    for (let r = 0; r < N; r++) {
      assert.equal(plainActions[r], tfActions[r], `spec ${s} row ${r}`);
      for (let k = 0; k < A; k++) {
        const d = Math.abs(plainLogits[r * A + k] - tfLogits[r * A + k]);
        assert.ok(
          d <= 1e-4 * Math.max(1, Math.abs(tfLogits[r * A + k])),
          `spec ${s} row ${r} logit ${k}: ${d}`,
        );
      }
      // single-row path agrees with the batch path
      if (r % 97 === 0) {
        assert.equal(
          plain.act(inputs.subarray(r * I, (r + 1) * I), masks.subarray(r * A, (r + 1) * A)),
          plainActions[r],
        );
      }
    }
    // Exact ties: a zero network gives equal logits; both paths pick the first legal maximum.
    actor.net.setWeights(w.map((a) => new Float32Array(a.length)));
    const zero = PlainActor.fromActor(actor);
    const tieMask = new Uint8Array(A).fill(1);
    tieMask[0] = 0;
    const tfTie = tf.tidy(() =>
      tf.argMax(
        actor.forward(
          tf.tensor2d(inputs.subarray(0, I), [1, I]),
          tf.tensor2d(Float32Array.from(tieMask), [1, A]),
        ).logits,
        1,
      )
        .dataSync()[0]
    );
    assert.equal(tfTie, 1);
    assert.equal(zero.act(inputs.subarray(0, I), tieMask), 1);
    actor.dispose();
  }
});

Deno.test("PlainActor: round trip of weights, GRU refused, sizes checked", async () => {
  await initBackend("cpu");
  const actor = new Actor(SPECS[1], { seed: 3, name: "plain_t_rt" });
  const plain = PlainActor.fromActor(actor);
  assert.deepEqual(plain.getWeights(), actor.net.getWeights());
  assert.throws(
    () => plain.act(new Float32Array(5)),
    /inputs need 18 values \(1 x inputSize 18\), got 5/,
  );
  assert.throws(
    () => plain.actBatch(new Float32Array(36), 2, new Uint8Array(3), new Int32Array(2)),
    /masks need 10 values/,
  );
  actor.dispose();
  const gru = new Actor({ ...SPECS[0], kind: "gru" }, { seed: 0, name: "plain_t_gru" });
  assert.throws(() => PlainActor.fromActor(gru), /supports kind "mlp" only, got "gru"/);
  gru.dispose();
});

Deno.test("fastTanh is within 3e-7 of Math.tanh and odd", () => {
  let worst = 0;
  for (let x = -12; x <= 12; x += 1e-3) {
    worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)));
    assert.equal(fastTanh(-x), -fastTanh(x));
  }
  assert.ok(worst < 3e-7, `${worst}`);
  assert.equal(fastTanh(0), 0);
});
