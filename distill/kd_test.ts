import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import type { Actor } from "../policies/actor.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { deriveSeed } from "../sim/rng.ts";
import { MappoTrainer } from "./mappo.ts";
import { KdTrainer, type Teacher } from "./kd.ts";
import { forwardLogitsInto } from "./tensor_util.ts";

await initBackend("cpu");

function argmaxActions(actor: Actor, obs: Float32Array, mask: Uint8Array, count: number): number[] {
  const n = actor.spec.numActions;
  const logits = new Float32Array(count * n);
  forwardLogitsInto(actor, obs, Float32Array.from(mask), count, logits);
  return Array.from({ length: count }, (_, i) => {
    let best = 0;
    for (let k = 1; k < n; k++) if (logits[i * n + k] > logits[i * n + best]) best = k;
    return best;
  });
}

/** Share of agent decisions on which the students' argmax equals the teacher's, students acting. */
function agreement(teacher: Actor[], students: Actor[], episodes: number): number {
  const env = new MatchingEnv();
  let same = 0, total = 0;
  const actions = env.classes.map((c) => new Int32Array(c.count));
  for (let e = 0; e < episodes; e++) {
    let r = env.reset(deriveSeed(77, "agreement", e));
    while (!r.done) {
      env.classes.forEach((c, ci) => {
        const b = r.classes[ci];
        const t = argmaxActions(teacher[ci], b.obs, b.actionMask, c.count);
        const s = argmaxActions(students[ci], b.obs, b.actionMask, c.count);
        for (let i = 0; i < c.count; i++) {
          total++;
          if (t[i] === s[i]) same++;
          actions[ci][i] = s[i];
        }
      });
      r = env.step(actions);
    }
  }
  return same / total;
}

Deno.test("KD-MARL: a small student distilled from a trained teacher picks the teacher's action on >= 95% of states", () => {
  const mappo = new MappoTrainer(() => new MatchingEnv(), {
    seed: 5,
    totalEnvSteps: 8 * 16 * 20,
    numEnvs: 8,
    rolloutSteps: 16,
    epochs: 4,
    learningRate: 3e-3,
    finalLearningRate: 1e-3,
    actorHidden: [32, 32],
    criticHidden: [32],
  });
  for (let i = 0; i < mappo.totalIterations; i++) mappo.iterate();
  const teacher: Teacher = {
    actors: mappo.actors,
    critic: mappo.critic,
    valueNorm: mappo.valueNorm.stats(),
  };
  const kd = new KdTrainer(() => new MatchingEnv(), teacher, [[8], [8]], {
    seed: 5,
    totalEnvSteps: 8 * 16 * 15,
    numEnvs: 8,
    rolloutSteps: 16,
    epochs: 4,
    learningRate: 1e-2,
    finalLearningRate: 3e-3,
  });
  const before = agreement(mappo.actors, kd.students, 10);
  let last = kd.iterate();
  assert.ok(
    Number.isFinite(last.losses.kl) && Number.isFinite(last.losses.relation),
    JSON.stringify(last.losses),
  );
  for (let i = 1; i < kd.totalIterations; i++) last = kd.iterate();
  const after = agreement(mappo.actors, kd.students, 20);
  assert.ok(after >= 0.95, `agreement ${after} (before distillation ${before})`);
  assert.ok(last.agreement >= 0.9, `training-time agreement ${last.agreement}`);
  // Every logged term is a number.
  for (const [k, v] of Object.entries(last.losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  kd.dispose();
  mappo.dispose();
});

/** An untrained MatchingEnv teacher (its trainer, to dispose, and the frozen view KD reads). */
function tinyTeacher(): { mappo: MappoTrainer; teacher: Teacher } {
  const mappo = new MappoTrainer(() => new MatchingEnv(), {
    numEnvs: 4,
    rolloutSteps: 8,
    totalEnvSteps: 64,
    actorHidden: [16],
    criticHidden: [16],
  });
  return {
    mappo,
    teacher: { actors: mappo.actors, critic: mappo.critic, valueNorm: { mean: 0, std: 1 } },
  };
}

Deno.test("KD-MARL: a student update leaks no tensors; teacher weights stay frozen", () => {
  const { mappo, teacher } = tinyTeacher();
  const kd = new KdTrainer(() => new MatchingEnv(), teacher, [[4], [4, 4]], {
    numEnvs: 4,
    rolloutSteps: 8,
    totalEnvSteps: 64,
  });
  const teacherWeights = mappo.actors.map((a) => a.variables.map((v) => Array.from(v.dataSync())));
  kd.iterate();
  const before = tf.memory().numTensors;
  kd.iterate();
  assert.equal(tf.memory().numTensors, before);
  mappo.actors.forEach((a, i) =>
    a.variables.forEach((v, j) => assert.deepEqual(Array.from(v.dataSync()), teacherWeights[i][j]))
  );
  kd.dispose();
  mappo.dispose();
});

Deno.test("KD-MARL: mismatched teacher and environment are refused", () => {
  const mappo = new MappoTrainer(() => new MatchingEnv(), {
    numEnvs: 2,
    rolloutSteps: 4,
    actorHidden: [4],
    criticHidden: [4],
  });
  const teacher: Teacher = {
    actors: [mappo.actors[0]],
    critic: mappo.critic,
    valueNorm: { mean: 0, std: 1 },
  };
  assert.throws(
    () => new KdTrainer(() => new MatchingEnv(), teacher, [[4]]),
    /2 agent classes, teacher 1/,
  );
  mappo.dispose();
});

Deno.test("KD-MARL: large teams compare a sampled sub-team in the pairwise terms, without leaks", () => {
  const { mappo, teacher } = tinyTeacher();
  const run = (relationAgents: number) => {
    const kd = new KdTrainer(() => new MatchingEnv(), teacher, [[4], [4, 4]], {
      numEnvs: 4,
      rolloutSteps: 8,
      totalEnvSteps: 64,
      relationAgents,
    });
    const first = kd.iterate();
    const before = tf.memory().numTensors;
    const second = kd.iterate();
    assert.equal(tf.memory().numTensors, before);
    for (const it of [first, second]) {
      assert.ok(it.agreement >= 0 && it.agreement <= 1, `agreement ${it.agreement}`);
    }
    kd.dispose();
    return [first.losses, second.losses];
  };
  // MatchingEnv's team is 3 agents: a limit of 3 or more compares all of them, identically.
  const whole = run(3);
  assert.deepEqual(run(64), whole);
  // A limit of 2 compares one sampled pair per minibatch: the pairwise terms change.
  const sampled = run(2);
  assert.ok(sampled.every((l) => Number.isFinite(l.relation) && Number.isFinite(l.role)));
  assert.notEqual(sampled[0].relation, whole[0].relation);
  assert.throws(
    () => new KdTrainer(() => new MatchingEnv(), teacher, [[4], [4, 4]], { relationAgents: 1 }),
    /relationAgents.*integer >= 2/,
  );
  mappo.dispose();
});

Deno.test("KD-MARL: a transferred teacher without a critic teaches with the policy-gradient term off", () => {
  const { mappo, teacher } = tinyTeacher();
  const actorsOnly: Teacher = { actors: teacher.actors, valueNorm: teacher.valueNorm };
  const config = {
    numEnvs: 4,
    rolloutSteps: 8,
    totalEnvSteps: 64,
    weights: { pg: 0, kl: 1, ce: 0.5, relation: 1, role: 0.1 },
  };
  assert.throws(
    () =>
      new KdTrainer(() => new MatchingEnv(), actorsOnly, [[4], [4, 4]], {
        ...config,
        weights: { ...config.weights, pg: 0.5 },
      }),
    /no critic for this environment.*"weights.pg" must be 0, got 0.5/,
  );
  const run = (t: Teacher) => {
    const kd = new KdTrainer(() => new MatchingEnv(), t, [[4], [4, 4]], config);
    const losses = [kd.iterate().losses, kd.iterate().losses];
    const weights = kd.students.flatMap((s) => s.variables.map((v) => Array.from(v.dataSync())));
    kd.dispose();
    return { losses, weights };
  };
  // With the term off the critic is never read: the students come out the same without it.
  const without = run(actorsOnly);
  assert.deepEqual(without, run(teacher));
  assert.ok(without.losses.every((l) => l.pg === 0 && Number.isFinite(l.kl)));
  mappo.dispose();
});
