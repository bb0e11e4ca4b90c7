import assert from "node:assert/strict";
import { defaultCatalog } from "../catalog/mod.ts";
import { rebuildPlan, SHIPPED } from "./train_all.ts";

Deno.test("train-all: leo-wildfire trains in two stages, then distills from that teacher", () => {
  const plan = rebuildPlan("fleet/leo-wildfire");
  assert.equal(plan.teacherRun, "runs/fleet/leo-wildfire/teacher");
  assert.deepEqual(plan.commands.map((c) => `${c.task} ${c.args.join(" ")}`), [
    "train --scenario fleet/leo-wildfire --out runs/fleet/leo-wildfire/teacher --resume-if-present",
    "train --scenario fleet/leo-wildfire --out runs/fleet/leo-wildfire/teacher --resume-if-present --steps 740000",
    "distill --teacher runs/fleet/leo-wildfire/teacher --scenario fleet/leo-wildfire --out runs/fleet/leo-wildfire/students --resume-if-present --min-reduction 20",
  ]);
});

Deno.test("train-all: mega-shell trains its borrowed teacher on leo-wildfire with the preset's flags", () => {
  const from = defaultCatalog().get("fleet/mega-shell").preset.teacherFrom!;
  const plan = rebuildPlan("fleet/mega-shell");
  assert.equal(plan.teacherRun, `runs/${from.envId}/${from.run}`);
  assert.notEqual(plan.teacherRun, rebuildPlan("fleet/leo-wildfire").teacherRun);
  assert.deepEqual(plan.commands.map((c) => `${c.task} ${c.args.join(" ")}`), [
    `train --scenario fleet/leo-wildfire --out ${plan.teacherRun} --resume-if-present ${
      from.args.join(" ")
    }`,
    `distill --teacher ${plan.teacherRun} --scenario fleet/mega-shell --out runs/fleet/mega-shell/students --resume-if-present --min-reduction 20 --transfer`,
  ]);
});

Deno.test("train-all: rebuilds every scenario that ships models, each distilling from the teacher it trains", async () => {
  const ids = SHIPPED.map((e) => e.id);
  for (const { id } of await defaultCatalog().shipped()) {
    assert.ok(ids.includes(id), `${id} is not rebuilt`);
  }
  for (const id of ids) {
    const plan = rebuildPlan(id);
    const trains = plan.commands.filter((c) => c.task === "train");
    const distills = plan.commands.filter((c) => c.task === "distill");
    assert.ok(trains.length >= 1 && distills.length >= 1, id);
    for (const c of trains) assert.equal(c.args[c.args.indexOf("--out") + 1], plan.teacherRun);
    for (const c of distills) {
      assert.equal(c.args[c.args.indexOf("--teacher") + 1], plan.teacherRun);
    }
  }
  assert.throws(
    () => rebuildPlan("mpe/simple_speaker_listener"),
    /"mpe\/simple_speaker_listener" ships no models to rebuild; the scenarios that do: fleet\/leo-wildfire, /,
  );
});
