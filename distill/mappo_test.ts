import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { evaluateController } from "./evaluate.ts";
import { RandomController } from "../sim/env/controller.ts";
import { MappoTrainer } from "./mappo.ts";
import { forwardLogitsInto } from "./tensor_util.ts";
import type { Controller } from "../sim/env/controller.ts";
import type { StepResult } from "../sim/env/types.ts";

await initBackend("cpu");

const tiny = {
  seed: 3,
  totalEnvSteps: 8 * 16 * 25,
  numEnvs: 8,
  rolloutSteps: 16,
  epochs: 4,
  minibatches: 2,
  learningRate: 3e-3,
  finalLearningRate: 1e-3,
  actorHidden: [32],
  criticHidden: [32],
};

/** Greedy argmax of the trainer's actors. */
function greedy(trainer: MappoTrainer): Controller {
  return {
    name: "teacher",
    act(result: StepResult, out: Int32Array[]) {
      trainer.actors.forEach((actor, c) => {
        const spec = trainer.venv.classes[c];
        const logits = new Float32Array(spec.count * spec.numActions);
        forwardLogitsInto(
          actor,
          result.classes[c].obs,
          Float32Array.from(result.classes[c].actionMask),
          spec.count,
          logits,
        );
        for (let i = 0; i < spec.count; i++) {
          let best = 0;
          for (let k = 1; k < spec.numActions; k++) {
            if (logits[i * spec.numActions + k] > logits[i * spec.numActions + best]) best = k;
          }
          out[c][i] = best;
        }
      });
    },
  };
}

Deno.test("MAPPO smoke: a tiny budget learns the matching task far above random", () => {
  const trainer = new MappoTrainer(() => new MatchingEnv(), tiny);
  const env = new MatchingEnv();
  const random = evaluateController(env, new RandomController(env.classes, 0), {
    episodes: 50,
    seed: 9,
  });
  const returns: number[] = [];
  for (let i = 0; i < trainer.totalIterations; i++) returns.push(trainer.iterate().meanReturn);
  const learned = evaluateController(env, greedy(trainer), { episodes: 50, seed: 9 });
  // Random: ~ (1/4 + 1/4 + 1/3)/3 own-match rate -> ~4 per 8-step episode; optimum 16.
  assert.ok(learned.mean > random.mean + 6, `learned ${learned.mean} vs random ${random.mean}`);
  assert.ok(returns.at(-1)! > returns[0], `training return did not rise: ${returns}`);
  trainer.dispose();
});

Deno.test("MAPPO: an update leaks no tensors and is reproducible from the seed", () => {
  const a = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 256 });
  a.iterate(); // optimiser slots are created on the first step
  const before = tf.memory().numTensors;
  const sa = a.iterate();
  assert.equal(tf.memory().numTensors, before);
  const b = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 256 });
  b.iterate();
  const sb = b.iterate();
  assert.equal(sa.policyLoss, sb.policyLoss);
  assert.equal(sa.valueLoss, sb.valueLoss);
  assert.deepEqual(
    Array.from(a.actors[0].variables[0].dataSync()),
    Array.from(b.actors[0].variables[0].dataSync()),
  );
  a.dispose();
  b.dispose();
});

Deno.test("MAPPO: checkpoint round trip restores weights, optimiser state and counters", async () => {
  const dir = await Deno.makeTempDir();
  const a = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 512 });
  a.iterate();
  a.iterate();
  await a.saveCheckpoint(`${dir}/ckpt`, { note: "x" });
  const b = new MappoTrainer(() => new MatchingEnv(), { ...tiny, totalEnvSteps: 512 });
  const before = tf.memory().numTensors;
  const extra = await b.restoreCheckpoint(`${dir}/ckpt`);
  assert.deepEqual(extra, { note: "x" });
  assert.equal(b.iteration, 2);
  assert.equal(b.envSteps, a.envSteps);
  for (let i = 0; i < a.actors[0].variables.length; i++) {
    assert.deepEqual(
      Array.from(b.actors[0].variables[i].dataSync()),
      Array.from(a.actors[0].variables[i].dataSync()),
    );
  }
  // Adam moments came back (tensor count grows by exactly the restored moments), and training continues.
  assert.ok(tf.memory().numTensors > before);
  const s = b.iterate();
  assert.ok(Number.isFinite(s.policyLoss));
  // A checkpoint of another environment is refused with a clear message.
  const other = new MappoTrainer(() => new MatchingEnv(), { ...tiny, actorHidden: [8] });
  await assert.rejects(
    other.restoreCheckpoint(`${dir}/ckpt`),
    /variable 0 .* has shape \[5,32\], expected \[5,8\]/,
  );
  a.dispose();
  b.dispose();
  other.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("MAPPO warm start: behaviour cloning from a heuristic reaches its actions", () => {
  const trainer = new MappoTrainer(() => new MatchingEnv(), { ...tiny, learningRate: 1e-2 });
  const oracle = (): Controller => ({
    name: "oracle",
    act(result: StepResult, out: Int32Array[]) {
      const a = result.classes[0].obs, b = result.classes[1].obs;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) if (a[i * 5 + k] === 1) out[0][i] = k;
      for (let k = 0; k < 3; k++) if (b[k] === 1) out[1][0] = k;
    },
  });
  trainer.warmStart(() => new MatchingEnv(), oracle, { episodes: 4, epochs: 1, batchSteps: 16 });
  const before = tf.memory().numTensors; // optimiser slots exist now
  const accuracy = trainer.warmStart(() => new MatchingEnv(), oracle, {
    episodes: 40,
    epochs: 15,
    batchSteps: 64,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(accuracy > 0.95, `imitation accuracy ${accuracy}`);
  const env = new MatchingEnv();
  const learned = evaluateController(env, greedy(trainer), { episodes: 20, seed: 4 });
  assert.ok(learned.mean > 14, `return after warm start ${learned.mean} (optimum 16)`);
  trainer.dispose();
});

Deno.test("MAPPO warm start: DAgger rounds label the actor's own states with the heuristic", () => {
  const trainer = new MappoTrainer(() => new MatchingEnv(), { ...tiny, learningRate: 1e-2 });
  let labelled = 0;
  const oracle = (): Controller => ({
    name: "oracle",
    act(result: StepResult, out: Int32Array[]) {
      labelled++;
      const a = result.classes[0].obs, b = result.classes[1].obs;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) if (a[i * 5 + k] === 1) out[0][i] = k;
      for (let k = 0; k < 3; k++) if (b[k] === 1) out[1][0] = k;
    },
  });
  trainer.warmStart(() => new MatchingEnv(), oracle, { episodes: 2, epochs: 1, batchSteps: 16 });
  const before = tf.memory().numTensors;
  labelled = 0;
  const reports: [number, number, number][] = [];
  const accuracy = trainer.warmStart(() => new MatchingEnv(), oracle, {
    episodes: 10,
    epochs: 10,
    batchSteps: 64,
    daggerRounds: 2,
    daggerEpisodes: 15,
    onRound: (round, rounds, acc) => reports.push([round, rounds, acc]),
  });
  assert.equal(tf.memory().numTensors, before);
  // One progress report after cloning and one per DAgger round; the last carries the returned accuracy.
  assert.deepEqual(reports.map(([r, n]) => [r, n]), [[0, 2], [1, 2], [2, 2]]);
  assert.equal(reports[2][2], accuracy);
  // 10 demonstration episodes plus 2 rounds of 15 actor-played episodes, every step labelled once.
  const episodeLength = countSteps(new MatchingEnv());
  assert.equal(labelled, (10 + 2 * 15) * episodeLength);
  assert.ok(accuracy > 0.95, `imitation accuracy ${accuracy}`);
  const learned = evaluateController(new MatchingEnv(), greedy(trainer), { episodes: 20, seed: 4 });
  assert.ok(learned.mean > 14, `return after DAgger ${learned.mean} (optimum 16)`);
  trainer.dispose();
});

function countSteps(env: MatchingEnv): number {
  const out = env.classes.map((k) => new Int32Array(k.count));
  let r = env.reset(1), n = 0;
  while (!r.done) {
    r = env.step(out);
    n++;
  }
  return n;
}

Deno.test("MAPPO on MPE steps an MpeBatchEnv, bit for bit the same training as a VectorEnv", async () => {
  const { SimpleSpreadEnv } = await import("../sim/mpe/simple_spread.ts");
  const { MpeBatchEnv } = await import("../sim/mpe/batch.ts");
  const { VectorEnv } = await import("../sim/env/vector.ts");
  const config = { ...tiny, totalEnvSteps: 2 * 8 * 25, rolloutSteps: 25 };
  const batched = new MappoTrainer(() => new SimpleSpreadEnv(), config);
  assert.ok(batched.venv instanceof MpeBatchEnv);
  // The same environment without its batched form (no makeBatch): a VectorEnv of single copies.
  const plain = new MappoTrainer(() => {
    const env = new SimpleSpreadEnv();
    return {
      id: env.id,
      classes: env.classes,
      agents: env.agents,
      stateSize: env.stateSize,
      maxSteps: env.maxSteps,
      reset: (seed: number) => env.reset(seed),
      step: (a: readonly Int32Array[]) => env.step(a),
      state: (out?: Float32Array) => env.state(out),
    };
  }, config);
  assert.ok(plain.venv instanceof VectorEnv);
  for (let i = 0; i < 2; i++) {
    const a = batched.iterate(), b = plain.iterate();
    assert.equal(a.meanReturn, b.meanReturn);
    assert.equal(a.policyLoss, b.policyLoss);
  }
  batched.actors[0].variables.forEach((v, i) =>
    assert.deepEqual(Array.from(v.dataSync()), Array.from(plain.actors[0].variables[i].dataSync()))
  );
  batched.dispose();
  plain.dispose();
});
