/**
 * Observations and global state of a fleet env: each node's partial observation and action mask written
 * into its class's preallocated buffers (layouts in `layout.ts`), the centralized critic's global state
 * (every node's own features, then an event summary) and the env's infos, all read from the per-node
 * parameters, the dynamics and the visibility of the current step. Writing allocates nothing.
 *
 * Masks: a satellite may image an event in its slots inside the off-nadir limit when it has the battery
 * and free storage and is not imaging, downlink when a station is in view and it has images on board,
 * relay to a neighbour slot with room for its next image; a sensor may sense with the battery, and alert
 * when it holds detected events and a satellite is visible. Only deciding classes (on their decision
 * period) may do more than idle / sleep.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * import { SAT_OWN } from "./layout.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * const r = env.reset(1);
 * const sat = r.classes[0];
 * console.assert(sat.actionMask[0] === 1); // idle is always legal
 * console.assert(sat.obs[SAT_OWN.battery] > 0 && sat.obs[SAT_OWN.battery] <= 1);
 * ```
 *
 * @module
 */

import type { ClassBuffers, EnvInfos } from "../env/types.ts";
import type { FleetDynamics } from "./dynamics.ts";
import { EventStatus, type EventTable } from "./events.ts";
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
} from "./layout.ts";
import type { FleetOrbits } from "./orbits.ts";
import type { FleetParams } from "./params.ts";
import type { FleetVisibility } from "./visibility.ts";
import type { FleetClass, FleetWorld } from "./world.ts";

const DEG = Math.PI / 180;
const US = 1_000_000;

/**
 * Clips `x` to [0, 1].
 *
 * @example
 * ```ts
 * import { clip01 } from "./observe.ts";
 * console.assert(clip01(-2) === 0 && clip01(0.25) === 0.25 && clip01(7) === 1);
 * ```
 */
export function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Writes the observations, masks, state and infos of one fleet env (see module docs).
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * env.reset(2);
 * const s = env.state(); // written by the observer
 * console.assert(s.length === env.stateSize && s.every((x) => Number.isFinite(x)));
 * ```
 */
export class FleetObserver {
  /** Per satellite: size of the earliest-deadline image on board, MB (0: none); written with the observations. */
  readonly headMB: Float64Array;

  readonly #world: FleetWorld;
  readonly #classes: readonly FleetClass[];
  readonly #p: FleetParams;
  readonly #orbits: FleetOrbits;
  readonly #d: FleetDynamics;
  readonly #v: FleetVisibility;
  readonly #events: EventTable;
  readonly #buffers: readonly ClassBuffers[];
  readonly #maxSteps: number;
  readonly #dtS: number;

  /**
   * An observer of `world`'s nodes writing into `buffers` (one per class); `maxSteps` and `dtS` give the
   * episode progress and the energy an action needs over an epoch.
   */
  constructor(
    world: FleetWorld,
    params: FleetParams,
    orbits: FleetOrbits,
    dynamics: FleetDynamics,
    visibility: FleetVisibility,
    buffers: readonly ClassBuffers[],
    maxSteps: number,
    dtS: number,
  ) {
    this.#world = world;
    this.#classes = world.classes;
    this.#p = params;
    this.#orbits = orbits;
    this.#d = dynamics;
    this.#v = visibility;
    this.#events = dynamics.events;
    this.#buffers = buffers;
    this.#maxSteps = maxSteps;
    this.#dtS = dtS;
    this.headMB = new Float64Array(params.nSat);
  }

  /** Writes every node's observation and action mask at decision step `stepIndex`. */
  write(stepIndex: number): void {
    this.#writeSatellites(stepIndex);
    this.#writeSensors(stepIndex);
  }

  /**
   * Writes the global state into `out` (length `stateSize`) from the observations written last: every
   * node's own features, class by class, then the {@linkcode STATE_SUMMARY} features.
   */
  state(out: Float32Array, stepIndex: number): Float32Array {
    const p = this.#p;
    let o = 0;
    for (const c of this.#classes) {
      const own = c.kind === "satellite" ? SAT_OWN.size : SENSOR_OWN.size;
      const obs = this.#buffers[c.index].obs;
      for (let q = 0; q < c.count; q++) {
        const base = q * c.obsSize;
        for (let f = 0; f < own; f++) out[o++] = obs[base + f];
      }
    }
    const ev = this.#events;
    const norm = 1 / p.expectedArrivals;
    const b = ev.byStatus;
    out[o + STATE_SUMMARY.arrived] = ev.arrived * norm;
    out[o + STATE_SUMMARY.undetected] = b[EventStatus.Undetected] * norm;
    out[o + STATE_SUMMARY.detected] = b[EventStatus.Detected] * norm;
    out[o + STATE_SUMMARY.alerted] = b[EventStatus.Alerted] * norm;
    out[o + STATE_SUMMARY.onBoard] = (b[EventStatus.Imaging] + b[EventStatus.Stored]) * norm;
    out[o + STATE_SUMMARY.delivered] = b[EventStatus.Delivered] * norm;
    out[o + STATE_SUMMARY.expired] = b[EventStatus.Expired] * norm;
    out[o + STATE_SUMMARY.valueDelivered] = ev.valueDelivered * norm / NORM.value;
    out[o + STATE_SUMMARY.progress] = stepIndex / this.#maxSteps;
    let lit = 0;
    for (let i = 0; i < p.nSat; i++) lit += this.#orbits.sunlit[i];
    out[o + STATE_SUMMARY.sunlit] = lit / Math.max(1, p.nSat);
    return out;
  }

  /** Satellite observations: own state, event slots, neighbour slots; and their masks. */
  #writeSatellites(stepIndex: number): void {
    const p = this.#p;
    const vis = this.#v;
    const dyn = this.#d;
    const o = this.#orbits;
    const ev = this.#events;
    const w = this.#world;
    const progress = stepIndex / this.#maxSteps;
    const nowUs = stepIndex * p.dtUs;
    const dt = this.#dtS;
    const stationCosNorm = NORM.stationDeg * DEG;
    for (let i = 0; i < p.nSat; i++) {
      const c = w.satelliteClass[i];
      const cls = this.#classes[c];
      const layout = cls.layout as SatelliteLayout;
      const buf = this.#buffers[c];
      const q = w.satelliteSlot[i];
      const ob = q * cls.obsSize;
      const mb = q * cls.numActions;
      const obs = buf.obs, mask = buf.actionMask;
      obs.fill(0, ob, ob + cls.obsSize);
      mask.fill(0, mb, mb + cls.numActions);
      mask[mb + layout.idle] = 1;
      const j = 3 * i;
      const valid = o.valid[i] === 1;
      // Own state.
      const storeBase = i * p.storeCap;
      let value = 0, earliest = Infinity, headMB = 0;
      for (let k = 0; k < dyn.storeCount[i]; k++) {
        const e = dyn.store[storeBase + k];
        value += ev.value[e];
        if (ev.deadlineUs[e] < earliest) {
          earliest = ev.deadlineUs[e];
          headMB = ev.sizeMB[e];
        }
      }
      this.headMB[i] = headMB;
      const battery = dyn.satBattery[i];
      const free = p.satStorageMB[i] - dyn.satUsedMB[i];
      obs[ob + SAT_OWN.battery] = battery / p.satCapJ[i];
      obs[ob + SAT_OWN.storage] = dyn.satUsedMB[i] / p.satStorageMB[i];
      obs[ob + SAT_OWN.storedValue] = Math.min(1, value / NORM.storedValue);
      obs[ob + SAT_OWN.storedSlack] = earliest === Infinity
        ? 0
        : clip01((earliest - nowUs) / US / NORM.slackS);
      obs[ob + SAT_OWN.sunlit] = o.sunlit[i];
      obs[ob + SAT_OWN.progress] = progress;
      obs[ob + SAT_OWN.deciding] = dyn.deciding[c];
      const xe = dyn.xferEvent[i];
      obs[ob + SAT_OWN.transferProgress] = xe >= 0 ? dyn.xferDoneMB[i] / ev.sizeMB[xe] : 0;
      if (!valid) continue;
      const ux = o.unit[j], uy = o.unit[j + 1], uz = o.unit[j + 2];
      const ax = vis.along[j], ay = vis.along[j + 1], az = vis.along[j + 2];
      // Cross-track (left) = up x along.
      const cx = uy * az - uz * ay, cy = uz * ax - ux * az, cz = ux * ay - uy * ax;
      obs[ob + SAT_OWN.stationInView] = vis.stationInView[i];
      const stCos = vis.stationCos[i];
      obs[ob + SAT_OWN.stationDistance] = Math.min(
        1,
        Math.acos(Math.max(-1, Math.min(1, stCos))) / stationCosNorm,
      );
      {
        const g3 = 3 * vis.stationIdx[i];
        const su = w.stationUnit;
        const dx = su[g3] - ux, dy = su[g3 + 1] - uy, dz = su[g3 + 2] - uz;
        const dn = Math.sqrt(dx * dx + dy * dy + dz * dz) || 1;
        obs[ob + SAT_OWN.stationApproach] = (dx * ax + dy * ay + dz * az) / dn;
      }
      obs[ob + SAT_OWN.sinLat] = uz;
      const vx = o.velocity[j], vy = o.velocity[j + 1], vz = o.velocity[j + 2];
      obs[ob + SAT_OWN.ascending] = vz / (Math.sqrt(vx * vx + vy * vy + vz * vz) || 1);
      obs[ob + SAT_OWN.eventsInRange] = Math.min(1, vis.inRange[i] / p.satKE[i]);
      obs[ob + SAT_OWN.eventsImageable] = Math.min(1, vis.imageable[i] / p.satKE[i]);

      const deciding = dyn.deciding[c] === 1;
      // Event slots.
      const rangeRad = p.satEventRad[i];
      const x = o.ecf[j], y = o.ecf[j + 1], z = o.ecf[j + 2], r = o.radius[i];
      const cosLimit = p.satCosOffNadir[i];
      const canImage = deciding && dyn.imaging[i] < 0 && battery >= p.satImgJ[i] &&
        free >= p.satImageMB[i] - 1e-9;
      for (let k = 0; k < layout.kEvents; k++) {
        const e = vis.eventSlots[i * p.maxKE + k];
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
      const hasImages = dyn.storeCount[i] > 0;
      if (
        deciding && hasImages && vis.stationInView[i] === 1 && battery >= p.satDownW[i] * dt
      ) mask[mb + layout.downlink] = 1;
      // Neighbour slots.
      const islAngle = 2 * Math.asin(Math.min(1, p.satIslKm[i] / (2 * o.minRadius))) || 1;
      const canRelay = deciding && hasImages && battery >= p.satIslW[i] * dt;
      for (let k = 0; k < layout.kNeighbours; k++) {
        const m = vis.neighbourSlots[i * p.maxKN + k];
        if (m < 0) break;
        const f = ob + layout.neighboursOffset + k * NEIGHBOUR_SLOT.size;
        const m3 = 3 * m;
        const dx = o.ecf[m3] - x, dy = o.ecf[m3 + 1] - y, dz = o.ecf[m3 + 2] - z;
        const freeM = p.satStorageMB[m] - dyn.satUsedMB[m];
        obs[f + NEIGHBOUR_SLOT.valid] = 1;
        obs[f + NEIGHBOUR_SLOT.range] = Math.sqrt(dx * dx + dy * dy + dz * dz) / p.satIslKm[i];
        obs[f + NEIGHBOUR_SLOT.stationInView] = vis.stationInView[m];
        obs[f + NEIGHBOUR_SLOT.freeStorage] = freeM / p.satStorageMB[m];
        obs[f + NEIGHBOUR_SLOT.stationDistance] = Math.min(
          1,
          Math.acos(Math.max(-1, Math.min(1, vis.stationCos[m]))) / stationCosNorm,
        );
        const dux = o.unit[m3] - ux, duy = o.unit[m3 + 1] - uy, duz = o.unit[m3 + 2] - uz;
        obs[f + NEIGHBOUR_SLOT.along] = (dux * ax + duy * ay + duz * az) / islAngle;
        if (canRelay && freeM >= headMB - 1e-9) mask[mb + layout.relay + k] = 1;
      }
    }
  }

  /** Sensor observations: own state and satellite slots; and their masks. */
  #writeSensors(stepIndex: number): void {
    const p = this.#p;
    const vis = this.#v;
    const dyn = this.#d;
    const o = this.#orbits;
    const ev = this.#events;
    const w = this.#world;
    const progress = stepIndex / this.#maxSteps;
    const nowUs = stepIndex * p.dtUs;
    const maxKS = p.maxKS;
    for (let s = 0; s < p.nSen; s++) {
      const c = w.sensorClass[s];
      const cls = this.#classes[c];
      const layout = cls.layout as SensorLayout;
      const buf = this.#buffers[c];
      const q = w.sensorSlot[s];
      const ob = q * cls.obsSize;
      const mb = q * cls.numActions;
      const obs = buf.obs, mask = buf.actionMask;
      obs.fill(0, ob, ob + cls.obsSize);
      const battery = dyn.senBattery[s];
      const detected = ev.detectedAt[s];
      obs[ob + SENSOR_OWN.battery] = battery / p.senCapJ[s];
      obs[ob + SENSOR_OWN.harvest] = vis.senHarvest[s];
      obs[ob + SENSOR_OWN.detected] = Math.min(1, detected / NORM.detected);
      obs[ob + SENSOR_OWN.detectedSlack] = detected > 0
        ? clip01((ev.earliestDeadline(s, EventStatus.Detected) - nowUs) / US / NORM.slackS)
        : 0;
      obs[ob + SENSOR_OWN.sinceSensed] = Math.min(
        1,
        (nowUs - dyn.senLastSensedUs[s]) / US / NORM.sinceSensedS,
      );
      obs[ob + SENSOR_OWN.satellitesVisible] = Math.min(
        1,
        vis.senVisible[s] / layout.kSatellites,
      );
      obs[ob + SENSOR_OWN.progress] = progress;
      const p3 = 3 * s;
      const pos = w.sensorPos;
      for (let k = 0; k < layout.kSatellites; k++) {
        const m = vis.senSlots[s * maxKS + k];
        if (m < 0) break;
        const f = ob + layout.satellitesOffset + k * SAT_SLOT.size;
        const m3 = 3 * m;
        const dx = o.ecf[m3] - pos[p3],
          dy = o.ecf[m3 + 1] - pos[p3 + 1],
          dz = o.ecf[m3 + 2] - pos[p3 + 2];
        const rr = dx * o.velocity[m3] + dy * o.velocity[m3 + 1] + dz * o.velocity[m3 + 2];
        obs[f + SAT_SLOT.valid] = 1;
        obs[f + SAT_SLOT.elevation] = Math.asin(Math.min(1, vis.senSlotSin[s * maxKS + k])) /
          (90 * DEG);
        obs[f + SAT_SLOT.approaching] = rr < 0 ? 1 : 0;
      }
      const deciding = dyn.deciding[c] === 1;
      mask[mb + layout.sleep] = 1;
      mask[mb + layout.sense] = deciding && battery >= p.senSenseJ[s] ? 1 : 0;
      mask[mb + layout.alert] =
        deciding && detected > 0 && vis.senVisible[s] > 0 && battery >= p.senAlertJ[s] ? 1 : 0;
    }
  }

  /** Writes the env's infos (event counts, energy, action counters) at decision step `stepIndex`. */
  writeInfos(inf: EnvInfos, stepIndex: number): void {
    const dyn = this.#d;
    const ev = this.#events;
    inf.step = stepIndex;
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
    inf.energyJ = dyn.energyJ;
    inf.stepEnergyJ = dyn.stepEnergyJ;
    inf.imaged = dyn.imaged;
    inf.alerts = dyn.alerts;
    inf.detections = dyn.detections;
    inf.relayed = dyn.relayed;
    inf.conflicts = dyn.conflicts;
  }
}
