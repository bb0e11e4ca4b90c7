/**
 * Environment entries: an id, a one-line description and a factory. Each environment family exports its
 * entries (`fleetEnvEntries`, `mpeEnvEntries`, `smaxEnvEntries`; `builtinEnvEntries` in
 * `sim/builtin_envs.ts` is all of them); nothing registers itself on import. The scenario catalog
 * (`catalog/`) builds one scenario entry from each, adding its heuristic, models and training preset.
 *
 * @example
 * ```ts
 * import { findEnvEntry } from "./registry.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * const entries = [{ id: "demo/mine", description: "my environment", make: () => new MatchingEnv() }];
 * console.assert(findEnvEntry(entries, "demo/mine").make().classes.length === 2);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "./types.ts";

/** Options passed to an environment factory (its own documented keys). */
export type EnvOptions = Record<string, unknown>;

/** An environment that can be built by id. */
export interface EnvEntry {
  /** Id, e.g. `"mpe/simple_spread"`. */
  readonly id: string;
  /** One line describing it. */
  readonly description: string;
  /** Builds a fresh instance. */
  readonly make: (options?: EnvOptions) => MultiAgentEnv;
}

/**
 * The entry of `id` in `entries`; an unknown id throws a `RangeError` listing the known ones.
 *
 * @example
 * ```ts
 * import { findEnvEntry } from "./registry.ts";
 * try {
 *   findEnvEntry([], "x/y");
 * } catch (e) {
 *   console.assert((e as Error).message.startsWith('Unknown environment "x/y"'));
 * }
 * ```
 */
export function findEnvEntry(entries: readonly EnvEntry[], id: string): EnvEntry {
  const entry = entries.find((e) => e.id === id);
  if (!entry) {
    throw new RangeError(
      `Unknown environment "${id}"; known: ${entries.map((e) => e.id).join(", ") || "(none)"}`,
    );
  }
  return entry;
}
