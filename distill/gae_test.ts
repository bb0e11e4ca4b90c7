import assert from "node:assert/strict";
import { computeGae } from "./gae.ts";

function run(
  rewards: number[],
  values: number[],
  nextValues: number[],
  terminated: number[],
  ended: number[],
  streams: number,
  gamma: number,
  lambda: number,
) {
  const n = rewards.length;
  const advantages = new Float32Array(n), returns = new Float32Array(n);
  computeGae({
    rewards: Float32Array.from(rewards),
    values: Float32Array.from(values),
    nextValues: Float32Array.from(nextValues),
    terminated: Uint8Array.from(terminated),
    episodeEnded: Uint8Array.from(ended),
    steps: n / streams,
    streams,
    gamma,
    lambda,
    advantages,
    returns,
  });
  return { advantages: Array.from(advantages), returns: Array.from(returns) };
}

function close(actual: number[], expected: number[], tol = 1e-5) {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) < tol, `[${i}] ${a} != ${expected[i]}`)
  );
}

Deno.test("GAE: hand-computed three-step case without episode end", () => {
  // gamma 0.9, lambda 0.8; V = [1, 2, 3], bootstrap V(s3) = 4, rewards [1, 0, 2].
  // delta2 = 2 + 0.9*4 - 3 = 2.6; delta1 = 0 + 0.9*3 - 2 = 0.7; delta0 = 1 + 0.9*2 - 1 = 1.8
  // A2 = 2.6; A1 = 0.7 + 0.72*2.6 = 2.572; A0 = 1.8 + 0.72*2.572 = 3.65184
  const r = run([1, 0, 2], [1, 2, 3], [2, 3, 4], [0, 0, 0], [0, 0, 0], 1, 0.9, 0.8);
  close(r.advantages, [3.65184, 2.572, 2.6]);
  close(r.returns, [4.65184, 4.572, 5.6]);
});

Deno.test("GAE: termination drops the bootstrap and cuts the recursion", () => {
  // Step 1 terminates; step 2 is a new episode. nextValues[1] is ignored (terminated).
  // delta2 = 1 + 0.5*10 - 2 = 4 -> A2 = 4
  // delta1 = 3 + 0 - 1 = 2 -> A1 = 2 (no carry from the next episode)
  // delta0 = 0 + 0.5*1 - 0 = 0.5 -> A0 = 0.5 + 0.5*1*2 = 1.5
  const r = run([0, 3, 1], [0, 1, 2], [1, 99, 10], [0, 1, 0], [0, 1, 0], 1, 0.5, 1);
  close(r.advantages, [1.5, 2, 4]);
});

Deno.test("GAE: truncation bootstraps from the final state's value, not the next episode's", () => {
  // Step 1 is truncated with V(final) = 6; the next episode's first value (2) must not leak in.
  // delta2 = 0 + 0.5*2 - 2 = -1 -> A2 = -1 (the next episode; it does not flow back)
  // delta1 = 1 + 0.5*6 - 1 = 3 -> A1 = 3; delta0 = 0 + 0.5*1 - 0 = 0.5 -> A0 = 0.5 + 0.5*3 = 2
  const r = run([0, 1, 0], [0, 1, 2], [1, 6, 2], [0, 0, 0], [0, 1, 0], 1, 0.5, 1);
  close(r.advantages, [2, 3, -1]);
});

Deno.test("GAE: streams are independent and laid out time-major", () => {
  // Two streams interleaved: stream 0 = [1, 1] ends by termination at t=1; stream 1 = [0, 2] continues.
  const r = run([1, 0, 1, 2], [0, 0, 0, 0], [0, 0, 0, 3], [0, 0, 1, 0], [0, 0, 1, 0], 2, 1, 1);
  close(r.advantages, [2, 5, 1, 5]);
});

Deno.test("GAE: lambda 0 is one-step TD, lambda 1 gamma 1 is Monte Carlo minus V", () => {
  const td = run([1, 2], [0.5, 0.25], [0.25, 1], [0, 0], [0, 0], 1, 0.9, 0);
  close(td.advantages, [1 + 0.9 * 0.25 - 0.5, 2 + 0.9 * 1 - 0.25]);
  const mc = run([1, 2, 3], [1, 1, 1], [1, 1, 0], [0, 0, 1], [0, 0, 1], 1, 1, 1);
  close(mc.advantages, [6 - 1, 5 - 1, 3 - 1]);
});

Deno.test("GAE: too-short arrays are rejected", () => {
  assert.throws(() => run([1, 2], [1], [1, 2], [0, 0], [0, 0], 1, 1, 1), /values has 1 entries/);
});
