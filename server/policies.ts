/**
 * The policy sets ("model sets") a run can be driven by. A {@linkcode PolicyCatalog} lists the policies
 * available for a scenario and builds a {@linkcode Controller} for a run. The server's default is
 * {@linkcode scenarioPolicies}: the scenario catalog's policies, deployed as `deno task simulate` deploys
 * them. {@linkcode policyCatalog} builds one from a list of {@linkcode PolicyEntry}s, for a server with
 * controllers of its own:
 *
 * ```ts ignore
 * createApp({ policies: policyCatalog([randomPolicy, myPolicy]) });
 * ```
 *
 * where, e.g., `myPolicy = { id: "mine", description: "...", supports: (s) => s === "fleet/leo-wildfire",
 * make: (env, seed) => new MyController(env, seed) }`.
 *
 * @example
 * ```ts
 * import { policyCatalog, randomPolicy } from "./policies.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const catalog = policyCatalog([randomPolicy]);
 * console.assert(catalog.list("toy/matching")[0].id === "random");
 * const controller = await catalog.make("toy/matching", "random", 1, new MatchingEnv());
 * console.assert(controller.name === "random");
 * ```
 *
 * @module
 */

import { type Controller, RandomController } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import {
  availablePolicies,
  deployPolicy,
  policyName,
  type ScenarioCatalog,
} from "../catalog/mod.ts";

/** A policy as listed to clients. */
export interface PolicyInfo {
  /** Id used in `POST /api/runs`, e.g. `"random"`, `"students"`. */
  id: string;
  /** One line describing it. */
  description: string;
}

/** What the server needs to know about policies (`deps.policies`). */
export interface PolicyCatalog {
  /** Policies available for `scenarioId`. */
  list(scenarioId: string): PolicyInfo[];
  /**
   * A controller of policy `policyId` for a run of `scenarioId` seeded with `seed`; `env` is the run's
   * environment (its classes, masks). May load models asynchronously. Throwing fails the run.
   */
  make(
    scenarioId: string,
    policyId: string,
    seed: number,
    env: MultiAgentEnv,
  ): Controller | Promise<Controller>;
}

/** One policy of a {@linkcode policyCatalog}. */
export interface PolicyEntry extends PolicyInfo {
  /** Whether the policy applies to `scenarioId` (default: every scenario). */
  supports?(scenarioId: string): boolean;
  /** Builds the controller for one run. */
  make(env: MultiAgentEnv, seed: number, scenarioId: string): Controller | Promise<Controller>;
}

/**
 * Uniformly random legal actions ({@linkcode RandomController}), for every scenario.
 *
 * @example
 * ```ts
 * import { randomPolicy } from "./policies.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const c = await randomPolicy.make(new MatchingEnv(), 3, "toy/matching");
 * console.assert(c.name === "random");
 * ```
 */
export const randomPolicy: PolicyEntry = {
  id: "random",
  description: "Uniformly random legal actions (baseline)",
  make: (env, seed) => new RandomController(env.classes, seed),
};

/**
 * The policies of the scenario catalog: for every scenario what `deno task simulate --policy` runs, by the
 * same names (`students`, `teacher`, `baseline`, `random`; `greedy` is another name of `baseline`), built
 * by the same {@linkcode deployPolicy} (plain inference path, the node classes' latency model).
 *
 * @example
 * ```ts
 * import { scenarioPolicies } from "./policies.ts";
 * import { defaultCatalog } from "../catalog/mod.ts";
 * const policies = scenarioPolicies(defaultCatalog());
 * console.assert(policies.list("smax/3m").some((p) => p.id === "baseline"));
 * ```
 */
export function scenarioPolicies(catalog: ScenarioCatalog): PolicyCatalog {
  return {
    list: (scenarioId) => availablePolicies(catalog.get(scenarioId)),
    make: async (scenarioId, policyId, seed, env) => {
      const entry = catalog.get(scenarioId);
      const name = policyName(policyId);
      if (!availablePolicies(entry).some((p) => p.id === name)) {
        throw new RangeError(`Policy "${policyId}" is not available for scenario "${scenarioId}"`);
      }
      // Plain-path sets hold no tensors: the controller is all a run keeps.
      return (await deployPolicy(entry, name, env, { seed })).controller;
    },
  };
}

/**
 * A catalog over `entries`; ids must be unique.
 *
 * @example
 * ```ts
 * import { policyCatalog, randomPolicy } from "./policies.ts";
 * const catalog = policyCatalog([randomPolicy]);
 * console.assert(catalog.list("any/env").length === 1);
 * ```
 */
export function policyCatalog(entries: readonly PolicyEntry[]): PolicyCatalog {
  const byId = new Map<string, PolicyEntry>();
  for (const e of entries) {
    if (byId.has(e.id)) {
      throw new Error(`Cannot build policy catalog: policy id "${e.id}" is taken`);
    }
    byId.set(e.id, e);
  }
  const applies = (e: PolicyEntry, scenarioId: string) => e.supports?.(scenarioId) ?? true;
  return {
    list: (scenarioId) =>
      entries.filter((e) => applies(e, scenarioId)).map((e) => ({
        id: e.id,
        description: e.description,
      })),
    make: (scenarioId, policyId, seed, env) => {
      const entry = byId.get(policyId);
      if (!entry || !applies(entry, scenarioId)) {
        throw new RangeError(`Policy "${policyId}" is not available for scenario "${scenarioId}"`);
      }
      return entry.make(env, seed, scenarioId);
    },
  };
}
