/**
 * Visibility of a fleet env: the proximity queries evaluated at every decision epoch from the current
 * geometry, written into preallocated typed arrays that the dynamics (which event an image action
 * targets, which neighbour a relay goes to) and the observations read.
 *
 * - Satellite-station: whether a station is in view, the nearest station and its angle; the along-track
 *   direction of every satellite.
 * - Satellite-event: the K nearest pending (alerted) events within range, how many are in range and how
 *   many are imageable now.
 * - Satellite-satellite: the K nearest neighbours with line of sight within ISL range.
 * - Sensor-satellite: the visible satellites (highest first) and the sensor's harvest (sun elevation).
 *
 * Large fleets use {@linkcode SphereGrid} indexes for every query (satellites, alerted events) and static
 * {@linkcode SensorBuckets} so nearby sensors share one satellite query; `allPairs` scans every pair
 * instead (the baseline the benchmark compares with; same results).
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * import { buildFleetWorld } from "./world.ts";
 * import { FleetParams } from "./params.ts";
 * import { FleetOrbits } from "./orbits.ts";
 * import { EventTable } from "./events.ts";
 * import { FleetVisibility } from "./visibility.ts";
 * const scenario = builtinScenario("leo-wildfire");
 * const world = buildFleetWorld(scenario);
 * const params = new FleetParams(world, scenario, 10);
 * const orbits = new FleetOrbits(world.satellites, Date.parse(scenario.time.start), 30, 10);
 * const events = new EventTable(world.sensorCount, 16);
 * const vis = new FleetVisibility(world, params, orbits, events, false);
 * orbits.setStep(0);
 * vis.update();
 * console.assert(vis.senVisible.length === 24 && vis.neighbourSlots.length === 16 * params.maxKN);
 * ```
 *
 * @module
 */

import { lineOfSightAt } from "../orbit/mod.ts";
import { EventStatus, type EventTable } from "./events.ts";
import type { FleetOrbits } from "./orbits.ts";
import type { FleetParams } from "./params.ts";
import { type SensorBuckets, sensorBuckets } from "./sensor_buckets.ts";
import { SphereGrid } from "./sphere_grid.ts";
import { insertTop } from "./top_k.ts";
import type { FleetWorld } from "./world.ts";

/**
 * The proximity queries of one fleet env (see module docs). Slot arrays hold node or event indices, -1
 * past the last filled slot.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * env.reset(1);
 * const snap = env.snapshot(); // reads the visibility arrays
 * console.assert(snap.sensors.satellitesVisible.every((n) => n >= 0));
 * ```
 */
export class FleetVisibility {
  /** Per satellite: 1 when a ground station is in view (0 for an invalid orbit). */
  readonly stationInView: Uint8Array;
  /** Per satellite: cosine of the angle to the nearest station. */
  readonly stationCos: Float64Array;
  /** Per satellite: index of the nearest station. */
  readonly stationIdx: Int32Array;
  /** Per satellite: along-track unit vector (velocity on the local horizontal), [x, y, z]. */
  readonly along: Float64Array;
  /** Per satellite, `maxKE` slots: the nearest pending events within range, nearest first. */
  readonly eventSlots: Int32Array;
  /** Per satellite: pending events within range. */
  readonly inRange: Int32Array;
  /** Per satellite: pending events inside the off-nadir limit now. */
  readonly imageable: Int32Array;
  /** Per satellite, `maxKN` slots: the nearest satellites it can relay to, nearest first. */
  readonly neighbourSlots: Int32Array;
  /** Per sensor, `maxKS` slots: the visible satellites, highest first. */
  readonly senSlots: Int32Array;
  /** Per sensor slot: sine of that satellite's elevation. */
  readonly senSlotSin: Float64Array;
  /** Per sensor: visible satellites (all of them, not only the slots). */
  readonly senVisible: Int32Array;
  /** Per sensor: harvest factor now (sine of the sun's elevation, 0 at night). */
  readonly senHarvest: Float64Array;
  /** Spatial index of the satellites. */
  readonly satGrid: SphereGrid;
  /** Static buckets of nearby sensors. */
  readonly buckets: SensorBuckets;
  /** Spatial index of the alerted events. */
  readonly eventGrid: SphereGrid;
  /** Scratch: ids of the alerted events (grown with the event table). */
  alertedIds: Int32Array;
  /** Scratch: candidates of a spatial query (grown with the event table). */
  candidates: Int32Array;
  /** Scratch: keys of a top-k selection. */
  readonly topKeys: Float64Array;
  /** Scratch: ids of a top-k selection. */
  readonly topIds: Int32Array;

  readonly #world: FleetWorld;
  readonly #p: FleetParams;
  readonly #orbits: FleetOrbits;
  readonly #events: EventTable;

  /**
   * Visibility of `world`'s nodes over `orbits` and `events` (read at every {@linkcode update});
   * `allPairs` scans every pair instead of using the spatial indexes.
   */
  constructor(
    world: FleetWorld,
    params: FleetParams,
    orbits: FleetOrbits,
    events: EventTable,
    allPairs: boolean,
  ) {
    this.#world = world;
    this.#p = params;
    this.#orbits = orbits;
    this.#events = events;
    const { nSat, nSen, maxKE, maxKN, maxKS } = params;
    this.stationInView = new Uint8Array(nSat);
    this.stationCos = new Float64Array(nSat);
    this.stationIdx = new Int32Array(nSat);
    this.along = new Float64Array(3 * nSat);
    this.eventSlots = new Int32Array(nSat * maxKE).fill(-1);
    this.inRange = new Int32Array(nSat);
    this.imageable = new Int32Array(nSat);
    this.neighbourSlots = new Int32Array(nSat * maxKN).fill(-1);
    this.senSlots = new Int32Array(nSen * maxKS).fill(-1);
    this.senSlotSin = new Float64Array(nSen * maxKS);
    this.senVisible = new Int32Array(nSen);
    this.senHarvest = new Float64Array(nSen);

    // About four satellites per cell on average (fewer, bigger cells for small fleets).
    this.satGrid = new SphereGrid(
      Math.min(45, Math.max(3, Math.sqrt(165_000 / Math.max(1, nSat)))),
      nSat,
    );
    // All-pairs: every sensor is its own bucket and every query scans all points.
    this.buckets = sensorBuckets(world.sensorUnit, nSen, params.senMinElRad, allPairs ? 0 : 1);
    this.eventGrid = new SphereGrid(10, 64);
    this.satGrid.scanAll = allPairs;
    this.eventGrid.scanAll = allPairs;
    this.alertedIds = new Int32Array(64);
    this.candidates = new Int32Array(Math.max(64, nSat));
    const topK = Math.max(maxKE, maxKN, maxKS, 1);
    this.topKeys = new Float64Array(topK);
    this.topIds = new Int32Array(topK);
  }

  /** Evaluates every query for the orbits' current step and the events' current statuses. */
  update(): void {
    this.satGrid.build(this.#orbits.unit, this.#p.nSat);
    this.#stations();
    this.#buildEventGrid();
    this.#satEvents();
    this.#neighbours();
    this.#sensorsView();
  }

  /** Station visibility and the nearest station of every satellite; along-track directions. */
  #stations(): void {
    const p = this.#p;
    const o = this.#orbits;
    const w = this.#world;
    const nSt = w.stationNames.length;
    const sp = w.stationPos, su = w.stationUnit, up = w.stationUp, sinMin = w.stationSinMinEl;
    for (let i = 0; i < p.nSat; i++) {
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
      this.along[j] = ax;
      this.along[j + 1] = ay;
      this.along[j + 2] = az;
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
      this.stationInView[i] = o.valid[i] ? inView : 0;
      this.stationCos[i] = bestCos;
      this.stationIdx[i] = best;
    }
  }

  /** Indexes the alerted events (the only ones satellites see); grows the scratch ids with the table. */
  #buildEventGrid(): void {
    const p = this.#p;
    const ev = this.#events;
    let n = 0;
    if (this.alertedIds.length < ev.count) this.alertedIds = new Int32Array(ev.capacity);
    for (let e = 0; e < ev.count; e++) {
      if (ev.status[e] === EventStatus.Alerted) this.alertedIds[n++] = e;
    }
    this.eventGrid.build(ev.unit, n, this.alertedIds);
    if (this.candidates.length < Math.max(n, p.nSat)) {
      this.candidates = new Int32Array(Math.max(ev.capacity, p.nSat));
    }
  }

  /** The K nearest pending (alerted) events within range of every satellite, and which are imageable. */
  #satEvents(): void {
    const p = this.#p;
    const o = this.#orbits;
    const ev = this.#events;
    const grid = this.eventGrid;
    const cand = this.candidates;
    const keys = this.topKeys, ids = this.topIds;
    const maxKE = p.maxKE;
    for (let i = 0; i < p.nSat; i++) {
      const kE = p.satKE[i];
      const slots = i * maxKE;
      this.eventSlots.fill(-1, slots, slots + maxKE);
      this.inRange[i] = 0;
      this.imageable[i] = 0;
      if (!o.valid[i] || grid.size === 0) continue;
      const j = 3 * i;
      const n = grid.within(o.unit[j], o.unit[j + 1], o.unit[j + 2], p.satEventRad[i], cand);
      let top = 0;
      const cosines = grid.cosines;
      const x = o.ecf[j], y = o.ecf[j + 1], z = o.ecf[j + 2], r = o.radius[i];
      const cosLimit = p.satCosOffNadir[i];
      let imageable = 0;
      for (let k = 0; k < n; k++) {
        const e = cand[k];
        top = insertTop(keys, ids, top, kE, cosines[k], e);
        const dx = ev.pos[3 * e] - x, dy = ev.pos[3 * e + 1] - y, dz = ev.pos[3 * e + 2] - z;
        const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
        if (-(x * dx + y * dy + z * dz) >= cosLimit * r * d) imageable++;
      }
      this.inRange[i] = n;
      this.imageable[i] = imageable;
      for (let k = 0; k < top; k++) this.eventSlots[slots + k] = ids[k];
    }
  }

  /** The K nearest satellites with line of sight within ISL range of every satellite. */
  #neighbours(): void {
    const p = this.#p;
    const o = this.#orbits;
    const grid = this.satGrid;
    const cand = this.candidates;
    const keys = this.topKeys, ids = this.topIds;
    const maxKN = p.maxKN;
    const ecf = o.ecf;
    // Start where about 2 kN satellites are expected at uniform density, then widen.
    const share = Math.min(2, 4 * p.maxKN / Math.max(1, grid.size));
    const startAngle = Math.acos(1 - share);
    for (let i = 0; i < p.nSat; i++) {
      const kN = p.satKN[i];
      const slots = i * maxKN;
      this.neighbourSlots.fill(-1, slots, slots + maxKN);
      const rangeI = p.satIslKm[i];
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
          const lim = Math.min(rangeI, p.satIslKm[m]);
          if (dd > lim * lim) continue;
          if (!lineOfSightAt(ecf, i, m)) continue;
          top = insertTop(keys, ids, top, kN, cosines[k], m);
        }
        if (top >= kN || radius >= maxAngle) break;
        radius = Math.min(maxAngle, radius * 1.5);
      }
      for (let k = 0; k < top; k++) this.neighbourSlots[slots + k] = ids[k];
    }
  }

  /**
   * Harvest and the visible satellites (highest first) of every sensor. Sensors are grouped into static
   * buckets of nearby sensors; one spatial query per bucket finds the candidate satellites of all of them.
   */
  #sensorsView(): void {
    const p = this.#p;
    const o = this.#orbits;
    const w = this.#world;
    const grid = this.satGrid;
    const cand = this.candidates;
    const keys = this.topKeys, ids = this.topIds;
    const maxKS = p.maxKS;
    const sun = o.sun;
    const pos = w.sensorPos, up = w.sensorUp;
    const rMax = o.maxRadius;
    const bk = this.buckets;
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
        this.senHarvest[s] = sunUp > 0 ? sunUp : 0;
        const slots = s * maxKS;
        this.senSlots.fill(-1, slots, slots + maxKS);
        const kS = p.senKS[s];
        const sinMin = p.senSinMinEl[s];
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
        this.senVisible[s] = visible;
        for (let q = 0; q < top; q++) {
          this.senSlots[slots + q] = ids[q];
          this.senSlotSin[slots + q] = keys[q];
        }
      }
    }
  }
}
