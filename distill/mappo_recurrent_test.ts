import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { chunkSteps, MappoTrainer } from "./mappo.ts";
import { resolveMappoConfig } from "./config.ts";

await initBackend("cpu");

// Matching episodes last 8 steps; 16-step rollouts hold two per copy.
const tiny = {
  seed: 5,
  totalEnvSteps: 8 * 16 * 16,
  numEnvs: 8,
  rolloutSteps: 16,
  epochs: 4,
  minibatches: 2,
  learningRate: 3e-3,
  finalLearningRate: 1e-3,
  actorHidden: [32],
  criticHidden: [32],
  recurrent: true,
  chunkLength: 4,
};

Deno.test("recurrent config: chunk length must divide the rollout; GRU sizes and chunk counts checked", () => {
  assert.throws(
    () => resolveMappoConfig({ ...tiny, chunkLength: 5 }),
    /field "chunkLength" must be a divisor of rolloutSteps \(16\) when recurrent, got 5/,
  );
  assert.throws(
    () => resolveMappoConfig({ ...tiny, actorHidden: [] }),
    /field "actorHidden" must be at least one width .* when recurrent, got \[\]/,
  );
  assert.throws(
    () => resolveMappoConfig({ ...tiny, minibatches: 33 }),
    /field "minibatches" must be <= the rollout's chunks \(32\) when recurrent, got 33/,
  );
  assert.throws(() => resolveMappoConfig({ chunkLength: 0 }), /"chunkLength" must be a positive/);
  // Feed-forward runs ignore the chunk length's divisibility.
  assert.equal(resolveMappoConfig({ rolloutSteps: 25 }).chunkLength, 10);
});

Deno.test("recurrent: chunk steps are step-major over (copy, chunk) pairs", () => {
  // 3 copies, chunks of 2 steps: chunk 0 = copy 0 steps 0-1, chunk 4 = copy 1 steps 2-3.
  assert.deepEqual([...chunkSteps(Int32Array.of(0, 4), 2, 3)], [0, 7, 3, 10]);
});

Deno.test("recurrent: hidden states carry over steps and are zeroed exactly where an episode begins", () => {
  const t = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 8 * 16 * 2 });
  t.iterate();
  const H = 32, E = 8, count = t.venv.classes[0].count;
  const log = t.actorHiddenLog[0];
  const rowNorm = (step: number, e: number) => {
    let s = 0;
    const base = ((step * E + e) * count) * H;
    for (let k = 0; k < count * H; k++) s += Math.abs(log[base + k]);
    return s;
  };
  for (let e = 0; e < E; e++) {
    // The first rollout starts episodes at steps 0 and 8 (8-step episodes): zero there, not elsewhere.
    for (let step = 0; step < 16; step++) {
      const starts = step % 8 === 0;
      assert.equal(rowNorm(step, e) === 0, starts, `copy ${e}, step ${step}`);
    }
  }
  t.iterate();
  // The second rollout's first step continues from the first one's last step (a new episode there: zero).
  assert.equal(rowNorm(0, 0), 0);
  assert.ok(rowNorm(1, 0) > 0);
  t.dispose();
});

for (const chunkLength of [4, 16]) {
  Deno.test(`recurrent BPTT: replaying chunks of ${chunkLength} from the recorded states reproduces the rollout's policy (ratio 1)`, async () => {
    // A trained policy (so that the hidden state matters), then a learning rate too small to move the
    // weights: every minibatch's log-probabilities must equal the rollout's. That holds only if each
    // chunk starts from the hidden state recorded at its first step (chunks of 4 start mid-episode) and
    // the unroll zeroes it where an episode begins inside the chunk (chunks of 16 span two episodes).
    const dir = await Deno.makeTempDir();
    try {
      const config = { ...tiny, chunkLength, totalEnvSteps: 8 * 16 * 8 };
      const a = new MappoTrainer(() => new MatchingEnv(), config);
      for (let i = 0; i < 6; i++) a.iterate();
      await a.saveCheckpoint(`${dir}/ckpt`);
      a.dispose();
      const b = new MappoTrainer(() => new MatchingEnv(), {
        ...config,
        learningRate: 1e-12,
        finalLearningRate: 1e-12,
        epochs: 1,
      });
      await b.restoreCheckpoint(`${dir}/ckpt`);
      b.iterate(); // hidden states warm up from the resume's zero state
      const s = b.iterate();
      assert.ok(Math.abs(s.approxKl) < 1e-7, `approx KL ${s.approxKl}`);
      assert.equal(s.clipFraction, 0);
      b.dispose();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("recurrent smoke: a tiny budget learns the matching task, leaks no tensors", () => {
  const t = new MappoTrainer(() => new MatchingEnv(), tiny);
  const returns: number[] = [];
  t.iterate();
  const before = tf.memory().numTensors;
  returns.push(t.iterate().meanReturn);
  assert.equal(tf.memory().numTensors, before);
  while (t.iteration < t.totalIterations) returns.push(t.iterate().meanReturn);
  const first = returns.slice(0, 3).reduce((a, b) => a + b) / 3;
  const last = returns.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(last > first + 2, `returns ${returns.map((r) => r.toFixed(2))}`);
  t.dispose();
});

Deno.test("recurrent: checkpoint round trip restores the GRU weights and resumes from zero hidden states", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 8 * 16 * 4 });
    a.iterate();
    a.iterate();
    await a.saveCheckpoint(`${dir}/ckpt`);
    const b = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 8 * 16 * 4 });
    await b.restoreCheckpoint(`${dir}/ckpt`);
    assert.equal(b.iteration, 2);
    assert.ok(a.actors[0].gru && b.critic.gru);
    [...a.actors[0].variables, ...a.critic.variables].forEach((v, i) => {
      const w = [...b.actors[0].variables, ...b.critic.variables][i];
      assert.deepEqual(Array.from(w.dataSync()), Array.from(v.dataSync()), v.name);
    });
    b.iterate();
    // The resumed rollout began fresh episodes: its first recorded hidden states are zero.
    assert.ok(b.actorHiddenLog[0].subarray(0, 8 * 2 * 32).every((x) => x === 0));
    a.dispose();
    b.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
