import assert from "node:assert/strict";
import { defaultCatalog } from "../catalog/mod.ts";

const scenarios = defaultCatalog();
import { initBackend } from "../policies/backend.ts";
import { runStudy } from "./study.ts";
import { loadPlan, parsePlan, planCells, STUDY_METHODS } from "./study_plan.ts";
import { runStudyCell } from "./study_cell.ts";
import { modelDigest } from "./model_store.ts";

await initBackend("cpu");

const tiny = {
  name: "smoke",
  evalEpisodes: 2,
  curveEpisodes: 1,
  curvePoints: 1,
  bootstrapReps: 200,
  overrides: { numEnvs: 2, rolloutSteps: 8, epochs: 1, minibatches: 1 },
};

Deno.test("study smoke: every method on smax/3m at a tiny budget, 2 seeds, resumable, report written", async () => {
  const plan = parsePlan(
    {
      ...tiny,
      groups: [
        { scenarios: ["3m"], methods: STUDY_METHODS.map((m) => m.name), seeds: 2, steps: [16] },
        {
          scenarios: ["smax/3m"],
          methods: ["kd", "scratch"],
          seeds: 1,
          steps: [16],
          widths: [4, 8],
        },
      ],
    },
    "smoke.json",
    scenarios,
  );
  const cells = planCells(plan);
  assert.equal(cells.length, STUDY_METHODS.length * 2 + 4);
  const out = await Deno.makeTempDir({ prefix: "fleetkd-study-" });
  try {
    const first = await runStudy(plan, { outDir: out, quiet: true, scenarios });
    assert.equal(first.ran, cells.length);
    for (const c of first.data.cells) {
      assert.equal(c.envSteps, 16, c.cell.id);
      assert.ok(Number.isFinite(c.final.return), c.cell.id);
      assert.ok(c.final.success !== undefined && c.final.success >= 0 && c.final.success <= 1);
      assert.equal(c.evalSeed, 1_000_000);
      // The untrained start and one point at the budget.
      assert.deepEqual(c.curve.map((p) => p.envSteps), [0, 16]);
      assert.ok(c.studentFlops < c.teacherFlops);
    }
    // Every method of one seed trains the same student network (matched).
    const labels = new Set(
      first.data.cells.filter((c) => c.cell.width === undefined).map((c) => c.classes[0].label),
    );
    assert.equal(labels.size, 1);
    const w4 = first.data.cells.find((c) => c.cell.width === 4)!;
    assert.match(w4.classes[0].label, /-4-/);
    // Resuming runs nothing and reproduces the report.
    const again = await runStudy(plan, { outDir: out, quiet: true, scenarios });
    assert.equal(again.ran, 0);
    assert.equal(again.skipped, cells.length);
    assert.equal(again.markdown, first.markdown);
    // Every cell names its teacher; one made with another teacher is left out of a report and run again.
    const digest = await modelDigest(plan.teachers["smax/3m"]);
    assert.ok(first.data.cells.every((c) => c.teacherDigest === digest));
    assert.equal(first.data.references["smax/3m"].teacherDigest, digest);
    const stalePath = `${out}/cells/${cells[0].id}.json`;
    const staleCell = JSON.parse(await Deno.readTextFile(stalePath));
    await Deno.writeTextFile(
      stalePath,
      JSON.stringify({ ...staleCell, teacherDigest: "0".repeat(64) }),
    );
    const report = await runStudy(plan, { outDir: out, quiet: true, scenarios, reportOnly: true });
    assert.equal(report.stale, 1);
    assert.equal(report.data.cells.length, cells.length - 1);
    assert.match(report.markdown, new RegExp(`${cells.length - 1} of ${cells.length} cells done`));
    const healed = await runStudy(plan, { outDir: out, quiet: true, scenarios });
    assert.equal(healed.ran, 1);
    assert.equal(healed.stale, 0);
    assert.equal(healed.markdown, first.markdown);
    assert.match(
      first.markdown,
      new RegExp(`Teacher networks: SHA-256 \`${digest.slice(0, 12)}\``),
    );
    assert.match(first.markdown, /\| kd-no-relation \| 2 \|/);
    assert.match(first.markdown, /P\(kd > method\)/);
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    for (const f of ["results.csv", "curves.csv", "summary.md"]) assert.ok(files.includes(f), f);
    assert.ok(files.some((f) => f.startsWith("curves-smax_3m") && f.endsWith("-success.svg")));
    assert.ok(files.some((f) => f.startsWith("pareto-smax_3m")));
    const csv = Deno.readTextFileSync(`${out}/results.csv`).trim().split("\n");
    assert.equal(csv.length, cells.length + 1);
    // A cell re-runs identically (seeded): the determinism a resumed study relies on.
    const kd = cells.find((c) => c.method === "kd")!;
    const rerun = await runStudyCell(plan, kd, scenarios);
    const stored = first.data.cells.find((c) => c.cell.id === kd.id)!;
    assert.deepEqual(rerun.returns, stored.returns);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("study plan: bad input names the plan file, field and value", async () => {
  const group = { scenarios: ["smax/3m"], methods: ["kd"], seeds: 1, steps: [16] };
  const bad = (g: Record<string, unknown>, top: Record<string, unknown> = {}) => () =>
    parsePlan({ ...tiny, ...top, groups: [{ ...group, ...g }] }, "p.json", scenarios);
  assert.throws(
    bad({ methods: ["kd", "distill-harder"] }),
    /Cannot load plan "p.json": field "groups\[0\].methods\[1\]" must be one of kd, scratch, bc, kl-only, .*got "distill-harder"/,
  );
  assert.throws(
    bad({ scenarios: ["smax/99z"] }),
    /Cannot load plan "p.json": field "groups\[0\].scenarios\[0\]" Unknown scenario "smax\/99z".*got "smax\/99z"/,
  );
  assert.throws(
    bad({
      budget: {
        flopsPerSecond: 1e3,
        paramMemoryBytes: 1024,
        deadlineMs: 1,
        overheadMs: 0,
        activePowerW: 0.01,
        wakeEnergyJ: 0,
        latencySigma: 0,
      },
    }),
    /Cannot load plan "p.json": field "groups\[0\].budget" is too small for any student of "smax\/3m" class "marine" \(No student fits budget/,
  );
  assert.throws(
    bad({ widths: [4096] }),
    /field "groups\[0\].widths" is too small for any student of "smax\/3m" class "marine" at width 4096/,
  );
  assert.throws(
    bad({ steps: [8] }),
    /field "groups\[0\].steps\[0\]" must be at least one rollout of "smax\/3m" \(16 env steps\), got 8/,
  );
  assert.throws(bad({ seeds: 0 }), /field "groups\[0\].seeds" .*got 0/);
  assert.throws(
    bad({}, { surprise: 1 }),
    /Cannot load plan "p.json": field "\(top level\)" .*surprise/,
  );
  // The evaluation seed must be held out.
  assert.throws(
    bad({}, { evalSeed: 3 }),
    /field "evalSeed": evaluation seed 3 is in the training\/tuning range/,
  );
  await assert.rejects(
    () => loadPlan("/nonexistent/plan.json", scenarios),
    /Cannot load plan "\/nonexistent\/plan.json"/,
  );
});

Deno.test("study cell: evaluating on a training seed is an error", async () => {
  const plan = parsePlan(
    {
      ...tiny,
      groups: [{ scenarios: ["smax/3m"], methods: ["kd"], seeds: 1, steps: [16] }],
    },
    "p.json",
    scenarios,
  );
  const cell = planCells(plan)[0];
  // A plan whose evaluation seed was forced onto the cell's training seed.
  await assert.rejects(
    () => runStudyCell({ ...plan, evalSeed: cell.seed }, cell, scenarios),
    /evaluation seed 1 is a seed a model being evaluated was trained with/,
  );
  await assert.rejects(
    () => runStudyCell(plan, { ...cell, seed: 1_000_000 }, scenarios),
    /training seed must be an integer in \[1, 999999\]/,
  );
});

Deno.test("study --report-only rebuilds the committed reduced study from its cells (older cell format included)", async () => {
  const out = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${out}/cells`, { recursive: true });
    await Deno.mkdir(`${out}/reference`, { recursive: true });
    for (const dir of ["cells", "reference"]) {
      for (const e of Deno.readDirSync(`study/results/reduced/${dir}`)) {
        await Deno.copyFile(`study/results/reduced/${dir}/${e.name}`, `${out}/${dir}/${e.name}`);
      }
    }
    const plan = await loadPlan("study/plan-reduced.json", scenarios);
    const outcome = await runStudy(plan, { outDir: out, quiet: true, scenarios, reportOnly: true });
    assert.equal(outcome.ran, 0);
    assert.equal(outcome.skipped, outcome.total);
    const csv = await Deno.readTextFile(`${out}/results.csv`);
    assert.match(csv, /marine:deadline/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("study smoke with an observation budget: kd, scratch and bc on smax/3m read the nearest enemy and ally", async () => {
  const plan = parsePlan(
    {
      ...tiny,
      groups: [{
        scenarios: ["smax/3m"],
        methods: ["kd", "scratch", "bc"],
        seeds: 1,
        steps: [16],
        observation: { entities: { enemies: 1, allies: 1 } },
      }],
    },
    "smoke-obs.json",
    scenarios,
  );
  const cells = planCells(plan);
  assert.deepEqual(cells.map((c) => c.id), [
    "smax__3m__kd__n16__oenemies1-allies1__s1",
    "smax__3m__scratch__n16__oenemies1-allies1__s1",
    "smax__3m__bc__n16__oenemies1-allies1__s1",
  ]);
  const results = [];
  for (const cell of cells) results.push(await runStudyCell(plan, cell, scenarios));
  for (const r of results) {
    const c = r.classes[0];
    // 4 move + 1 enemy (5 + 3 one-hot) + 1 ally (5) + own 1 = 18 of 30.
    assert.match(c.label, /^18-/, r.cell.id);
    assert.equal(c.observation!.obsSize, 18);
    assert.equal(c.observation!.fullObsSize, 30);
    assert.equal(c.observation!.tag, "enemies1-allies1");
    assert.ok(Number.isFinite(r.final.return), r.cell.id);
    assert.equal(r.envSteps, 16);
  }
  // The same students' network for every method: budgets are matched.
  assert.equal(new Set(results.map((r) => r.classes[0].label)).size, 1);
});

Deno.test("plan observation budgets: bad segment names and counts are errors naming the plan, field and value", () => {
  const group = { scenarios: ["smax/3m"], methods: ["kd"], seeds: 1, steps: [16] };
  assert.throws(
    () =>
      parsePlan(
        { ...tiny, groups: [{ ...group, observation: { entities: { landmarks: 1 } } }] },
        "p.json",
        scenarios,
      ),
    /Cannot load plan "p.json": field "groups\[0\]\.observation" is invalid \(.*unknown entity segment "landmarks" \(the layouts have "enemies", "allies"\)\)/,
  );
  assert.throws(
    () =>
      parsePlan(
        { ...tiny, groups: [{ ...group, observation: { entities: { enemies: -1 } } }] },
        "p.json",
        scenarios,
      ),
    /field "groups\[0\]\.observation\.entities\.enemies"/,
  );
  assert.throws(
    () =>
      parsePlan(
        {
          ...tiny,
          groups: [{
            ...group,
            scenarios: ["fleet/leo-wildfire"],
            observation: { entities: { enemies: 1 } },
          }],
        },
        "p.json",
        scenarios,
      ),
    /field "groups\[0\]\.observation" is invalid \(.*unknown entity segment "enemies" \(the layouts have "events", "neighbours", "satellites"\)\)/,
  );
});

Deno.test("study smoke with an observation budget on a fleet: satellites keep events and neighbours, sensors satellites", async () => {
  const plan = parsePlan(
    {
      ...tiny,
      curvePoints: 0,
      evalEpisodes: 1,
      groups: [{
        scenarios: ["fleet/leo-wildfire"],
        methods: ["kd", "scratch"],
        seeds: 1,
        steps: [16],
        observation: { entities: { events: 2, neighbours: 1, satellites: 1 } },
      }],
    },
    "smoke-fleet.json",
    scenarios,
  );
  for (const cell of planCells(plan)) {
    const r = await runStudyCell(plan, cell, scenarios);
    assert.deepEqual(r.classes.map((c) => c.observation!.tag), [
      "events2-neighbours1",
      "events2-neighbours1",
      "satellites1",
      "satellites1",
    ]);
    for (const c of r.classes) {
      assert.ok(c.observation!.obsSize < c.observation!.fullObsSize, `${cell.id} ${c.name}`);
      assert.ok(c.label.startsWith(`${c.observation!.obsSize}-`), c.label);
    }
    assert.ok(Number.isFinite(r.final.return));
  }
});
