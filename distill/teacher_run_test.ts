import assert from "node:assert/strict";
import { initBackend } from "../policies/backend.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { runTeacherTraining } from "./teacher_run.ts";

await initBackend("cpu");

const base = { numEnvs: 8, rolloutSteps: 16, actorHidden: [16], criticHidden: [16] };

Deno.test("runTeacherTraining: a resumed run with a new command is a new stage, listed in provenance", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const run = (command: string, config: Record<string, unknown>) =>
      runTeacherTraining({
        envId: "toy/matching",
        makeEnv: () => new MatchingEnv(),
        outDir,
        config: { ...base, ...config },
        resume: true,
        quiet: true,
        command,
      });
    const first = await run("train --steps 512", { totalEnvSteps: 512 });
    assert.deepEqual(first.stages.map((s) => [s.command, s.fromEnvSteps, s.toEnvSteps]), [
      ["train --steps 512", 0, 512],
    ]);
    const polish = {
      totalEnvSteps: 1024,
      learningRate: 1e-4,
      finalLearningRate: 1e-5,
      entropyCoef: 0,
    };
    const second = await run("train --steps 1024 --lr 1e-4:1e-5", polish);
    assert.equal(second.envSteps, 1024);
    // The same command again continues its stage (a resume after Ctrl-C), with nothing left to do.
    const third = await run("train --steps 1024 --lr 1e-4:1e-5", polish);
    assert.equal(third.iterations, second.iterations);
    // Replaying the first stage's command on the finished checkpoint (train-all does) adds no stage.
    const replay = await run("train --steps 512", { totalEnvSteps: 512 });
    assert.equal(replay.envSteps, 1024);
    // With no iteration left to run, the last mean return still comes from the checkpoint.
    assert.ok(Number.isFinite(second.finalReturn));
    assert.equal(replay.finalReturn, second.finalReturn);
    assert.equal(replay.stages.length, 2);
    assert.deepEqual(third.stages.map((s) => [s.command, s.fromEnvSteps, s.toEnvSteps]), [
      ["train --steps 512", 0, 512],
      ["train --steps 1024 --lr 1e-4:1e-5", 512, 1024],
    ]);
    const summary = JSON.parse(await Deno.readTextFile(`${outDir}/summary.json`));
    assert.equal(
      summary.provenance.command,
      "train --steps 512 && train --steps 1024 --lr 1e-4:1e-5",
    );
    assert.equal(summary.config.learningRate, 1e-4);
    assert.equal(summary.config.entropyCoef, 0);
    // summary.json is the replay's, the last invocation.
    const seconds = replay.stages.reduce((a, s) => a + s.seconds, 0);
    assert.ok(replay.stages.every((s) => s.seconds > 0));
    assert.equal(summary.seconds, seconds);
    const manifest = JSON.parse(await Deno.readTextFile(`${outDir}/model/manifest.json`));
    assert.equal(manifest.provenance.command, summary.provenance.command);
    assert.equal(manifest.provenance.steps, 1024);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runTeacherTraining: a checkpoint from before stages takes its first stage from summary.json", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const opts = {
      envId: "toy/matching",
      makeEnv: () => new MatchingEnv(),
      outDir,
      quiet: true,
    };
    await runTeacherTraining({ ...opts, config: { ...base, totalEnvSteps: 256 }, command: "old" });
    // Rewrite the checkpoint as an older version wrote it: curves only, no stage history.
    const { MappoTrainer } = await import("./mappo.ts");
    const trainer = new MappoTrainer(() => new MatchingEnv(), { ...base, totalEnvSteps: 256 });
    const extra = await trainer.restoreCheckpoint(`${outDir}/checkpoint.ckpt`);
    await trainer.saveCheckpoint(`${outDir}/checkpoint.ckpt`, { curves: extra.curves });
    trainer.dispose();
    const r = await runTeacherTraining({
      ...opts,
      config: { ...base, totalEnvSteps: 512 },
      resume: true,
      command: "new",
    });
    assert.deepEqual(r.stages.map((s) => s.command), ["old", "new"]);
    assert.equal(r.stages[0].toEnvSteps, 256);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runTeacherTraining: with segment it pauses at every multiple, checkpointed, and resumes to the end", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const run = () =>
      runTeacherTraining({
        envId: "toy/matching",
        makeEnv: () => new MatchingEnv(),
        outDir,
        // 640 steps = 5 iterations of 128: segments end at 2, 4, then 5.
        config: { ...base, totalEnvSteps: 640 },
        resume: true,
        quiet: true,
        command: "train --steps 640",
        segment: 2,
      });
    const seen: [number, boolean, boolean | undefined][] = [];
    for (;;) {
      const r = await run();
      seen.push([r.iterations, r.interrupted, r.paused]);
      if (!r.interrupted) {
        assert.ok(r.modelDir);
        break;
      }
      assert.ok(await Deno.stat(`${outDir}/checkpoint.ckpt`));
    }
    assert.deepEqual(seen, [[2, true, true], [4, true, true], [5, false, undefined]]);
    // One command, one stage, however many segments.
    const summary = JSON.parse(await Deno.readTextFile(`${outDir}/summary.json`));
    assert.equal(summary.stages.length, 1);
    assert.equal(summary.iterations, 5);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runTeacherTraining: agentIdFeatures puts a one-hot agent index in the actor input and the model files record it", async () => {
  const { loadPolicySet } = await import("../policies/model_io.ts");
  const { PolicyController } = await import("../policies/controller.ts");
  const { evaluateController } = await import("./evaluate.ts");
  const outDir = await Deno.makeTempDir();
  try {
    const env = new MatchingEnv();
    const result = await runTeacherTraining({
      envId: "toy/matching",
      makeEnv: () => new MatchingEnv(),
      outDir,
      config: { ...base, totalEnvSteps: 256, agentIdFeatures: true },
      quiet: true,
    });
    const manifest = JSON.parse(await Deno.readTextFile(`${result.modelDir}/manifest.json`));
    const count = env.classes[0].count;
    assert.ok(count > 1);
    assert.equal(manifest.classes[0].agentIdSize, count);
    const set = await loadPolicySet(result.modelDir!, {
      expect: { classes: env.classes },
      as: "plain",
    });
    assert.equal(set.classes[0].actor.spec.agentIdSize, count);
    assert.equal(set.classes[0].actor.spec.obsSize, env.classes[0].obsSize);
    // The runtime builds the same input (observation + one-hot id) and plays legal episodes.
    const report = evaluateController(env, new PolicyController("teacher", set), { episodes: 2 });
    assert.ok(Number.isFinite(report.mean));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runTeacherTraining smoke (recurrent): GRU actors ship with the model, the runtime carries their state, distillation refuses them", async () => {
  const { loadPolicySet } = await import("../policies/model_io.ts");
  const { PolicyController } = await import("../policies/controller.ts");
  const { evaluateController } = await import("./evaluate.ts");
  const { loadTeacher } = await import("./model_store.ts");
  const outDir = await Deno.makeTempDir();
  try {
    const env = new MatchingEnv();
    const result = await runTeacherTraining({
      envId: "toy/matching",
      makeEnv: () => new MatchingEnv(),
      outDir,
      config: { ...base, totalEnvSteps: 256, recurrent: true, chunkLength: 8 },
      quiet: true,
    });
    const manifest = JSON.parse(await Deno.readTextFile(`${result.modelDir}/manifest.json`));
    assert.deepEqual(manifest.classes.map((c: { kind: string }) => c.kind), ["gru", "gru"]);
    assert.equal(manifest.critic, undefined); // the recurrent critic stays in the checkpoint
    const set = await loadPolicySet(result.modelDir!, { expect: { classes: env.classes } });
    const report = evaluateController(env, new PolicyController("teacher", set), { episodes: 2 });
    assert.ok(Number.isFinite(report.mean));
    await assert.rejects(
      loadTeacher(result.modelDir!, env.classes, { critic: false }),
      /class "a" has a recurrent \("gru"\) actor; distillation takes feed-forward teachers only/,
    );
    const summary = JSON.parse(await Deno.readTextFile(`${outDir}/summary.json`));
    assert.equal(summary.config.recurrent, true);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runTeacherTraining with 2 workers: paused and resumed from its checkpoints it ends the same bit for bit, and records the worker count", async () => {
  const { readCheckpoint } = await import("./checkpoint.ts");
  const train = async () => {
    const outDir = await Deno.makeTempDir();
    try {
      for (;;) {
        const r = await runTeacherTraining({
          envId: "toy/matching",
          makeEnv: () => new MatchingEnv(),
          outDir,
          // 3 iterations of 128 steps, each its own segment: resumed from the checkpoint twice.
          config: { ...base, totalEnvSteps: 384, seed: 9 },
          resume: true,
          quiet: true,
          command: "train --steps 384 --workers 2",
          segment: 1,
          workers: 2,
        });
        if (!r.interrupted) break;
      }
      const summary = JSON.parse(await Deno.readTextFile(`${outDir}/summary.json`));
      const { arrays } = await readCheckpoint(`${outDir}/checkpoint.ckpt`);
      return { summary, arrays: Object.values(arrays) };
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  };
  const a = await train();
  const b = await train();
  assert.equal(a.summary.iterations, 3);
  assert.equal(a.summary.workers, 2);
  assert.ok(a.arrays.length > 0);
  assert.deepEqual(a.arrays, b.arrays);
});
