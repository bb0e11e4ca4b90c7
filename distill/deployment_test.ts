import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Actor } from "../policies/actor.ts";
import { initBackend } from "../policies/backend.ts";
import { savePolicySet } from "../policies/model_io.ts";
import type { PolicySet } from "../policies/policy_set.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { deploymentMarkdown, evaluateDeployment } from "./deployment.ts";
import { presetFor } from "./presets.ts";

await initBackend("cpu");

const TOY = {
  id: "toy/matching",
  make: () => new MatchingEnv(),
  preset: presetFor("toy/matching"),
};
const provenance = { command: "test", seed: 1, steps: 0, date: "2026-01-01", codeVersion: "test" };

/** A policy set of untrained actors for MatchingEnv's classes "a" and "b" (seeded, so deterministic). */
function untrained(hidden: number[], seed: number): PolicySet {
  return {
    classes: new MatchingEnv().classes.map((c, i) => ({
      name: c.name,
      actor: new Actor(
        {
          obsSize: c.obsSize,
          agentIdSize: 0,
          numActions: c.numActions,
          hiddenSizes: hidden,
          activation: "tanh",
          kind: "mlp",
        },
        { seed: seed + i, name: `${c.name}${seed}` },
      ),
    })),
  };
}

const budget = (flopsPerSecond: number): ComputeBudget => ({
  flopsPerSecond,
  paramMemoryBytes: 1 << 20,
  deadlineMs: 1,
  overheadMs: 0,
  activePowerW: 0.1,
  wakeEnergyJ: 1e-6,
  latencySigma: 0,
  energyStoreJ: 100,
});

async function withModels(
  fn: (dirs: { teacher: string; students: string; mixed: string }) => Promise<void>,
) {
  const root = await Deno.makeTempDir();
  try {
    const teacher = untrained([32, 32], 10), students = untrained([4], 20);
    // What the weak-node deployment should run: the students' class "a", the teacher's class "b".
    const mixed: PolicySet = { classes: [students.classes[0], teacher.classes[1]] };
    const dirs = {
      teacher: `${root}/teacher`,
      students: `${root}/students`,
      mixed: `${root}/mixed`,
    };
    await savePolicySet(dirs.teacher, teacher, { provenance });
    await savePolicySet(dirs.students, students, { provenance });
    await savePolicySet(dirs.mixed, mixed, { provenance });
    await fn(dirs);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("evaluateDeployment: students on the weak class only, the teacher elsewhere", async () => {
  await withModels(async (dirs) => {
    const tensorsBefore = tf.memory().numTensors;
    const report = await evaluateDeployment({
      scenario: TOY,
      teacherDir: dirs.teacher,
      students: [{ name: "students", dir: dirs.students }, { name: "mixed", dir: dirs.mixed }],
      // The teacher's ~2.7k FLOPs take 2.7 ms on class "a" (1 ms deadline); class "b" runs it in time.
      budgets: [budget(1e6), budget(1e9)],
      episodes: 30,
      skipTiming: true,
    });
    // Every tfjs network it loaded (teacher and students) is disposed again.
    assert.equal(tf.memory().numTensors, tensorsBefore);
    const [teacher, students, mixed] = report.policies;
    assert.deepEqual(teacher.classes!.map((c) => c.missRate > 0), [true, false]);
    assert.deepEqual(students.classes!.map((c) => c.missRate), [0, 0]);
    assert.deepEqual(students.weakNodes?.classes, ["a"]);
    // Nobody misses in the mixed deployment, so it plays exactly like the hand-mixed set's ideal run.
    assert.equal(students.weakNodes!.deployed.mean, mixed.ideal.mean);
    assert.equal(students.weakNodes!.deployed.episodes, 30);
    // ...and differs from both whole-fleet deployments, so the comparison tells the three apart.
    assert.notEqual(students.deployed!.mean, mixed.ideal.mean);
    assert.notEqual(teacher.deployed!.mean, mixed.ideal.mean);
    // Energy from compute: 0.1 W x FLOPs / rate + 1 uJ per decision, so the teacher's decisions cost more.
    const t0 = teacher.classes![0], s0 = students.classes![0];
    assert.ok(Math.abs(t0.energyPerDecisionJ - (0.1 * t0.flops / 1e6 + 1e-6)) < 1e-15);
    assert.ok(
      Math.abs(s0.energyReduction! - t0.nodeEnergyPerEpisodeJ / s0.nodeEnergyPerEpisodeJ) < 1e-12,
    );
    assert.ok(s0.energyReduction! > 1);
    assert.ok(Math.abs(s0.energyShare! - s0.nodeEnergyPerEpisodeJ / 100) < 1e-15);
    assert.equal(t0.fitsDeadline, false);
    assert.equal(s0.fitsDeadline, true);
    const md = deploymentMarkdown(report);
    assert.match(md, /\| teacher \| a \| [0-9.]+ \/ [0-9.]+ \| 1\.00 \| 100\.0% \[/);
    assert.match(md, /energy reduction vs teacher/);
    assert.match(
      md,
      /Weak nodes \(a: the teacher misses their deadlines\): students there and the teacher elsewhere score.*paired over the same episodes the difference is -?[0-9.]+ ± [0-9.]+\./,
    );
  });
});

Deno.test("evaluateDeployment: no weak-node row where the teacher misses on every class or none", async () => {
  await withModels(async (dirs) => {
    for (const budgets of [[budget(1e6), budget(1e6)], [budget(1e9), budget(1e9)]]) {
      const report = await evaluateDeployment({
        scenario: TOY,
        teacherDir: dirs.teacher,
        students: [{ name: "students", dir: dirs.students }],
        budgets,
        episodes: 5,
        skipTiming: true,
      });
      assert.equal(report.policies[1].weakNodes, undefined);
      assert.doesNotMatch(deploymentMarkdown(report), /Weak nodes/);
    }
  });
});

Deno.test("deploymentMarkdown: win rates with Wilson intervals and the paired difference against the heuristic", () => {
  const ev = (wins: number[]) => ({
    controller: "x",
    envId: "smax/demo",
    episodes: wins.length,
    mean: 0,
    ci95: 0,
    std: 0,
    returns: wins.map(() => 0),
    meanLength: 1,
    infos: {},
    wins,
  });
  const md = deploymentMarkdown(
    {
      envId: "smax/demo",
      episodes: 4,
      seed: 0,
      budgets: [],
      actions: "greedy",
      date: "2026-12-03T00:00:00Z",
      policies: [
        { name: "teacher", kind: "teacher", ideal: ev([1, 1, 1, 0]), deployed: ev([1, 0, 0, 0]) },
        { name: "heuristic", kind: "baseline", ideal: ev([0, 1, 0, 0]) },
      ],
    } as unknown as Parameters<typeof deploymentMarkdown>[0],
  );
  assert.match(
    md,
    /\| policy \| win rate \(ideal\), 95% CI \| win rate deployed, 95% CI \| minus heuristic/,
  );
  assert.match(md, /\| teacher \| 75\.0% \(30\.1-95\.4\) \| 25\.0% \(4\.6-69\.9\) \| \+50\.0 ± /);
  assert.match(md, /\| heuristic \| 25\.0% \(4\.6-69\.9\) \| {2}\| {2}\|/);
});
