import assert from "node:assert/strict";
import { enterStage, legacyStage, type RunStage, stagesCommand, stagesSeconds } from "./stages.ts";

const stage = (command: string, from: number, to: number, seconds = 0): RunStage => ({
  command,
  fromEnvSteps: from,
  toEnvSteps: to,
  seconds,
});

Deno.test("enterStage: the first invocation opens a stage", () => {
  const stages: RunStage[] = [];
  const fresh = stage("train --steps 512", 0, 0);
  assert.equal(enterStage(stages, fresh, true), fresh);
  assert.deepEqual(stages, [fresh]);
  // Even with no work left, a run with no stage yet records the one it is in.
  const none: RunStage[] = [];
  enterStage(none, stage("train --steps 0", 0, 0), false);
  assert.equal(none.length, 1);
});

Deno.test("enterStage: a resume of the same command continues its stage; a new command with work opens one", () => {
  const stages = [stage("train --steps 512", 0, 256, 4)];
  const resumed = enterStage(stages, stage("train --steps 512", 256, 256), true);
  assert.equal(resumed, stages[0], "same command: the same stage object, to be updated in place");
  assert.equal(stages.length, 1);
  const polish = stage("train --steps 1024", 512, 512);
  assert.equal(enterStage(stages, polish, true), polish);
  assert.deepEqual(stages.map((s) => s.command), ["train --steps 512", "train --steps 1024"]);
});

Deno.test("enterStage: an earlier command replayed on a finished checkpoint adds nothing", () => {
  const stages = [stage("a", 0, 512, 2), stage("b", 512, 1024, 3)];
  const got = enterStage(stages, stage("a", 1024, 1024), false);
  assert.equal(got, stages[1], "the last stage, not a new one");
  assert.equal(stages.length, 2);
  // With work left the same replayed command is a new stage (it does more work).
  enterStage(stages, stage("a", 1024, 1024), true);
  assert.equal(stages.length, 3);
});

Deno.test("stagesCommand and stagesSeconds: in order, over every stage", () => {
  const stages = [stage("a --x 1", 0, 1, 1.5), stage("b", 1, 2, 2.25), stage("c", 2, 3, 0)];
  assert.equal(stagesCommand(stages), "a --x 1 && b && c");
  assert.equal(stagesSeconds(stages), 3.75);
  assert.equal(stagesCommand([]), "");
  assert.equal(stagesSeconds([]), 0);
});

Deno.test("legacyStage: command and seconds from the old run's summary.json, else not recorded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(await legacyStage(dir, 640), stage("(not recorded)", 0, 640, 0));
    await Deno.writeTextFile(
      `${dir}/summary.json`,
      JSON.stringify({ provenance: { command: "train toy/matching" }, seconds: 12.5 }),
    );
    assert.deepEqual(await legacyStage(dir, 640), stage("train toy/matching", 0, 640, 12.5));
    // A command without seconds keeps the command and counts 0 s.
    await Deno.writeTextFile(
      `${dir}/summary.json`,
      JSON.stringify({ provenance: { command: "x" } }),
    );
    assert.deepEqual(await legacyStage(dir, 8), stage("x", 0, 8, 0));
    // Seconds without a command are not trusted either.
    await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify({ provenance: {}, seconds: 9 }));
    assert.deepEqual(await legacyStage(dir, 8), stage("(not recorded)", 0, 8, 0));
    // A corrupt summary is no error: the stage is just not recorded.
    await Deno.writeTextFile(`${dir}/summary.json`, "{ not json");
    assert.deepEqual(await legacyStage(dir, 8), stage("(not recorded)", 0, 8, 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
