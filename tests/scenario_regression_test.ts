/**
 * Scenario regression tests: every shipped scenario's models, on fixed seeds, reproduce the figures recorded
 * in `scenarios/<name>/baseline.json` (rewritten only by `deno task baseline`); the FLOPs-reduction and
 * retention bars hold; every scenario file validates.
 */
import assert from "node:assert/strict";
import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import {
  baselinePath,
  compareToBaseline,
  measureScenario,
  readBaseline,
  type ScenarioBaseline,
} from "../distill/regression.ts";
import { deployableModelsDir } from "../distill/scenario.ts";
import { loadScenarioFile } from "../sim/fleet/scenario.ts";
import { modelDigest } from "../distill/model_store.ts";
import { loadSmaxMapFile } from "../sim/smax/map.ts";

/**
 * Floors on each shipped teacher's own quality, judged on the regression measurement (seed 0, the
 * baseline's episodes). The exact figures above are rewritten whenever the models are (`deno task
 * baseline`); these floors are not, so a retrained teacher that is weaker than the shipped one fails here
 * even after its baseline is rewritten. They sit at what the shipped teachers achieve now (issue 17),
 * rounded down, with the target beside each where the teacher does not meet it:
 *
 * - `minWin`: the teacher's win rate (`teacher.info.won`); `minWinOverHeuristic`: its win rate minus the
 *   scripted heuristic's (`baseline.info.won`) on the same episodes;
 * - `maxGapBelowHeuristic`: (heuristic - teacher) / |heuristic| on the return (MPE);
 * - `minReturnOverHeuristic`: teacher - heuristic on the return (fleet: greedy).
 */
export const TEACHER_FLOORS: Record<string, {
  minWin?: number;
  minWinOverHeuristic?: number;
  maxGapBelowHeuristic?: number;
  minReturnOverHeuristic?: number;
  /** Why the floor is where it is, and the target where the teacher misses it. */
  note: string;
}> = {
  // Measured now: 98.5% wins, heuristic 32.5%. Target 99%.
  "smax/3m": { minWin: 0.98, minWinOverHeuristic: 0.6, note: "target >= 99% wins" },
  // 94.5%, heuristic 26% (2M teacher steps, issue 17; 90.5% after 500k). Target 97%.
  "smax/8m": { minWin: 0.94, minWinOverHeuristic: 0.65, note: "target >= 97% wins" },
  // 94.5%, heuristic 55% (warm-started from the heuristic, issue 17; 71.5% from noise). Target 95%.
  "smax/2s3z": { minWin: 0.93, minWinOverHeuristic: 0.35, note: "target >= 95% wins" },
  // 72% wins, heuristic 45.5% (the teacher warm-started from the heuristic, issue 17; the one from
  // noise won 3%). Target 90%.
  "smax/3s5z": { minWin: 0.7, minWinOverHeuristic: 0.2, note: "target >= 90% wins" },
  // 88.5%, heuristic 0% (4M teacher steps and a stage to 6M, issue 17; 71% after 1M). On held-out
  // seeds it wins 82.5% (seed 777001), 88.5% (seed 1,000,000) and 87.5% (seed 2,000,000, 82.2-91.4):
  // the target (80%) is met.
  "smax/3s_vs_5z": { minWin: 0.88, minWinOverHeuristic: 0.88, note: "target >= 80% wins (met)" },
  // -8.00 against the assignment heuristic's -7.32: 9.25% below. Target: within 5%.
  "mpe/simple_spread": { maxGapBelowHeuristic: 0.093, note: "target within 5% of the heuristic" },
  // Teacher - greedy on the return: +0.363 (100 episodes), +1.98 (30), +0.041 (1 episode of 5,543 nodes).
  "fleet/leo-wildfire": { minReturnOverHeuristic: 0.36, note: "beats greedy (target met)" },
  "fleet/iot-edge-fleet": { minReturnOverHeuristic: 1.9, note: "beats greedy (target met)" },
  "fleet/mega-shell": { minReturnOverHeuristic: 0.04, note: "beats greedy on its one episode" },
};

/** Lines naming every teacher floor `metrics` break (empty when all hold). */
export function teacherFloorFailures(envId: string, metrics: Record<string, number>): string[] {
  const floor = TEACHER_FLOORS[envId];
  if (!floor) return [`${envId} ships a teacher but has no quality floor in TEACHER_FLOORS`];
  const out: string[] = [];
  const won = metrics["teacher.info.won"], base = metrics["baseline.info.won"];
  const t = metrics["teacher.return"], h = metrics["baseline.return"];
  const fmt = (x: number) => (x * 100).toFixed(1) + "%";
  if (floor.minWin !== undefined && !(won >= floor.minWin)) {
    out.push(`teacher wins ${fmt(won)}, floor ${fmt(floor.minWin)} (${floor.note})`);
  }
  if (floor.minWinOverHeuristic !== undefined && !(won - base >= floor.minWinOverHeuristic)) {
    out.push(
      `teacher wins ${fmt(won)} against the heuristic's ${fmt(base)}: ${
        ((won - base) * 100).toFixed(1)
      } points, floor ${(floor.minWinOverHeuristic * 100).toFixed(1)} (${floor.note})`,
    );
  }
  if (floor.maxGapBelowHeuristic !== undefined) {
    const gap = (h - t) / Math.abs(h);
    if (!(gap <= floor.maxGapBelowHeuristic)) {
      out.push(
        `teacher ${t.toFixed(3)} is ${fmt(gap)} below the heuristic's ${h.toFixed(3)}, floor ${
          fmt(floor.maxGapBelowHeuristic)
        } (${floor.note})`,
      );
    }
  }
  if (floor.minReturnOverHeuristic !== undefined && !(t - h >= floor.minReturnOverHeuristic)) {
    out.push(
      `teacher ${t.toFixed(3)} - heuristic ${h.toFixed(3)} = ${
        (t - h).toFixed(3)
      }, floor +${floor.minReturnOverHeuristic} (${floor.note})`,
    );
  }
  return out;
}

await initBackend("cpu");
const catalog = defaultCatalog();
const shipped = (await catalog.shipped()).map((e) => e.id);
const guarded = catalog.deployable().map((e) => e.id);
const hasOwnModels = (id: string) =>
  deployableModelsDir(catalog.get(id)) === catalog.get(id).modelsDir;

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
    const from = catalog.get(envId).preset.teacherFrom;
    if (!from) continue;
    // mega-shell's teacher was trained on leo-wildfire with the flags its preset names, and its
    // students learned from that teacher.
    const dir = catalog.get(envId).modelsDir;
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
    const dir = catalog.get(envId).modelsDir;
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
      await Deno.stat(baselinePath(catalog.get(envId))).then(() => true, () => false),
      `${envId} has models but no ${
        baselinePath(catalog.get(envId))
      }: run \`deno task baseline --scenario ${envId}\``,
    );
  }
});

for (const envId of guarded) {
  Deno.test(`scenario regression: ${envId} reproduces its recorded baseline`, async () => {
    const baseline = await readBaseline(baselinePath(catalog.get(envId)));
    const metrics = await measureScenario(
      catalog.get(envId),
      baseline.episodes,
      baseline.seed,
    );
    const diffs = compareToBaseline(metrics, baseline);
    assert.deepEqual(
      diffs,
      [],
      `${envId} moved away from ${
        baselinePath(catalog.get(envId))
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
    if (hasOwnModels(envId)) {
      assert.deepEqual(
        teacherFloorFailures(envId, metrics),
        [],
        `${envId}: teacher below its floor`,
      );
    }
    const bar = catalog.get(envId).preset.retentionBar;
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

Deno.test("teacher floors: a teacher below its floor is reported with the figure, the floor and the target", () => {
  assert.deepEqual(
    teacherFloorFailures("smax/3s5z", {
      "teacher.info.won": 0.6,
      "baseline.info.won": 0.5,
      "teacher.return": 17,
      "baseline.return": 16,
    }),
    [
      "teacher wins 60.0%, floor 70.0% (target >= 90% wins)",
      "teacher wins 60.0% against the heuristic's 50.0%: 10.0 points, floor 20.0 (target >= 90% wins)",
    ],
  );
  assert.deepEqual(
    teacherFloorFailures("mpe/simple_spread", { "teacher.return": -8.2, "baseline.return": -7.32 }),
    ["teacher -8.200 is 12.0% below the heuristic's -7.320, floor 9.3% (target within 5% of the heuristic)"],
  );
  assert.deepEqual(
    teacherFloorFailures("fleet/leo-wildfire", { "teacher.return": 4.9, "baseline.return": 4.81 }),
    ["teacher 4.900 - heuristic 4.810 = 0.090, floor +0.36 (beats greedy (target met))"],
  );
  assert.deepEqual(
    teacherFloorFailures("fleet/leo-wildfire", { "teacher.return": 5.17, "baseline.return": 4.81 }),
    [],
  );
  assert.deepEqual(teacherFloorFailures("demo/x", {}), [
    "demo/x ships a teacher but has no quality floor in TEACHER_FLOORS",
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
