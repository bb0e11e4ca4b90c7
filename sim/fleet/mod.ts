/**
 * The fleet environment: satellites and ground IoT sensors responding to events (wildfire, flood) as a
 * cooperative multi-agent task with heterogeneous node classes, per-node compute budgets and partial
 * observations, defined by scenario files (`scenarios/*.json`, documented in `scenarios/README.md`).
 *
 * - {@linkcode FleetEnv}: the environment (`reset`, `step`, `state`, `snapshot`, `audit`, `injectEvent`),
 *   the public face of its parts, one concept per file: {@linkcode FleetParams} (per-node parameters,
 *   `params.ts`), {@linkcode FleetDynamics} (node state, event table, kernel handlers and transfers,
 *   `dynamics.ts`), {@linkcode FleetVisibility} (proximity queries, `visibility.ts`, with
 *   {@linkcode sensorBuckets} and {@linkcode insertTop}), {@linkcode FleetObserver} (observations, masks,
 *   global state and infos, `observe.ts`), {@linkcode fleetSnapshot} (`snapshot.ts`), the geometry
 *   {@linkcode FleetOrbits} and the static world (`world.ts`); {@linkcode ArrayRegistry} (`memory.ts`)
 *   derives `memoryBytes()` from the typed arrays the parts hold.
 * - Scenarios: {@linkcode builtinScenario}, {@linkcode loadScenarioFile}, {@linkcode parseScenario},
 *   {@linkcode ScenarioError}; the zod schema in `schema.ts`.
 * - Baselines: {@linkcode randomLegalActions}, {@linkcode greedyFleetActions} (also as the
 *   {@linkcode GreedyFleetController} controller).
 * - Layouts of observations and actions per node class: `layout.ts`.
 * - {@linkcode fleetEnvEntries}: the registry entries `fleet/leo-wildfire`, `fleet/iot-edge-fleet`,
 *   `fleet/mega-shell`.
 *
 * @example
 * ```ts
 * import { FleetEnv, greedyFleetActions } from "./mod.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 10 });
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * let r = env.reset(1);
 * while (!r.done) {
 *   greedyFleetActions(env, r, actions);
 *   r = env.step(actions);
 * }
 * ```
 *
 * @module
 */

import type { EnvEntry, EnvOptions } from "../env/registry.ts";
import { FleetEnv, type FleetEnvOptions } from "./env.ts";

export * from "./dynamics.ts";
export * from "./env.ts";
export * from "./events.ts";
export * from "./greedy.ts";
export * from "./layout.ts";
export * from "./memory.ts";
export * from "./observe.ts";
export * from "./orbits.ts";
export * from "./params.ts";
export * from "./random.ts";
export * from "./scenario.ts";
export * from "./schema.ts";
export * from "./sensor_buckets.ts";
export * from "./snapshot.ts";
export * from "./sphere_grid.ts";
export * from "./top_k.ts";
export * from "./visibility.ts";
export * from "./world.ts";

function factory(scenario: string): (options?: EnvOptions) => FleetEnv {
  return (options: EnvOptions = {}) => {
    if (options.scenario !== undefined && options.scenario !== scenario) {
      throw new RangeError(
        `Cannot build "fleet/${scenario}": option "scenario" is fixed to "${scenario}" for this id, got ${
          JSON.stringify(options.scenario)
        }; build a FleetEnv directly for other scenarios`,
      );
    }
    return new FleetEnv({ ...(options as FleetEnvOptions), scenario });
  };
}

/**
 * Environment entries of the shipped fleet scenarios (`sim/builtin_envs.ts` lists them; the scenario catalog adds their heuristic, models and preset).
 * Factory options: `maxSteps`, `id`, `ephemerisCache` (see {@linkcode FleetEnvOptions}).
 *
 * @example
 * ```ts
 * import { fleetEnvEntries } from "./mod.ts";
 * console.assert(fleetEnvEntries.map((e) => e.id).join() ===
 *   "fleet/leo-wildfire,fleet/iot-edge-fleet,fleet/mega-shell");
 * ```
 */
export const fleetEnvEntries: EnvEntry[] = [
  {
    id: "fleet/leo-wildfire",
    description:
      "Wildfire response over California: 16-satellite Walker shell, 24 sensors, 3 ground stations (default)",
    make: factory("leo-wildfire"),
  },
  {
    id: "fleet/iot-edge-fleet",
    description:
      "Flood monitoring in the Ganges delta: 240 microcontroller and gateway sensors, 75 real Iridium orbits",
    make: factory("iot-edge-fleet"),
  },
  {
    id: "fleet/mega-shell",
    description:
      "Scale test: the 2,243 real Starlink 53-degree orbits and 3,300 sensors over four regions",
    make: factory("mega-shell"),
  },
];
