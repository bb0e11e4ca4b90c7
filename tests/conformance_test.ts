import assert from "node:assert/strict";
import "../sim/builtin_envs.ts";
import { checkConformance, listEnvs } from "../sim/env/mod.ts";

const envs = listEnvs();

Deno.test("conformance: the registry is not empty", () => {
  assert.ok(envs.length >= 1);
});

for (const entry of envs) {
  Deno.test(`conformance: ${entry.id}`, () => {
    // mega-shell's full episodes take seconds each: a short prefix checks the same contract.
    const maxStepsChecked = entry.id === "fleet/mega-shell"
      ? 8
      : entry.id === "fleet/iot-edge-fleet"
      ? 60
      : 250;
    checkConformance(() => entry.make(), { episodes: 2, maxStepsChecked });
  });
}
