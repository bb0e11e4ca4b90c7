/**
 * Dynamics of a fleet env: the mutable per-node state (batteries, storage, images on board, imaging and
 * transfers in progress), the episode's {@linkcode EventTable}, and the discrete-event kernel
 * ({@linkcode EventScheduler}) with its handlers, allocated once per env: Poisson arrivals (one random
 * stream per sensor, keyed by its name), deadlines, imaging completions and image transfers (downlink and
 * ISL, each image delivered at its completion time; a transfer that does not finish within the epoch
 * resumes if the same action is repeated).
 *
 * A step is: {@linkcode FleetDynamics.act} (satellites, then sensors; every action read by its named slot
 * in the class's layout), {@linkcode FleetDynamics.runUntil} (the kernel runs the epoch), then
 * {@linkcode FleetDynamics.integratePower} (solar / harvest in, platform / sleep load out). Energy spent is
 * summed in `stepEnergyJ` / `energyJ`.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 5 });
 * let r = env.reset(2);
 * const idle = env.classes.map((c) => new Int32Array(c.count));
 * while (!r.done) r = env.step(idle); // the dynamics run under FleetEnv.step
 * console.assert(env.audit() === "");
 * ```
 *
 * @module
 */

import { Rng } from "../rng.ts";
import { type EventHandler, EventScheduler } from "../scheduler.ts";
import { EVENT_STATUS_NAMES, EventStatus, EventTable } from "./events.ts";
import type { SatelliteLayout, SensorLayout } from "./layout.ts";
import type { FleetParams } from "./params.ts";
import type { Scenario } from "./scenario.ts";
import type { FleetVisibility } from "./visibility.ts";
import type { FleetWorld } from "./world.ts";

const US = 1_000_000;

const PRIO_DELIVERY = -1;
const PRIO_DEFAULT = 0;
const PRIO_EXPIRY = 1;
const PRIO_ARRIVAL = 2;

/**
 * What a satellite's transmitter is doing ({@linkcode FleetDynamics.xferMode}).
 *
 * @example
 * ```ts
 * import { TransferMode } from "./dynamics.ts";
 * console.assert(TransferMode.none === 0 && TransferMode.relay === 2);
 * ```
 */
export const TransferMode = {
  /** Not transmitting. */
  none: 0,
  /** Downlinking to a ground station. */
  downlink: 1,
  /** Relaying to a neighbour over ISL. */
  relay: 2,
} as const;

const XFER_NONE = TransferMode.none;
const XFER_DOWNLINK = TransferMode.downlink;
const XFER_RELAY = TransferMode.relay;

/**
 * The mutable state and the event kernel of one fleet env (see module docs).
 *
 * @example
 * ```ts
 * import { FleetEnv } from "./env.ts";
 * const env = new FleetEnv({ scenario: "leo-wildfire" });
 * env.reset(4);
 * const snap = env.snapshot(); // batteries and storage come from the dynamics
 * console.assert(snap.satellites.battery.every((b) => b >= 0 && b <= 1));
 * ```
 */
export class FleetDynamics {
  /** Per satellite: battery, J. */
  readonly satBattery: Float64Array;
  /** Per satellite: storage used, MB (images on board, being imaged and reserved by incoming relays). */
  readonly satUsedMB: Float64Array;
  /** Per satellite, `storeCap` slots: the events whose images are on board. */
  readonly store: Int32Array;
  /** Per satellite: images on board. */
  readonly storeCount: Int32Array;
  /** Per satellite: the event being imaged (-1: none). */
  readonly imaging: Int32Array;
  /** Per satellite: the transmitter's mode ({@linkcode TransferMode}), as chosen at this step. */
  readonly xferMode: Uint8Array;
  /** Per satellite: the relay target (-1: none). */
  readonly xferTarget: Int32Array;
  /** Per satellite: the event whose image is being sent (-1: none). */
  readonly xferEvent: Int32Array;
  /** Per satellite: MB of that image already sent. */
  readonly xferDoneMB: Float64Array;
  /** Per satellite: when the current image's transmission (re)started, µs. */
  readonly xferStartUs: Float64Array;
  /** Per satellite: end of the transmit window (the epoch's end), µs. */
  readonly xferEndUs: Float64Array;
  /** Per satellite: when the current image completes at the current rate, µs. */
  readonly xferFinishUs: Float64Array;
  /** Per satellite: kernel id of the scheduled transfer event (-1: none). */
  readonly xferId: Float64Array;
  /** Per sensor: energy store, J. */
  readonly senBattery: Float64Array;
  /** Per sensor: time of the last sensing, µs. */
  readonly senLastSensedUs: Float64Array;
  /** Per class: 1 when the class decides at this step. */
  readonly deciding: Uint8Array;
  /** Per event: kernel id of its deadline (grown with the table). */
  expiryIds: Float64Array;
  /** The episode's events. */
  readonly events: EventTable;
  /** Energy spent during the current step, J. */
  stepEnergyJ = 0;
  /** Energy spent this episode, J. */
  energyJ = 0;
  /** Images taken this episode. */
  imaged = 0;
  /** Events alerted this episode. */
  alerts = 0;
  /** Events detected this episode. */
  detections = 0;
  /** Images relayed this episode. */
  relayed = 0;
  /** Image actions that found their event already taken this step. */
  conflicts = 0;

  readonly #world: FleetWorld;
  readonly #p: FleetParams;
  readonly #task: Scenario["task"];
  #scheduler = new EventScheduler();
  #senRng: Rng[] = [];
  readonly #arrivalHandlers: EventHandler[];
  #expiryHandlers: EventHandler[] = [];
  readonly #imagingHandlers: EventHandler[];
  readonly #transferHandlers: EventHandler[];

  /** State and kernel handlers for `world`'s nodes; `task` gives event values, deadlines and batteries. */
  constructor(world: FleetWorld, params: FleetParams, task: Scenario["task"]) {
    this.#world = world;
    this.#p = params;
    this.#task = task;
    const { nSat, nSen } = params;
    const f64 = (n: number) => new Float64Array(n);
    this.deciding = new Uint8Array(world.classes.length);
    this.satBattery = f64(nSat);
    this.satUsedMB = f64(nSat);
    this.store = new Int32Array(nSat * params.storeCap);
    this.storeCount = new Int32Array(nSat);
    this.imaging = new Int32Array(nSat).fill(-1);
    this.xferMode = new Uint8Array(nSat);
    this.xferTarget = new Int32Array(nSat).fill(-1);
    this.xferEvent = new Int32Array(nSat).fill(-1);
    this.xferDoneMB = f64(nSat);
    this.xferStartUs = f64(nSat);
    this.xferEndUs = f64(nSat);
    this.xferFinishUs = f64(nSat);
    this.xferId = f64(nSat).fill(-1);
    this.senBattery = f64(nSen);
    this.senLastSensedUs = f64(nSen);

    this.events = new EventTable(nSen, Math.ceil(params.expectedArrivals * 2) + 16);
    this.expiryIds = f64(this.events.capacity);
    this.events.onGrow = (cap) => this.#growExpiry(cap);
    this.#growExpiry(this.events.capacity);

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
  }

  /** Starts an episode: batteries and arrivals derive from `seed` alone. */
  reset(seed: number): void {
    const p = this.#p;
    this.#scheduler = new EventScheduler({ initialCapacity: Math.max(1024, 4 * p.nSen) });
    this.events.clear();
    this.energyJ = 0;
    this.stepEnergyJ = 0;
    this.imaged = 0;
    this.alerts = 0;
    this.detections = 0;
    this.relayed = 0;
    this.conflicts = 0;
    const soc = this.#task.initialBatteryFraction;
    const w = this.#world;
    for (let i = 0; i < p.nSat; i++) {
      const u = new Rng(seed, `fleet/soc/sat:${w.satelliteNames[i]}`).uniformRange(
        soc.min,
        soc.max,
      );
      this.satBattery[i] = p.satCapJ[i] * u;
    }
    this.satUsedMB.fill(0);
    this.storeCount.fill(0);
    this.imaging.fill(-1);
    this.xferMode.fill(XFER_NONE);
    this.xferTarget.fill(-1);
    this.xferEvent.fill(-1);
    this.xferDoneMB.fill(0);
    this.xferId.fill(-1);
    this.senLastSensedUs.fill(-1e15);
    const endUs = p.endUs;
    this.#senRng = [];
    for (let s = 0; s < p.nSen; s++) {
      const name = w.sensorNames[s];
      const u = new Rng(seed, `fleet/soc/sensor:${name}`).uniformRange(soc.min, soc.max);
      this.senBattery[s] = p.senCapJ[s] * u;
      const rng = new Rng(seed, `fleet/arrivals/sensor:${name}`);
      this.#senRng.push(rng);
      const rate = p.senRatePerS[s];
      if (rate > 0) {
        const t = Math.max(1, Math.round(rng.exponential(rate) * US));
        if (t <= endUs) this.#scheduler.schedule(t, this.#arrivalHandlers[s], PRIO_ARRIVAL);
      }
    }
  }

  /** Sets {@linkcode deciding} for decision step `stepIndex` (every class on its own period). */
  setDeciding(stepIndex: number): void {
    const period = this.#p.classPeriod;
    for (let c = 0; c < period.length; c++) {
      this.deciding[c] = stepIndex % period[c] === 0 ? 1 : 0;
    }
  }

  /**
   * Applies one action per agent at time `t0` (µs), transfers running until `tEnd`: deciding nodes pay
   * their decision energy; satellites image the event in the chosen slot of `vis.eventSlots`, downlink,
   * or relay to the chosen slot of `vis.neighbourSlots` (a changed choice aborts an unfinished transfer);
   * sensors sense or alert. Actions are read by the named slots of each class's layout. Starts the
   * step's energy count.
   */
  act(actions: readonly Int32Array[], vis: FleetVisibility, t0: number, tEnd: number): void {
    const p = this.#p;
    const w = this.#world;
    const classes = w.classes;
    const ev = this.events;
    const sch = this.#scheduler;
    this.stepEnergyJ = 0;

    // Satellites act.
    for (let i = 0; i < p.nSat; i++) {
      const c = w.satelliteClass[i];
      const a = actions[c][w.satelliteSlot[i]];
      const layout = classes[c].layout as SatelliteLayout;
      if (this.deciding[c]) this.#spendSat(i, p.satInferJ[i]);
      let mode: number = XFER_NONE, target = -1;
      if (a === layout.downlink) mode = XFER_DOWNLINK;
      else if (a >= layout.relay) {
        mode = XFER_RELAY;
        target = vis.neighbourSlots[i * p.maxKN + (a - layout.relay)];
      }
      if (
        this.xferEvent[i] >= 0 && (mode !== this.xferMode[i] || target !== this.xferTarget[i])
      ) {
        this.#abortTransfer(i);
      }
      this.xferMode[i] = mode;
      this.xferTarget[i] = target;
      if (a >= layout.image && a < layout.downlink) {
        const e = vis.eventSlots[i * p.maxKE + (a - layout.image)];
        if (ev.status[e] === EventStatus.Alerted) {
          ev.setStatus(e, EventStatus.Imaging);
          ev.holder[e] = i;
          ev.sizeMB[e] = p.satImageMB[i];
          this.satUsedMB[i] += p.satImageMB[i];
          this.#spendSat(i, p.satImgJ[i]);
          this.imaging[i] = e;
          sch.schedule(t0 + p.satImgUs[i], this.#imagingHandlers[i], PRIO_DEFAULT);
        } else {
          this.conflicts++; // another satellite took it earlier in this step
        }
      } else if (mode !== XFER_NONE) {
        this.xferEndUs[i] = tEnd;
        this.#continueTransfer(i, t0);
      }
    }
    // Sensors act.
    for (let s = 0; s < p.nSen; s++) {
      const c = w.sensorClass[s];
      const a = actions[c][w.sensorSlot[s]];
      const layout = classes[c].layout as SensorLayout;
      if (this.deciding[c]) this.#spendSensor(s, p.senInferJ[s]);
      if (a === layout.sense) {
        this.#spendSensor(s, p.senSenseJ[s]);
        this.detections += ev.transitionSensor(s, EventStatus.Undetected, EventStatus.Detected);
        this.senLastSensedUs[s] = t0;
      } else if (a === layout.alert) {
        this.#spendSensor(s, p.senAlertJ[s]);
        this.alerts += ev.transitionSensor(s, EventStatus.Detected, EventStatus.Alerted);
      }
    }
  }

  /** The kernel runs the epoch up to `tEnd` (µs): arrivals, deadlines, imaging, transfers. */
  runUntil(tEnd: number): void {
    this.#scheduler.runUntil(tEnd);
  }

  /**
   * Power over an epoch of `dtS` seconds: solar power by `sunlit` (per satellite) and harvest by
   * `harvest` (per sensor) in, platform / sleep load out; batteries clipped to [0, capacity]. Adds the
   * step's energy to the episode's.
   */
  integratePower(dtS: number, sunlit: Float64Array, harvest: Float64Array): void {
    const p = this.#p;
    const dt = dtS;
    for (let i = 0; i < p.nSat; i++) {
      const b = this.satBattery[i] + (p.satSolarW[i] * sunlit[i] - p.satBaseW[i]) * dt;
      this.satBattery[i] = b < 0 ? 0 : b > p.satCapJ[i] ? p.satCapJ[i] : b;
    }
    for (let s = 0; s < p.nSen; s++) {
      const b = this.senBattery[s] + (harvest[s] * p.senHarvestW[s] - p.senSleepW[s]) * dt;
      this.senBattery[s] = b < 0 ? 0 : b > p.senCapJ[s] ? p.senCapJ[s] : b;
    }
    this.energyJ += this.stepEnergyJ;
  }

  /**
   * Adds an event at Earth-fixed (`x`, `y`, `z`) km at time `now` (µs; no sensor), alerted or not, and
   * schedules its deadline. Returns its id.
   */
  inject(
    now: number,
    value: number,
    deadline: number,
    x: number,
    y: number,
    z: number,
    alerted: boolean,
  ): number {
    const e = this.events.arrive(-1, now, value, deadline, x, y, z);
    if (alerted) this.events.setStatus(e, EventStatus.Alerted);
    this.expiryIds[e] = this.#scheduler.schedule(deadline, this.#expiryHandlers[e], PRIO_EXPIRY);
    return e;
  }

  /**
   * The first violated invariant ("" when none): batteries within [0, capacity], storage within
   * [0, capacity] and equal to the images on board, being imaged and incoming, and the event accounting.
   */
  audit(): string {
    const p = this.#p;
    const ev = this.events;
    for (let i = 0; i < p.nSat; i++) {
      const b = this.satBattery[i];
      if (!(b >= 0 && b <= p.satCapJ[i] + 1e-6)) return `satellite ${i}: battery ${b} J`;
      const used = this.satUsedMB[i];
      if (!(used >= -1e-9 && used <= p.satStorageMB[i] + 1e-9)) {
        return `satellite ${i}: storage ${used} MB`;
      }
      let sum = 0;
      for (let k = 0; k < this.storeCount[i]; k++) {
        const e = this.store[i * p.storeCap + k];
        if (ev.status[e] !== EventStatus.Stored || ev.holder[e] !== i) {
          return `satellite ${i}: stored event ${e} has status ${
            EVENT_STATUS_NAMES[ev.status[e]]
          }, holder ${ev.holder[e]}`;
        }
        sum += ev.sizeMB[e];
      }
      if (this.imaging[i] >= 0) sum += ev.sizeMB[this.imaging[i]];
      for (let j = 0; j < p.nSat; j++) {
        const e = this.xferEvent[j];
        if (j !== i && e >= 0 && this.xferMode[j] === XFER_RELAY && this.xferTarget[j] === i) {
          sum += ev.sizeMB[e];
        }
      }
      if (Math.abs(sum - used) > 1e-6) {
        return `satellite ${i}: storage ${used} MB, images add up to ${sum} MB`;
      }
    }
    for (let s = 0; s < p.nSen; s++) {
      const b = this.senBattery[s];
      if (!(b >= 0 && b <= p.senCapJ[s] + 1e-9)) return `sensor ${s}: battery ${b} J`;
    }
    const a = ev.audit();
    if (a !== "") return a;
    if (ev.arrived !== ev.delivered + ev.expired + ev.pending) {
      return "arrived != delivered + expired + pending";
    }
    return "";
  }

  /** Extends the per-event deadline handlers and ids to `capacity` events (the table grew). */
  #growExpiry(capacity: number): void {
    for (let e = this.#expiryHandlers.length; e < capacity; e++) {
      this.#expiryHandlers.push((_s, t) => this.#expire(e, t));
    }
    if (this.expiryIds.length < capacity) {
      const ids = new Float64Array(capacity);
      ids.set(this.expiryIds);
      this.expiryIds = ids;
    }
  }

  /** Kernel: an event arrives at sensor `s` at `t`; schedules its deadline and the sensor's next arrival. */
  #arrive(sch: EventScheduler, s: number, t: number): void {
    const p = this.#p;
    const rng = this.#senRng[s];
    const task = this.#task;
    const value = rng.uniformRange(task.value.min, task.value.max);
    const deadline = t + Math.round(rng.uniformRange(task.deadlineS.min, task.deadlineS.max) * US);
    const pos = this.#world.sensorPos;
    const e = this.events.arrive(s, t, value, deadline, pos[3 * s], pos[3 * s + 1], pos[3 * s + 2]);
    this.expiryIds[e] = sch.schedule(deadline, this.#expiryHandlers[e], PRIO_EXPIRY);
    const next = t + Math.max(1, Math.round(rng.exponential(p.senRatePerS[s]) * US));
    if (next <= p.endUs) {
      sch.schedule(next, this.#arrivalHandlers[s], PRIO_ARRIVAL);
    }
  }

  /** Kernel: event `e`'s deadline at `t`; an image on board (or in transfer) is dropped. */
  #expire(e: number, t: number): void {
    const ev = this.events;
    const st = ev.status[e];
    if (st === EventStatus.Delivered || st === EventStatus.Expired) return;
    if (st === EventStatus.Stored) {
      const i = ev.holder[e];
      const inTransfer = this.xferEvent[i] === e;
      if (inTransfer) {
        this.#scheduler.cancel(this.xferId[i]);
        this.xferId[i] = -1;
        this.#chargeTransfer(i, t);
        this.#releaseRelay(i, e);
        this.xferEvent[i] = -1;
        this.xferDoneMB[i] = 0;
      }
      this.#removeStored(i, e);
      ev.holder[e] = -1;
      ev.setStatus(e, EventStatus.Expired);
      if (inTransfer && this.xferEndUs[i] > t) this.#continueTransfer(i, t);
      return;
    }
    // Imaging: the completion handler frees the storage it reserved.
    ev.setStatus(e, EventStatus.Expired);
  }

  /** Kernel: satellite `i` finished imaging; the image is stored, or its storage freed if it expired. */
  #imagingDone(i: number, _t: number): void {
    const p = this.#p;
    const e = this.imaging[i];
    this.imaging[i] = -1;
    const ev = this.events;
    if (ev.status[e] === EventStatus.Imaging) {
      ev.setStatus(e, EventStatus.Stored);
      this.store[i * p.storeCap + this.storeCount[i]++] = e;
      this.imaged++;
    } else {
      this.satUsedMB[i] -= ev.sizeMB[e];
      ev.holder[e] = -1;
    }
  }

  /** Starts (or resumes) the next image transfer of satellite `i` at time `now`, within its window. */
  #continueTransfer(i: number, now: number): void {
    const p = this.#p;
    const ev = this.events;
    const mode = this.xferMode[i];
    let e = this.xferEvent[i];
    if (e < 0) {
      // Earliest deadline first.
      const base = i * p.storeCap;
      let best = -1;
      for (let k = 0; k < this.storeCount[i]; k++) {
        const c = this.store[base + k];
        if (best < 0 || ev.deadlineUs[c] < ev.deadlineUs[best]) best = c;
      }
      if (best < 0) return;
      if (mode === XFER_RELAY) {
        const j = this.xferTarget[i];
        if (p.satStorageMB[j] - this.satUsedMB[j] < ev.sizeMB[best] - 1e-9) return; // target full
        this.satUsedMB[j] += ev.sizeMB[best]; // reserved until the image arrives
      }
      e = best;
      this.xferEvent[i] = e;
      this.xferDoneMB[i] = 0;
    }
    const rate = mode === XFER_DOWNLINK ? p.satDownMBps[i] : p.satIslMBps[i];
    const finish = now + Math.ceil((ev.sizeMB[e] - this.xferDoneMB[i]) / rate * US);
    this.xferStartUs[i] = now;
    this.xferFinishUs[i] = finish;
    // Either the image completes within the epoch, or the epoch's end pauses the transfer.
    const at = finish <= this.xferEndUs[i] ? finish : this.xferEndUs[i];
    this.xferId[i] = this.#scheduler.schedule(at, this.#transferHandlers[i], PRIO_DELIVERY);
  }

  /** Kernel: satellite `i`'s image arrived (delivered or relayed), or the epoch's end paused it. */
  #transferDone(i: number, t: number): void {
    const p = this.#p;
    const ev = this.events;
    const e = this.xferEvent[i];
    this.xferId[i] = -1;
    const rate = this.xferMode[i] === XFER_DOWNLINK ? p.satDownMBps[i] : p.satIslMBps[i];
    const start = this.xferStartUs[i];
    this.#chargeTransfer(i, t);
    if (t < this.xferFinishUs[i]) {
      // Paused at the end of the epoch: keep the progress, resume if the action is repeated.
      this.xferDoneMB[i] += rate * (t - start) / US;
      return;
    }
    this.xferEvent[i] = -1;
    this.xferDoneMB[i] = 0;
    this.#removeStored(i, e);
    if (this.xferMode[i] === XFER_DOWNLINK) {
      this.#scheduler.cancel(this.expiryIds[e]);
      ev.holder[e] = -1;
      ev.setStatus(e, EventStatus.Delivered);
    } else {
      const j = this.xferTarget[i];
      ev.holder[e] = j; // the reservation at j becomes the image
      this.store[j * p.storeCap + this.storeCount[j]++] = e;
      this.relayed++;
    }
    if (t < this.xferEndUs[i]) this.#continueTransfer(i, t);
  }

  /** Charges the transmitter energy from the current image's start to `t`. */
  #chargeTransfer(i: number, t: number): void {
    const p = this.#p;
    const w = this.xferMode[i] === XFER_DOWNLINK ? p.satDownW[i] : p.satIslW[i];
    this.#spendSat(i, w * (t - this.xferStartUs[i]) / US);
    this.xferStartUs[i] = t;
  }

  /** Cancels an unfinished transfer (another action was chosen); its progress is lost. */
  #abortTransfer(i: number): void {
    const e = this.xferEvent[i];
    if (this.xferId[i] >= 0) {
      this.#scheduler.cancel(this.xferId[i]);
      this.xferId[i] = -1;
    }
    this.#releaseRelay(i, e);
    this.xferEvent[i] = -1;
    this.xferDoneMB[i] = 0;
  }

  /** Frees the storage a relay of event `e` from satellite `i` reserved at its target. */
  #releaseRelay(i: number, e: number): void {
    if (this.xferMode[i] === XFER_RELAY) {
      this.satUsedMB[this.xferTarget[i]] -= this.events.sizeMB[e];
    }
  }

  /** Removes event `e` from satellite `i`'s images and frees its storage. */
  #removeStored(i: number, e: number): void {
    const p = this.#p;
    const base = i * p.storeCap;
    const n = this.storeCount[i];
    for (let k = 0; k < n; k++) {
      if (this.store[base + k] === e) {
        this.store[base + k] = this.store[base + n - 1];
        this.storeCount[i] = n - 1;
        this.satUsedMB[i] -= this.events.sizeMB[e];
        return;
      }
    }
  }

  /** Spends up to `joules` of satellite `i`'s battery and counts it in the step's energy. */
  #spendSat(i: number, joules: number): void {
    const b = this.satBattery[i];
    const spent = joules < b ? joules : b;
    this.satBattery[i] = b - spent;
    this.stepEnergyJ += spent;
  }

  /** Spends up to `joules` of sensor `s`'s store and counts it in the step's energy. */
  #spendSensor(s: number, joules: number): void {
    const b = this.senBattery[s];
    const spent = joules < b ? joules : b;
    this.senBattery[s] = b - spent;
    this.stepEnergyJ += spent;
  }
}
