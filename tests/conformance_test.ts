import assert from "node:assert/strict";
import "../sim/builtin_envs.ts";
import { checkConformance, listEnvs } from "../sim/env/mod.ts";

const envs = listEnvs();

Deno.test("conformance: the registry is not empty", () => {
  assert.ok(envs.length >= 1);
});

for (const entry of envs) {
  Deno.test(`conformance: ${entry.id}`, () => {
    checkConformance(() => entry.make(), { episodes: 2, maxStepsChecked: 200 });
  });
}
