/**
 * The built-in scenarios, registered explicitly: the toy task, the MPE ports, the fleet scenarios and the
 * SMAX maps, each one {@linkcode ScenarioEntry} made from its environment's registry entry (in `sim/`), its
 * heuristic, its models folder and its training preset (`distill/presets.ts`). Adding a scenario means
 * one entry here plus its files; `scenarios/README.md` walks through it.
 *
 * @example
 * ```ts
 * import { defaultCatalog } from "./builtin.ts";
 * const catalog = defaultCatalog();
 * console.assert(catalog.get("3m").id === "smax/3m");
 * console.assert(catalog.get("leo-wildfire").heuristic !== undefined);
 * ```
 *
 * @module
 */

import type { EnvEntry } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { matchingEnvEntry } from "../sim/builtin_envs.ts";
import { mpeEnvEntries } from "../sim/mpe/entries.ts";
import { SIMPLE_SPREAD_ID } from "../sim/mpe/simple_spread.ts";
import { SpreadAssignmentController } from "../sim/baselines/spread_assignment.ts";
import { fleetEnvEntries } from "../sim/fleet/mod.ts";
import { FleetEnv, type FleetEnvOptions } from "../sim/fleet/env.ts";
import { GreedyFleetController } from "../sim/fleet/greedy.ts";
import { loadScenarioFile } from "../sim/fleet/scenario.ts";
import { smaxEnvEntries } from "../sim/smax/entries.ts";
import { SmaxEnv } from "../sim/smax/env.ts";
import { SmaxHeuristicController } from "../sim/smax/heuristic.ts";
import { presetFor } from "../distill/presets.ts";
import type { HeuristicEntry, ScenarioEntry } from "../distill/scenario.ts";
import { ScenarioCatalog } from "./catalog.ts";

/** The folder that holds the shipped scenarios' files and models. */
export const SCENARIOS_ROOT = "scenarios";

/** `scenarios/<folder>/models`: fleet scenarios by name, the others as `family__name`. */
function modelsDirFor(id: string, fleet: boolean): string {
  const folder = fleet ? id.slice(id.indexOf("/") + 1) : id.replace("/", "__");
  return `${SCENARIOS_ROOT}/${folder}/models`;
}

/** The fleet scenario whose node-class students deploy on fleet scenarios that ship none. */
export const FLEET_MODEL_SOURCE = "fleet/leo-wildfire";

const FLEET_HEURISTIC: HeuristicEntry = {
  description:
    "Greedy fleet heuristic: satellites image the nearest-deadline event, else downlink or relay; sensors alert, sense when charged, else sleep",
  make: (env) => new GreedyFleetController(env),
};

const SPREAD_HEURISTIC: HeuristicEntry = {
  description: "Optimal assignment of agents to distinct landmarks, each agent moving to its own",
  make: (env) => new SpreadAssignmentController(env.classes[0].count),
};

const SMAX_HEURISTIC: HeuristicEntry = {
  description:
    "Scripted SMAX heuristic: attack the closest enemy in range, else move towards the nearest",
  make: (env: MultiAgentEnv) => {
    if (!(env instanceof SmaxEnv)) {
      throw new TypeError(`The SMAX heuristic needs a SmaxEnv, got "${env.id}"`);
    }
    return new SmaxHeuristicController(env);
  },
};

function tail(id: string): string {
  return id.slice(id.indexOf("/") + 1);
}

/** The catalog entry of a fleet scenario (shipped, or loaded from `file`). */
function fleetEntry(env: EnvEntry, file?: string): ScenarioEntry {
  return {
    id: env.id,
    name: tail(env.id),
    description: env.description,
    make: env.make,
    heuristic: FLEET_HEURISTIC,
    modelsDir: modelsDirFor(env.id, true),
    fallbackModelsDir: modelsDirFor(FLEET_MODEL_SOURCE, true),
    preset: presetFor(env.id),
    successInfo: "valueDelivered",
    ...(file !== undefined ? { file } : {}),
  };
}

/**
 * The catalog entry of a fleet scenario file the user gives by path: id `fleet/<name>` (its field
 * `name`), the greedy heuristic, the shipped fleet students where it ships no models of its own, the
 * generic fleet preset. A bad file is an `InputError` naming the file, field and value.
 *
 * @example
 * ```ts
 * import { scenarioFileEntry } from "./builtin.ts";
 * const entry = scenarioFileEntry("scenarios/leo-wildfire.json");
 * console.assert(entry.id === "fleet/leo-wildfire" && entry.file === "scenarios/leo-wildfire.json");
 * ```
 */
export function scenarioFileEntry(file: string): ScenarioEntry {
  const scenario = loadScenarioFile(file);
  return fleetEntry({
    id: `fleet/${scenario.name}`,
    description: scenario.description || `Fleet scenario from ${file}`,
    make: (options) => new FleetEnv({ ...(options as FleetEnvOptions), scenario }),
  }, file);
}

function plainEntry(
  env: EnvEntry,
  heuristic?: HeuristicEntry,
  successInfo?: string,
): ScenarioEntry {
  return {
    id: env.id,
    name: tail(env.id),
    description: env.description,
    make: env.make,
    ...(heuristic ? { heuristic } : {}),
    modelsDir: modelsDirFor(env.id, false),
    preset: presetFor(env.id),
    ...(successInfo ? { successInfo } : {}),
  };
}

/**
 * Every built-in scenario, sorted by id.
 *
 * @example
 * ```ts
 * import { builtinScenarios } from "./builtin.ts";
 * console.assert(builtinScenarios().some((e) => e.id === "mpe/simple_spread"));
 * ```
 */
export function builtinScenarios(): ScenarioEntry[] {
  return [
    plainEntry(matchingEnvEntry),
    ...mpeEnvEntries.map((e) =>
      plainEntry(e, e.id === SIMPLE_SPREAD_ID ? SPREAD_HEURISTIC : undefined)
    ),
    ...fleetEnvEntries.map((e) => fleetEntry(e)),
    ...smaxEnvEntries.map((e) => plainEntry(e, SMAX_HEURISTIC, "won")),
  ].sort((a, b) => a.id.localeCompare(b.id));
}

let shared: ScenarioCatalog | undefined;

/** The catalog of the built-in scenarios (built once). */
export function defaultCatalog(): ScenarioCatalog {
  return shared ??= new ScenarioCatalog(builtinScenarios());
}
