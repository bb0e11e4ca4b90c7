/**
 * The registry of environments: every environment fleetkd ships is registered under an id, and the
 * conformance test (`tests/conformance_test.ts`) runs against each one.
 *
 * @example
 * ```ts
 * import { listEnvs, makeEnv } from "./registry.ts";
 * for (const entry of listEnvs()) console.log(entry.id, entry.description);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "./types.ts";

/** Options passed to an environment factory (its own documented keys). */
export type EnvOptions = Record<string, unknown>;

/** A registered environment. */
export interface EnvEntry {
  /** Id, e.g. `"mpe/simple_spread"`. */
  readonly id: string;
  /** One line describing it. */
  readonly description: string;
  /** Builds a fresh instance. */
  readonly make: (options?: EnvOptions) => MultiAgentEnv;
}

const registry = new Map<string, EnvEntry>();

/**
 * Registers an environment factory under `id`. Registering an id twice is an error.
 *
 * @example
 * ```ts
 * import { makeEnv, registerEnv } from "./registry.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * registerEnv({ id: "demo/mine", description: "my environment", make: () => new MatchingEnv() });
 * console.assert(makeEnv("demo/mine").classes.length === 2);
 * ```
 */
export function registerEnv(entry: EnvEntry): void {
  if (registry.has(entry.id)) {
    throw new Error(`Cannot register environment "${entry.id}": id is taken`);
  }
  registry.set(entry.id, entry);
}

/** Every registered environment, sorted by id. */
export function listEnvs(): EnvEntry[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Builds the environment `id`; an unknown id gets an error listing the known ones. */
export function makeEnv(id: string, options?: EnvOptions): MultiAgentEnv {
  const entry = registry.get(id);
  if (!entry) {
    throw new RangeError(
      `Unknown environment "${id}"; registered: ${
        listEnvs().map((e) => e.id).join(", ") || "(none)"
      }`,
    );
  }
  return entry.make(options);
}

/**
 * Resolves a user-given scenario name to a registered id: an exact id (`"mpe/simple_spread"`) or the part
 * after the family prefix when it is unique (`"simple_spread"`, `"leo-wildfire"`, `"3m"`). Unknown or
 * ambiguous names get an error listing what exists.
 *
 * @example
 * ```ts
 * import { resolveEnvId } from "./registry.ts";
 * import "../builtin_envs.ts";
 * console.assert(resolveEnvId("matching") === "toy/matching");
 * ```
 */
export function resolveEnvId(name: string): string {
  if (registry.has(name)) return name;
  const matches = [...registry.keys()].filter((id) => id.slice(id.indexOf("/") + 1) === name);
  if (matches.length === 1) return matches[0];
  const known = listEnvs().map((e) => e.id).join(", ");
  if (matches.length > 1) {
    throw new RangeError(
      `Scenario "${name}" is ambiguous: it names ${matches.join(", ")}; use the full id`,
    );
  }
  throw new RangeError(`Unknown scenario "${name}"; available: ${known || "(none)"}`);
}
