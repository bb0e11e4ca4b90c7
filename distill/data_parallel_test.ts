import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { Actor } from "../policies/actor.ts";
import { Critic } from "../policies/critic.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { Rng } from "../sim/rng.ts";
import { classWeightTotals, type ShardData, shardGradients, shardRange } from "./data_parallel.ts";
import { MappoTrainer } from "./mappo.ts";
import { RolloutBuffer } from "./rollout.ts";

await initBackend("cpu");

const settings = { clip: 0.2, entropyCoef: 0.01, valueClip: 0.2, huberDelta: 10, valueCoef: 1 };

const tiny = {
  seed: 5,
  totalEnvSteps: 8 * 16 * 4,
  numEnvs: 8,
  rolloutSteps: 16,
  epochs: 2,
  minibatches: 2,
  actorHidden: [16],
  criticHidden: [16],
  checkpointEvery: 0,
};

function weightsOf(t: MappoTrainer): Float32Array[] {
  return [...t.actors.flatMap((a) => a.variables), ...t.critic.variables].map((v) =>
    Float32Array.from(v.dataSync())
  );
}

Deno.test("shardRange cuts a minibatch into contiguous pieces that cover it", () => {
  for (const [n, parties] of [[10, 2], [7, 3], [480, 2], [5, 5]]) {
    let next = 0;
    for (let p = 0; p < parties; p++) {
      const [start, end] = shardRange(n, parties, p);
      assert.equal(start, next);
      assert.ok(end >= start);
      next = end;
    }
    assert.equal(next, n);
  }
});

Deno.test("shard gradients add up to the minibatch's gradient (to float32 rounding), weights of agents out of play included", () => {
  const spec = { name: "agent", count: 3, obsSize: 4, numActions: 5 };
  const T = 6, E = 4, S = 7;
  const buffer = new RolloutBuffer([spec], { steps: T, envs: E, stateSize: S, inputSizes: [4] });
  const rng = new Rng(11, "data-parallel-test");
  const c = buffer.classes[0];
  for (let i = 0; i < c.inputs.length; i++) c.inputs[i] = rng.uniform() * 2 - 1;
  for (let i = 0; i < c.actions.length; i++) {
    c.actions[i] = Math.floor(rng.uniform() * 5);
    c.logProbs[i] = -1 - rng.uniform();
    c.weights[i] = rng.uniform() < 0.2 ? 0 : 1;
  }
  c.masks.fill(1);
  for (let i = 0; i < buffer.states.length; i++) buffer.states[i] = rng.uniform();
  const te = T * E;
  const data: ShardData = {
    buffer,
    advantages: Float32Array.from({ length: te }, () => rng.uniform() * 2 - 1),
    targets: Float32Array.from({ length: te }, () => rng.uniform()),
    oldValues: Float32Array.from({ length: te }, () => rng.uniform()),
  };
  const actor = new Actor({
    obsSize: 4,
    agentIdSize: 0,
    numActions: 5,
    hiddenSizes: [8],
    activation: "tanh",
    kind: "mlp",
  }, { seed: 1, name: "dp_test_actor" });
  const critic = new Critic({ stateSize: S, hiddenSizes: [8], activation: "tanh" }, {
    seed: 1,
    name: "dp_test_critic",
  });
  const before = tf.memory().numTensors;
  const idx = Int32Array.from([3, 17, 0, 9, 22, 5, 11, 14, 1]);
  const totals = classWeightTotals(buffer, idx);
  const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
  const [full, halves] = tf.tidy(() => {
    const whole = shardGradients([actor], critic, data, idx, totals, idx.length, settings);
    const parts = [0, 1].map((p) => {
      const [s, e] = shardRange(idx.length, 2, p);
      return shardGradients(
        [actor],
        critic,
        data,
        idx.subarray(s, e),
        totals,
        idx.length,
        settings,
      );
    });
    const sum = (k: "actor" | "critic") =>
      parts[0][k].map((g, j) => tf.add(g, parts[1][k][j]) as tf.Tensor);
    return [
      [flat(whole.actor), flat(whole.critic), Array.from(whole.stats.dataSync())],
      [
        flat(sum("actor")),
        flat(sum("critic")),
        Array.from(tf.add(parts[0].stats, parts[1].stats).dataSync()),
      ],
    ];
  });
  // An empty shard adds zeros, not NaN.
  const empty = tf.tidy(() => {
    const g = shardGradients(
      [actor],
      critic,
      data,
      new Int32Array(0),
      totals,
      idx.length,
      settings,
    );
    return [...flat(g.actor), ...flat(g.critic), ...Array.from(g.stats.dataSync())];
  });
  assert.ok(empty.length > 0 && empty.every((x) => x === 0));
  assert.equal(tf.memory().numTensors, before);
  for (let k = 0; k < 3; k++) {
    assert.equal(full[k].length, halves[k].length);
    const scale = Math.max(...full[k].map(Math.abs));
    assert.ok(scale > 0, "a gradient that is zero everywhere would prove nothing");
    full[k].forEach((x, j) =>
      assert.ok(
        Math.abs(x - halves[k][j]) <= 1e-5 * scale,
        `part ${k}[${j}]: ${x} vs ${halves[k][j]}`,
      )
    );
  }
  actor.dispose();
  critic.dispose();
});

Deno.test("MappoTrainer with 2 workers: the first rollout is the 1-worker rollout, the update agrees to float32 rounding, and runs repeat bit for bit", async () => {
  const run = async (workers: number) => {
    const t = new MappoTrainer(() => new MatchingEnv(), tiny);
    try {
      await t.startWorkers(workers);
      assert.equal(t.workers, workers);
      const first = t.iterate();
      const afterOne = weightsOf(t);
      // After the first update (Adam's moments exist from then on).
      const before = tf.memory().numTensors;
      const second = t.iterate();
      assert.equal(tf.memory().numTensors, before, "no tensor leaks across iterations");
      return { first, second, afterOne, weights: weightsOf(t) };
    } finally {
      t.dispose();
    }
  };
  const one = await run(1);
  const two = await run(2);
  const again = await run(2);
  // The rollout runs on this thread with the same weights: the same episodes, the same returns.
  assert.equal(two.first.meanReturn, one.first.meanReturn);
  assert.equal(two.first.episodes, one.first.episodes);
  for (const k of ["policyLoss", "valueLoss", "entropy", "approxKl"] as const) {
    assert.ok(
      Math.abs(two.first[k] - one.first[k]) <= 1e-4 * Math.max(1, Math.abs(one.first[k])),
      `${k}: ${two.first[k]} vs ${one.first[k]}`,
    );
  }
  let maxDiff = 0;
  one.afterOne.forEach((w, i) =>
    w.forEach((x, j) => maxDiff = Math.max(maxDiff, Math.abs(x - two.afterOne[i][j])))
  );
  assert.ok(maxDiff < 1e-4, `weights after one update differ by ${maxDiff}`);
  // Same seed, same worker count: the same numbers bit for bit.
  assert.deepEqual(again.weights, two.weights);
  assert.deepEqual(again.second, { ...two.second, seconds: again.second.seconds });
});

Deno.test("MappoTrainer.startWorkers refuses a bad count and recurrent runs, naming the value", async () => {
  const t = new MappoTrainer(() => new MatchingEnv(), tiny);
  try {
    await assert.rejects(() => t.startWorkers(0), /worker count: must be an integer >= 1, got 0/);
    await assert.rejects(() => t.startWorkers(1.5), /got 1.5/);
  } finally {
    t.dispose();
  }
  const r = new MappoTrainer(() => new MatchingEnv(), { ...tiny, recurrent: true, chunkLength: 4 });
  try {
    await assert.rejects(() => r.startWorkers(2), /Invalid worker count 2: .*recurrent/);
  } finally {
    r.dispose();
  }
});
