import { toParallelEnv } from "../sim/env/parallel.ts";
import { parallelApiTest } from "../sim/env/parallel_api.ts";
import { defaultCatalog } from "../catalog/mod.ts";

// Every scenario of the catalog, so a scenario added there is checked with no other edit.
for (const entry of defaultCatalog().list()) {
  Deno.test(`parallel API: ${entry.id} passes the port of PettingZoo's parallel_api_test`, () => {
    // mega-shell's 5,543 agents copy out slowly per step: a short prefix checks the same contract.
    const numCycles = entry.id === "fleet/mega-shell"
      ? 3
      : entry.id === "fleet/iot-edge-fleet"
      ? 40
      : 300;
    parallelApiTest(toParallelEnv(entry.make()), { numCycles, seed: 11 });
  });
}
