/** The built-in entries' heuristics and model folders; paths are relative to the repository root. */
import assert from "node:assert/strict";
import { SpreadAssignmentController } from "../sim/baselines/spread_assignment.ts";
import { GreedyFleetController } from "../sim/fleet/greedy.ts";
import { SmaxHeuristicController } from "../sim/smax/heuristic.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { deployableModelsDir, shipsModels } from "../distill/scenario.ts";
import { defaultCatalog, FLEET_MODEL_SOURCE, scenarioFileEntry } from "./mod.ts";

const catalog = defaultCatalog();

Deno.test("builtin heuristics: each family's, built on that family's environment, act legally", () => {
  const cases: [string, new (...args: never[]) => unknown][] = [
    ["mpe/simple_spread", SpreadAssignmentController],
    ["smax/3m", SmaxHeuristicController],
    ["fleet/leo-wildfire", GreedyFleetController],
  ];
  for (const [id, kind] of cases) {
    const entry = catalog.get(id);
    assert.ok(entry.heuristic, id);
    const env = entry.make();
    const controller = entry.heuristic.make(env);
    assert.ok(controller instanceof kind, `${id}: got ${controller.name}`);
    const result = env.reset(1);
    const out = env.classes.map((c) => new Int32Array(c.count).fill(-1));
    controller.act(result, out);
    env.classes.forEach((c, k) => {
      for (let i = 0; i < c.count; i++) {
        const a = out[k][i];
        assert.ok(a >= 0 && a < c.numActions, `${id} ${c.name}_${i}: action ${a}`);
        assert.equal(result.classes[k].actionMask[i * c.numActions + a], 1, `${id}: legal`);
      }
    });
  }
});

Deno.test("builtin heuristics: every SMAX map and fleet scenario has one, simple_spread too; others none", () => {
  for (const e of catalog.list()) {
    const family = e.id.split("/")[0];
    assert.equal(
      e.heuristic !== undefined,
      family === "smax" || family === "fleet" || e.id === "mpe/simple_spread",
      e.id,
    );
  }
});

Deno.test("builtin heuristics: the SMAX heuristic on another environment is a TypeError naming it", () => {
  assert.throws(
    () => catalog.get("smax/3m").heuristic!.make(new MatchingEnv()),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === 'The SMAX heuristic needs a SmaxEnv, got "toy/matching"',
  );
});

Deno.test("builtin models folders: fleet scenarios by bare name, other families with / as __", () => {
  assert.equal(catalog.get("fleet/leo-wildfire").modelsDir, "scenarios/leo-wildfire/models");
  assert.equal(catalog.get("mpe/simple_spread").modelsDir, "scenarios/mpe__simple_spread/models");
  assert.equal(catalog.get("smax/3s_vs_5z").modelsDir, "scenarios/smax__3s_vs_5z/models");
  assert.equal(catalog.get("toy/matching").modelsDir, "scenarios/toy__matching/models");
});

Deno.test("shipped(): exactly the entries with a teacher and a students manifest", async () => {
  const shipped = (await catalog.shipped()).map((e) => e.id);
  const has = (path: string) => Deno.stat(path).then(() => true, () => false);
  for (const e of catalog.list()) {
    const both = (await has(`${e.modelsDir}/teacher/manifest.json`)) &&
      (await has(`${e.modelsDir}/students/manifest.json`));
    assert.equal(shipped.includes(e.id), both, e.id);
    assert.equal(await shipsModels(e), both, e.id);
  }
  assert.ok(shipped.includes(FLEET_MODEL_SOURCE), "the fleet model source ships models");
});

Deno.test("deployable models: a user's fleet scenario falls back to the model source; others do not", async () => {
  const tmp = await Deno.makeTempDir();
  const raw = JSON.parse(await Deno.readTextFile("scenarios/leo-wildfire.json"));
  await Deno.writeTextFile(
    `${tmp}/mine.json`,
    JSON.stringify({ ...raw, name: "some-user-scenario" }),
  );
  const mine = scenarioFileEntry(`${tmp}/mine.json`);
  await Deno.remove(tmp, { recursive: true });
  assert.equal(mine.id, "fleet/some-user-scenario");
  assert.equal(deployableModelsDir(mine), catalog.get(FLEET_MODEL_SOURCE).modelsDir);
  assert.notEqual(deployableModelsDir(mine), mine.modelsDir);
  assert.equal(deployableModelsDir(catalog.get("mpe/simple_speaker_listener")), undefined);
  // Regression guards cover every entry with deployable models, shipped ones included.
  const guarded = catalog.deployable().map((e) => e.id);
  for (const e of await catalog.shipped()) assert.ok(guarded.includes(e.id), e.id);
  assert.ok(!guarded.includes("toy/matching"));
});
