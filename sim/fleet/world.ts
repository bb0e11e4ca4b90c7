/**
 * The static world of a fleet scenario, built once per environment: satellites (SGP4 records from Walker
 * parameters or real element sets) with their node classes, sensors (explicit and grid-generated) with
 * positions and local up vectors, ground stations, and the agent classes in env order (satellite classes
 * in `classMix` order, then sensor classes in order of first appearance, explicit list before grids;
 * classes without nodes are left out).
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * const w = buildFleetWorld(builtinScenario("leo-wildfire"));
 * console.assert(w.satelliteCount === 16 && w.classes[0].name === "cubesat");
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../budget.ts";
import type { AgentClassSpec } from "../env/types.ts";
import {
  geodeticToEcf,
  MAX_ELEMENT_FILE_BYTES,
  OrbitDataError,
  parseElements,
  type SatelliteRecord,
  walkerDelta,
} from "../orbit/mod.ts";
import { readTextFileBoundedSync } from "../bounded_read.ts";
import { Rng } from "../rng.ts";
import {
  type SatelliteLayout,
  satelliteLayout,
  type SensorLayout,
  sensorLayout,
} from "./layout.ts";
import {
  DATA_DIR,
  defaultSensorName,
  type Scenario,
  SCENARIO_LIMITS,
  ScenarioError,
} from "./scenario.ts";
import type { NodeClassDef, SatelliteClassDef, SensorClassDef } from "./schema.ts";

const DEG = Math.PI / 180;

/**
 * One agent class of a fleet env: a node class with its layout and the nodes that belong to it.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld, type FleetClass } from "./world.ts";
 * const cubesat: FleetClass = buildFleetWorld(builtinScenario("leo-wildfire")).classes[0];
 * console.assert(cubesat.kind === "satellite" && cubesat.budget.deadlineMs === 5);
 * ```
 */
export interface FleetClass extends AgentClassSpec {
  /** Index in the env's class list. */
  readonly index: number;
  /** `"satellite"` or `"sensor"`. */
  readonly kind: "satellite" | "sensor";
  /** The node class definition (budget, physical parameters). */
  readonly def: NodeClassDef;
  /** The observation/action layout. */
  readonly layout: SatelliteLayout | SensorLayout;
  /** The class's compute budget. */
  readonly budget: ComputeBudget;
  /** Node index (satellite index or sensor index) of each agent of the class, in agent order. */
  readonly nodes: Int32Array;
  /** Action names (as in the layout). */
  readonly actionNames: readonly string[];
}

/**
 * The static part of a fleet scenario.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld, type FleetWorld } from "./world.ts";
 * const w: FleetWorld = buildFleetWorld(builtinScenario("leo-wildfire"));
 * console.assert(w.sensorPos.length === 3 * w.sensorCount);
 * ```
 */
export interface FleetWorld {
  /** The scenario. */
  readonly scenario: Scenario;
  /** Agent classes in env order. */
  readonly classes: readonly FleetClass[];
  /** Satellite records, index = satellite index. */
  readonly satellites: readonly SatelliteRecord[];
  /** Satellite count. */
  readonly satelliteCount: number;
  /** Stable satellite names (random-stream keys). */
  readonly satelliteNames: readonly string[];
  /** Class index per satellite. */
  readonly satelliteClass: Int32Array;
  /** Index of the satellite within its class. */
  readonly satelliteSlot: Int32Array;
  /** Sensor count. */
  readonly sensorCount: number;
  /** Stable sensor names (random-stream keys). */
  readonly sensorNames: readonly string[];
  /** Class index per sensor. */
  readonly sensorClass: Int32Array;
  /** Index of the sensor within its class. */
  readonly sensorSlot: Int32Array;
  /** Sensor latitude, longitude (degrees) and height (km). */
  readonly sensorLatDeg: Float64Array;
  /** Sensor longitude, degrees. */
  readonly sensorLonDeg: Float64Array;
  /** Sensor height, km. */
  readonly sensorAltKm: Float64Array;
  /** Arrival-rate multiplier per sensor. */
  readonly sensorRateScale: Float64Array;
  /** Sensor Earth-fixed position, km: [x, y, z] per sensor. */
  readonly sensorPos: Float64Array;
  /** Sensor unit position vector. */
  readonly sensorUnit: Float64Array;
  /** Sensor local up (ellipsoid normal). */
  readonly sensorUp: Float64Array;
  /** Station names. */
  readonly stationNames: readonly string[];
  /** Station latitude, degrees. */
  readonly stationLatDeg: Float64Array;
  /** Station longitude, degrees. */
  readonly stationLonDeg: Float64Array;
  /** Station Earth-fixed position, km. */
  readonly stationPos: Float64Array;
  /** Station unit position vector. */
  readonly stationUnit: Float64Array;
  /** Station local up. */
  readonly stationUp: Float64Array;
  /** Sine of each station's minimum elevation. */
  readonly stationSinMinEl: Float64Array;
}

function upVector(latDeg: number, lonDeg: number, out: Float64Array, o: number): void {
  const lat = latDeg * DEG, lon = lonDeg * DEG;
  out[o] = Math.cos(lat) * Math.cos(lon);
  out[o + 1] = Math.cos(lat) * Math.sin(lon);
  out[o + 2] = Math.sin(lat);
}

/** ECF position, its unit vector and the local up vector of each ground site, packed xyz. */
function groundGeometry(
  sites: readonly { latDeg: number; lonDeg: number; altKm: number }[],
): { pos: Float64Array; unit: Float64Array; up: Float64Array } {
  const pos = new Float64Array(3 * sites.length);
  const unit = new Float64Array(3 * sites.length);
  const up = new Float64Array(3 * sites.length);
  sites.forEach((g, i) => {
    const p = geodeticToEcf(g.latDeg, g.lonDeg, g.altKm);
    const r = Math.hypot(p.x, p.y, p.z);
    pos.set([p.x, p.y, p.z], 3 * i);
    unit.set([p.x / r, p.y / r, p.z / r], 3 * i);
    upVector(g.latDeg, g.lonDeg, up, 3 * i);
  });
  return { pos, unit, up };
}

/** The real path of `path`, or undefined when it does not exist. */
function realPath(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

/**
 * Reads a scenario's element-set file: a relative path (no `..`) inside the scenario's folder or the
 * repository's `data/`, which must stay inside that folder after symbolic links are followed, and a
 * regular file of at most `MAX_ELEMENT_FILE_BYTES`.
 */
function readElementFile(scenario: Scenario, file: string): { text: string; path: string } {
  const field = "constellation.elements.file";
  const fail = (expectation: string): never => {
    throw new ScenarioError(scenario.source, field, expectation, JSON.stringify(file));
  };
  if (/^([\\/]|[A-Za-z]:)/.test(file) || file.split(/[\\/]/).includes("..")) {
    fail(
      `must be a path relative to the scenario's folder or to data/, without ".." (element sets are read from those folders only)`,
    );
  }
  const roots = [...(scenario.baseDir === undefined ? [] : [scenario.baseDir]), DATA_DIR];
  const tried: string[] = [];
  for (const root of roots) {
    const path = root.endsWith("/") ? root + file : `${root}/${file}`;
    tried.push(path);
    let real: string | undefined;
    let realRoot: string | undefined;
    try {
      real = realPath(path);
      realRoot = realPath(root);
    } catch (e) {
      fail(`must name a readable element-set file (${path}: ${(e as Error).message})`);
    }
    if (real === undefined || realRoot === undefined) continue;
    if (!real.startsWith(realRoot.endsWith("/") ? realRoot : `${realRoot}/`)) {
      fail(`must stay inside ${root} (${path} links to a file outside it)`);
    }
    try {
      return { text: readTextFileBoundedSync(real, MAX_ELEMENT_FILE_BYTES), path };
    } catch (e) {
      fail(`must name a readable element-set file (${path} ${(e as Error).message})`);
    }
  }
  return fail(
    `must name an element-set file relative to the scenario or to data/ (looked for ${
      tried.join(", ")
    })`,
  );
}

/**
 * The satellite records of a scenario's constellation (Walker-generated or read from its element-set
 * file). Errors name the scenario field.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { constellationRecords } from "./world.ts";
 * console.assert(constellationRecords(builtinScenario("mega-shell")).length === 2243);
 * ```
 */
export function constellationRecords(scenario: Scenario): SatelliteRecord[] {
  const c = scenario.constellation;
  if (c.walker !== undefined) {
    const w = c.walker;
    try {
      return walkerDelta({
        total: w.total,
        planes: w.planes,
        phasing: w.phasing,
        altitudeKm: w.altitudeKm,
        inclinationDeg: w.inclinationDeg,
        raanOffsetDeg: w.raanOffsetDeg,
        epoch: new Date(w.epoch ?? scenario.time.start),
        namePrefix: scenario.name,
      });
    } catch (e) {
      const m = /field "(\w+)" must be (.*), got (.*)$/.exec(e instanceof Error ? e.message : "");
      if (m) {
        throw new ScenarioError(
          scenario.source,
          `constellation.walker.${m[1]}`,
          `must be ${m[2]}`,
          m[3],
        );
      }
      throw e;
    }
  }
  const el = c.elements!;
  const { text, path } = readElementFile(scenario, el.file);
  let records: SatelliteRecord[];
  try {
    records = parseElements(text, path, el.format);
  } catch (e) {
    if (e instanceof OrbitDataError) {
      throw new ScenarioError(
        scenario.source,
        "constellation.elements.file",
        `names a bad element set: ${e.message}`,
        JSON.stringify(el.file),
      );
    }
    throw e;
  }
  const kept: SatelliteRecord[] = [];
  for (let i = 0; i < records.length; i += el.stride) {
    kept.push(records[i]);
    if (el.limit !== undefined && kept.length >= el.limit) break;
  }
  const sensors = scenario.sensors.list.length +
    scenario.sensors.grids.reduce((n, g) => n + g.rows * g.cols, 0);
  if (kept.length + sensors > SCENARIO_LIMITS.nodes) {
    throw new ScenarioError(
      scenario.source,
      "constellation.elements",
      `yields ${kept.length.toLocaleString("en-US")} satellites, which with ${
        sensors.toLocaleString("en-US")
      } sensors is more than the limit of ${
        SCENARIO_LIMITS.nodes.toLocaleString("en-US")
      } nodes (thin it with "stride" or "limit")`,
    );
  }
  return kept;
}

/**
 * One sensor of a scenario, as generated by {@linkcode scenarioSensors}.
 *
 * @example
 * ```ts
 * import type { SensorSpec } from "./world.ts";
 * const s: SensorSpec = { name: "a", cls: "mcu-sensor", latDeg: 1, lonDeg: 2, altKm: 0, rateScale: 1 };
 * console.assert(s.cls === "mcu-sensor");
 * ```
 */
export interface SensorSpec {
  /** Stable name. */
  name: string;
  /** Node class name. */
  cls: string;
  /** Latitude, degrees. */
  latDeg: number;
  /** Longitude, degrees. */
  lonDeg: number;
  /** Height, km. */
  altKm: number;
  /** Arrival-rate multiplier. */
  rateScale: number;
}

/**
 * Every sensor of a scenario, explicit list first, then grids row by row (names, classes, positions).
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { scenarioSensors } from "./world.ts";
 * const sensors = scenarioSensors(builtinScenario("leo-wildfire"));
 * console.assert(sensors.length === 24 && sensors[0].name === "gw-redding");
 * ```
 */
export function scenarioSensors(scenario: Scenario): SensorSpec[] {
  const out: SensorSpec[] = [];
  for (const e of scenario.sensors.list) {
    out.push({
      name: e.name ?? defaultSensorName(e.latDeg, e.lonDeg),
      cls: e.class,
      latDeg: e.latDeg,
      lonDeg: e.lonDeg,
      altKm: e.altKm,
      rateScale: e.rateScale,
    });
  }
  for (const g of scenario.sensors.grids) {
    const { latMinDeg, latMaxDeg, lonMinDeg, lonMaxDeg } = g.region;
    const dLat = (latMaxDeg - latMinDeg) / g.rows;
    const dLon = (lonMaxDeg - lonMinDeg) / g.cols;
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const name = `${g.namePrefix}-r${r}c${c}`;
        // Jitter is fixed per scenario: drawn from a stream named after the sensor, not the episode seed.
        const rng = new Rng("fleet-sensor-layout", name);
        const lat = latMinDeg + (r + 0.5) * dLat + g.jitterDeg * (2 * rng.uniform() - 1);
        const lon = lonMinDeg + (c + 0.5) * dLon + g.jitterDeg * (2 * rng.uniform() - 1);
        out.push({
          name,
          cls: g.class,
          latDeg: Math.max(-90, Math.min(90, lat)),
          lonDeg: lon,
          altKm: g.altKm,
          rateScale: g.rateScale,
        });
      }
    }
  }
  return out;
}

/**
 * Builds the static world of `scenario`.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * const w = buildFleetWorld(builtinScenario("iot-edge-fleet"));
 * console.assert(w.sensorCount === 240 && w.classes.every((c) => c.count > 0));
 * ```
 */
export function buildFleetWorld(scenario: Scenario): FleetWorld {
  const records = constellationRecords(scenario);
  if (records.length === 0) {
    throw new ScenarioError(
      scenario.source,
      "constellation",
      "must contain at least one satellite",
    );
  }
  const pattern: string[] = [];
  for (const m of scenario.constellation.classMix) {
    for (let k = 0; k < m.weight; k++) pattern.push(m.class);
  }
  const satClassName = records.map((_, i) => pattern[i % pattern.length]);
  const sensors = scenarioSensors(scenario);

  const classNames: string[] = [];
  for (const m of scenario.constellation.classMix) {
    if (!classNames.includes(m.class) && satClassName.includes(m.class)) classNames.push(m.class);
  }
  for (const s of sensors) if (!classNames.includes(s.cls)) classNames.push(s.cls);

  const satelliteClass = new Int32Array(records.length);
  const satelliteSlot = new Int32Array(records.length);
  const sensorClass = new Int32Array(sensors.length);
  const sensorSlot = new Int32Array(sensors.length);
  const members: number[][] = classNames.map(() => []);
  satClassName.forEach((name, i) => {
    const c = classNames.indexOf(name);
    satelliteClass[i] = c;
    satelliteSlot[i] = members[c].length;
    members[c].push(i);
  });
  sensors.forEach((s, i) => {
    const c = classNames.indexOf(s.cls);
    sensorClass[i] = c;
    sensorSlot[i] = members[c].length;
    members[c].push(i);
  });
  const classes: FleetClass[] = classNames.map((name, index) => {
    const def = scenario.classes[name];
    const layout = def.kind === "satellite"
      ? satelliteLayout(
        (def as SatelliteClassDef).observation.kEvents,
        (def as SatelliteClassDef).observation.kNeighbours,
      )
      : sensorLayout((def as SensorClassDef).observation.kSatellites);
    return {
      name,
      index,
      kind: def.kind,
      def,
      layout,
      budget: def.budget,
      count: members[index].length,
      obsSize: layout.obsSize,
      numActions: layout.numActions,
      actionNames: layout.actionNames,
      nodes: Int32Array.from(members[index]),
    };
  });

  const n = sensors.length;
  const { pos: sensorPos, unit: sensorUnit, up: sensorUp } = groundGeometry(sensors);
  const st = scenario.groundStations;
  const { pos: stationPos, unit: stationUnit, up: stationUp } = groundGeometry(st);
  return {
    scenario,
    classes,
    satellites: records,
    satelliteCount: records.length,
    satelliteNames: records.map((r) => r.name !== "" ? r.name : `NORAD-${r.catalogNumber}`),
    satelliteClass,
    satelliteSlot,
    sensorCount: n,
    sensorNames: sensors.map((s) => s.name),
    sensorClass,
    sensorSlot,
    sensorLatDeg: Float64Array.from(sensors, (s) => s.latDeg),
    sensorLonDeg: Float64Array.from(sensors, (s) => s.lonDeg),
    sensorAltKm: Float64Array.from(sensors, (s) => s.altKm),
    sensorRateScale: Float64Array.from(sensors, (s) => s.rateScale),
    sensorPos,
    sensorUnit,
    sensorUp,
    stationNames: st.map((g) => g.name),
    stationLatDeg: Float64Array.from(st, (g) => g.latDeg),
    stationLonDeg: Float64Array.from(st, (g) => g.lonDeg),
    stationPos,
    stationUnit,
    stationUp,
    stationSinMinEl: Float64Array.from(st, (g) => Math.sin(g.minElevationDeg * DEG)),
  };
}
