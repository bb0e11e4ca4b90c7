/**
 * Scenario regression tests: every shipped scenario's models, on fixed seeds, reproduce the figures recorded
 * in `scenarios/<name>/baseline.json` (rewritten only by `deno task baseline`); the FLOPs-reduction and
 * retention bars hold; every scenario file validates.
 */
import assert from "node:assert/strict";
import "../sim/builtin_envs.ts";
import { makeEnv } from "../sim/env/registry.ts";
import { initBackend } from "../policies/backend.ts";
import {
  baselinePath,
  compareToBaseline,
  measureScenario,
  readBaseline,
  type ScenarioBaseline,
} from "../distill/regression.ts";
import {
  hasOwnModels,
  regressionScenarios,
  shippedModelDir,
  shippedScenarios,
} from "../distill/shipped.ts";
import { loadScenarioFile } from "../sim/fleet/scenario.ts";
import { presetFor } from "../distill/presets.ts";
import { modelDigest } from "../distill/model_store.ts";
import { loadSmaxMapFile } from "../sim/smax/map.ts";

await initBackend("cpu");
const shipped = await shippedScenarios();
const guarded = await regressionScenarios();

Deno.test("scenario regression: at least the default scenario ships models", () => {
  assert.ok(shipped.includes("fleet/leo-wildfire"), `shipped: ${shipped.join(", ")}`);
});

Deno.test("scenario regression: every fleet scenario file ships its own models; a borrowed teacher ships as its preset says", async () => {
  for (const entry of Deno.readDirSync("scenarios")) {
    if (!entry.isFile || !entry.name.endsWith(".json") || entry.name === "node-classes.json") {
      continue;
    }
    const envId = `fleet/${entry.name.slice(0, -".json".length)}`;
    assert.ok(shipped.includes(envId), `${envId} ships no teacher and students of its own`);
    const from = presetFor(envId).teacherFrom;
    if (!from) continue;
    // mega-shell's teacher was trained on leo-wildfire with the flags its preset names, and its
    // students learned from that teacher.
    const dir = shippedModelDir(envId);
    const teacher = JSON.parse(await Deno.readTextFile(`${dir}/teacher/train-summary.json`));
    assert.equal(teacher.envId, from.envId, `${dir}/teacher was trained on ${teacher.envId}`);
    const command: string = teacher.provenance.command;
    assert.ok(
      command.includes(from.args.join(" ")),
      `${dir}/teacher: provenance "${command}" lacks the preset's flags "${from.args.join(" ")}"`,
    );
    const stepsAt = from.args.indexOf("--steps");
    if (stepsAt >= 0) {
      assert.equal(teacher.config.totalEnvSteps, Number(from.args[stepsAt + 1]));
    }
    const students = JSON.parse(await Deno.readTextFile(`${dir}/students/training.json`));
    assert.equal(students.extra.teacherEnvId, from.envId, `${dir}/students' teacher`);
    assert.ok(students.extra.teacherDigest, `${dir}/students record no teacher digest`);
  }
});

Deno.test("scenario regression: shipped students learned from the teacher shipped beside them", async () => {
  let checked = 0;
  for (const envId of shipped) {
    const dir = shippedModelDir(envId);
    const students = JSON.parse(await Deno.readTextFile(`${dir}/students/training.json`));
    // Students distilled before digests were recorded carry none (the SMAX maps, simple_spread).
    if (students.extra?.teacherDigest === undefined) continue;
    assert.equal(
      await modelDigest(`${dir}/teacher`),
      students.extra.teacherDigest,
      `${dir}/teacher is not the teacher ${dir}/students learned from`,
    );
    checked++;
  }
  assert.ok(checked >= 2, `only ${checked} shipped scenarios record their students' teacher`);
});

Deno.test("scenario regression: every scenario with models has a recorded baseline", async () => {
  for (const envId of guarded) {
    assert.ok(
      await Deno.stat(baselinePath(envId)).then(() => true, () => false),
      `${envId} has models but no ${
        baselinePath(envId)
      }: run \`deno task baseline --scenario ${envId}\``,
    );
  }
});

for (const envId of guarded) {
  Deno.test(`scenario regression: ${envId} reproduces its recorded baseline`, async () => {
    const baseline = await readBaseline(baselinePath(envId));
    const metrics = await measureScenario(
      envId,
      () => makeEnv(envId),
      baseline.episodes,
      baseline.seed,
    );
    const diffs = compareToBaseline(metrics, baseline);
    assert.deepEqual(
      diffs,
      [],
      `${envId} moved away from ${
        baselinePath(envId)
      } (recorded ${baseline.date} at ${baseline.codeVersion}):\n  ${
        diffs.join("\n  ")
      }\nIf the change is intended, run \`deno task baseline --scenario ${envId}\` and commit the new file.`,
    );
    // The FLOPs bar is a property of the shipped architectures and holds everywhere. The retention bar
    // holds where the preset sets it (KD-MARL's 90%, on every scenario whose students meet it), judged
    // over the evaluation episodes as in bench/RESULTS.md; elsewhere the recorded retention is guarded
    // above.
    for (const [name, value] of Object.entries(metrics)) {
      if (name.startsWith("flopsReduction.")) {
        assert.ok(value >= 20, `${name} = ${value.toFixed(1)}x, bar is 20x`);
      }
    }
    const bar = presetFor(envId).retentionBar;
    if (bar !== undefined) {
      assert.ok(hasOwnModels(envId), `${envId} has a retention bar but no models of its own`);
      assert.ok(
        metrics["students.retention"] >= bar,
        `${envId}: students keep ${
          (metrics["students.retention"] * 100).toFixed(1)
        }% of the teacher's return over random over ${baseline.episodes} episodes; the bar is ${
          bar * 100
        }%`,
      );
    }
  });
}

Deno.test("scenario regression: a shifted metric is reported with what moved and by how much", () => {
  const baseline: ScenarioBaseline = {
    envId: "demo",
    episodes: 1,
    seed: 0,
    date: "2026-01-01",
    codeVersion: "abc",
    metrics: {
      "students.return": { value: 4.21, tolerance: 1e-6 },
      "random.return": { value: 0.5, tolerance: 1e-6 },
    },
  };
  const diffs = compareToBaseline(
    { "students.return": 3.1, "random.return": 0.5, "new.metric": 1 },
    baseline,
  );
  assert.deepEqual(diffs, [
    "students.return moved from 4.2100 to 3.1000 (-1.1100, -26.37%, tolerance ±1.00e-6)",
    "new.metric is measured (1.0000) but not recorded",
  ]);
});

Deno.test("scenario files: every shipped scenario file validates", async () => {
  for (const entry of Deno.readDirSync("scenarios")) {
    if (!entry.isFile || !entry.name.endsWith(".json") || entry.name === "node-classes.json") {
      continue;
    }
    const scenario = await loadScenarioFile(`scenarios/${entry.name}`);
    assert.equal(scenario.name, entry.name.replace(/\.json$/, ""));
  }
});

Deno.test("scenario files: every shipped SMAX map file validates", async () => {
  let maps = 0;
  for (const entry of Deno.readDirSync("scenarios/smax")) {
    if (!entry.name.endsWith(".json")) continue;
    await loadSmaxMapFile(`scenarios/smax/${entry.name}`);
    maps++;
  }
  assert.ok(maps >= 5, `${maps} maps`);
});
