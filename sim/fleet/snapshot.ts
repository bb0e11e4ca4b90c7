/**
 * Snapshots of a fleet env for dashboards and telemetry: a read-only picture of the world in plain numbers
 * and small arrays (geodetic positions, batteries, storage, visibility, every event so far), allocated
 * only when asked for, never in a step.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 3 });
 * env.reset(1);
 * const snap = env.snapshot();
 * console.assert(snap.satellites.id[0] === "cubesat_0" && snap.stations.name.length === 3);
 * ```
 *
 * @module
 */

import type { EnvInfos } from "../env/types.ts";
import { ecfToGeodeticInto } from "../orbit/mod.ts";
import type { FleetDynamics } from "./dynamics.ts";
import { EVENT_STATUS_NAMES } from "./events.ts";
import type { FleetOrbits } from "./orbits.ts";
import type { FleetParams } from "./params.ts";
import type { FleetVisibility } from "./visibility.ts";
import type { FleetWorld } from "./world.ts";

const DEG = Math.PI / 180;
const US = 1_000_000;

/**
 * A read-only picture of the world for dashboards: plain numbers and small arrays.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import type { FleetSnapshot } from "./snapshot.ts";
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
    /** Per satellite, the satellites (indices into these arrays) it can relay to over ISL now. */
    islNeighbours: number[][];
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
  /** Ground stations; `minElevationDeg` is each one's elevation mask (footprints are drawn from it). */
  stations: { name: string[]; latDeg: number[]; lonDeg: number[]; minElevationDeg: number[] };
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
 * What {@linkcode fleetSnapshot} reads: the env's parts and its clock.
 *
 * @example
 * ```ts
 * import type { SnapshotSource } from "./snapshot.ts";
 * const fields: (keyof SnapshotSource)[] = ["id", "stepIndex", "timeMs", "dtS"];
 * console.assert(fields.length === 4);
 * ```
 */
export interface SnapshotSource {
  /** Env id. */
  readonly id: string;
  /** Decision step of the episode. */
  readonly stepIndex: number;
  /** Simulated time, Unix ms. */
  readonly timeMs: number;
  /** Decision epoch, s. */
  readonly dtS: number;
  /** The static world. */
  readonly world: FleetWorld;
  /** Per-node parameters. */
  readonly params: FleetParams;
  /** Geometry of the current step. */
  readonly orbits: FleetOrbits;
  /** Node state and events. */
  readonly dynamics: FleetDynamics;
  /** Proximity queries of the current step. */
  readonly visibility: FleetVisibility;
  /** The env's infos (copied). */
  readonly infos: EnvInfos;
}

/**
 * A snapshot of the env parts in `src` (see module docs); allocates the result.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const snap = new FleetEnv({ scenario: "leo-wildfire" }).snapshot(); // calls fleetSnapshot
 * console.assert(snap.satellites.islNeighbours.length === 16);
 * ```
 */
export function fleetSnapshot(src: SnapshotSource): FleetSnapshot {
  const p = src.params;
  const dyn = src.dynamics;
  const vis = src.visibility;
  const classes = src.world.classes;
  const w = src.world;
  const o = src.orbits;
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
    islNeighbours: [],
  };
  for (let i = 0; i < p.nSat; i++) {
    const c = classes[w.satelliteClass[i]];
    sats.id.push(`${c.name}_${w.satelliteSlot[i]}`);
    sats.className.push(c.name);
    if (o.valid[i]) ecfToGeodeticInto(o.ecf[3 * i], o.ecf[3 * i + 1], o.ecf[3 * i + 2], geo, 0);
    else geo.fill(NaN);
    sats.latDeg.push(geo[0] / DEG);
    sats.lonDeg.push(geo[1] / DEG);
    sats.altKm.push(geo[2]);
    sats.battery.push(dyn.satBattery[i] / p.satCapJ[i]);
    sats.storedImages.push(dyn.storeCount[i]);
    sats.storageUsed.push(dyn.satUsedMB[i] / p.satStorageMB[i]);
    sats.sunlit.push(o.sunlit[i]);
    sats.stationInView.push(vis.stationInView[i]);
    const slots = vis.neighbourSlots.subarray(i * p.maxKN, (i + 1) * p.maxKN);
    sats.islNeighbours.push(Array.from(slots).filter((m) => m >= 0));
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
  for (let s = 0; s < p.nSen; s++) {
    const c = classes[w.sensorClass[s]];
    sens.id.push(`${c.name}_${w.sensorSlot[s]}`);
    sens.name.push(w.sensorNames[s]);
    sens.className.push(c.name);
    sens.latDeg.push(w.sensorLatDeg[s]);
    sens.lonDeg.push(w.sensorLonDeg[s]);
    sens.battery.push(dyn.senBattery[s] / p.senCapJ[s]);
    sens.detected.push(dyn.events.detectedAt[s]);
    sens.satellitesVisible.push(vis.senVisible[s]);
  }
  const ev = dyn.events;
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
    id: src.id,
    step: src.stepIndex,
    timeMs: src.timeMs,
    elapsedS: src.stepIndex * src.dtS,
    satellites: sats,
    sensors: sens,
    stations: {
      name: [...w.stationNames],
      latDeg: Array.from(w.stationLatDeg),
      lonDeg: Array.from(w.stationLonDeg),
      minElevationDeg: Array.from(w.stationSinMinEl, (x) => Math.asin(x) / DEG),
    },
    events,
    infos: { ...src.infos },
  };
}
