import assert from "node:assert/strict";
import { checkConformance } from "../sim/env/mod.ts";
import { defaultCatalog } from "../catalog/mod.ts";

const envs = defaultCatalog().list();

Deno.test("conformance: the catalog is not empty", () => {
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
