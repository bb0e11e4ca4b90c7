import assert from "node:assert/strict";
import { initBackend } from "../policies/backend.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
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
