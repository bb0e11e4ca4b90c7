/**
 * Per-node parameters of a fleet env: typed arrays built once from the scenario's node classes (battery
 * capacities, powers, payload and radio figures, observation sizes, arrival rates), indexed by satellite
 * or sensor index, in the units the dynamics use (J, W, µs, MB, MB/s, radians). Read-only after
 * construction; the hot loops read them instead of the class definitions.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * import { FleetParams } from "./params.ts";
 * const scenario = builtinScenario("leo-wildfire");
 * const p = new FleetParams(buildFleetWorld(scenario), scenario, scenario.time.episodeSteps);
 * console.assert(p.satCapJ.length === 16 && p.senCapJ.length === 24);
 * ```
 *
 * @module
 */

import type { Scenario } from "./scenario.ts";
import type { SatelliteClassDef, SensorClassDef } from "./schema.ts";
import type { FleetWorld } from "./world.ts";

const DEG = Math.PI / 180;
const US = 1_000_000;
/** Mean Earth radius used to turn ground distances into angles, km. */
const EARTH_RADIUS_KM = 6371.0088;

/**
 * The per-node parameters of one fleet env (see module docs).
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * import { FleetParams } from "./params.ts";
 * const scenario = builtinScenario("leo-wildfire");
 * const p = new FleetParams(buildFleetWorld(scenario), scenario, 120);
 * console.assert(p.dtUs === 30_000_000 && p.maxKE >= 1);
 * ```
 */
export class FleetParams {
  /** Satellites. */
  readonly nSat: number;
  /** Sensors. */
  readonly nSen: number;
  /** Decision epoch, µs. */
  readonly dtUs: number;
  /** Episode length, µs (arrivals after it are not scheduled). */
  readonly endUs: number;
  /** Largest random start offset, steps (`time.startJitterS / dtS`). */
  readonly jitterSteps: number;
  /** Expected arrivals per episode (at least 1): the scale of the event counts in `state()`. */
  readonly expectedArrivals: number;
  /** Per class: decision period, steps. */
  readonly classPeriod: Int32Array;

  /** Battery capacity, J. */
  readonly satCapJ: Float64Array;
  /** Solar power in sunlight, W. */
  readonly satSolarW: Float64Array;
  /** Platform load, W. */
  readonly satBaseW: Float64Array;
  /** Energy of one image, J. */
  readonly satImgJ: Float64Array;
  /** Imaging duration, µs. */
  readonly satImgUs: Float64Array;
  /** Image size, MB. */
  readonly satImageMB: Float64Array;
  /** Storage, MB. */
  readonly satStorageMB: Float64Array;
  /** Downlink rate, MB/s. */
  readonly satDownMBps: Float64Array;
  /** Downlink transmitter power, W. */
  readonly satDownW: Float64Array;
  /** ISL rate, MB/s. */
  readonly satIslMBps: Float64Array;
  /** ISL transmitter power, W. */
  readonly satIslW: Float64Array;
  /** ISL range, km. */
  readonly satIslKm: Float64Array;
  /** Cosine of the imager's off-nadir limit. */
  readonly satCosOffNadir: Float64Array;
  /** Event observation range as an Earth-central angle, radians. */
  readonly satEventRad: Float64Array;
  /** Decision (wake) energy, J. */
  readonly satInferJ: Float64Array;
  /** Event slots of the satellite's class. */
  readonly satKE: Int32Array;
  /** Neighbour slots of the satellite's class. */
  readonly satKN: Int32Array;
  /** Images a satellite can hold at most (largest storage / smallest image, plus one). */
  readonly storeCap: number;
  /** Largest event slot count (stride of the per-satellite event slots). */
  readonly maxKE: number;
  /** Largest neighbour slot count (stride of the per-satellite neighbour slots). */
  readonly maxKN: number;

  /** Energy store capacity, J. */
  readonly senCapJ: Float64Array;
  /** Peak harvesting power, W. */
  readonly senHarvestW: Float64Array;
  /** Sleep load, W. */
  readonly senSleepW: Float64Array;
  /** Energy of one sensing, J. */
  readonly senSenseJ: Float64Array;
  /** Energy of one alert, J. */
  readonly senAlertJ: Float64Array;
  /** Sine of the minimum elevation of a satellite it can alert. */
  readonly senSinMinEl: Float64Array;
  /** That minimum elevation, radians. */
  readonly senMinElRad: Float64Array;
  /** Decision (wake) energy, J. */
  readonly senInferJ: Float64Array;
  /** Satellite slots of the sensor's class. */
  readonly senKS: Int32Array;
  /** Event arrival rate, per second. */
  readonly senRatePerS: Float64Array;
  /** Largest satellite slot count (stride of the per-sensor satellite slots). */
  readonly maxKS: number;

  /** Parameters of `world`'s nodes for episodes of `maxSteps` steps of `scenario`. */
  constructor(world: FleetWorld, scenario: Scenario, maxSteps: number) {
    const classes = world.classes;
    const nSat = world.satelliteCount;
    const nSen = world.sensorCount;
    this.nSat = nSat;
    this.nSen = nSen;
    this.dtUs = Math.round(scenario.time.dtS * US);
    this.endUs = maxSteps * this.dtUs;
    this.jitterSteps = Math.floor(scenario.time.startJitterS / scenario.time.dtS);
    const f64 = (n: number) => new Float64Array(n);
    this.satCapJ = f64(nSat);
    this.satSolarW = f64(nSat);
    this.satBaseW = f64(nSat);
    this.satImgJ = f64(nSat);
    this.satImgUs = f64(nSat);
    this.satImageMB = f64(nSat);
    this.satStorageMB = f64(nSat);
    this.satDownMBps = f64(nSat);
    this.satDownW = f64(nSat);
    this.satIslMBps = f64(nSat);
    this.satIslW = f64(nSat);
    this.satIslKm = f64(nSat);
    this.satCosOffNadir = f64(nSat);
    this.satEventRad = f64(nSat);
    this.satInferJ = f64(nSat);
    this.satKE = new Int32Array(nSat);
    this.satKN = new Int32Array(nSat);
    let minImage = Infinity, maxStorage = 0, maxKE = 1, maxKN = 1;
    for (let i = 0; i < nSat; i++) {
      const d = classes[world.satelliteClass[i]].def as SatelliteClassDef;
      this.satCapJ[i] = d.power.batteryWh * 3600;
      this.satSolarW[i] = d.power.solarW;
      this.satBaseW[i] = d.power.baseLoadW;
      this.satImgJ[i] = d.payload.imagingPowerW * d.payload.imagingDurationS;
      this.satImgUs[i] = Math.round(d.payload.imagingDurationS * US);
      this.satImageMB[i] = d.payload.imageSizeMB;
      this.satStorageMB[i] = d.payload.storageMB;
      this.satDownMBps[i] = d.radio.downlinkMbps / 8;
      this.satDownW[i] = d.radio.downlinkPowerW;
      this.satIslMBps[i] = d.radio.islMbps / 8;
      this.satIslW[i] = d.radio.islPowerW;
      this.satIslKm[i] = d.radio.islRangeKm;
      this.satCosOffNadir[i] = Math.cos(d.payload.offNadirDeg * DEG);
      this.satEventRad[i] = d.observation.eventRangeKm / EARTH_RADIUS_KM;
      this.satInferJ[i] = d.budget.wakeEnergyJ;
      this.satKE[i] = d.observation.kEvents;
      this.satKN[i] = d.observation.kNeighbours;
      minImage = Math.min(minImage, d.payload.imageSizeMB);
      maxStorage = Math.max(maxStorage, d.payload.storageMB);
      maxKE = Math.max(maxKE, d.observation.kEvents);
      maxKN = Math.max(maxKN, d.observation.kNeighbours);
    }
    this.storeCap = Math.floor(maxStorage / minImage) + 1;
    this.maxKE = maxKE;
    this.maxKN = maxKN;
    this.senCapJ = f64(nSen);
    this.senHarvestW = f64(nSen);
    this.senSleepW = f64(nSen);
    this.senSenseJ = f64(nSen);
    this.senAlertJ = f64(nSen);
    this.senSinMinEl = f64(nSen);
    this.senMinElRad = f64(nSen);
    this.senInferJ = f64(nSen);
    this.senKS = new Int32Array(nSen);
    this.senRatePerS = f64(nSen);
    let maxKS = 1;
    const ratePerS = scenario.task.arrivalRatePerSensorPerHour / 3600;
    for (let s = 0; s < nSen; s++) {
      const d = classes[world.sensorClass[s]].def as SensorClassDef;
      this.senCapJ[s] = d.power.batteryJ;
      this.senHarvestW[s] = d.power.harvestW;
      this.senSleepW[s] = d.power.sleepW;
      this.senSenseJ[s] = d.sensing.energyJ;
      this.senAlertJ[s] = d.radio.alertEnergyJ;
      this.senSinMinEl[s] = Math.sin(d.radio.minElevationDeg * DEG);
      this.senMinElRad[s] = d.radio.minElevationDeg * DEG;
      this.senInferJ[s] = d.budget.wakeEnergyJ;
      this.senKS[s] = d.observation.kSatellites;
      this.senRatePerS[s] = ratePerS * world.sensorRateScale[s];
      maxKS = Math.max(maxKS, d.observation.kSatellites);
    }
    this.maxKS = maxKS;
    this.classPeriod = Int32Array.from(classes, (c) => c.def.decisionPeriodSteps);

    const hours = maxSteps * scenario.time.dtS / 3600;
    let rateSum = 0;
    for (let s = 0; s < nSen; s++) rateSum += this.senRatePerS[s] * 3600;
    this.expectedArrivals = Math.max(1, rateSum * hours);
  }
}
