/**
 * The greedy baseline of the fleet task: a decentralised heuristic computed from each agent's own
 * observation, action mask and node class, so learned policies have something to beat.
 *
 * - Satellites: image the legal event with the nearest deadline; otherwise downlink when a station is in
 *   view; otherwise relay to a neighbour that has a station in view; otherwise idle.
 * - Sensors: alert when a satellite is overhead and events are detected; otherwise sense when the store
 *   holds enough energy for a sensing cycle and an alert; otherwise sleep.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { greedyFleetActions } from "./greedy.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 20 });
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

import type { Controller } from "../env/controller.ts";
import type { AgentClassSpec, StepResult } from "../env/types.ts";
import {
  EVENT_SLOT,
  NEIGHBOUR_SLOT,
  type SatelliteLayout,
  SENSOR_OWN,
  type SensorLayout,
} from "./layout.ts";
import type { SensorClassDef } from "./schema.ts";
import type { FleetClass } from "./world.ts";

/**
 * Writes the greedy action of every agent into `out[classIndex][index]`. Allocates nothing.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { greedyFleetActions } from "./greedy.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * const out = env.classes.map((c) => new Int32Array(c.count));
 * greedyFleetActions(env, env.reset(2), out);
 * ```
 */
export function greedyFleetActions(
  env: { readonly classes: readonly AgentClassSpec[] },
  result: StepResult,
  out: Int32Array[],
): void {
  for (const cls of fleetClasses(env.classes)) {
    const { obs, actionMask } = result.classes[cls.index];
    const acts = out[cls.index];
    if (cls.kind === "satellite") {
      const l = cls.layout as SatelliteLayout;
      for (let i = 0; i < cls.count; i++) {
        acts[i] = greedySatellite(l, obs, i * cls.obsSize, actionMask, i * cls.numActions);
      }
    } else {
      const l = cls.layout as SensorLayout;
      const d = cls.def as SensorClassDef;
      const reserve = (d.sensing.energyJ + d.radio.alertEnergyJ) / d.power.batteryJ;
      for (let i = 0; i < cls.count; i++) {
        const m = i * cls.numActions;
        if (actionMask[m + l.alert]) acts[i] = l.alert;
        else if (actionMask[m + l.sense] && obs[i * cls.obsSize + SENSOR_OWN.battery] >= reserve) {
          acts[i] = l.sense;
        } else acts[i] = 0;
      }
    }
  }
}

function greedySatellite(
  l: SatelliteLayout,
  obs: Float32Array,
  o: number,
  mask: Uint8Array,
  m: number,
): number {
  let best = -1;
  let bestSlack = Infinity;
  for (let k = 0; k < l.kEvents; k++) {
    if (!mask[m + l.image + k]) continue;
    const slack = obs[o + l.eventsOffset + k * EVENT_SLOT.size + EVENT_SLOT.slack];
    if (slack < bestSlack) {
      bestSlack = slack;
      best = k;
    }
  }
  if (best >= 0) return l.image + best;
  if (mask[m + l.downlink]) return l.downlink;
  for (let j = 0; j < l.kNeighbours; j++) {
    if (
      mask[m + l.relay + j] &&
      obs[o + l.neighboursOffset + j * NEIGHBOUR_SLOT.size + NEIGHBOUR_SLOT.stationInView] === 1
    ) return l.relay + j;
  }
  return 0;
}

/** The classes as fleet node classes, or a clear error for another environment. */
function fleetClasses(classes: readonly AgentClassSpec[]): readonly FleetClass[] {
  for (const c of classes) {
    if (!("layout" in c) || !("kind" in c)) {
      throw new TypeError(
        `The greedy fleet baseline needs a fleet environment (ids "fleet/..."), but class "${c.name}" is not a fleet node class`,
      );
    }
  }
  return classes as readonly FleetClass[];
}

/**
 * The greedy baseline as a {@linkcode Controller} (for the simulator, the server and evaluation).
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { GreedyFleetController } from "./greedy.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 5 });
 * const controller = new GreedyFleetController(env);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * let r = env.reset(1);
 * while (!r.done) {
 *   controller.act(r, actions);
 *   r = env.step(actions);
 * }
 * ```
 */
export class GreedyFleetController implements Controller {
  /** `"greedy"`. */
  readonly name = "greedy";
  readonly #env: { readonly classes: readonly FleetClass[] };

  /** A greedy controller for a fleet env; throws for other environments. */
  constructor(env: { readonly classes: readonly AgentClassSpec[] }) {
    this.#env = { classes: fleetClasses(env.classes) };
  }

  /** Writes the greedy action of every agent. */
  act(result: StepResult, out: Int32Array[]): void {
    greedyFleetActions(this.#env, result, out);
  }
}
