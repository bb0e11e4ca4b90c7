import assert from "node:assert/strict";
import type { ComputeBudget } from "../sim/budget.ts";
import type { ActorSpec } from "./actor.ts";
import { actorCost } from "./cost.ts";
import { decisionTimeMs, DEFAULT_WIDTHS, fitsBudget, sizeStudent } from "./sizing.ts";

const roomy: ComputeBudget = {
  flopsPerSecond: 1e12,
  paramMemoryBytes: 1e9,
  deadlineMs: 100,
  overheadMs: 0,
  activePowerW: 0,
  wakeEnergyJ: 0,
  latencySigma: 0,
};

const teacher: ActorSpec = {
  obsSize: 18,
  agentIdSize: 0,
  numActions: 5,
  hiddenSizes: [256, 256],
  activation: "tanh",
  kind: "mlp",
};

Deno.test("sizeStudent: an unconstrained budget gets the largest candidate (3 x 256)", () => {
  const r = sizeStudent(roomy, 18, 5, { teacher });
  assert.deepEqual(r.spec.hiddenSizes, [256, 256, 256]);
  assert.equal(r.label, "18-256-256-256-5");
  assert.equal(r.candidates, 3 * DEFAULT_WIDTHS.length);
  assert.equal(r.fitting, 3 * DEFAULT_WIDTHS.length);
  assert.equal(r.teacherFits, true);
  assert.ok(r.flopsRatio! < 1);
});

Deno.test("sizeStudent: memory limit picks the biggest fitting net, checked against brute force", () => {
  // 18-64-5: 18*64+64+64*5+5 = 1541 params = 6164 bytes; 18-32-32-5: 608+1056+165 = 1829 -> 7316 bytes.
  const budget = { ...roomy, paramMemoryBytes: 7316 / 0.8 };
  const r = sizeStudent(budget, 18, 5);
  assert.deepEqual(r.spec.hiddenSizes, [32, 32]);
  assert.equal(r.cost.params, 1829);
  // Brute force over the same candidates.
  let bestParams = 0;
  for (const d of [1, 2, 3]) {
    for (const w of DEFAULT_WIDTHS) {
      const c = actorCost({ ...teacher, hiddenSizes: new Array(d).fill(w) });
      if (fitsBudget(c, budget)) bestParams = Math.max(bestParams, c.params);
    }
  }
  assert.equal(r.cost.params, bestParams);
  // One byte less and 32-32 no longer fits.
  const tighter = sizeStudent({ ...budget, paramMemoryBytes: 7315 / 0.8 }, 18, 5);
  assert.ok(tighter.cost.params < 1829);
});

Deno.test("sizeStudent: deadline limit with overhead and margin", () => {
  // flopsPerSecond 1e6, deadline 10 ms, overhead 2 ms, margin 0.2 -> 6 ms of compute = 6000 FLOPs.
  const budget: ComputeBudget = { ...roomy, flopsPerSecond: 1e6, deadlineMs: 10, overheadMs: 2 };
  const r = sizeStudent(budget, 18, 5, { teacher });
  assert.ok(r.cost.flops <= 6000, `${r.cost.flops}`);
  assert.ok(r.decisionMs <= r.deadlineLimitMs);
  assert.equal(r.decisionMs, decisionTimeMs(r.cost.flops, budget));
  assert.equal(r.teacherFits, false);
  assert.ok(r.flopsRatio! > 10);
  assert.equal(r.flopsRatio, actorCost(teacher).flops / r.cost.flops);
  // Without margin, more fits.
  const noMargin = sizeStudent(budget, 18, 5, { margin: 0 });
  assert.ok(noMargin.cost.params >= r.cost.params);
});

Deno.test("sizeStudent: equal parameters -> fewer layers, whatever the candidate order", () => {
  // obs 4, 4 actions: 1 x 16 has 4*16+16+16*4+4 = 148 params; 2 x 8 has 40+72+36 = 148 too.
  // 2 x 16 (420 params) is kept out by memory: limit 600 bytes (150 params).
  const budget = { ...roomy, paramMemoryBytes: 600 / 0.8 };
  for (const depths of [[1, 2], [2, 1]]) {
    const r = sizeStudent(budget, 4, 4, { widths: [8, 16], depths });
    assert.equal(r.cost.params, 148);
    assert.deepEqual(r.spec.hiddenSizes, [16]);
    assert.equal(r.fitting, 3);
  }
});

Deno.test("sizeStudent: nothing fits -> error names the budget and the smallest candidate", () => {
  // 18-4-5: 2*18*4+4 + 4 (tanh) + 2*4*5+5 + 15 (softmax) = 212 FLOPs; 101 params = 404 bytes.
  const tiny: ComputeBudget = { ...roomy, flopsPerSecond: 1000, deadlineMs: 1, overheadMs: 0.5 };
  assert.throws(
    () => sizeStudent(tiny, 18, 5, { budgetName: "mcu" }),
    /No student fits budget "mcu" \(flopsPerSecond 1000, deadlineMs 1, overheadMs 0\.5, .*the smallest candidate 18-4-5 needs 212 FLOPs = 212\.5 ms per decision \(limit 0\.8000 ms\) and 404 parameter bytes/,
  );
  assert.throws(
    () => sizeStudent({ ...roomy, deadlineMs: -1 }, 18, 5, { budgetName: "bad" }),
    /budget "bad": field "deadlineMs" must be > 0, got -1/,
  );
});

Deno.test("sizeStudent: maxFlops caps capacity below what the budget allows", () => {
  const capped = sizeStudent(roomy, 18, 5, { teacher, maxFlops: actorCost(teacher).flops / 20 });
  assert.ok(capped.cost.flops <= actorCost(teacher).flops / 20, `${capped.cost.flops}`);
  assert.ok(capped.flopsRatio! >= 20);
  // The cap is the binding limit: the next bigger candidates all exceed it.
  const free = sizeStudent(roomy, 18, 5, { teacher });
  assert.ok(free.cost.flops > capped.cost.flops);
});

Deno.test("sizeStudent: the report names the binding constraint", () => {
  assert.deepEqual(sizeStudent(roomy, 18, 5).binding, ["candidates"]);
  assert.deepEqual(sizeStudent({ ...roomy, paramMemoryBytes: 7316 / 0.8 }, 18, 5).binding, [
    "memory",
  ]);
  const slow = { ...roomy, flopsPerSecond: 1e6, deadlineMs: 10, overheadMs: 2 };
  assert.deepEqual(sizeStudent(slow, 18, 5).binding, ["deadline"]);
  const cap = actorCost(teacher).flops / 20;
  assert.deepEqual(sizeStudent(roomy, 18, 5, { teacher, maxFlops: cap }).binding, ["flops-cap"]);
  // By hand: 18-8-5 has 197 params (788 B) and 404 FLOPs; 18-16-5 389 params (1,556 B) and 788 FLOPs.
  // At 1e6 FLOP/s, a 0.625 ms deadline and 1,250 B (limits 0.5 ms, 1,000 B), 18-16-5 breaks both.
  const both = sizeStudent(
    { ...roomy, flopsPerSecond: 1e6, deadlineMs: 0.625, paramMemoryBytes: 1250 },
    18,
    5,
    { widths: [8, 16], depths: [1] },
  );
  assert.equal(both.label, "18-8-5");
  assert.deepEqual(both.binding, ["deadline", "memory"]);
  assert.match(
    both.bindingDetail,
    /18-16-5: 0\.7880 ms \(limit 0\.5000\), 1556 parameter bytes \(limit 1000\)/,
  );
});

Deno.test("sizeStudent: a recurrent student only where the budget holds a GRU cell; otherwise a clear error", () => {
  // Students are feed-forward unless asked.
  assert.equal(sizeStudent(roomy, 18, 5).spec.kind, "mlp");
  const r = sizeStudent(roomy, 18, 5, { kind: "gru" });
  assert.equal(r.spec.kind, "gru");
  assert.equal(r.cost.flops, actorCost(r.spec).flops);
  // 1000 bytes (800 after the margin) hold the MLP 18-4-5 (101 parameters, 404 bytes) but not the
  // smallest recurrent student, a 4-state GRU cell (3 x (18 + 4 + 1) x 4 = 276 parameters) and its head.
  const tight: ComputeBudget = { ...roomy, paramMemoryBytes: 1000 };
  assert.equal(sizeStudent(tight, 18, 5).spec.kind, "mlp");
  assert.throws(
    () => sizeStudent(tight, 18, 5, { kind: "gru", budgetName: "mcu-sensor" }),
    /No recurrent \("gru"\) student fits budget "mcu-sensor" .* parameter bytes \(limit 800\)/,
  );
  assert.throws(
    () => sizeStudent(roomy, 18, 5, { kind: "lstm" as "gru" }),
    /field "kind" must be "mlp" or "gru", got "lstm"/,
  );
});

Deno.test("sizeStudentWithObservation: a given budget sizes the network on the view", async () => {
  const { sizeStudentWithObservation } = await import("./sizing.ts");
  const { SmaxEnv } = await import("../sim/smax/env.ts");
  const env = new SmaxEnv({ map: "3m" });
  const r = sizeStudentWithObservation(roomy, env.observationLayout(0), 30, env.numActions, {
    observation: { entities: { enemies: 1, allies: 1 } },
  });
  assert.equal(r.spec.obsSize, 18);
  assert.equal(r.observation.source, "given");
  assert.equal(r.observation.tag, "enemies1-allies1");
  assert.equal(r.view!.outputSize, 18);
  const none = sizeStudentWithObservation(roomy, env.observationLayout(0), 30, env.numActions);
  assert.equal(none.spec.obsSize, 30);
  assert.equal(none.view, undefined);
  assert.throws(
    () =>
      sizeStudentWithObservation(roomy, undefined, 30, 9, {
        observation: { entities: { enemies: 1 } },
        budgetName: "satellite",
        observationWhere: "flag --obs-entities",
      }),
    /flag --obs-entities: class "satellite" has no observation layout/,
  );
});

Deno.test("sizeStudentWithObservation auto: full observation on a roomy budget, cut on a tight one, naming the binding constraint", async () => {
  const { sizeStudentWithObservation } = await import("./sizing.ts");
  const { SmaxEnv } = await import("../sim/smax/env.ts");
  const env = new SmaxEnv({ map: "2s3z" });
  const layout = env.observationLayout(0);
  const roomyR = sizeStudentWithObservation(roomy, layout, 80, env.numActions, {
    observation: "auto",
  });
  assert.equal(roomyR.observation.tag, "full");
  assert.equal(roomyR.view, undefined);
  // 80 inputs: a 1-layer width-16 student needs 2 * (80 * 16 + 16 * 11) = 2912 FLOPs; allow 2000.
  const tight: ComputeBudget = { ...roomy, flopsPerSecond: 2000 / 0.8, deadlineMs: 1000 };
  const r = sizeStudentWithObservation(tight, layout, 80, env.numActions, {
    observation: "auto",
    budgetName: "stalker",
  });
  assert.equal(r.observation.source, "auto");
  assert.ok(r.observation.obsSize < 80, r.observation.reason);
  assert.ok(Math.min(...r.spec.hiddenSizes) >= 16, r.label);
  assert.match(
    r.observation.reason,
    /at the full observation \(80 inputs\) the deadline constraint/,
  );
  assert.equal(r.spec.obsSize, r.view!.outputSize);
  // Cuts go from the segment with the most entities (ties: the later one): 5/4 enemies/allies, 4/4,
  // 4/3, 3/3, 3/2, 2/2, 2/1, 1/1. Only 1/1 (29 inputs) reaches width 16; 2/1 (42 inputs) does not.
  assert.deepEqual(r.observation.budget!.entities, { enemies: 1, allies: 1 });
  assert.equal(r.label, "29-16-16-11");
  const previous = sizeStudentWithObservation(tight, layout, 80, env.numActions, {
    observation: { entities: { enemies: 2, allies: 1 } },
  });
  assert.ok(Math.min(...previous.spec.hiddenSizes) < 16, previous.label);
});
