import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { Critic } from "../policies/critic.ts";
import { Rng } from "../sim/rng.ts";
import { normalizeAdvantages, rolloutAdvantages } from "./advantages.ts";
import { RolloutBuffer } from "./rollout.ts";

await initBackend("cpu");

/** A linear critic V(s) = s0 + 2 s1 (no hidden layer; kernel and bias set by hand). */
function linearCritic(name: string): Critic {
  const critic = new Critic({ stateSize: 2, hiddenSizes: [], activation: "relu" }, {
    seed: 0,
    name,
  });
  const [kernel, bias] = critic.variables;
  tf.tidy(() => {
    kernel.assign(tf.tensor2d([1, 2], [2, 1]));
    bias.assign(tf.zeros([1]));
  });
  return critic;
}

function close(actual: ArrayLike<number>, expected: number[], what: string, tol = 1e-5) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < tol,
      `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

/** T = 3 steps of E = 2 copies, time-major rows i = t * 2 + e, state [s0, s1]. */
function handBuffer(): RolloutBuffer {
  const b = new RolloutBuffer([{ name: "a", count: 1, obsSize: 1, numActions: 2 }], {
    steps: 3,
    envs: 2,
    stateSize: 2,
    inputSizes: [1],
  });
  // V(states) = 1..6 before the env-unit map.
  b.states.set([1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0]);
  b.rewards.set([1, -1, 2, 0, 3, 2]);
  // Copy 0 is truncated at t=1 (row 2); copy 1 terminates at t=0 (row 1) and is truncated at t=2 (row 5),
  // the last step, so its final state (not the bootstrap state) must be used.
  b.ended.set([0, 1, 1, 0, 0, 1]);
  b.terminated.set([0, 1, 0, 0, 0, 0]);
  b.finalStates.set([100, 100], 1 * 2); // terminated: must bootstrap nothing
  b.finalStates.set([7, 1], 2 * 2); // V = 9
  b.finalStates.set([8, 1.5], 5 * 2); // V = 11
  b.bootstrapStates.set([20, 0, 30, 0]); // V = 20 (copy 0), 30 (copy 1: unused, its last step ended)
  return b;
}

const double = (v: Float32Array) => {
  for (let i = 0; i < v.length; i++) v[i] *= 2;
  return v;
};

Deno.test("rolloutAdvantages: next values from successors, bootstrap, truncated finals and terminations", () => {
  const critic = linearCritic("adv_hand");
  const b = handBuffer();
  const before = tf.memory().numTensors;
  rolloutAdvantages(b, critic, double, 0.5, 0.5);
  assert.equal(tf.memory().numTensors, before, "no tensor leak");
  // Env units (x2): values 2,4,...,12; finals 18 (row 2), 22 (row 5); bootstrap 40, 60.
  close(b.values, [2, 4, 6, 8, 10, 12], "values");
  // row 0 -> values[row 2]; row 1 terminated -> 0; row 2 truncated -> V(final) 18; row 3 -> values[row 5];
  // row 4 (last step) -> bootstrap of copy 0; row 5 truncated at the last step -> V(final) 22, not 60.
  close(b.nextValues, [6, 0, 18, 12, 40, 22], "nextValues");
  // gamma 0.5, lambda 0.5:
  // copy 0: A4 = 3 + 20 - 10 = 13; A2 = 2 + 9 - 6 = 5 (episode end: no carry); A0 = 1 + 3 - 2 + 0.25*5 = 3.25
  // copy 1: A5 = 2 + 11 - 12 = 1; A3 = 0 + 6 - 8 + 0.25*1 = -1.75; A1 = -1 + 0 - 4 = -5 (terminated)
  close(b.advantages, [3.25, -5, 5, -1.75, 13, 1], "advantages");
  close(b.returns, [5.25, -1, 11, 6.25, 23, 13], "returns");
  critic.dispose();
});

Deno.test("rolloutAdvantages: without truncations nothing reads finalStates", () => {
  const critic = linearCritic("adv_noend");
  const b = handBuffer();
  b.ended.fill(0);
  b.terminated.fill(0);
  b.finalStates.fill(Number.NaN); // any read would poison the results
  const before = tf.memory().numTensors;
  rolloutAdvantages(b, critic, (v) => v, 1, 1);
  assert.equal(tf.memory().numTensors, before);
  close(b.nextValues, [3, 4, 5, 6, 20, 30], "nextValues");
  // gamma = lambda = 1: A_t = sum of rewards to the end + bootstrap - V(s_t).
  // copy 0 rewards 1, 2, 3 -> 6 + 20; copy 1 rewards -1, 0, 2 -> 1 + 30.
  close(b.advantages, [26 - 1, 31 - 2, 25 - 3, 32 - 4, 23 - 5, 32 - 6], "advantages");
  critic.dispose();
});

Deno.test("normalizeAdvantages: zero mean, unit std against a two-pass reference, in place", () => {
  const rng = new Rng(7, "adv");
  const xs = Float32Array.from({ length: 257 }, () => 5 + 3 * rng.normal());
  const ref = Array.from(xs);
  const mean = ref.reduce((a, x) => a + x, 0) / ref.length;
  const std = Math.sqrt(ref.reduce((a, x) => a + (x - mean) ** 2, 0) / ref.length);
  const out = normalizeAdvantages(xs);
  assert.equal(out, xs, "returns its argument");
  close(out, ref.map((x) => (x - mean) / std), "normalised", 1e-4);
  let m = 0, v = 0;
  for (const x of out) m += x;
  m /= out.length;
  for (const x of out) v += (x - m) ** 2;
  assert.ok(Math.abs(m) < 1e-5 && Math.abs(Math.sqrt(v / out.length) - 1) < 1e-4);
});

Deno.test("normalizeAdvantages: constant advantages become zeros, not NaN", () => {
  close(normalizeAdvantages(Float32Array.of(4, 4, 4)), [0, 0, 0], "constant");
});
