import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { expectationFor, loadPolicySet } from "../policies/model_io.ts";
import { ObservationView } from "../policies/observation_view.ts";
import { SmaxEnv } from "../sim/smax/env.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { KdTrainer } from "./kd.ts";
import { MappoTrainer } from "./mappo.ts";
import { runStudentDistillation } from "./student_run.ts";
import { runTeacherTraining } from "./teacher_run.ts";
import { ViewedEnv } from "./viewed_env.ts";

await initBackend("cpu");

const make3m = () => new SmaxEnv({ map: "3m" });
const budget = { entities: { enemies: 1, allies: 1 } };

Deno.test("ViewedEnv: the same episode, observations through the view, full global state", () => {
  const inner = make3m(), plain = make3m();
  const view = ObservationView.create(inner.observationLayout(0), budget);
  const env = new ViewedEnv(inner, [view]);
  assert.equal(env.classes[0].obsSize, 18);
  assert.equal(env.stateSize, plain.stateSize);
  let a = env.reset(5), b = plain.reset(5);
  const actions = [new Int32Array(3)];
  const expected = new Float32Array(3 * 18);
  for (let t = 0; t < 20 && !a.done; t++) {
    view.applyBatch(b.classes[0].obs, 3, expected);
    assert.deepEqual(a.classes[0].obs, expected, `step ${t}`);
    assert.deepEqual(a.classes[0].actionMask, b.classes[0].actionMask);
    assert.deepEqual(env.state(), plain.state());
    for (let i = 0; i < 3; i++) actions[0][i] = t % 2 ? 6 + (i % 3) : 4;
    for (let i = 0; i < 3; i++) {
      if (!a.classes[0].actionMask[i * 9 + actions[0][i]]) actions[0][i] = 0;
    }
    a = env.step(actions);
    b = plain.step(actions);
    assert.deepEqual(a.classes[0].rewards, b.classes[0].rewards);
    assert.equal(a.done, b.done);
  }
  assert.throws(() => new ViewedEnv(inner, []), /0 views for 1 classes/);
});

Deno.test("KdTrainer with an observation budget: students read the view, the teacher the full observation, no leaks", () => {
  const mappo = new MappoTrainer(make3m, {
    numEnvs: 2,
    rolloutSteps: 8,
    totalEnvSteps: 32,
    actorHidden: [16],
    criticHidden: [16],
  });
  mappo.iterate();
  const teacher = {
    actors: mappo.actors,
    critic: mappo.critic,
    valueNorm: mappo.valueNorm.stats(),
  };
  const kd = new KdTrainer(make3m, teacher, [[8]], {
    numEnvs: 2,
    rolloutSteps: 8,
    totalEnvSteps: 48,
    epochs: 1,
    minibatches: 1,
    observation: { marine: budget },
  });
  assert.equal(kd.students[0].spec.obsSize, 18);
  assert.equal(kd.students[0].inputSize, 18);
  assert.equal(teacher.actors[0].inputSize, 30);
  assert.equal(kd.views[0]!.outputSize, 18);
  const s1 = kd.iterate();
  assert.ok(Number.isFinite(s1.losses.kl) && Number.isFinite(s1.losses.total));
  const before = tf.memory().numTensors;
  kd.iterate();
  assert.equal(tf.memory().numTensors, before);
  kd.dispose();
  // bc: the teacher acts on the full observation, the students learn on their view.
  const bc = new KdTrainer(make3m, teacher, [[8]], {
    numEnvs: 2,
    rolloutSteps: 8,
    totalEnvSteps: 16,
    epochs: 1,
    minibatches: 1,
    rolloutPolicy: "teacher",
    weights: { pg: 0, kl: 1, ce: 1, relation: 0, role: 0 },
    observation: { marine: budget },
  });
  assert.ok(Number.isFinite(bc.iterate().losses.kl));
  bc.dispose();
  assert.throws(
    () => new KdTrainer(make3m, teacher, [[8]], { observation: { zealot: budget } }),
    /field "observation" names class "zealot", the environment has \[marine\]/,
  );
  assert.throws(
    () =>
      new KdTrainer(make3m, teacher, [[8]], {
        observation: { marine: { entities: { landmarks: 1 } } },
      }),
    /KD config field "observation.marine": unknown entity segment "landmarks"/,
  );
  mappo.dispose();
});

Deno.test("KdTrainer: an observation budget on an environment without a layout is a clear error", () => {
  const mappo = new MappoTrainer(() => new MatchingEnv(), {
    numEnvs: 2,
    rolloutSteps: 4,
    actorHidden: [4],
    criticHidden: [4],
  });
  const teacher = { actors: mappo.actors, critic: mappo.critic, valueNorm: { mean: 0, std: 1 } };
  const name = new MatchingEnv().classes[0].name;
  assert.throws(
    () =>
      new KdTrainer(() => new MatchingEnv(), teacher, [[4], [4]], {
        observation: { [name]: budget },
      }),
    /describes no observation layout for class/,
  );
  mappo.dispose();
});

Deno.test("runStudentDistillation with an observation budget saves students that record their views and load for the env", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runTeacherTraining({
      envId: "smax/3m",
      makeEnv: make3m,
      outDir: `${dir}/teacher`,
      config: {
        numEnvs: 2,
        rolloutSteps: 8,
        totalEnvSteps: 16,
        actorHidden: [16],
        criticHidden: [16],
      },
      quiet: true,
    });
    const result = await runStudentDistillation({
      envId: "smax/3m",
      makeEnv: make3m,
      teacherDir: `${dir}/teacher/model`,
      outDir: `${dir}/students`,
      config: { numEnvs: 2, rolloutSteps: 8, totalEnvSteps: 16, epochs: 1, minibatches: 1 },
      observation: { marine: { entities: { enemies: 1, allies: 1 } } },
      observationWhere: "flag --obs-entities",
      quiet: true,
    });
    assert.equal(result.sizing[0].observation.tag, "enemies1-allies1");
    assert.equal(result.sizing[0].spec.obsSize, 18);
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/students/summary.json`));
    assert.equal(summary.sizing[0].observation.obsSize, 18);
    assert.equal(summary.sizing[0].observation.fullObsSize, 30);
    const set = await loadPolicySet(`${dir}/students/model`, {
      as: "plain",
      expect: expectationFor(make3m()),
    });
    assert.equal(set.classes[0].view!.outputSize, 18);
    await assert.rejects(
      () =>
        runStudentDistillation({
          envId: "smax/3m",
          makeEnv: make3m,
          teacherDir: `${dir}/teacher/model`,
          outDir: `${dir}/students2`,
          config: { numEnvs: 2, rolloutSteps: 8, totalEnvSteps: 16 },
          observation: { marine: { entities: { landmarks: 1 } } },
          observationWhere: "flag --obs-entities",
          quiet: true,
        }),
      /flag --obs-entities: unknown entity segment "landmarks" \(the layout has "enemies", "allies"\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
