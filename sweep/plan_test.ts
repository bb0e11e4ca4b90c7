import assert from "node:assert/strict";
import { expandPlan, loadPlan, parsePlan, PlanError } from "./plan.ts";

const BASE = {
  name: "t",
  scenarios: ["toy/matching", "mpe/simple_spread"],
  methods: ["kd-marl", "bc-kl-only"],
  seeds: [1, 2],
  budgets: [{ name: "tiny", teacherSteps: 512, studentSteps: 256, episodes: 4 }],
  studentSizes: [10, 20],
};

Deno.test("expandPlan: one teacher per scenario x budget x seed, then distill and evaluate per method x size, deps first", () => {
  const jobs = expandPlan(parsePlan(BASE, "t.json"));
  const count = (kind: string) => jobs.filter((j) => j.kind === kind).length;
  assert.equal(count("train"), 2 * 2);
  assert.equal(count("distill"), 2 * 2 * 2 * 2);
  assert.equal(count("evaluate"), 2 * 2 * 2 * 2);
  assert.equal(new Set(jobs.map((j) => j.key)).size, jobs.length);
  const index = new Map(jobs.map((j, i) => [j.key, i]));
  for (const job of jobs) for (const d of job.deps) assert.ok(index.get(d)! < index.get(job.key)!);
  const distill = jobs.find((j) => j.key === "distill/mpe-simple-spread/tiny/s2/bc-kl-only/x10")!;
  assert.deepEqual(distill.deps, ["train/mpe-simple-spread/tiny/s2"]);
  assert.equal(distill.payload.teacher, "t/train/mpe-simple-spread/tiny/s2/model");
  assert.deepEqual(distill.payload.weights, { pg: 0, kl: 1, ce: 0, relation: 0, role: 0 });
  assert.equal(distill.payload.minFlopsReduction, 10);
  assert.equal(distill.payload.seed, 2);
  const evaluate = jobs.find((j) => j.key === "evaluate/mpe-simple-spread/tiny/s2/bc-kl-only/x10")!;
  assert.deepEqual(evaluate.deps, ["train/mpe-simple-spread/tiny/s2", distill.key]);
  assert.deepEqual(evaluate.payload.students, [{
    name: "bc-kl-only",
    dir: "t/distill/mpe-simple-spread/tiny/s2/bc-kl-only/x10/model",
  }]);
});

Deno.test("expandPlan: a scenario with its own teacher trains none; out moves the sweep's folder", () => {
  const jobs = expandPlan(parsePlan({
    ...BASE,
    scenarios: [{ id: "toy/matching", teacher: "shared/teacher/model" }],
    seeds: [3],
    studentSizes: [20],
    methods: [{ name: "kl-heavy", weights: { kl: 2 } }],
    out: "studies/a",
  }, "t.json"));
  assert.deepEqual(jobs.map((j) => [j.kind, j.deps.length]), [["distill", 0], ["evaluate", 1]]);
  assert.equal(jobs[0].payload.teacher, "shared/teacher/model");
  assert.deepEqual(jobs[0].payload.weights, { kl: 2 });
  assert.equal(jobs[0].payload.out, "studies/a/distill/toy-matching/tiny/s3/kl-heavy/x20");
});

Deno.test("expandPlan: the same plan makes the same jobs (keys are idempotency keys)", () => {
  assert.deepEqual(expandPlan(parsePlan(BASE, "a.json")), expandPlan(parsePlan(BASE, "b.json")));
});

function refused(patch: Record<string, unknown>, pattern: RegExp): void {
  assert.throws(() => parsePlan({ ...BASE, ...patch }, "plans/bad.json"), (e: Error) => {
    assert.ok(e instanceof PlanError);
    assert.match(e.message, /^Cannot load plan "plans\/bad\.json": /);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("parsePlan: bad plans are refused naming the file, the field and the value", () => {
  refused(
    { scenarios: ["toy/matching", "atlantis"] },
    /field "scenarios\[1\]" must be a known scenario \(.*toy\/matching.*\), got "atlantis"/,
  );
  refused({ seeds: [1, 2, 1] }, /field "seeds\[2\]" repeats 1 \(also seeds\[0\]\)/);
  refused(
    { scenarios: ["toy/matching", "matching"] },
    /field "scenarios\[1\]" repeats "toy\/matching"/,
  );
  refused({ methods: ["kd-marl", "kd-marl"] }, /field "methods\[1\]" repeats "kd-marl"/);
  refused({ methods: ["magic"] }, /field "methods\[0\]" must be a known method .*got "magic"/);
  refused(
    { scenarios: [{ id: "toy/matching", teacher: "../../etc/teacher" }] },
    /field "scenarios\[0\]\.teacher" must be a path inside the artifact directory.*got "\.\.\/\.\.\/etc\/teacher"/,
  );
  refused({ out: "/tmp/elsewhere" }, /field "out" must be a path inside .*got "\/tmp\/elsewhere"/);
  refused(
    { budgets: [{ name: "b", teacherSteps: 0, studentSteps: 1, episodes: 1 }] },
    /field "budgets\[0\]\.teacherSteps" must be >= 1, got 0/,
  );
  refused({ seeds: [1.5] }, /field "seeds\[0\]" must be an integer, got 1\.5/);
  refused({ colour: "blue" }, /field "colour" is not a known field/);
  refused({ name: "a b" }, /field "name" must be a name of letters.*got "a b"/);
});

Deno.test("loadPlan: a missing file or bad JSON names the file", async () => {
  await assert.rejects(
    () => loadPlan("no/such/plan.json"),
    /Cannot load plan "no\/such\/plan\.json"/,
  );
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, "{ nope");
    await assert.rejects(() => loadPlan(path), /Cannot load plan ".*": not valid JSON/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("the example plans in sweep/plans/ load and expand", async () => {
  for await (const e of Deno.readDir(new URL("./plans/", import.meta.url))) {
    const plan = await loadPlan(new URL(`./plans/${e.name}`, import.meta.url).pathname);
    assert.ok(expandPlan(plan).length > 0, e.name);
  }
});
