/**
 * The fleet environment: satellites and ground IoT sensors responding to local events (wildfire, flood)
 * as a cooperative multi-agent task with heterogeneous node classes, per-node compute budgets and partial
 * observations, defined by a scenario file (`scenarios/*.json`).
 *
 * An event pays off only when (a) its sensor has sensed it and alerted it to a satellite in view, (b) a
 * satellite images it while it is inside the imager's off-nadir limit, and (c) the image reaches a ground
 * station before the deadline, downlinked directly or first relayed over inter-satellite links. The team
 * reward per step is `scale * (valueWeight * value delivered in time - energyWeightPerKJ * kJ spent on
 * actions and inference)`, the same for every agent. Every event ends up delivered, expired or pending.
 * A deciding node is charged its class's network-independent decision energy (`budget.wakeEnergyJ`:
 * wake-up, I/O, dispatch); the env knows nothing of the policy, so the compute energy of the deployed
 * network (`activePowerW * FLOPs / flopsPerSecond`) is reported by the latency model
 * (`policies/latency.ts`), not charged here. It is below a millijoule per decision on every shipped class
 * (`scenarios/README.md`), against loads of watts over a 30 s epoch.
 *
 * Time: decision epochs every `dtS`; between epochs the discrete-event kernel (`sim/scheduler.ts`) runs
 * Poisson arrivals (one independent random stream per sensor, keyed by its name), deadlines, imaging
 * completions and image transfers (downlink and ISL, each image delivered at its completion time; a
 * transfer that does not finish within the epoch resumes if the same action is repeated). Visibility
 * (sensor-satellite, satellite-station, satellite-satellite) and lighting are evaluated at each epoch, and
 * batteries integrate solar / harvested power and platform load over it.
 *
 * Agents (one env agent class per node class; see `layout.ts` for observations and actions):
 * - satellites: idle/charge, image event k of the K nearest pending events in range, downlink, relay to
 *   neighbour j. Masks: imaging needs the event inside the off-nadir limit, battery and free storage;
 *   downlink a station in view and images on board; relay a neighbour with line of sight within ISL range
 *   and free storage.
 * - sensors: sleep, sense (detects the events that arrived at the sensor), alert (sends the detected events
 *   to the highest visible satellite; needs one above the class's minimum elevation).
 *
 * Observations and the global state are written into preallocated typed arrays; a step allocates nothing
 * in the env itself (satellite.js allocates small result objects when a large constellation is propagated
 * per step). Large fleets use `SphereGrid` spatial indexes (`sphere_grid.ts`) for every proximity query.
 *
 * `FleetEnv` is the public face of parts, one concept per file, each owning its typed arrays:
 * - `params.ts` ({@linkcode FleetParams}): per-node parameters built once from the scenario;
 * - `dynamics.ts` ({@linkcode FleetDynamics}): node state, the event table, the kernel handlers and
 *   transfers, actions and power;
 * - `visibility.ts` ({@linkcode FleetVisibility}): the proximity queries of each epoch;
 * - `observe.ts` ({@linkcode FleetObserver}): observations, masks, the global state and infos;
 * - `snapshot.ts` ({@linkcode fleetSnapshot}): pictures for dashboards;
 * - `orbits.ts` ({@linkcode FleetOrbits}) the geometry and `world.ts` the static world;
 * - `memory.ts` ({@linkcode ArrayRegistry}): {@linkcode FleetEnv.memoryBytes} sums the typed arrays every
 *   part holds, read from the parts themselves.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * let r = env.reset(1);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * while (!r.done) r = env.step(actions); // everyone idles
 * console.assert(r.infos.arrived === r.infos.delivered + r.infos.expired + r.infos.pending);
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../budget.ts";
import {
  type AgentRef,
  agentRefs,
  allocateClassBuffers,
  type ClassBuffers,
  type EnvInfos,
  type MultiAgentEnv,
  type StepResult,
  validateActions,
} from "../env/types.ts";
import { geodeticToEcf } from "../orbit/mod.ts";
import { Rng } from "../rng.ts";
import { FleetDynamics } from "./dynamics.ts";
import type { EventTable } from "./events.ts";
import { EVENT_SLOT, NEIGHBOUR_SLOT, SAT_SLOT, stateSize } from "./layout.ts";
import type { ObservationLayout, ObservationSegment } from "../env/observation_layout.ts";
import { ArrayRegistry } from "./memory.ts";
import { FleetObserver } from "./observe.ts";
import { FleetOrbits } from "./orbits.ts";
import { FleetParams } from "./params.ts";
import { checkArrivalBudget, resolveScenario, type Scenario } from "./scenario.ts";
import type { ScenarioInput } from "./schema.ts";
import { type FleetSnapshot, fleetSnapshot } from "./snapshot.ts";
import { FleetVisibility } from "./visibility.ts";
import { buildFleetWorld, type FleetClass, type FleetWorld } from "./world.ts";

export type { FleetSnapshot } from "./snapshot.ts";

const US = 1_000_000;

/**
 * Options of {@linkcode FleetEnv}.
 *
 * @example
 * ```ts
 * import { FleetEnv, type FleetEnvOptions } from "./env.ts";
 * const options: FleetEnvOptions = { scenario: "leo-wildfire", maxSteps: 60 };
 * console.assert(new FleetEnv(options).maxSteps === 60);
 * ```
 */
export interface FleetEnvOptions {
  /** A shipped scenario name, a path to a `.json` file, scenario data or a parsed scenario. Default `"leo-wildfire"`. */
  scenario?: string | Scenario | ScenarioInput;
  /** Steps per episode (default the scenario's `time.episodeSteps`). */
  maxSteps?: number;
  /** Env id (default `"fleet/<scenario name>"`). */
  id?: string;
  /** Precompute the geometry of every step once (`"auto"`: when the table is small). */
  ephemerisCache?: "auto" | "always" | "never";
  /**
   * Proximity queries through the spherical cell grid (`"grid"`, default) or by scanning every pair
   * (`"all-pairs"`, the baseline the benchmark compares with; same results, slower at scale).
   */
  spatialIndex?: "grid" | "all-pairs";
}

const OPTION_KEYS = new Set(["scenario", "maxSteps", "id", "ephemerisCache", "spatialIndex"]);

/**
 * Options of {@linkcode FleetEnv.injectEvent}.
 *
 * @example
 * ```ts
 * import type { InjectEventOptions } from "./env.ts";
 * const far: InjectEventOptions = { latDeg: -40, lonDeg: 60, deadlineS: 600 };
 * console.assert(far.status === undefined);
 * ```
 */
export interface InjectEventOptions {
  /** Latitude, degrees. */
  latDeg: number;
  /** Longitude, degrees. */
  lonDeg: number;
  /** Height, km (default 0). */
  altKm?: number;
  /** Value (default 5). */
  value?: number;
  /** Seconds from now to the deadline (default 1800). */
  deadlineS?: number;
  /** Status to start in: `"alerted"` (default, visible to satellites) or `"undetected"`. */
  status?: "alerted" | "undetected";
}

function checkOptions(options: FleetEnvOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new RangeError(
        `Cannot build fleet env: unknown option "${key}" (known: ${[...OPTION_KEYS].join(", ")})`,
      );
    }
  }
  const m = options.maxSteps;
  if (m !== undefined && !(Number.isInteger(m) && m >= 1)) {
    throw new RangeError(
      `Cannot build fleet env: option "maxSteps" must be an integer >= 1, got ${m}`,
    );
  }
  const si = options.spatialIndex;
  if (si !== undefined && si !== "grid" && si !== "all-pairs") {
    throw new RangeError(
      `Cannot build fleet env: option "spatialIndex" must be "grid" or "all-pairs", got ${
        JSON.stringify(si)
      }`,
    );
  }
  const c = options.ephemerisCache;
  if (c !== undefined && c !== "auto" && c !== "always" && c !== "never") {
    throw new RangeError(
      `Cannot build fleet env: option "ephemerisCache" must be "auto", "always" or "never", got ${
        JSON.stringify(c)
      }`,
    );
  }
}

/**
 * The fleet event-response environment (see module docs).
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 10 });
 * console.assert(env.classes.map((c) => c.name).join() === "cubesat,smallsat,gateway-sensor,mcu-sensor");
 * const r = env.reset(3);
 * console.assert(r.classes[0].obs.length === env.classes[0].count * env.classes[0].obsSize);
 * ```
 */
export class FleetEnv implements MultiAgentEnv {
  /** Env id, `fleet/<scenario>`. */
  readonly id: string;
  /** Agent classes = node classes, satellites first. */
  readonly classes: readonly FleetClass[];
  /** Every agent, class by class. */
  readonly agents: readonly AgentRef[];
  /** Length of `state()`. */
  readonly stateSize: number;
  /** Steps per episode. */
  readonly maxSteps: number;
  /** The scenario. */
  readonly scenario: Scenario;
  /** The static world (nodes, positions, classes). */
  readonly world: FleetWorld;
  /** Decision epoch, s. */
  readonly dtS: number;
  /** Per class (in class order): the compute budget of its nodes. */
  readonly budgets: readonly ComputeBudget[];
  /** Simulated time between decision epochs, ms. */
  readonly decisionPeriodMs: number;

  // The parts (see module docs).
  readonly #params: FleetParams;
  readonly #orbits: FleetOrbits;
  readonly #dynamics: FleetDynamics;
  readonly #visibility: FleetVisibility;
  readonly #observer: FleetObserver;
  readonly #memory = new ArrayRegistry();

  readonly #buffers: ClassBuffers[];
  readonly #result: { classes: ClassBuffers[]; done: boolean; infos: EnvInfos };
  #stepIndex = 0;
  #offset = 0;

  /**
   * The observation layout of class `classIndex` (`sim/env/observation_layout.ts`). Satellites: scalar
   * `own`, entities `events` (the event slots: valid flag 0, distance the length of the along/cross
   * offsets in units of the class's observation range, indexed: slot `k` is the target of action
   * `image-k`), entities `neighbours` (valid flag 0, distance feature 1 in units of the ISL range,
   * indexed: `relay-j`). Sensors: scalar `own`, entities `satellites` (valid flag 0, distance the zenith
   * angle `(1 - elevation / 90°) * 90`, degrees). Classes with no slots of a kind have no such segment.
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 4 });
   * const l = env.observationLayout(0);
   * console.assert(l.size === env.classes[0].obsSize && l.segments[1].name === "events");
   * ```
   */
  observationLayout(classIndex: number): ObservationLayout {
    const c = this.classes[classIndex];
    if (!c) {
      throw new RangeError(
        `"${this.id}".observationLayout: class index must be in [0, ${this.classes.length}), got ${classIndex}`,
      );
    }
    const l = c.layout;
    const segments: ObservationSegment[] = [];
    if (l.kind === "satellite") {
      segments.push({ kind: "scalar", name: "own", offset: 0, size: l.eventsOffset });
      if (l.kEvents > 0) {
        segments.push({
          kind: "entities",
          name: "events",
          offset: l.eventsOffset,
          count: l.kEvents,
          features: EVENT_SLOT.size,
          distance: { kind: "offset", x: EVENT_SLOT.along, y: EVENT_SLOT.cross, scale: 1 },
          visibleFeature: EVENT_SLOT.valid,
          indexed: true,
        });
      }
      if (l.kNeighbours > 0) {
        segments.push({
          kind: "entities",
          name: "neighbours",
          offset: l.neighboursOffset,
          count: l.kNeighbours,
          features: NEIGHBOUR_SLOT.size,
          distance: { kind: "feature", index: NEIGHBOUR_SLOT.range, scale: 1 },
          visibleFeature: NEIGHBOUR_SLOT.valid,
          indexed: true,
        });
      }
    } else {
      segments.push({ kind: "scalar", name: "own", offset: 0, size: l.satellitesOffset });
      if (l.kSatellites > 0) {
        segments.push({
          kind: "entities",
          name: "satellites",
          offset: l.satellitesOffset,
          count: l.kSatellites,
          features: SAT_SLOT.size,
          distance: { kind: "closeness", index: SAT_SLOT.elevation, scale: 90 },
          visibleFeature: SAT_SLOT.valid,
        });
      }
    }
    return { size: l.obsSize, segments };
  }

  /** Builds the env for a scenario (default `"leo-wildfire"`). */
  constructor(options: FleetEnvOptions = {}) {
    checkOptions(options);
    const scenario = resolveScenario(options.scenario ?? "leo-wildfire");
    this.scenario = scenario;
    this.id = options.id ?? `fleet/${scenario.name}`;
    this.maxSteps = options.maxSteps ?? scenario.time.episodeSteps;
    this.dtS = scenario.time.dtS;
    const world = buildFleetWorld(scenario);
    if (this.maxSteps !== scenario.time.episodeSteps) {
      // parseScenario checked the scenario's own episode length; a longer maxSteps is checked here.
      checkArrivalBudget(scenario, world.sensorRateScale.reduce((a, b) => a + b, 0), this.maxSteps);
    }
    this.world = world;
    this.classes = world.classes;
    this.budgets = world.classes.map((c) => c.budget);
    this.decisionPeriodMs = scenario.time.dtS * 1000;
    this.agents = agentRefs(this.classes);
    this.stateSize = stateSize(world.satelliteCount, world.sensorCount);

    const params = new FleetParams(world, scenario, this.maxSteps);
    this.#params = params;
    this.#orbits = new FleetOrbits(
      world.satellites,
      Date.parse(scenario.time.start),
      scenario.time.dtS,
      params.jitterSteps + this.maxSteps,
      {
        cache: options.ephemerisCache,
        cacheKey: `${scenario.source}|${scenario.baseDir}|${
          JSON.stringify(scenario.constellation)
        }`,
      },
    );
    this.#buffers = allocateClassBuffers(this.classes);
    this.#result = { classes: this.#buffers, done: false, infos: {} };
    this.#dynamics = new FleetDynamics(world, params, scenario.task);
    this.#visibility = new FleetVisibility(
      world,
      params,
      this.#orbits,
      this.#dynamics.events,
      options.spatialIndex === "all-pairs",
    );
    this.#observer = new FleetObserver(
      world,
      params,
      this.#orbits,
      this.#dynamics,
      this.#visibility,
      this.#buffers,
      this.maxSteps,
      this.dtS,
    );
    const v = this.#visibility;
    this.#memory.add(
      params,
      this.#dynamics,
      this.#dynamics.events,
      v,
      v.satGrid,
      v.eventGrid,
      v.buckets,
      this.#observer,
      this.#orbits,
      world,
      ...this.#buffers,
    );
    this.reset(scenario.seed);
  }

  // ---- MultiAgentEnv ----------------------------------------------------------------------------------

  /** Starts an episode; the start offset, batteries and arrivals derive from `seed` alone. */
  reset(seed: number): StepResult {
    const jitter = this.#params.jitterSteps;
    this.#offset = jitter > 0 ? new Rng(seed, "fleet/start").int(jitter + 1) : 0;
    this.#stepIndex = 0;
    this.#dynamics.reset(seed);
    for (const b of this.#buffers) {
      b.rewards.fill(0);
      b.terminations.fill(0);
      b.truncations.fill(0);
    }
    this.#result.done = false;
    this.#observe();
    return this.#result;
  }

  /** Applies one action per agent and advances one decision epoch. */
  step(actions: readonly Int32Array[]): StepResult {
    validateActions(this.id, this.classes, this.#buffers, actions);
    if (this.#result.done) {
      throw new Error(`Cannot step "${this.id}": episode is over, call reset()`);
    }
    const dyn = this.#dynamics;
    const dtUs = this.#params.dtUs;
    const t0 = this.#stepIndex * dtUs;
    const tEnd = t0 + dtUs;
    const valueBefore = dyn.events.valueDelivered;
    dyn.act(actions, this.#visibility, t0, tEnd);
    // The kernel runs the epoch: arrivals, deadlines, imaging, transfers.
    dyn.runUntil(tEnd);
    // Power over the epoch: solar / harvest in, platform / sleep load out.
    dyn.integratePower(this.dtS, this.#orbits.sunlit, this.#visibility.senHarvest);

    this.#stepIndex++;
    const rw = this.scenario.reward;
    const reward = rw.scale *
      (rw.valueWeight * (dyn.events.valueDelivered - valueBefore) -
        rw.energyWeightPerKJ * dyn.stepEnergyJ / 1000);
    const truncated = this.#stepIndex >= this.maxSteps ? 1 : 0;
    for (const b of this.#buffers) {
      b.rewards.fill(reward);
      b.truncations.fill(truncated);
    }
    this.#result.done = truncated === 1;
    this.#observe();
    return this.#result;
  }

  /** Writes the global state (every node's own features, then an event summary) into `out`. */
  state(out: Float32Array = new Float32Array(this.stateSize)): Float32Array {
    if (out.length !== this.stateSize) {
      throw new RangeError(
        `Cannot write state of "${this.id}": out has ${out.length} values, need ${this.stateSize}`,
      );
    }
    return this.#observer.state(out, this.#stepIndex);
  }

  // ---- extras ---------------------------------------------------------------------------------------

  /** Decision step of the current episode. */
  get stepIndex(): number {
    return this.#stepIndex;
  }

  /** Simulated time now, Unix ms. */
  get timeMs(): number {
    return this.#orbits.timeOf(this.#offset + this.#stepIndex);
  }

  /** The episode's event table (read it, do not write it). */
  get events(): EventTable {
    return this.#dynamics.events;
  }

  /**
   * A picture of the world for dashboards and telemetry; allocated only when called.
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const env = new FleetEnv({ scenario: "leo-wildfire" });
   * const snap = env.snapshot();
   * console.assert(snap.satellites.latDeg.length === 16 && snap.sensors.id.length === 24);
   * ```
   */
  snapshot(): FleetSnapshot {
    return fleetSnapshot({
      id: this.id,
      stepIndex: this.#stepIndex,
      timeMs: this.timeMs,
      dtS: this.dtS,
      world: this.world,
      params: this.#params,
      orbits: this.#orbits,
      dynamics: this.#dynamics,
      visibility: this.#visibility,
      infos: this.#result.infos,
    });
  }

  /**
   * Test and what-if hook: adds an event at a position now (not attached to a sensor; `"alerted"` makes
   * it visible to satellites at once), schedules its deadline and rewrites the observations. Returns its
   * id. It counts as arrived like any other event.
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const env = new FleetEnv({ scenario: "leo-wildfire" });
   * env.reset(1);
   * const id = env.injectEvent({ latDeg: 38, lonDeg: -121 });
   * console.assert(env.events.status[id] === 3); // alerted
   * ```
   */
  injectEvent(options: InjectEventOptions): number {
    const p = geodeticToEcf(options.latDeg, options.lonDeg, options.altKm ?? 0);
    const now = this.#stepIndex * this.#params.dtUs;
    const deadline = now + Math.round((options.deadlineS ?? 1800) * US);
    const e = this.#dynamics.inject(
      now,
      options.value ?? 5,
      deadline,
      p.x,
      p.y,
      p.z,
      (options.status ?? "alerted") === "alerted",
    );
    this.#observe();
    return e;
  }

  /**
   * Bytes held by this env's typed arrays (class buffers, per-node parameters and state, events, spatial
   * indexes, the current geometry, the static world), summed over every array its parts hold now (see
   * {@linkcode ArrayRegistry}), and the size of the ephemeris table it reads, which is shared by every env
   * of the same constellation (0 when it propagates every step).
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const m = new FleetEnv({ scenario: "leo-wildfire" }).memoryBytes();
   * console.assert(m.env > 0 && m.sharedEphemeris > 0);
   * ```
   */
  memoryBytes(): { env: number; sharedEphemeris: number } {
    return { env: this.#memory.bytes(), sharedEphemeris: this.#orbits.tableBytes };
  }

  /**
   * Checks the env's invariants and returns the first violation ("" when none): batteries within
   * [0, capacity], storage within [0, capacity] and consistent with the images on board, and the event
   * accounting (see {@linkcode EventTable.audit}).
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const env = new FleetEnv({ scenario: "leo-wildfire" });
   * console.assert(env.audit() === "");
   * ```
   */
  audit(): string {
    return this.#dynamics.audit();
  }

  /** Geometry, visibility, observations and infos of the current step. */
  #observe(): void {
    const step = this.#stepIndex;
    this.#orbits.setStep(this.#offset + step);
    this.#dynamics.setDeciding(step);
    this.#visibility.update();
    this.#observer.write(step);
    this.#observer.writeInfos(this.#result.infos, step);
  }
}
