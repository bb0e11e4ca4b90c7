/** Shipped-model folders; paths are relative to the repository root, where tests run. */
import assert from "node:assert/strict";
import "../sim/builtin_envs.ts";
import { listEnvs } from "../sim/env/registry.ts";
import {
  deployableModelDir,
  FLEET_MODEL_SOURCE,
  hasOwnModels,
  regressionScenarios,
  shippedModelDir,
  shippedScenarios,
} from "./shipped.ts";

Deno.test("shippedModelDir: fleet scenarios by bare name, other families with / as __", () => {
  assert.equal(shippedModelDir("fleet/leo-wildfire"), "scenarios/leo-wildfire/models");
  assert.equal(shippedModelDir("mpe/simple_spread"), "scenarios/mpe__simple_spread/models");
  assert.equal(shippedModelDir("smax/3s_vs_5z"), "scenarios/smax__3s_vs_5z/models");
  assert.equal(shippedModelDir("toy/matching"), "scenarios/toy__matching/models");
});

Deno.test("shippedScenarios: exactly the registered ids with a teacher and a students manifest", async () => {
  const shipped = await shippedScenarios();
  const has = (path: string) => Deno.stat(path).then(() => true, () => false);
  for (const { id } of listEnvs()) {
    const dir = shippedModelDir(id);
    const both = (await has(`${dir}/teacher/manifest.json`)) &&
      (await has(`${dir}/students/manifest.json`));
    assert.equal(shipped.includes(id), both, id);
  }
  assert.ok(shipped.includes(FLEET_MODEL_SOURCE), "the fleet model source ships models");
});

Deno.test("deployable and own models: fleet scenarios fall back to the model source; others do not", async () => {
  assert.equal(deployableModelDir("fleet/some-user-scenario"), shippedModelDir(FLEET_MODEL_SOURCE));
  assert.equal(hasOwnModels("fleet/some-user-scenario"), false);
  assert.equal(hasOwnModels(FLEET_MODEL_SOURCE), true);
  assert.equal(deployableModelDir("smax/no-such-map"), undefined);
  assert.equal(hasOwnModels("smax/no-such-map"), false);
  // Regression guards cover every registered id with deployable models, shipped ones included.
  const guarded = await regressionScenarios();
  for (const id of await shippedScenarios()) assert.ok(guarded.includes(id), id);
  for (const id of guarded) assert.notEqual(deployableModelDir(id), undefined, id);
  assert.ok(!guarded.includes("toy/matching"));
});
