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
 * per step). Large fleets use {@linkcode SphereGrid} spatial indexes for every proximity query.
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
import { ecfToGeodeticInto, geodeticToEcf, lineOfSightAt } from "../orbit/mod.ts";
import { Rng } from "../rng.ts";
import { type EventHandler, EventScheduler } from "../scheduler.ts";
import { EVENT_STATUS_NAMES, EventStatus, EventTable } from "./events.ts";
import {
  EVENT_SLOT,
  NEIGHBOUR_SLOT,
  NORM,
  SAT_OWN,
  SAT_SLOT,
  type SatelliteLayout,
  SENSOR_OWN,
  type SensorLayout,
  STATE_SUMMARY,
  stateSize,
} from "./layout.ts";
import { FleetOrbits } from "./orbits.ts";
import { checkArrivalBudget, resolveScenario, type Scenario } from "./scenario.ts";
import type { SatelliteClassDef, ScenarioInput, SensorClassDef } from "./schema.ts";
import { SphereGrid } from "./sphere_grid.ts";
import { buildFleetWorld, type FleetClass, type FleetWorld } from "./world.ts";

const DEG = Math.PI / 180;
const US = 1_000_000;
/** Mean Earth radius used to turn ground distances into angles, km. */
const EARTH_RADIUS_KM = 6371.0088;

const PRIO_DELIVERY = -1;
const PRIO_DEFAULT = 0;
const PRIO_EXPIRY = 1;
const PRIO_ARRIVAL = 2;

const XFER_NONE = 0;
const XFER_DOWNLINK = 1;
const XFER_RELAY = 2;

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
 * A read-only picture of the world for dashboards: plain numbers and small arrays.
 *
 * @example
 * ```ts
 * import { FleetEnv, type FleetSnapshot } from "./env.ts";
 * const snap: FleetSnapshot = new FleetEnv().snapshot();
 * console.assert(snap.id === "fleet/leo-wildfire" && snap.step === 0);
 * ```
 */
export interface FleetSnapshot {
  /** Env id. */
  id: string;
  /** Decision step of the episode. */
  step: number;
  /** Simulated time, Unix ms. */
  timeMs: number;
  /** Seconds since the episode start. */
  elapsedS: number;
  /** Satellites: agent id, class, geodetic position, state. */
  satellites: {
    id: string[];
    className: string[];
    latDeg: number[];
    lonDeg: number[];
    altKm: number[];
    battery: number[];
    storedImages: number[];
    storageUsed: number[];
    sunlit: number[];
    stationInView: number[];
  };
  /** Sensors: agent id, class, position, state. */
  sensors: {
    id: string[];
    name: string[];
    className: string[];
    latDeg: number[];
    lonDeg: number[];
    battery: number[];
    detected: number[];
    satellitesVisible: number[];
  };
  /** Ground stations. */
  stations: { name: string[]; latDeg: number[]; lonDeg: number[] };
  /** Every event of the episode so far. */
  events: {
    id: number[];
    sensor: number[];
    latDeg: number[];
    lonDeg: number[];
    status: number[];
    statusName: string[];
    value: number[];
    arrivalS: number[];
    deadlineS: number[];
    holder: number[];
  };
  /** The env's infos. */
  infos: EnvInfos;
}

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

/** Inserts (key, id) into the descending-sorted top-k arrays of length `n` (< k or replacing the last). */
function insertTop(
  keys: Float64Array,
  ids: Int32Array,
  n: number,
  k: number,
  key: number,
  id: number,
): number {
  let pos = n < k ? n : k - 1;
  if (n >= k && key <= keys[k - 1]) return n;
  while (pos > 0 && keys[pos - 1] < key) {
    keys[pos] = keys[pos - 1];
    ids[pos] = ids[pos - 1];
    pos--;
  }
  keys[pos] = key;
  ids[pos] = id;
  return n < k ? n + 1 : k;
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

  // ---- static per-node parameters -------------------------------------------------------------------
  readonly #nSat: number;
  readonly #nSen: number;
  readonly #dtUs: number;
  readonly #orbits: FleetOrbits;
  readonly #jitterSteps: number;
  readonly #satCapJ: Float64Array;
  readonly #satSolarW: Float64Array;
  readonly #satBaseW: Float64Array;
  readonly #satImgJ: Float64Array;
  readonly #satImgUs: Float64Array;
  readonly #satImageMB: Float64Array;
  readonly #satStorageMB: Float64Array;
  readonly #satDownMBps: Float64Array;
  readonly #satDownW: Float64Array;
  readonly #satIslMBps: Float64Array;
  readonly #satIslW: Float64Array;
  readonly #satIslKm: Float64Array;
  readonly #satCosOffNadir: Float64Array;
  readonly #satEventRad: Float64Array;
  readonly #satInferJ: Float64Array;
  readonly #satKE: Int32Array;
  readonly #satKN: Int32Array;
  readonly #storeCap: number;
  readonly #maxKE: number;
  readonly #maxKN: number;
  readonly #senCapJ: Float64Array;
  readonly #senHarvestW: Float64Array;
  readonly #senSleepW: Float64Array;
  readonly #senSenseJ: Float64Array;
  readonly #senAlertJ: Float64Array;
  readonly #senSinMinEl: Float64Array;
  readonly #senMinElRad: Float64Array;
  readonly #senInferJ: Float64Array;
  readonly #senKS: Int32Array;
  readonly #senRatePerS: Float64Array;
  readonly #maxKS: number;
  readonly #classPeriod: Int32Array;

  // ---- dynamic state --------------------------------------------------------------------------------
  readonly #buffers: ClassBuffers[];
  readonly #result: { classes: ClassBuffers[]; done: boolean; infos: EnvInfos };
  #scheduler = new EventScheduler();
  readonly #events: EventTable;
  #stepIndex = 0;
  #offset = 0;
  #deciding: Uint8Array;
  #stepEnergyJ = 0;
  #energyJ = 0;
  #imaged = 0;
  #alerts = 0;
  #detections = 0;
  #relayed = 0;
  #conflicts = 0;
  #expectedArrivals = 1;

  readonly #satBattery: Float64Array;
  readonly #satUsedMB: Float64Array;
  readonly #store: Int32Array;
  readonly #storeCount: Int32Array;
  readonly #imaging: Int32Array;
  readonly #xferMode: Uint8Array;
  readonly #xferTarget: Int32Array;
  readonly #xferEvent: Int32Array;
  readonly #xferDoneMB: Float64Array;
  readonly #xferStartUs: Float64Array;
  readonly #xferEndUs: Float64Array;
  readonly #xferFinishUs: Float64Array;
  readonly #xferId: Float64Array;
  readonly #stationInView: Uint8Array;
  readonly #stationCos: Float64Array;
  readonly #stationIdx: Int32Array;
  readonly #along: Float64Array;
  readonly #eventSlots: Int32Array;
  readonly #inRange: Int32Array;
  readonly #imageable: Int32Array;
  readonly #neighbourSlots: Int32Array;
  readonly #headMB: Float64Array;

  readonly #senBattery: Float64Array;
  readonly #senLastSensedUs: Float64Array;
  readonly #senSlots: Int32Array;
  readonly #senSlotSin: Float64Array;
  readonly #senVisible: Int32Array;
  readonly #senHarvest: Float64Array;
  #senRng: Rng[] = [];

  readonly #satGrid: SphereGrid;
  readonly #buckets: SensorBuckets;
  readonly #eventGrid: SphereGrid;
  #alertedIds: Int32Array;
  #candidates: Int32Array;
  readonly #topKeys: Float64Array;
  readonly #topIds: Int32Array;
  #expiryIds: Float64Array;

  // ---- kernel handlers (allocated once) -----------------------------------------------------------------
  readonly #arrivalHandlers: EventHandler[];
  #expiryHandlers: EventHandler[] = [];
  readonly #imagingHandlers: EventHandler[];
  readonly #transferHandlers: EventHandler[];

  /** Builds the env for a scenario (default `"leo-wildfire"`). */
  constructor(options: FleetEnvOptions = {}) {
    checkOptions(options);
    const scenario = resolveScenario(options.scenario ?? "leo-wildfire");
    this.scenario = scenario;
    this.id = options.id ?? `fleet/${scenario.name}`;
    this.maxSteps = options.maxSteps ?? scenario.time.episodeSteps;
    this.dtS = scenario.time.dtS;
    this.#dtUs = Math.round(scenario.time.dtS * US);
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
    const nSat = world.satelliteCount;
    const nSen = world.sensorCount;
    this.#nSat = nSat;
    this.#nSen = nSen;
    this.stateSize = stateSize(nSat, nSen);
    this.#jitterSteps = Math.floor(scenario.time.startJitterS / scenario.time.dtS);
    this.#orbits = new FleetOrbits(
      world.satellites,
      Date.parse(scenario.time.start),
      scenario.time.dtS,
      this.#jitterSteps + this.maxSteps,
      {
        cache: options.ephemerisCache,
        cacheKey: `${scenario.source}|${scenario.baseDir}|${
          JSON.stringify(scenario.constellation)
        }`,
      },
    );

    // Per-node parameters from the classes.
    const f64 = (n: number) => new Float64Array(n);
    this.#satCapJ = f64(nSat);
    this.#satSolarW = f64(nSat);
    this.#satBaseW = f64(nSat);
    this.#satImgJ = f64(nSat);
    this.#satImgUs = f64(nSat);
    this.#satImageMB = f64(nSat);
    this.#satStorageMB = f64(nSat);
    this.#satDownMBps = f64(nSat);
    this.#satDownW = f64(nSat);
    this.#satIslMBps = f64(nSat);
    this.#satIslW = f64(nSat);
    this.#satIslKm = f64(nSat);
    this.#satCosOffNadir = f64(nSat);
    this.#satEventRad = f64(nSat);
    this.#satInferJ = f64(nSat);
    this.#satKE = new Int32Array(nSat);
    this.#satKN = new Int32Array(nSat);
    let minImage = Infinity, maxStorage = 0, maxKE = 1, maxKN = 1;
    for (let i = 0; i < nSat; i++) {
      const d = this.classes[world.satelliteClass[i]].def as SatelliteClassDef;
      this.#satCapJ[i] = d.power.batteryWh * 3600;
      this.#satSolarW[i] = d.power.solarW;
      this.#satBaseW[i] = d.power.baseLoadW;
      this.#satImgJ[i] = d.payload.imagingPowerW * d.payload.imagingDurationS;
      this.#satImgUs[i] = Math.round(d.payload.imagingDurationS * US);
      this.#satImageMB[i] = d.payload.imageSizeMB;
      this.#satStorageMB[i] = d.payload.storageMB;
      this.#satDownMBps[i] = d.radio.downlinkMbps / 8;
      this.#satDownW[i] = d.radio.downlinkPowerW;
      this.#satIslMBps[i] = d.radio.islMbps / 8;
      this.#satIslW[i] = d.radio.islPowerW;
      this.#satIslKm[i] = d.radio.islRangeKm;
      this.#satCosOffNadir[i] = Math.cos(d.payload.offNadirDeg * DEG);
      this.#satEventRad[i] = d.observation.eventRangeKm / EARTH_RADIUS_KM;
      this.#satInferJ[i] = d.budget.energyPerInferenceJ;
      this.#satKE[i] = d.observation.kEvents;
      this.#satKN[i] = d.observation.kNeighbours;
      minImage = Math.min(minImage, d.payload.imageSizeMB);
      maxStorage = Math.max(maxStorage, d.payload.storageMB);
      maxKE = Math.max(maxKE, d.observation.kEvents);
      maxKN = Math.max(maxKN, d.observation.kNeighbours);
    }
    this.#storeCap = Math.floor(maxStorage / minImage) + 1;
    this.#maxKE = maxKE;
    this.#maxKN = maxKN;
    this.#senCapJ = f64(nSen);
    this.#senHarvestW = f64(nSen);
    this.#senSleepW = f64(nSen);
    this.#senSenseJ = f64(nSen);
    this.#senAlertJ = f64(nSen);
    this.#senSinMinEl = f64(nSen);
    this.#senMinElRad = f64(nSen);
    this.#senInferJ = f64(nSen);
    this.#senKS = new Int32Array(nSen);
    this.#senRatePerS = f64(nSen);
    let maxKS = 1;
    const ratePerS = scenario.task.arrivalRatePerSensorPerHour / 3600;
    for (let s = 0; s < nSen; s++) {
      const d = this.classes[world.sensorClass[s]].def as SensorClassDef;
      this.#senCapJ[s] = d.power.batteryJ;
      this.#senHarvestW[s] = d.power.harvestW;
      this.#senSleepW[s] = d.power.sleepW;
      this.#senSenseJ[s] = d.sensing.energyJ;
      this.#senAlertJ[s] = d.radio.alertEnergyJ;
      this.#senSinMinEl[s] = Math.sin(d.radio.minElevationDeg * DEG);
      this.#senMinElRad[s] = d.radio.minElevationDeg * DEG;
      this.#senInferJ[s] = d.budget.energyPerInferenceJ;
      this.#senKS[s] = d.observation.kSatellites;
      this.#senRatePerS[s] = ratePerS * world.sensorRateScale[s];
      maxKS = Math.max(maxKS, d.observation.kSatellites);
    }
    this.#maxKS = maxKS;
    this.#classPeriod = Int32Array.from(this.classes, (c) => c.def.decisionPeriodSteps);
    this.#deciding = new Uint8Array(this.classes.length);

    this.#buffers = allocateClassBuffers(this.classes);
    this.#result = { classes: this.#buffers, done: false, infos: {} };

    this.#satBattery = f64(nSat);
    this.#satUsedMB = f64(nSat);
    this.#store = new Int32Array(nSat * this.#storeCap);
    this.#storeCount = new Int32Array(nSat);
    this.#imaging = new Int32Array(nSat).fill(-1);
    this.#xferMode = new Uint8Array(nSat);
    this.#xferTarget = new Int32Array(nSat).fill(-1);
    this.#xferEvent = new Int32Array(nSat).fill(-1);
    this.#xferDoneMB = f64(nSat);
    this.#xferStartUs = f64(nSat);
    this.#xferEndUs = f64(nSat);
    this.#xferFinishUs = f64(nSat);
    this.#xferId = f64(nSat).fill(-1);
    this.#stationInView = new Uint8Array(nSat);
    this.#stationCos = f64(nSat);
    this.#stationIdx = new Int32Array(nSat);
    this.#along = f64(3 * nSat);
    this.#eventSlots = new Int32Array(nSat * maxKE).fill(-1);
    this.#inRange = new Int32Array(nSat);
    this.#imageable = new Int32Array(nSat);
    this.#neighbourSlots = new Int32Array(nSat * maxKN).fill(-1);
    this.#headMB = f64(nSat);

    this.#senBattery = f64(nSen);
    this.#senLastSensedUs = f64(nSen);
    this.#senSlots = new Int32Array(nSen * maxKS).fill(-1);
    this.#senSlotSin = f64(nSen * maxKS);
    this.#senVisible = new Int32Array(nSen);
    this.#senHarvest = f64(nSen);

    // About four satellites per cell on average (fewer, bigger cells for small fleets).
    this.#satGrid = new SphereGrid(
      Math.min(45, Math.max(3, Math.sqrt(165_000 / Math.max(1, nSat)))),
      nSat,
    );
    const allPairs = options.spatialIndex === "all-pairs";
    // All-pairs: every sensor is its own bucket and every query scans all points.
    this.#buckets = sensorBuckets(world.sensorUnit, nSen, this.#senMinElRad, allPairs ? 0 : 1);
    this.#eventGrid = new SphereGrid(10, 64);
    this.#satGrid.scanAll = allPairs;
    this.#eventGrid.scanAll = allPairs;
    this.#alertedIds = new Int32Array(64);
    this.#candidates = new Int32Array(Math.max(64, nSat));
    const topK = Math.max(maxKE, maxKN, maxKS, 1);
    this.#topKeys = f64(topK);
    this.#topIds = new Int32Array(topK);

    const hours = this.maxSteps * this.dtS / 3600;
    let rateSum = 0;
    for (let s = 0; s < nSen; s++) rateSum += this.#senRatePerS[s] * 3600;
    this.#expectedArrivals = Math.max(1, rateSum * hours);
    this.#events = new EventTable(nSen, Math.ceil(this.#expectedArrivals * 2) + 16);
    this.#expiryIds = f64(this.#events.capacity);
    this.#events.onGrow = (cap) => this.#growExpiry(cap);
    this.#growExpiry(this.#events.capacity);

    this.#arrivalHandlers = Array.from(
      { length: nSen },
      (_, s) => (sch, t) => this.#arrive(sch, s, t),
    );
    this.#imagingHandlers = Array.from(
      { length: nSat },
      (_, i) => (_s, t) => this.#imagingDone(i, t),
    );
    this.#transferHandlers = Array.from(
      { length: nSat },
      (_, i) => (_s, t) => this.#transferDone(i, t),
    );
    this.reset(scenario.seed);
  }

  // ---- MultiAgentEnv ----------------------------------------------------------------------------------

  /** Starts an episode; the start offset, batteries and arrivals derive from `seed` alone. */
  reset(seed: number): StepResult {
    const sc = this.scenario;
    this.#offset = this.#jitterSteps > 0
      ? new Rng(seed, "fleet/start").int(this.#jitterSteps + 1)
      : 0;
    this.#scheduler = new EventScheduler({ initialCapacity: Math.max(1024, 4 * this.#nSen) });
    this.#events.clear();
    this.#stepIndex = 0;
    this.#energyJ = 0;
    this.#stepEnergyJ = 0;
    this.#imaged = 0;
    this.#alerts = 0;
    this.#detections = 0;
    this.#relayed = 0;
    this.#conflicts = 0;
    const soc = sc.task.initialBatteryFraction;
    const w = this.world;
    for (let i = 0; i < this.#nSat; i++) {
      const u = new Rng(seed, `fleet/soc/sat:${w.satelliteNames[i]}`).uniformRange(
        soc.min,
        soc.max,
      );
      this.#satBattery[i] = this.#satCapJ[i] * u;
    }
    this.#satUsedMB.fill(0);
    this.#storeCount.fill(0);
    this.#imaging.fill(-1);
    this.#xferMode.fill(XFER_NONE);
    this.#xferTarget.fill(-1);
    this.#xferEvent.fill(-1);
    this.#xferDoneMB.fill(0);
    this.#xferId.fill(-1);
    this.#senLastSensedUs.fill(-1e15);
    const endUs = this.maxSteps * this.#dtUs;
    this.#senRng = [];
    for (let s = 0; s < this.#nSen; s++) {
      const name = w.sensorNames[s];
      const u = new Rng(seed, `fleet/soc/sensor:${name}`).uniformRange(soc.min, soc.max);
      this.#senBattery[s] = this.#senCapJ[s] * u;
      const rng = new Rng(seed, `fleet/arrivals/sensor:${name}`);
      this.#senRng.push(rng);
      const rate = this.#senRatePerS[s];
      if (rate > 0) {
        const t = Math.max(1, Math.round(rng.exponential(rate) * US));
        if (t <= endUs) this.#scheduler.schedule(t, this.#arrivalHandlers[s], PRIO_ARRIVAL);
      }
    }
    for (const b of this.#buffers) {
      b.rewards.fill(0);
      b.terminations.fill(0);
      b.truncations.fill(0);
    }
    this.#result.done = false;
    this.#observe();
    this.#writeInfos();
    return this.#result;
  }

  /** Applies one action per agent and advances one decision epoch. */
  step(actions: readonly Int32Array[]): StepResult {
    validateActions(this.id, this.classes, this.#buffers, actions);
    if (this.#result.done) {
      throw new Error(`Cannot step "${this.id}": episode is over, call reset()`);
    }
    const t0 = this.#stepIndex * this.#dtUs;
    const tEnd = t0 + this.#dtUs;
    this.#stepEnergyJ = 0;
    const valueBefore = this.#events.valueDelivered;
    const w = this.world;
    const ev = this.#events;
    const sch = this.#scheduler;

    // Satellites act.
    for (let i = 0; i < this.#nSat; i++) {
      const c = w.satelliteClass[i];
      const a = actions[c][w.satelliteSlot[i]];
      const layout = this.classes[c].layout as SatelliteLayout;
      if (this.#deciding[c]) this.#spendSat(i, this.#satInferJ[i]);
      let mode = XFER_NONE, target = -1;
      if (a === layout.downlink) mode = XFER_DOWNLINK;
      else if (a >= layout.relay) {
        mode = XFER_RELAY;
        target = this.#neighbourSlots[i * this.#maxKN + (a - layout.relay)];
      }
      if (
        this.#xferEvent[i] >= 0 && (mode !== this.#xferMode[i] || target !== this.#xferTarget[i])
      ) {
        this.#abortTransfer(i);
      }
      this.#xferMode[i] = mode;
      this.#xferTarget[i] = target;
      if (a >= layout.image && a < layout.downlink) {
        const e = this.#eventSlots[i * this.#maxKE + (a - layout.image)];
        if (ev.status[e] === EventStatus.Alerted) {
          ev.setStatus(e, EventStatus.Imaging);
          ev.holder[e] = i;
          ev.sizeMB[e] = this.#satImageMB[i];
          this.#satUsedMB[i] += this.#satImageMB[i];
          this.#spendSat(i, this.#satImgJ[i]);
          this.#imaging[i] = e;
          sch.schedule(t0 + this.#satImgUs[i], this.#imagingHandlers[i], PRIO_DEFAULT);
        } else {
          this.#conflicts++; // another satellite took it earlier in this step
        }
      } else if (mode !== XFER_NONE) {
        this.#xferEndUs[i] = tEnd;
        this.#continueTransfer(i, t0);
      }
    }
    // Sensors act.
    for (let s = 0; s < this.#nSen; s++) {
      const c = w.sensorClass[s];
      const a = actions[c][w.sensorSlot[s]];
      if (this.#deciding[c]) this.#spendSensor(s, this.#senInferJ[s]);
      if (a === 1) {
        this.#spendSensor(s, this.#senSenseJ[s]);
        this.#detections += ev.transitionSensor(s, EventStatus.Undetected, EventStatus.Detected);
        this.#senLastSensedUs[s] = t0;
      } else if (a === 2) {
        this.#spendSensor(s, this.#senAlertJ[s]);
        this.#alerts += ev.transitionSensor(s, EventStatus.Detected, EventStatus.Alerted);
      }
    }

    // The kernel runs the epoch: arrivals, deadlines, imaging, transfers.
    sch.runUntil(tEnd);

    // Power over the epoch: solar / harvest in, platform / sleep load out.
    const dt = this.dtS;
    const orbits = this.#orbits;
    for (let i = 0; i < this.#nSat; i++) {
      const b = this.#satBattery[i] +
        (this.#satSolarW[i] * orbits.sunlit[i] - this.#satBaseW[i]) * dt;
      this.#satBattery[i] = b < 0 ? 0 : b > this.#satCapJ[i] ? this.#satCapJ[i] : b;
    }
    for (let s = 0; s < this.#nSen; s++) {
      const b = this.#senBattery[s] +
        (this.#senHarvest[s] * this.#senHarvestW[s] - this.#senSleepW[s]) * dt;
      this.#senBattery[s] = b < 0 ? 0 : b > this.#senCapJ[s] ? this.#senCapJ[s] : b;
    }

    this.#stepIndex++;
    this.#energyJ += this.#stepEnergyJ;
    const rw = this.scenario.reward;
    const reward = rw.scale *
      (rw.valueWeight * (ev.valueDelivered - valueBefore) -
        rw.energyWeightPerKJ * this.#stepEnergyJ / 1000);
    const truncated = this.#stepIndex >= this.maxSteps ? 1 : 0;
    for (const b of this.#buffers) {
      b.rewards.fill(reward);
      b.truncations.fill(truncated);
    }
    this.#result.done = truncated === 1;
    this.#observe();
    this.#writeInfos();
    return this.#result;
  }

  /** Writes the global state (every node's own features, then an event summary) into `out`. */
  state(out: Float32Array = new Float32Array(this.stateSize)): Float32Array {
    if (out.length !== this.stateSize) {
      throw new RangeError(
        `Cannot write state of "${this.id}": out has ${out.length} values, need ${this.stateSize}`,
      );
    }
    let o = 0;
    for (const c of this.classes) {
      const own = c.kind === "satellite" ? SAT_OWN.size : SENSOR_OWN.size;
      const obs = this.#buffers[c.index].obs;
      for (let q = 0; q < c.count; q++) {
        const base = q * c.obsSize;
        for (let f = 0; f < own; f++) out[o++] = obs[base + f];
      }
    }
    const ev = this.#events;
    const norm = 1 / this.#expectedArrivals;
    const b = ev.byStatus;
    out[o + STATE_SUMMARY.arrived] = ev.arrived * norm;
    out[o + STATE_SUMMARY.undetected] = b[EventStatus.Undetected] * norm;
    out[o + STATE_SUMMARY.detected] = b[EventStatus.Detected] * norm;
    out[o + STATE_SUMMARY.alerted] = b[EventStatus.Alerted] * norm;
    out[o + STATE_SUMMARY.onBoard] = (b[EventStatus.Imaging] + b[EventStatus.Stored]) * norm;
    out[o + STATE_SUMMARY.delivered] = b[EventStatus.Delivered] * norm;
    out[o + STATE_SUMMARY.expired] = b[EventStatus.Expired] * norm;
    out[o + STATE_SUMMARY.valueDelivered] = ev.valueDelivered * norm / NORM.value;
    out[o + STATE_SUMMARY.progress] = this.#stepIndex / this.maxSteps;
    let lit = 0;
    for (let i = 0; i < this.#nSat; i++) lit += this.#orbits.sunlit[i];
    out[o + STATE_SUMMARY.sunlit] = lit / Math.max(1, this.#nSat);
    return out;
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
    return this.#events;
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
    const w = this.world;
    const o = this.#orbits;
    const geo = new Float64Array(3);
    const sats: FleetSnapshot["satellites"] = {
      id: [],
      className: [],
      latDeg: [],
      lonDeg: [],
      altKm: [],
      battery: [],
      storedImages: [],
      storageUsed: [],
      sunlit: [],
      stationInView: [],
    };
    for (let i = 0; i < this.#nSat; i++) {
      const c = this.classes[w.satelliteClass[i]];
      sats.id.push(`${c.name}_${w.satelliteSlot[i]}`);
      sats.className.push(c.name);
      if (o.valid[i]) ecfToGeodeticInto(o.ecf[3 * i], o.ecf[3 * i + 1], o.ecf[3 * i + 2], geo, 0);
      else geo.fill(NaN);
      sats.latDeg.push(geo[0] / DEG);
      sats.lonDeg.push(geo[1] / DEG);
      sats.altKm.push(geo[2]);
      sats.battery.push(this.#satBattery[i] / this.#satCapJ[i]);
      sats.storedImages.push(this.#storeCount[i]);
      sats.storageUsed.push(this.#satUsedMB[i] / this.#satStorageMB[i]);
      sats.sunlit.push(o.sunlit[i]);
      sats.stationInView.push(this.#stationInView[i]);
    }
    const sens: FleetSnapshot["sensors"] = {
      id: [],
      name: [],
      className: [],
      latDeg: [],
      lonDeg: [],
      battery: [],
      detected: [],
      satellitesVisible: [],
    };
    for (let s = 0; s < this.#nSen; s++) {
      const c = this.classes[w.sensorClass[s]];
      sens.id.push(`${c.name}_${w.sensorSlot[s]}`);
      sens.name.push(w.sensorNames[s]);
      sens.className.push(c.name);
      sens.latDeg.push(w.sensorLatDeg[s]);
      sens.lonDeg.push(w.sensorLonDeg[s]);
      sens.battery.push(this.#senBattery[s] / this.#senCapJ[s]);
      sens.detected.push(this.#events.detectedAt[s]);
      sens.satellitesVisible.push(this.#senVisible[s]);
    }
    const ev = this.#events;
    const events: FleetSnapshot["events"] = {
      id: [],
      sensor: [],
      latDeg: [],
      lonDeg: [],
      status: [],
      statusName: [],
      value: [],
      arrivalS: [],
      deadlineS: [],
      holder: [],
    };
    for (let e = 0; e < ev.count; e++) {
      ecfToGeodeticInto(ev.pos[3 * e], ev.pos[3 * e + 1], ev.pos[3 * e + 2], geo, 0);
      events.id.push(e);
      events.sensor.push(ev.sensor[e]);
      events.latDeg.push(geo[0] / DEG);
      events.lonDeg.push(geo[1] / DEG);
      events.status.push(ev.status[e]);
      events.statusName.push(EVENT_STATUS_NAMES[ev.status[e]]);
      events.value.push(ev.value[e]);
      events.arrivalS.push(ev.arrivalUs[e] / US);
      events.deadlineS.push(ev.deadlineUs[e] / US);
      events.holder.push(ev.holder[e]);
    }
    return {
      id: this.id,
      step: this.#stepIndex,
      timeMs: this.timeMs,
      elapsedS: this.#stepIndex * this.dtS,
      satellites: sats,
      sensors: sens,
      stations: {
        name: [...w.stationNames],
        latDeg: Array.from(w.stationLatDeg),
        lonDeg: Array.from(w.stationLonDeg),
      },
      events,
      infos: { ...this.#result.infos },
    };
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
    const now = this.#stepIndex * this.#dtUs;
    const deadline = now + Math.round((options.deadlineS ?? 1800) * US);
    const e = this.#events.arrive(-1, now, options.value ?? 5, deadline, p.x, p.y, p.z);
    if ((options.status ?? "alerted") === "alerted") this.#events.setStatus(e, EventStatus.Alerted);
    this.#expiryIds[e] = this.#scheduler.schedule(deadline, this.#expiryHandlers[e], PRIO_EXPIRY);
    this.#observe();
    this.#writeInfos();
    return e;
  }

  /**
   * Bytes held by this env's typed arrays (class buffers, per-node state and parameters, events, spatial
   * indexes, the current geometry) and the size of the ephemeris table it reads, which is shared by every
   * env of the same constellation (0 when it propagates every step).
   *
   * @example
   * ```ts
   * import { FleetEnv } from "./env.ts";
   * const m = new FleetEnv({ scenario: "leo-wildfire" }).memoryBytes();
   * console.assert(m.env > 0 && m.sharedEphemeris > 0);
   * ```
   */
  memoryBytes(): { env: number; sharedEphemeris: number } {
    const arrays: ArrayBufferView[] = [
      this.#satCapJ,
      this.#satSolarW,
      this.#satBaseW,
      this.#satImgJ,
      this.#satImgUs,
      this.#satImageMB,
      this.#satStorageMB,
      this.#satDownMBps,
      this.#satDownW,
      this.#satIslMBps,
      this.#satIslW,
      this.#satIslKm,
      this.#satCosOffNadir,
      this.#satEventRad,
      this.#satInferJ,
      this.#satKE,
      this.#satKN,
      this.#senCapJ,
      this.#senHarvestW,
      this.#senSleepW,
      this.#senSenseJ,
      this.#senAlertJ,
      this.#senSinMinEl,
      this.#senMinElRad,
      this.#senInferJ,
      this.#senKS,
      this.#senRatePerS,
      this.#satBattery,
      this.#satUsedMB,
      this.#store,
      this.#storeCount,
      this.#imaging,
      this.#xferMode,
      this.#xferTarget,
      this.#xferEvent,
      this.#xferDoneMB,
      this.#xferStartUs,
      this.#xferEndUs,
      this.#xferFinishUs,
      this.#xferId,
      this.#stationInView,
      this.#stationCos,
      this.#stationIdx,
      this.#along,
      this.#eventSlots,
      this.#inRange,
      this.#imageable,
      this.#neighbourSlots,
      this.#headMB,
      this.#senBattery,
      this.#senLastSensedUs,
      this.#senSlots,
      this.#senSlotSin,
      this.#senVisible,
      this.#senHarvest,
      this.#alertedIds,
      this.#candidates,
      this.#expiryIds,
      this.#satGrid.items,
      this.#satGrid.cellStart,
      this.#satGrid.cosines,
      this.#eventGrid.items,
      this.#eventGrid.cellStart,
      this.#eventGrid.cosines,
      this.#buckets.start,
      this.#buckets.members,
      this.#buckets.center,
      this.#buckets.radius,
      this.#buckets.minElRad,
      this.#orbits.ecf,
      this.#orbits.unit,
      this.#orbits.radius,
      this.#orbits.velocity,
      this.#orbits.sunlit,
      this.#orbits.valid,
      this.world.sensorPos,
      this.world.sensorUnit,
      this.world.sensorUp,
      this.world.sensorLatDeg,
      this.world.sensorLonDeg,
      this.world.sensorAltKm,
      this.world.sensorRateScale,
      this.world.satelliteClass,
      this.world.satelliteSlot,
      this.world.sensorClass,
      this.world.sensorSlot,
      this.#events.status,
      this.#events.sensor,
      this.#events.pos,
      this.#events.unit,
      this.#events.arrivalUs,
      this.#events.deadlineUs,
      this.#events.value,
      this.#events.holder,
      this.#events.sizeMB,
      this.#events.nextOfSensor,
      this.#events.headOfSensor,
      this.#events.undetectedAt,
      this.#events.detectedAt,
    ];
    for (const b of this.#buffers) {
      arrays.push(b.obs, b.actionMask, b.rewards, b.terminations, b.truncations);
    }
    let env = 0;
    for (const a of arrays) env += a.byteLength;
    return { env, sharedEphemeris: this.#orbits.tableBytes };
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
    const ev = this.#events;
    for (let i = 0; i < this.#nSat; i++) {
      const b = this.#satBattery[i];
      if (!(b >= 0 && b <= this.#satCapJ[i] + 1e-6)) return `satellite ${i}: battery ${b} J`;
      const used = this.#satUsedMB[i];
      if (!(used >= -1e-9 && used <= this.#satStorageMB[i] + 1e-9)) {
        return `satellite ${i}: storage ${used} MB`;
      }
      let sum = 0;
      for (let k = 0; k < this.#storeCount[i]; k++) {
        const e = this.#store[i * this.#storeCap + k];
        if (ev.status[e] !== EventStatus.Stored || ev.holder[e] !== i) {
          return `satellite ${i}: stored event ${e} has status ${
            EVENT_STATUS_NAMES[ev.status[e]]
          }, holder ${ev.holder[e]}`;
        }
        sum += ev.sizeMB[e];
      }
      if (this.#imaging[i] >= 0) sum += ev.sizeMB[this.#imaging[i]];
      for (let j = 0; j < this.#nSat; j++) {
        const e = this.#xferEvent[j];
        if (j !== i && e >= 0 && this.#xferMode[j] === XFER_RELAY && this.#xferTarget[j] === i) {
          sum += ev.sizeMB[e];
        }
      }
      if (Math.abs(sum - used) > 1e-6) {
        return `satellite ${i}: storage ${used} MB, images add up to ${sum} MB`;
      }
    }
    for (let s = 0; s < this.#nSen; s++) {
      const b = this.#senBattery[s];
      if (!(b >= 0 && b <= this.#senCapJ[s] + 1e-9)) return `sensor ${s}: battery ${b} J`;
    }
    const a = ev.audit();
    if (a !== "") return a;
    if (ev.arrived !== ev.delivered + ev.expired + ev.pending) {
      return "arrived != delivered + expired + pending";
    }
    return "";
  }

  // ---- kernel handlers ------------------------------------------------------------------------------

  #growExpiry(capacity: number): void {
    for (let e = this.#expiryHandlers.length; e < capacity; e++) {
      this.#expiryHandlers.push((_s, t) => this.#expire(e, t));
    }
    if (this.#expiryIds.length < capacity) {
      const ids = new Float64Array(capacity);
      ids.set(this.#expiryIds);
      this.#expiryIds = ids;
    }
  }

  #arrive(sch: EventScheduler, s: number, t: number): void {
    const rng = this.#senRng[s];
    const task = this.scenario.task;
    const value = rng.uniformRange(task.value.min, task.value.max);
    const deadline = t + Math.round(rng.uniformRange(task.deadlineS.min, task.deadlineS.max) * US);
    const p = this.world.sensorPos;
    const e = this.#events.arrive(s, t, value, deadline, p[3 * s], p[3 * s + 1], p[3 * s + 2]);
    this.#expiryIds[e] = sch.schedule(deadline, this.#expiryHandlers[e], PRIO_EXPIRY);
    const next = t + Math.max(1, Math.round(rng.exponential(this.#senRatePerS[s]) * US));
    if (next <= this.maxSteps * this.#dtUs) {
      sch.schedule(next, this.#arrivalHandlers[s], PRIO_ARRIVAL);
    }
  }

  #expire(e: number, t: number): void {
    const ev = this.#events;
    const st = ev.status[e];
    if (st === EventStatus.Delivered || st === EventStatus.Expired) return;
    if (st === EventStatus.Stored) {
      const i = ev.holder[e];
      const inTransfer = this.#xferEvent[i] === e;
      if (inTransfer) {
        this.#scheduler.cancel(this.#xferId[i]);
        this.#xferId[i] = -1;
        this.#chargeTransfer(i, t);
        this.#releaseRelay(i, e);
        this.#xferEvent[i] = -1;
        this.#xferDoneMB[i] = 0;
      }
      this.#removeStored(i, e);
      ev.holder[e] = -1;
      ev.setStatus(e, EventStatus.Expired);
      if (inTransfer && this.#xferEndUs[i] > t) this.#continueTransfer(i, t);
      return;
    }
    // Imaging: the completion handler frees the storage it reserved.
    ev.setStatus(e, EventStatus.Expired);
  }

  #imagingDone(i: number, _t: number): void {
    const e = this.#imaging[i];
    this.#imaging[i] = -1;
    const ev = this.#events;
    if (ev.status[e] === EventStatus.Imaging) {
      ev.setStatus(e, EventStatus.Stored);
      this.#store[i * this.#storeCap + this.#storeCount[i]++] = e;
      this.#imaged++;
    } else {
      this.#satUsedMB[i] -= ev.sizeMB[e];
      ev.holder[e] = -1;
    }
  }

  /** Starts (or resumes) the next image transfer of satellite `i` at time `now`, within its window. */
  #continueTransfer(i: number, now: number): void {
    const ev = this.#events;
    const mode = this.#xferMode[i];
    let e = this.#xferEvent[i];
    if (e < 0) {
      // Earliest deadline first.
      const base = i * this.#storeCap;
      let best = -1;
      for (let k = 0; k < this.#storeCount[i]; k++) {
        const c = this.#store[base + k];
        if (best < 0 || ev.deadlineUs[c] < ev.deadlineUs[best]) best = c;
      }
      if (best < 0) return;
      if (mode === XFER_RELAY) {
        const j = this.#xferTarget[i];
        if (this.#satStorageMB[j] - this.#satUsedMB[j] < ev.sizeMB[best] - 1e-9) return; // target full
        this.#satUsedMB[j] += ev.sizeMB[best]; // reserved until the image arrives
      }
      e = best;
      this.#xferEvent[i] = e;
      this.#xferDoneMB[i] = 0;
    }
    const rate = mode === XFER_DOWNLINK ? this.#satDownMBps[i] : this.#satIslMBps[i];
    const finish = now + Math.ceil((ev.sizeMB[e] - this.#xferDoneMB[i]) / rate * US);
    this.#xferStartUs[i] = now;
    this.#xferFinishUs[i] = finish;
    // Either the image completes within the epoch, or the epoch's end pauses the transfer.
    const at = finish <= this.#xferEndUs[i] ? finish : this.#xferEndUs[i];
    this.#xferId[i] = this.#scheduler.schedule(at, this.#transferHandlers[i], PRIO_DELIVERY);
  }

  #transferDone(i: number, t: number): void {
    const ev = this.#events;
    const e = this.#xferEvent[i];
    this.#xferId[i] = -1;
    const rate = this.#xferMode[i] === XFER_DOWNLINK ? this.#satDownMBps[i] : this.#satIslMBps[i];
    const start = this.#xferStartUs[i];
    this.#chargeTransfer(i, t);
    if (t < this.#xferFinishUs[i]) {
      // Paused at the end of the epoch: keep the progress, resume if the action is repeated.
      this.#xferDoneMB[i] += rate * (t - start) / US;
      return;
    }
    this.#xferEvent[i] = -1;
    this.#xferDoneMB[i] = 0;
    this.#removeStored(i, e);
    if (this.#xferMode[i] === XFER_DOWNLINK) {
      this.#scheduler.cancel(this.#expiryIds[e]);
      ev.holder[e] = -1;
      ev.setStatus(e, EventStatus.Delivered);
    } else {
      const j = this.#xferTarget[i];
      ev.holder[e] = j; // the reservation at j becomes the image
      this.#store[j * this.#storeCap + this.#storeCount[j]++] = e;
      this.#relayed++;
    }
    if (t < this.#xferEndUs[i]) this.#continueTransfer(i, t);
  }

  /** Charges the transmitter energy from the current image's start to `t`. */
  #chargeTransfer(i: number, t: number): void {
    const w = this.#xferMode[i] === XFER_DOWNLINK ? this.#satDownW[i] : this.#satIslW[i];
    this.#spendSat(i, w * (t - this.#xferStartUs[i]) / US);
    this.#xferStartUs[i] = t;
  }

  /** Cancels an unfinished transfer (another action was chosen); its progress is lost. */
  #abortTransfer(i: number): void {
    const e = this.#xferEvent[i];
    if (this.#xferId[i] >= 0) {
      this.#scheduler.cancel(this.#xferId[i]);
      this.#xferId[i] = -1;
    }
    this.#releaseRelay(i, e);
    this.#xferEvent[i] = -1;
    this.#xferDoneMB[i] = 0;
  }

  #releaseRelay(i: number, e: number): void {
    if (this.#xferMode[i] === XFER_RELAY) {
      this.#satUsedMB[this.#xferTarget[i]] -= this.#events.sizeMB[e];
    }
  }

  /** Removes event `e` from satellite `i`'s images and frees its storage. */
  #removeStored(i: number, e: number): void {
    const base = i * this.#storeCap;
    const n = this.#storeCount[i];
    for (let k = 0; k < n; k++) {
      if (this.#store[base + k] === e) {
        this.#store[base + k] = this.#store[base + n - 1];
        this.#storeCount[i] = n - 1;
        this.#satUsedMB[i] -= this.#events.sizeMB[e];
        return;
      }
    }
  }

  #spendSat(i: number, joules: number): void {
    const b = this.#satBattery[i];
    const spent = joules < b ? joules : b;
    this.#satBattery[i] = b - spent;
    this.#stepEnergyJ += spent;
  }

  #spendSensor(s: number, joules: number): void {
    const b = this.#senBattery[s];
    const spent = joules < b ? joules : b;
    this.#senBattery[s] = b - spent;
    this.#stepEnergyJ += spent;
  }

  // ---- observation --------------------------------------------------------------------------------------

  #observe(): void {
    const o = this.#orbits;
    o.setStep(this.#offset + this.#stepIndex);
    for (let c = 0; c < this.classes.length; c++) {
      this.#deciding[c] = this.#stepIndex % this.#classPeriod[c] === 0 ? 1 : 0;
    }
    this.#satGrid.build(o.unit, this.#nSat);
    this.#stations();
    this.#buildEventGrid();
    this.#satEvents();
    this.#neighbours();
    this.#sensorsView();
    this.#writeSatellites();
    this.#writeSensors();
  }

  /** Station visibility and the nearest station of every satellite; along-track directions. */
  #stations(): void {
    const o = this.#orbits;
    const w = this.world;
    const nSt = w.stationNames.length;
    const sp = w.stationPos, su = w.stationUnit, up = w.stationUp, sinMin = w.stationSinMinEl;
    for (let i = 0; i < this.#nSat; i++) {
      const j = 3 * i;
      const x = o.ecf[j], y = o.ecf[j + 1], z = o.ecf[j + 2];
      const ux = o.unit[j], uy = o.unit[j + 1], uz = o.unit[j + 2];
      // Along-track unit vector: velocity projected on the local horizontal.
      const vx = o.velocity[j], vy = o.velocity[j + 1], vz = o.velocity[j + 2];
      const vr = vx * ux + vy * uy + vz * uz;
      let ax = vx - vr * ux, ay = vy - vr * uy, az = vz - vr * uz;
      const an = Math.sqrt(ax * ax + ay * ay + az * az) || 1;
      ax /= an;
      ay /= an;
      az /= an;
      this.#along[j] = ax;
      this.#along[j + 1] = ay;
      this.#along[j + 2] = az;
      let inView = 0, bestCos = -2, best = 0;
      for (let g = 0; g < nSt; g++) {
        const g3 = 3 * g;
        const dx = x - sp[g3], dy = y - sp[g3 + 1], dz = z - sp[g3 + 2];
        const range = Math.sqrt(dx * dx + dy * dy + dz * dz);
        if ((dx * up[g3] + dy * up[g3 + 1] + dz * up[g3 + 2]) >= sinMin[g] * range) inView = 1;
        const cos = ux * su[g3] + uy * su[g3 + 1] + uz * su[g3 + 2];
        if (cos > bestCos) {
          bestCos = cos;
          best = g;
        }
      }
      this.#stationInView[i] = o.valid[i] ? inView : 0;
      this.#stationCos[i] = bestCos;
      this.#stationIdx[i] = best;
    }
  }

  #buildEventGrid(): void {
    const ev = this.#events;
    let n = 0;
    if (this.#alertedIds.length < ev.count) this.#alertedIds = new Int32Array(ev.capacity);
    for (let e = 0; e < ev.count; e++) {
      if (ev.status[e] === EventStatus.Alerted) this.#alertedIds[n++] = e;
    }
    this.#eventGrid.build(ev.unit, n, this.#alertedIds);
    if (this.#candidates.length < Math.max(n, this.#nSat)) {
      this.#candidates = new Int32Array(Math.max(ev.capacity, this.#nSat));
    }
  }

  /** The K nearest pending (alerted) events within range of every satellite, and which are imageable. */
  #satEvents(): void {
    const o = this.#orbits;
    const ev = this.#events;
    const grid = this.#eventGrid;
    const cand = this.#candidates;
    const keys = this.#topKeys, ids = this.#topIds;
    const maxKE = this.#maxKE;
    for (let i = 0; i < this.#nSat; i++) {
      const kE = this.#satKE[i];
      const slots = i * maxKE;
      this.#eventSlots.fill(-1, slots, slots + maxKE);
      this.#inRange[i] = 0;
      this.#imageable[i] = 0;
      if (!o.valid[i] || grid.size === 0) continue;
      const j = 3 * i;
      const n = grid.within(o.unit[j], o.unit[j + 1], o.unit[j + 2], this.#satEventRad[i], cand);
      let top = 0;
      const cosines = grid.cosines;
      const x = o.ecf[j], y = o.ecf[j + 1], z = o.ecf[j + 2], r = o.radius[i];
      const cosLimit = this.#satCosOffNadir[i];
      let imageable = 0;
      for (let k = 0; k < n; k++) {
        const e = cand[k];
        top = insertTop(keys, ids, top, kE, cosines[k], e);
        const dx = ev.pos[3 * e] - x, dy = ev.pos[3 * e + 1] - y, dz = ev.pos[3 * e + 2] - z;
        const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
        if (-(x * dx + y * dy + z * dz) >= cosLimit * r * d) imageable++;
      }
      this.#inRange[i] = n;
      this.#imageable[i] = imageable;
      for (let k = 0; k < top; k++) this.#eventSlots[slots + k] = ids[k];
    }
  }

  /** The K nearest satellites with line of sight within ISL range of every satellite. */
  #neighbours(): void {
    const o = this.#orbits;
    const grid = this.#satGrid;
    const cand = this.#candidates;
    const keys = this.#topKeys, ids = this.#topIds;
    const maxKN = this.#maxKN;
    const ecf = o.ecf;
    // Start where about 2 kN satellites are expected at uniform density, then widen.
    const share = Math.min(2, 4 * this.#maxKN / Math.max(1, grid.size));
    const startAngle = Math.acos(1 - share);
    for (let i = 0; i < this.#nSat; i++) {
      const kN = this.#satKN[i];
      const slots = i * maxKN;
      this.#neighbourSlots.fill(-1, slots, slots + maxKN);
      const rangeI = this.#satIslKm[i];
      if (kN === 0 || !o.valid[i] || rangeI <= 0) continue;
      const j = 3 * i;
      const maxAngle = 2 * Math.asin(Math.min(1, rangeI / (2 * o.minRadius)));
      // A sparse grid is scanned whole anyway: search the full range at once.
      let radius = grid.size <= 64 ? maxAngle : Math.min(maxAngle, startAngle);
      let top = 0;
      for (;;) {
        const n = grid.within(o.unit[j], o.unit[j + 1], o.unit[j + 2], radius, cand, i);
        top = 0;
        const cosines = grid.cosines;
        for (let k = 0; k < n; k++) {
          const m = cand[k];
          const m3 = 3 * m;
          const dx = ecf[m3] - ecf[j], dy = ecf[m3 + 1] - ecf[j + 1], dz = ecf[m3 + 2] - ecf[j + 2];
          const dd = dx * dx + dy * dy + dz * dz;
          const lim = Math.min(rangeI, this.#satIslKm[m]);
          if (dd > lim * lim) continue;
          if (!lineOfSightAt(ecf, i, m)) continue;
          top = insertTop(keys, ids, top, kN, cosines[k], m);
        }
        if (top >= kN || radius >= maxAngle) break;
        radius = Math.min(maxAngle, radius * 1.5);
      }
      for (let k = 0; k < top; k++) this.#neighbourSlots[slots + k] = ids[k];
    }
  }

  /**
   * Harvest and the visible satellites (highest first) of every sensor. Sensors are grouped into static
   * buckets of nearby sensors; one spatial query per bucket finds the candidate satellites of all of them.
   */
  #sensorsView(): void {
    const o = this.#orbits;
    const w = this.world;
    const grid = this.#satGrid;
    const cand = this.#candidates;
    const keys = this.#topKeys, ids = this.#topIds;
    const maxKS = this.#maxKS;
    const sun = o.sun;
    const pos = w.sensorPos, up = w.sensorUp;
    const rMax = o.maxRadius;
    const bk = this.#buckets;
    for (let b = 0; b < bk.count; b++) {
      const minEl = bk.minElRad[b];
      // Earth-central angle of the coverage circle at this elevation for the highest satellite, plus margin.
      const angle = Math.acos(Math.min(1, 6356 * Math.cos(minEl) / rMax)) - minEl + 0.01 +
        bk.radius[b];
      const n = grid.within(
        bk.center[3 * b],
        bk.center[3 * b + 1],
        bk.center[3 * b + 2],
        angle,
        cand,
      );
      for (let k = bk.start[b]; k < bk.start[b + 1]; k++) {
        const s = bk.members[k];
        const s3 = 3 * s;
        const sunUp = up[s3] * sun[0] + up[s3 + 1] * sun[1] + up[s3 + 2] * sun[2];
        this.#senHarvest[s] = sunUp > 0 ? sunUp : 0;
        const slots = s * maxKS;
        this.#senSlots.fill(-1, slots, slots + maxKS);
        const kS = this.#senKS[s];
        const sinMin = this.#senSinMinEl[s];
        const px = pos[s3], py = pos[s3 + 1], pz = pos[s3 + 2];
        const ux = up[s3], uy = up[s3 + 1], uz = up[s3 + 2];
        let top = 0, visible = 0;
        for (let c = 0; c < n; c++) {
          const m = cand[c];
          const m3 = 3 * m;
          const dx = o.ecf[m3] - px, dy = o.ecf[m3 + 1] - py, dz = o.ecf[m3 + 2] - pz;
          const h = dx * ux + dy * uy + dz * uz;
          if (h <= 0) continue;
          const sinEl = h / Math.sqrt(dx * dx + dy * dy + dz * dz);
          if (sinEl < sinMin) continue;
          visible++;
          top = insertTop(keys, ids, top, kS, sinEl, m);
        }
        this.#senVisible[s] = visible;
        for (let q = 0; q < top; q++) {
          this.#senSlots[slots + q] = ids[q];
          this.#senSlotSin[slots + q] = keys[q];
        }
      }
    }
  }

  #writeSatellites(): void {
    const o = this.#orbits;
    const ev = this.#events;
    const w = this.world;
    const progress = this.#stepIndex / this.maxSteps;
    const nowUs = this.#stepIndex * this.#dtUs;
    const dt = this.dtS;
    const stationCosNorm = NORM.stationDeg * DEG;
    for (let i = 0; i < this.#nSat; i++) {
      const c = w.satelliteClass[i];
      const cls = this.classes[c];
      const layout = cls.layout as SatelliteLayout;
      const buf = this.#buffers[c];
      const q = w.satelliteSlot[i];
      const ob = q * cls.obsSize;
      const mb = q * cls.numActions;
      const obs = buf.obs, mask = buf.actionMask;
      obs.fill(0, ob, ob + cls.obsSize);
      mask.fill(0, mb, mb + cls.numActions);
      mask[mb] = 1;
      const j = 3 * i;
      const valid = o.valid[i] === 1;
      // Own state.
      const storeBase = i * this.#storeCap;
      let value = 0, earliest = Infinity, headMB = 0;
      for (let k = 0; k < this.#storeCount[i]; k++) {
        const e = this.#store[storeBase + k];
        value += ev.value[e];
        if (ev.deadlineUs[e] < earliest) {
          earliest = ev.deadlineUs[e];
          headMB = ev.sizeMB[e];
        }
      }
      this.#headMB[i] = headMB;
      const battery = this.#satBattery[i];
      const free = this.#satStorageMB[i] - this.#satUsedMB[i];
      obs[ob + SAT_OWN.battery] = battery / this.#satCapJ[i];
      obs[ob + SAT_OWN.storage] = this.#satUsedMB[i] / this.#satStorageMB[i];
      obs[ob + SAT_OWN.storedValue] = Math.min(1, value / NORM.storedValue);
      obs[ob + SAT_OWN.storedSlack] = earliest === Infinity
        ? 0
        : clip01((earliest - nowUs) / US / NORM.slackS);
      obs[ob + SAT_OWN.sunlit] = o.sunlit[i];
      obs[ob + SAT_OWN.progress] = progress;
      obs[ob + SAT_OWN.deciding] = this.#deciding[c];
      const xe = this.#xferEvent[i];
      obs[ob + SAT_OWN.transferProgress] = xe >= 0 ? this.#xferDoneMB[i] / ev.sizeMB[xe] : 0;
      if (!valid) continue;
      const ux = o.unit[j], uy = o.unit[j + 1], uz = o.unit[j + 2];
      const ax = this.#along[j], ay = this.#along[j + 1], az = this.#along[j + 2];
      // Cross-track (left) = up x along.
      const cx = uy * az - uz * ay, cy = uz * ax - ux * az, cz = ux * ay - uy * ax;
      obs[ob + SAT_OWN.stationInView] = this.#stationInView[i];
      const stCos = this.#stationCos[i];
      obs[ob + SAT_OWN.stationDistance] = Math.min(
        1,
        Math.acos(Math.max(-1, Math.min(1, stCos))) / stationCosNorm,
      );
      {
        const g3 = 3 * this.#stationIdx[i];
        const su = w.stationUnit;
        const dx = su[g3] - ux, dy = su[g3 + 1] - uy, dz = su[g3 + 2] - uz;
        const dn = Math.sqrt(dx * dx + dy * dy + dz * dz) || 1;
        obs[ob + SAT_OWN.stationApproach] = (dx * ax + dy * ay + dz * az) / dn;
      }
      obs[ob + SAT_OWN.sinLat] = uz;
      const vx = o.velocity[j], vy = o.velocity[j + 1], vz = o.velocity[j + 2];
      obs[ob + SAT_OWN.ascending] = vz / (Math.sqrt(vx * vx + vy * vy + vz * vz) || 1);
      obs[ob + SAT_OWN.eventsInRange] = Math.min(1, this.#inRange[i] / this.#satKE[i]);
      obs[ob + SAT_OWN.eventsImageable] = Math.min(1, this.#imageable[i] / this.#satKE[i]);

      const deciding = this.#deciding[c] === 1;
      // Event slots.
      const rangeRad = this.#satEventRad[i];
      const x = o.ecf[j], y = o.ecf[j + 1], z = o.ecf[j + 2], r = o.radius[i];
      const cosLimit = this.#satCosOffNadir[i];
      const canImage = deciding && this.#imaging[i] < 0 && battery >= this.#satImgJ[i] &&
        free >= this.#satImageMB[i] - 1e-9;
      for (let k = 0; k < layout.kEvents; k++) {
        const e = this.#eventSlots[i * this.#maxKE + k];
        if (e < 0) break;
        const f = ob + layout.eventsOffset + k * EVENT_SLOT.size;
        const e3 = 3 * e;
        const dux = ev.unit[e3] - ux, duy = ev.unit[e3 + 1] - uy, duz = ev.unit[e3 + 2] - uz;
        const dx = ev.pos[e3] - x, dy = ev.pos[e3 + 1] - y, dz = ev.pos[e3 + 2] - z;
        const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
        const imageable = -(x * dx + y * dy + z * dz) >= cosLimit * r * d ? 1 : 0;
        obs[f + EVENT_SLOT.valid] = 1;
        obs[f + EVENT_SLOT.along] = (dux * ax + duy * ay + duz * az) / rangeRad;
        obs[f + EVENT_SLOT.cross] = (dux * cx + duy * cy + duz * cz) / rangeRad;
        obs[f + EVENT_SLOT.imageable] = imageable;
        obs[f + EVENT_SLOT.slack] = clip01((ev.deadlineUs[e] - nowUs) / US / NORM.slackS);
        obs[f + EVENT_SLOT.value] = ev.value[e] / NORM.value;
        if (canImage && imageable) mask[mb + layout.image + k] = 1;
      }
      const hasImages = this.#storeCount[i] > 0;
      if (
        deciding && hasImages && this.#stationInView[i] === 1 && battery >= this.#satDownW[i] * dt
      ) mask[mb + layout.downlink] = 1;
      // Neighbour slots.
      const islAngle = 2 * Math.asin(Math.min(1, this.#satIslKm[i] / (2 * o.minRadius))) || 1;
      const canRelay = deciding && hasImages && battery >= this.#satIslW[i] * dt;
      for (let k = 0; k < layout.kNeighbours; k++) {
        const m = this.#neighbourSlots[i * this.#maxKN + k];
        if (m < 0) break;
        const f = ob + layout.neighboursOffset + k * NEIGHBOUR_SLOT.size;
        const m3 = 3 * m;
        const dx = o.ecf[m3] - x, dy = o.ecf[m3 + 1] - y, dz = o.ecf[m3 + 2] - z;
        const freeM = this.#satStorageMB[m] - this.#satUsedMB[m];
        obs[f + NEIGHBOUR_SLOT.valid] = 1;
        obs[f + NEIGHBOUR_SLOT.range] = Math.sqrt(dx * dx + dy * dy + dz * dz) / this.#satIslKm[i];
        obs[f + NEIGHBOUR_SLOT.stationInView] = this.#stationInView[m];
        obs[f + NEIGHBOUR_SLOT.freeStorage] = freeM / this.#satStorageMB[m];
        obs[f + NEIGHBOUR_SLOT.stationDistance] = Math.min(
          1,
          Math.acos(Math.max(-1, Math.min(1, this.#stationCos[m]))) / stationCosNorm,
        );
        const dux = o.unit[m3] - ux, duy = o.unit[m3 + 1] - uy, duz = o.unit[m3 + 2] - uz;
        obs[f + NEIGHBOUR_SLOT.along] = (dux * ax + duy * ay + duz * az) / islAngle;
        if (canRelay && freeM >= headMB - 1e-9) mask[mb + layout.relay + k] = 1;
      }
    }
  }

  #writeSensors(): void {
    const o = this.#orbits;
    const ev = this.#events;
    const w = this.world;
    const progress = this.#stepIndex / this.maxSteps;
    const nowUs = this.#stepIndex * this.#dtUs;
    const maxKS = this.#maxKS;
    for (let s = 0; s < this.#nSen; s++) {
      const c = w.sensorClass[s];
      const cls = this.classes[c];
      const layout = cls.layout as SensorLayout;
      const buf = this.#buffers[c];
      const q = w.sensorSlot[s];
      const ob = q * cls.obsSize;
      const mb = q * cls.numActions;
      const obs = buf.obs, mask = buf.actionMask;
      obs.fill(0, ob, ob + cls.obsSize);
      const battery = this.#senBattery[s];
      const detected = ev.detectedAt[s];
      obs[ob + SENSOR_OWN.battery] = battery / this.#senCapJ[s];
      obs[ob + SENSOR_OWN.harvest] = this.#senHarvest[s];
      obs[ob + SENSOR_OWN.detected] = Math.min(1, detected / NORM.detected);
      obs[ob + SENSOR_OWN.detectedSlack] = detected > 0
        ? clip01((ev.earliestDeadline(s, EventStatus.Detected) - nowUs) / US / NORM.slackS)
        : 0;
      obs[ob + SENSOR_OWN.sinceSensed] = Math.min(
        1,
        (nowUs - this.#senLastSensedUs[s]) / US / NORM.sinceSensedS,
      );
      obs[ob + SENSOR_OWN.satellitesVisible] = Math.min(
        1,
        this.#senVisible[s] / layout.kSatellites,
      );
      obs[ob + SENSOR_OWN.progress] = progress;
      const p3 = 3 * s;
      const pos = w.sensorPos;
      for (let k = 0; k < layout.kSatellites; k++) {
        const m = this.#senSlots[s * maxKS + k];
        if (m < 0) break;
        const f = ob + layout.satellitesOffset + k * SAT_SLOT.size;
        const m3 = 3 * m;
        const dx = o.ecf[m3] - pos[p3],
          dy = o.ecf[m3 + 1] - pos[p3 + 1],
          dz = o.ecf[m3 + 2] - pos[p3 + 2];
        const rr = dx * o.velocity[m3] + dy * o.velocity[m3 + 1] + dz * o.velocity[m3 + 2];
        obs[f + SAT_SLOT.valid] = 1;
        obs[f + SAT_SLOT.elevation] = Math.asin(Math.min(1, this.#senSlotSin[s * maxKS + k])) /
          (90 * DEG);
        obs[f + SAT_SLOT.approaching] = rr < 0 ? 1 : 0;
      }
      const deciding = this.#deciding[c] === 1;
      mask[mb] = 1;
      mask[mb + layout.sense] = deciding && battery >= this.#senSenseJ[s] ? 1 : 0;
      mask[mb + layout.alert] =
        deciding && detected > 0 && this.#senVisible[s] > 0 && battery >= this.#senAlertJ[s]
          ? 1
          : 0;
    }
  }

  #writeInfos(): void {
    const ev = this.#events;
    const inf = this.#result.infos;
    inf.step = this.#stepIndex;
    inf.arrived = ev.arrived;
    inf.delivered = ev.delivered;
    inf.expired = ev.expired;
    inf.pending = ev.pending;
    inf.undetected = ev.byStatus[EventStatus.Undetected];
    inf.detected = ev.byStatus[EventStatus.Detected];
    inf.alerted = ev.byStatus[EventStatus.Alerted];
    inf.onBoard = ev.byStatus[EventStatus.Imaging] + ev.byStatus[EventStatus.Stored];
    inf.valueDelivered = ev.valueDelivered;
    inf.valueExpired = ev.valueExpired;
    inf.energyJ = this.#energyJ;
    inf.stepEnergyJ = this.#stepEnergyJ;
    inf.imaged = this.#imaged;
    inf.alerts = this.#alerts;
    inf.detections = this.#detections;
    inf.relayed = this.#relayed;
    inf.conflicts = this.#conflicts;
  }
}

/** Static groups of nearby sensors that share one spatial query per step. */
interface SensorBuckets {
  count: number;
  /** Bucket b holds `members[start[b] .. start[b + 1])`. */
  start: Int32Array;
  members: Int32Array;
  /** Unit vector of each bucket's centre. */
  center: Float64Array;
  /** Largest angle from the centre to a member, radians. */
  radius: Float64Array;
  /** Smallest minimum elevation among the members, radians. */
  minElRad: Float64Array;
}

function sensorBuckets(
  units: Float64Array,
  n: number,
  minElRad: Float64Array,
  cellDeg: number,
): SensorBuckets {
  if (cellDeg === 0) {
    const members = Int32Array.from({ length: n }, (_, s) => s);
    return {
      count: n,
      start: Int32Array.from({ length: n + 1 }, (_, b) => b),
      members,
      center: units.slice(0, 3 * n),
      radius: new Float64Array(n),
      minElRad: minElRad.slice(0, n),
    };
  }
  // One grid pass per distinct minimum elevation, so a bucket never mixes coverage radii.
  const levels = [...new Set(minElRad)].sort((a, b) => a - b);
  const starts: number[] = [0];
  const members: number[] = [];
  const grid = new SphereGrid(cellDeg, n, 0); // always sorted into cells: buckets are cells
  const ids = new Int32Array(n);
  for (const level of levels) {
    let m = 0;
    for (let s = 0; s < n; s++) if (minElRad[s] === level) ids[m++] = s;
    grid.build(units, m, ids);
    const cells = grid.rows * grid.cols;
    for (let c = 0; c < cells; c++) {
      const a = grid.cellStart[c], b = grid.cellStart[c + 1];
      if (b === a) continue;
      for (let k = a; k < b; k++) members.push(grid.items[k]);
      starts.push(members.length);
    }
  }
  const count = starts.length - 1;
  const center = new Float64Array(3 * count);
  const radius = new Float64Array(count);
  const minEl = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let x = 0, y = 0, z = 0;
    for (let k = starts[b]; k < starts[b + 1]; k++) {
      const s = members[k];
      x += units[3 * s];
      y += units[3 * s + 1];
      z += units[3 * s + 2];
    }
    const r = Math.sqrt(x * x + y * y + z * z);
    center[3 * b] = x / r;
    center[3 * b + 1] = y / r;
    center[3 * b + 2] = z / r;
    let maxAngle = 0;
    for (let k = starts[b]; k < starts[b + 1]; k++) {
      const s = members[k];
      const d = (units[3 * s] * x + units[3 * s + 1] * y + units[3 * s + 2] * z) / r;
      maxAngle = Math.max(maxAngle, Math.acos(Math.min(1, d)));
    }
    radius[b] = maxAngle + 1e-6;
    minEl[b] = minElRad[members[starts[b]]];
  }
  return {
    count,
    start: Int32Array.from(starts),
    members: Int32Array.from(members),
    center,
    radius,
    minElRad: minEl,
  };
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
