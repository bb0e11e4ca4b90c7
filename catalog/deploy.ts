/**
 * Choosing and deploying a policy on a scenario: the one function `deno task simulate` and the telemetry
 * server both call, with the same policy names everywhere (`students`, `teacher`, `baseline`, `random`;
 * `greedy` is accepted as another name of `baseline`).
 *
 * Learned policies (the shipped students and teacher) load from the scenario's deployable models folder
 * and run under the latency model of each node class (`PolicyController.deployed`), on the plain
 * Float32Array inference path by default: the path the regression baselines measure, the same numbers on
 * every machine. `runtime: "tfjs"` runs the same networks on the active tfjs backend instead.
 *
 * @example
 * ```ts
 * import { deployPolicy, policyName } from "./deploy.ts";
 * import { defaultCatalog } from "./builtin.ts";
 * const entry = defaultCatalog().get("3m");
 * const env = entry.make();
 * const policy = await deployPolicy(entry, policyName("greedy"), env, { seed: 1 });
 * console.assert(policy.name === "baseline");
 * policy.release();
 * ```
 *
 * @module
 */

import { type Controller, RandomController } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { InputError } from "../sim/input_error.ts";
import { disposePolicySet, expectationFor, loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";
import type { LatencyGate } from "../policies/latency.ts";
import type { PolicySet } from "../policies/policy_set.ts";
import { releasePolicySet } from "../policies/runtime.ts";
import {
  actionModeOf,
  budgetsOf,
  deployableModelsDir,
  type ScenarioEntry,
} from "../distill/scenario.ts";

/** The policies a scenario can run. */
export const POLICY_NAMES = ["students", "teacher", "baseline", "random"] as const;

/** One of {@linkcode POLICY_NAMES}. */
export type PolicyName = typeof POLICY_NAMES[number];

/** Other accepted names of a policy (on the command line and in the HTTP API). */
export const POLICY_ALIASES: Readonly<Record<string, PolicyName>> = {
  greedy: "baseline",
  heuristic: "baseline",
};

/** A policy name that is not one of {@linkcode POLICY_NAMES} (or an alias): bad input. */
export class UnknownPolicyError extends InputError {
  /** Builds the error naming the value and the known names. */
  constructor(value: string) {
    super(
      `policy must be one of ${
        POLICY_NAMES.join(", ")
      } (greedy is another name of baseline), got "${value}"`,
    );
    this.name = "UnknownPolicyError";
  }
}

/**
 * The policy `text` names (an alias resolves to its policy); throws {@linkcode UnknownPolicyError}.
 *
 * @example
 * ```ts
 * import { policyName } from "./deploy.ts";
 * console.assert(policyName("greedy") === "baseline" && policyName("students") === "students");
 * ```
 */
export function policyName(text: string): PolicyName {
  if ((POLICY_NAMES as readonly string[]).includes(text)) return text as PolicyName;
  const alias = POLICY_ALIASES[text];
  if (alias) return alias;
  throw new UnknownPolicyError(text);
}

/** A policy of {@linkcode POLICY_NAMES} and what it is on a given scenario. */
export interface PolicyDescription {
  /** Its name. */
  id: PolicyName;
  /** One line describing it on this scenario. */
  description: string;
}

/**
 * The policies `entry` can run, in {@linkcode POLICY_NAMES} order: random always, the baseline where the
 * scenario has a heuristic, students and teacher where it has deployable models.
 *
 * @example
 * ```ts
 * import { availablePolicies } from "./deploy.ts";
 * import { defaultCatalog } from "./builtin.ts";
 * const ids = availablePolicies(defaultCatalog().get("matching")).map((p) => p.id);
 * console.assert(ids.includes("random") && !ids.includes("baseline"));
 * ```
 */
export function availablePolicies(entry: ScenarioEntry): PolicyDescription[] {
  const models = deployableModelsDir(entry);
  const borrowed = models !== undefined && models !== entry.modelsDir;
  const from = borrowed ? ` (the node-class policies of ${models})` : "";
  const out: PolicyDescription[] = [];
  if (models) {
    out.push({
      id: "students",
      description:
        `Distilled students shipped with the scenario, on their nodes' latency model${from}`,
    });
    out.push({
      id: "teacher",
      description:
        `The MAPPO teacher shipped with the scenario, deployed as-is on the same nodes${from}`,
    });
  }
  if (entry.heuristic) out.push({ id: "baseline", description: entry.heuristic.description });
  out.push({ id: "random", description: "Uniformly random legal actions" });
  return out.sort((a, b) => POLICY_NAMES.indexOf(a.id) - POLICY_NAMES.indexOf(b.id));
}

/** Options of {@linkcode deployPolicy}. */
export interface DeployOptions {
  /** Seed of the random policy's stream. */
  seed: number;
  /** Inference path of learned policies: `"plain"` (default) or `"tfjs"` (the active backend). */
  runtime?: "plain" | "tfjs";
}

/** A policy ready to run on one environment; `release()` frees its networks and runtime state. */
export interface DeployedPolicy {
  /** The policy's name. */
  readonly name: PolicyName;
  /** The controller that acts. */
  readonly controller: Controller;
  /** The loaded networks (learned policies only). */
  readonly set?: PolicySet;
  /** The models folder they came from (learned policies only). */
  readonly modelsDir?: string;
  /** The node classes' latency gate: deadline misses, latency and energy (learned policies only). */
  readonly gate?: LatencyGate;
  /** Frees the networks (tfjs tensors) and the runtime's recurrent state; idempotent. */
  release(): void;
}

/**
 * Deploys policy `name` on `env` (an environment of `entry`): random, the scenario's heuristic, or the
 * shipped students or teacher under the node classes' latency model. A policy the scenario does not have
 * is an {@linkcode InputError} naming the scenario and what it has.
 */
export async function deployPolicy(
  entry: ScenarioEntry,
  name: PolicyName,
  env: MultiAgentEnv,
  options: DeployOptions,
): Promise<DeployedPolicy> {
  const notAvailable = () =>
    new InputError(
      `policy "${name}" is not available for scenario "${entry.id}"; it has ${
        availablePolicies(entry).map((p) => p.id).join(", ")
      }`,
    );
  if (name === "random") {
    return {
      name,
      controller: new RandomController(env.classes, options.seed),
      release: () => {},
    };
  }
  if (name === "baseline") {
    if (!entry.heuristic) throw notAvailable();
    return { name, controller: entry.heuristic.make(env), release: () => {} };
  }
  const dir = deployableModelsDir(entry);
  if (!dir) throw notAvailable();
  const runtime = options.runtime ?? "plain";
  const set = await loadPolicySet(`${dir}/${name}`, {
    expect: expectationFor(env),
    as: runtime,
    ...(runtime === "tfjs" ? { critic: false } : {}),
  });
  const controller = PolicyController.deployed(
    name,
    set,
    env,
    budgetsOf(entry, env),
    undefined,
    actionModeOf(entry),
  );
  let released = false;
  return {
    name,
    controller,
    set,
    modelsDir: dir,
    ...(controller.gate ? { gate: controller.gate } : {}),
    release: () => {
      if (released) return;
      released = true;
      releasePolicySet(set);
      disposePolicySet(set);
    },
  };
}
