/**
 * Every environment fleetkd ships, as a plain list of entries (nothing is registered on import): the toy
 * cue-matching task, the MPE ports, the fleet scenarios and the SMAX maps. The scenario catalog
 * (`catalog/builtin.ts`) turns each into a scenario; simulation-level tests iterate this list.
 *
 * @example
 * ```ts
 * import { builtinEnvEntries } from "./builtin_envs.ts";
 * import { findEnvEntry } from "./env/registry.ts";
 * const env = findEnvEntry(builtinEnvEntries, "toy/matching").make();
 * console.assert(env.classes.length === 2);
 * ```
 *
 * @module
 */

import { type EnvEntry, type EnvOptions, findEnvEntry } from "./env/registry.ts";
import type { MultiAgentEnv } from "./env/types.ts";
import { MatchingEnv } from "./toy/matching.ts";
import { smaxEnvEntries } from "./smax/entries.ts";
import { fleetEnvEntries } from "./fleet/mod.ts";
import { mpeEnvEntries } from "./mpe/entries.ts";

/** The toy cue-matching task (smoke tests). */
export const matchingEnvEntry: EnvEntry = {
  id: "toy/matching",
  description: "Trivially learnable cue-matching task, two agent classes (smoke tests)",
  make: (options) => new MatchingEnv(options ?? {}),
};

/** Every shipped environment, sorted by id. */
export const builtinEnvEntries: readonly EnvEntry[] = [
  matchingEnvEntry,
  ...fleetEnvEntries,
  ...mpeEnvEntries,
  ...smaxEnvEntries,
].sort((a, b) => a.id.localeCompare(b.id));

/**
 * A fresh environment of the shipped environment `id` (a `RangeError` listing the ids when unknown).
 *
 * @example
 * ```ts
 * import { makeBuiltinEnv } from "./builtin_envs.ts";
 * console.assert(makeBuiltinEnv("smax/3m").classes[0].name === "marine");
 * ```
 */
export function makeBuiltinEnv(id: string, options?: EnvOptions): MultiAgentEnv {
  return findEnvEntry(builtinEnvEntries, id).make(options);
}
