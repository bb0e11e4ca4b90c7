/**
 * Registers every environment fleetkd ships. Importing `sim/mod.ts` (or the root `mod.ts`) runs it.
 *
 * @example
 * ```ts
 * import { makeEnv } from "./env/registry.ts";
 * import "./builtin_envs.ts";
 * const env = makeEnv("toy/matching");
 * console.assert(env.classes.length === 2);
 * ```
 *
 * @module
 */

import { registerEnv } from "./env/registry.ts";
import { MatchingEnv } from "./toy/matching.ts";
import { smaxEnvEntries } from "./smax/mod.ts";
import { fleetEnvEntries } from "./fleet/mod.ts";
import { mpeEnvEntries } from "./mpe/entries.ts";

registerEnv({
  id: "toy/matching",
  description: "Trivially learnable cue-matching task, two agent classes (smoke tests)",
  make: (options) => new MatchingEnv(options ?? {}),
});

for (const entry of [...fleetEnvEntries, ...mpeEnvEntries, ...smaxEnvEntries]) registerEnv(entry);
