/**
 * The policy sets ("model sets") a run can be driven by. A {@linkcode PolicyCatalog} lists the policies
 * available for a scenario and builds a {@linkcode Controller} for a run; {@linkcode policyCatalog} builds
 * one from a list of {@linkcode PolicyEntry}s. Plugging in another controller is one more entry:
 *
 * ```ts ignore
 * createApp({ policies: policyCatalog([randomPolicy, studentsPolicy, teacherPolicy, greedyPolicy]) });
 * ```
 *
 * where, e.g., `greedyPolicy = { id: "greedy", description: "...", supports: (s) => s.startsWith("fleet/"),
 * make: (env, seed) => new GreedyController(env, seed) }`.
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
import { baselineFor } from "../distill/baselines.ts";
import { actionModeFor, budgetsFor } from "../distill/presets.ts";
import { deployableModelDir } from "../distill/shipped.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";

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
 * The policies the server offers by default. The trained sets ("students", "teacher") and the fleet
 * "greedy" baseline are added here (or passed as `deps.policies`) as one entry each.
 *
 * @example
 * ```ts
 * import { defaultPolicyEntries } from "./policies.ts";
 * console.assert(defaultPolicyEntries.some((p) => p.id === "random"));
 * ```
 */
export const defaultPolicyEntries: readonly PolicyEntry[] = [
  randomPolicy,
  {
    id: "baseline",
    description:
      "The scenario's heuristic (greedy fleet scheduler; optimal assignment on simple_spread; SMAX: attack the closest enemy in range, else move towards the closest)",
    supports: (scenarioId) => baselineFor(scenarioId) !== undefined,
    make: (env, _seed, scenarioId) => baselineFor(scenarioId)!(env),
  },
  shippedPolicy(
    "students",
    "Distilled students shipped with the scenario, on their nodes' latency model",
  ),
  shippedPolicy(
    "teacher",
    "The MAPPO teacher shipped with the scenario, deployed as-is on the same nodes",
  ),
];

/** A policy set shipped under `scenarios/<name>/models/<kind>`, deployed under the latency model. */
function shippedPolicy(kind: "students" | "teacher", description: string): PolicyEntry {
  return {
    id: kind,
    description,
    supports: (scenarioId) => deployableModelDir(scenarioId) !== undefined,
    make: async (env, _seed, scenarioId) => {
      const set = await loadPolicySet(`${deployableModelDir(scenarioId)}/${kind}`, {
        expect: { classes: env.classes },
        as: "plain",
      });
      return PolicyController.deployed(
        kind,
        set,
        env,
        budgetsFor(scenarioId, env),
        undefined,
        actionModeFor(scenarioId),
      );
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
