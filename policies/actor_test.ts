import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec, buildActorInput, ILLEGAL_LOGIT } from "./actor.ts";
import { initBackend } from "./backend.ts";

const mlpSpec: ActorSpec = {
  obsSize: 5,
  agentIdSize: 3,
  numActions: 4,
  hiddenSizes: [16, 16],
  activation: "tanh",
  kind: "mlp",
};

Deno.test("buildActorInput writes obs rows plus a one-hot agent index (with offset)", () => {
  const obs = Float32Array.of(1, 2, 3, 4, 5, 6);
  const out = new Float32Array(3 * 4).fill(9);
  buildActorInput(obs, 3, 2, 2, out, 1);
  assert.deepEqual(Array.from(out), [1, 2, 0, 1, 3, 4, 1, 0, 5, 6, 0, 1]);
  const plain = new Float32Array(6);
  assert.equal(buildActorInput(obs, 3, 2, 0, plain), plain);
  assert.deepEqual(plain, obs);
  assert.throws(
    () => buildActorInput(obs, 3, 2, 2, new Float32Array(5)),
    /out >= 12 values, got 6 and 5/,
  );
});

Deno.test("Actor mask: illegal logits exactly -1e9, legal logits unchanged, output gain 0.01", async () => {
  await initBackend("wasm");
  const a = new Actor(mlpSpec, { seed: 1, name: "actor_t_mask" });
  // Output kernel 16x4 has orthonormal columns times 0.01.
  const k = a.net.getWeights()[4];
  let n0 = 0;
  for (let r = 0; r < 16; r++) n0 += k[r * 4] ** 2;
  assert.ok(Math.abs(Math.sqrt(n0) - 0.01) < 1e-6);
  const x = tf.randomNormal([6, 8], 0, 1, "float32", 3) as tf.Tensor2D;
  const maskData = new Float32Array(24).map((_, i) => (i % 4 === 0 || i % 3 === 1 ? 1 : 0));
  const before = tf.memory().numTensors;
  const [masked, free] = tf.tidy(() => {
    const m = tf.tensor2d(maskData, [6, 4]);
    return [a.forward(x, m).logits.dataSync(), a.forward(x).logits.dataSync()];
  });
  assert.equal(tf.memory().numTensors, before);
  for (let i = 0; i < 24; i++) {
    assert.equal(masked[i], maskData[i] ? free[i] : ILLEGAL_LOGIT);
  }
  // The gradient reaches legal logits only: d sum(logits) / d outputBias[k] = number of rows where k is legal.
  tf.tidy(() => {
    const m = tf.tensor2d(maskData, [6, 4]);
    const bias = a.net.variables[5];
    const { grads } = tf.variableGrads(() => tf.sum(a.forward(x, m).logits) as tf.Scalar, [bias]);
    const want = [0, 1, 2, 3].map((k) =>
      [0, 1, 2, 3, 4, 5].filter((r) => maskData[r * 4 + k]).length
    );
    assert.deepEqual(Array.from(grads[bias.name].dataSync()), want);
  });
  x.dispose();
  a.dispose();
});

Deno.test("Actor: latent is the last hidden layer, input size checked", async () => {
  await initBackend("wasm");
  const a = new Actor(mlpSpec, { seed: 2, name: "actor_t_latent" });
  assert.equal(a.inputSize, 8);
  assert.equal(a.variables.length, 6);
  const shape = tf.tidy(() => a.forward(tf.zeros([3, 8]) as tf.Tensor2D).latent.shape);
  assert.deepEqual(shape, [3, 16]);
  assert.throws(
    () => tf.tidy(() => a.forward(tf.zeros([3, 5]) as tf.Tensor2D)),
    /input must be \[batch, 8\] \(obsSize 5 \+ agentIdSize 3\), got \[3,5\]/,
  );
  assert.throws(
    () => new Actor({ ...mlpSpec, numActions: 0 }, { seed: 0, name: "bad" }),
    /field "numActions" must be an integer >= 1, got 0/,
  );
  a.dispose();
});

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

Deno.test("GRU actor: forwardStep matches a hand-written Keras GRU, forward = step from zero, no leak", async () => {
  await initBackend("wasm");
  const spec: ActorSpec = { ...mlpSpec, hiddenSizes: [6], kind: "gru", agentIdSize: 0 };
  const a = new Actor(spec, { seed: 7, name: "actor_t_gru" });
  assert.equal(a.hiddenStateSize, 6);
  assert.equal(a.variables.length, 3 + 2);
  // A non-zero bias so every term is exercised.
  const gw = a.gru!.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  gw[2] = gw[2].map((_, i) => 0.05 * (i - 9));
  tf.tidy(() => a.gru!.variables.forEach((v, i) => v.assign(tf.tensor(gw[i], v.shape))));
  const [w, u, b] = gw;
  const [ko, bo] = a.net.getWeights();
  const H = 6, I = 5, A = 4, H3 = 18;
  const xs = [Float32Array.of(1, -0.5, 0.2, 0, 2), Float32Array.of(-1, 0.3, 0.7, 1, 0)];
  let hRef = new Float64Array(H);
  let hT = tf.zeros([1, H]) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  for (const x of xs) {
    // Reference in float64: gate order z, r, h; reset applied before the recurrent product.
    const gx = new Float64Array(H3);
    for (let j = 0; j < H3; j++) {
      gx[j] = b[j];
      for (let i = 0; i < I; i++) gx[j] += x[i] * w[i * H3 + j];
    }
    const z = new Float64Array(H), r = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let sz = gx[j], sr = gx[H + j];
      for (let i = 0; i < H; i++) {
        sz += hRef[i] * u[i * H3 + j];
        sr += hRef[i] * u[i * H3 + H + j];
      }
      z[j] = sigmoid(sz);
      r[j] = sigmoid(sr);
    }
    const next = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let sh = gx[2 * H + j];
      for (let i = 0; i < H; i++) sh += r[i] * hRef[i] * u[i * H3 + 2 * H + j];
      const hh = Math.tanh(sh);
      next[j] = z[j] * hRef[j] + (1 - z[j]) * hh;
    }
    hRef = next;
    const logitsRef = new Float64Array(A);
    for (let k = 0; k < A; k++) {
      logitsRef[k] = bo[k];
      for (let j = 0; j < H; j++) logitsRef[k] += hRef[j] * ko[j * A + k];
    }
    const xT = tf.tensor2d(x, [1, I]);
    const out = a.forwardStep(xT, hT);
    xT.dispose();
    hT.dispose();
    hT = out.hidden;
    const h = out.hidden.dataSync(), l = out.logits.dataSync(), lat = out.latent.dataSync();
    for (let j = 0; j < H; j++) {
      assert.ok(Math.abs(h[j] - hRef[j]) < 1e-5, `h[${j}] ${h[j]} vs ${hRef[j]}`);
      assert.equal(lat[j], h[j]);
    }
    for (let k = 0; k < A; k++) assert.ok(Math.abs(l[k] - logitsRef[k]) < 1e-6);
    out.logits.dispose();
    out.latent.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  hT.dispose();
  // forward == forwardStep from a zero state
  tf.tidy(() => {
    const x = tf.tensor2d(xs[0], [1, I]);
    const f = a.forward(x).logits.dataSync();
    const s = a.forwardStep(x, tf.zeros([1, H]) as tf.Tensor2D).logits.dataSync();
    assert.deepEqual(f, s);
  });
  a.dispose();
});

Deno.test("GRU actor: a gradient step through two steps trains all variables without leaks", async () => {
  await initBackend("wasm");
  const a = new Actor({ ...mlpSpec, hiddenSizes: [8, 8], kind: "gru" }, {
    seed: 3,
    name: "actor_t_gru2",
  });
  const x = tf.randomNormal([4, 8], 0, 1, "float32", 4) as tf.Tensor2D;
  const opt = tf.train.sgd(0.1);
  const before = tf.memory().numTensors;
  const w0 = a.gru!.variables[1].dataSync().slice();
  opt.minimize(
    () => {
      const h0 = tf.zeros([4, 8]) as tf.Tensor2D;
      const s1 = a.forwardStep(x, h0);
      const s2 = a.forwardStep(x, s1.hidden);
      return tf.mean(tf.square(tf.sub(s2.logits, 1))) as tf.Scalar;
    },
    false,
    a.variables,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.notDeepEqual(a.gru!.variables[1].dataSync(), w0); // Wh only acts from step 2 on
  opt.dispose();
  x.dispose();
  a.dispose();
});
