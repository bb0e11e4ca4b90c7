import assert from "node:assert/strict";
import { initBackend } from "../policies/backend.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { modelDigest } from "./model_store.ts";
import { runStudentDistillation } from "./student_run.ts";
import { runTeacherTraining } from "./teacher_run.ts";

await initBackend("cpu");

Deno.test("runStudentDistillation: a teacher from another scenario needs transfer, which turns the policy-gradient term off", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runTeacherTraining({
      envId: "toy/matching",
      makeEnv: () => new MatchingEnv(),
      outDir: `${dir}/teacher`,
      config: {
        numEnvs: 4,
        rolloutSteps: 8,
        totalEnvSteps: 64,
        actorHidden: [16],
        criticHidden: [16],
      },
      quiet: true,
    });
    // A scenario of the same classes under another id stands in for mega-shell beside leo-wildfire.
    const distill = (transfer: boolean) =>
      runStudentDistillation({
        envId: "toy/matching-copy",
        makeEnv: () => new MatchingEnv(),
        teacherDir: `${dir}/teacher/model`,
        outDir: `${dir}/students`,
        config: { numEnvs: 4, rolloutSteps: 8, totalEnvSteps: 64, weights: { pg: 0.5 } as never },
        minFlopsReduction: 1,
        transfer,
        quiet: true,
      });
    await assert.rejects(
      () => distill(false),
      /was trained on "toy\/matching", not "toy\/matching-copy" \(.*use --transfer\)/,
    );
    const result = await distill(true);
    assert.equal(result.interrupted, false);
    const record = JSON.parse(await Deno.readTextFile(`${dir}/students/model/training.json`));
    assert.equal(record.envId, "toy/matching-copy");
    assert.equal(record.extra.teacherEnvId, "toy/matching");
    assert.equal(record.config.weights.pg, 0);
    assert.equal(record.config.weights.kl, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runStudentDistillation: a resumed run with another command and teacher is a new stage, listed in provenance", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const teacherConfig = { numEnvs: 4, rolloutSteps: 8, actorHidden: [16], criticHidden: [16] };
    const train = (steps: number) =>
      runTeacherTraining({
        envId: "toy/matching",
        makeEnv: () => new MatchingEnv(),
        outDir: `${dir}/teacher`,
        config: { ...teacherConfig, totalEnvSteps: steps },
        resume: true,
        quiet: true,
        command: `train --steps ${steps}`,
      });
    await train(64);
    await Deno.rename(`${dir}/teacher/model`, `${dir}/teacher-64`);
    await train(128);
    const distill = (teacher: string, steps: number, command: string) =>
      runStudentDistillation({
        envId: "toy/matching",
        makeEnv: () => new MatchingEnv(),
        teacherDir: teacher,
        outDir: `${dir}/students`,
        config: { numEnvs: 4, rolloutSteps: 8, totalEnvSteps: steps },
        minFlopsReduction: 1,
        resume: true,
        quiet: true,
        command,
      });
    const first = await distill(`${dir}/teacher-64`, 64, "distill early");
    assert.deepEqual(first.stages.map((s) => [s.command, s.fromEnvSteps, s.toEnvSteps]), [
      ["distill early", 0, 64],
    ]);
    const second = await distill(`${dir}/teacher/model`, 128, "distill final");
    // Replaying the first command on the finished checkpoint (train-all does) adds nothing.
    const replay = await distill(`${dir}/teacher-64`, 64, "distill early");
    assert.equal(replay.envSteps, 128);
    for (const r of [second, replay]) {
      assert.deepEqual(
        r.stages.map((s) => [s.command, s.teacherDir, s.fromEnvSteps, s.toEnvSteps]),
        [
          ["distill early", `${dir}/teacher-64`, 0, 64],
          ["distill final", `${dir}/teacher/model`, 64, 128],
        ],
      );
    }
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/students/summary.json`));
    assert.equal(summary.provenance.command, "distill early && distill final");
    assert.equal(summary.seconds, replay.stages.reduce((a, s) => a + s.seconds, 0));
    const record = JSON.parse(await Deno.readTextFile(`${dir}/students/model/training.json`));
    assert.deepEqual(record.extra.stages.map((s: { teacherDir: string }) => s.teacherDir), [
      `${dir}/teacher-64`,
      `${dir}/teacher/model`,
    ]);
    // The record names the last stage's teacher, not the replayed first one.
    assert.equal(record.extra.teacherDir, `${dir}/teacher/model`);
    assert.equal(record.extra.teacherDigest, await modelDigest(`${dir}/teacher/model`));
    assert.notEqual(record.extra.teacherDigest, await modelDigest(`${dir}/teacher-64`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
