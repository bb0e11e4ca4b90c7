/**
 * Event bookkeeping of the fleet task: every event that arrives during an episode, its status, and counters
 * that make the accounting checkable (each event is delivered, expired or pending, exactly once).
 *
 * Lifecycle: `UNDETECTED` (arrived at a sensor) -> `DETECTED` (the sensor sensed) -> `ALERTED` (the sensor
 * told a satellite in view; now visible to satellites) -> `IMAGING` (a satellite is imaging it) -> `STORED`
 * (the image is on board some satellite, possibly moving over an ISL) -> `DELIVERED` (downlinked before the
 * deadline). Any status before `DELIVERED` can become `EXPIRED` at the deadline. Pending = statuses 1-5.
 *
 * Storage is struct-of-arrays typed arrays indexed by event id (ids count up from 0 in arrival order within
 * an episode), grown by doubling when an episode has more events than ever before; per-sensor singly linked
 * lists find a sensor's events without scanning.
 *
 * @example
 * ```ts
 * import { EventStatus, EventTable } from "./events.ts";
 * const t = new EventTable(2, 8);
 * const e = t.arrive(1, 0, 5, 60_000_000, 0, 0, 6371);
 * t.setStatus(e, EventStatus.Detected);
 * console.assert(t.pending === 1 && t.detectedAt[1] === 1);
 * t.setStatus(e, EventStatus.Expired);
 * console.assert(t.pending === 0 && t.expired === 1 && t.arrived === 1);
 * ```
 *
 * @module
 */

/**
 * Status codes of an event.
 *
 * @example
 * ```ts
 * import { EventStatus, EVENT_STATUS_NAMES } from "./events.ts";
 * console.assert(EVENT_STATUS_NAMES[EventStatus.Alerted] === "alerted");
 * ```
 */
export const EventStatus = {
  /** Unused slot. */
  Free: 0,
  /** Arrived at a sensor, not yet sensed. */
  Undetected: 1,
  /** Sensed by its sensor, not yet alerted. */
  Detected: 2,
  /** Alerted to a satellite: visible to satellites as a pending event. */
  Alerted: 3,
  /** Being imaged by a satellite. */
  Imaging: 4,
  /** Imaged; the image is on board a satellite. */
  Stored: 5,
  /** Downlinked to a ground station before its deadline. */
  Delivered: 6,
  /** Its deadline passed before delivery. */
  Expired: 7,
} as const;

/**
 * An event status code.
 *
 * @example
 * ```ts
 * import { EventStatus, type EventStatusCode } from "./events.ts";
 * const s: EventStatusCode = EventStatus.Stored;
 * console.assert(s === 5);
 * ```
 */
export type EventStatusCode = typeof EventStatus[keyof typeof EventStatus];

/**
 * Names of the status codes, by code.
 *
 * @example
 * ```ts
 * import { EVENT_STATUS_NAMES } from "./events.ts";
 * console.assert(EVENT_STATUS_NAMES.length === 8);
 * ```
 */
export const EVENT_STATUS_NAMES: readonly string[] = [
  "free",
  "undetected",
  "detected",
  "alerted",
  "imaging",
  "stored",
  "delivered",
  "expired",
];

/**
 * Every event of one episode, struct-of-arrays, with status counters.
 *
 * @example
 * ```ts
 * import { EventStatus, EventTable } from "./events.ts";
 * const t = new EventTable(1, 4);
 * const e = t.arrive(0, 0, 2, 10, 6371, 0, 0);
 * t.transitionSensor(0, EventStatus.Undetected, EventStatus.Detected);
 * console.assert(t.status[e] === EventStatus.Detected && t.audit() === "");
 * ```
 */
export class EventTable {
  /** Number of events so far this episode (= next id). */
  count = 0;
  /** Status per event. */
  status: Uint8Array;
  /** Sensor index per event (-1 for injected events). */
  sensor: Int32Array;
  /** Earth-fixed position per event, km: [x, y, z] x count. */
  pos: Float64Array;
  /** Unit vector of the position per event: [x, y, z] x count. */
  unit: Float64Array;
  /** Arrival time, µs since episode start. */
  arrivalUs: Float64Array;
  /** Deadline, µs since episode start. */
  deadlineUs: Float64Array;
  /** Value delivered if in time. */
  value: Float64Array;
  /** Satellite holding or imaging it (-1: none). */
  holder: Int32Array;
  /** Image size, MB (set when imaged). */
  sizeMB: Float64Array;
  /** Next event of the same sensor (-1: end). */
  nextOfSensor: Int32Array;
  /** Per sensor: newest event id (-1: none). */
  readonly headOfSensor: Int32Array;
  /** Per sensor: events with status Undetected. */
  readonly undetectedAt: Int32Array;
  /** Per sensor: events with status Detected. */
  readonly detectedAt: Int32Array;
  /** Events per status code. */
  readonly byStatus: Int32Array = new Int32Array(8);
  /** Total value delivered in time this episode. */
  valueDelivered = 0;
  /** Total value of expired events this episode. */
  valueExpired = 0;
  /** Called when the table grows (new capacity), so owners can extend per-event handlers. */
  onGrow: ((capacity: number) => void) | null = null;

  /** A table for `sensors` sensors and room for `capacity` events (grown on demand). */
  constructor(sensors: number, capacity: number) {
    const cap = Math.max(16, capacity);
    this.status = new Uint8Array(cap);
    this.sensor = new Int32Array(cap);
    this.pos = new Float64Array(3 * cap);
    this.unit = new Float64Array(3 * cap);
    this.arrivalUs = new Float64Array(cap);
    this.deadlineUs = new Float64Array(cap);
    this.value = new Float64Array(cap);
    this.holder = new Int32Array(cap);
    this.sizeMB = new Float64Array(cap);
    this.nextOfSensor = new Int32Array(cap);
    this.headOfSensor = new Int32Array(sensors).fill(-1);
    this.undetectedAt = new Int32Array(sensors);
    this.detectedAt = new Int32Array(sensors);
  }

  /** Current capacity. */
  get capacity(): number {
    return this.status.length;
  }

  /** Forgets every event (start of an episode). */
  clear(): void {
    this.status.fill(0, 0, this.count);
    this.count = 0;
    this.headOfSensor.fill(-1);
    this.undetectedAt.fill(0);
    this.detectedAt.fill(0);
    this.byStatus.fill(0);
    this.valueDelivered = 0;
    this.valueExpired = 0;
  }

  /** Events that arrived this episode. */
  get arrived(): number {
    return this.count;
  }

  /** Events delivered in time. */
  get delivered(): number {
    return this.byStatus[EventStatus.Delivered];
  }

  /** Events expired. */
  get expired(): number {
    return this.byStatus[EventStatus.Expired];
  }

  /** Events neither delivered nor expired. */
  get pending(): number {
    const b = this.byStatus;
    return b[1] + b[2] + b[3] + b[4] + b[5];
  }

  /**
   * Records an arrival at `sensor` (-1: injected, not attached) at Earth-fixed position (x, y, z) km;
   * returns the event id. Its status is Undetected.
   */
  arrive(
    sensor: number,
    arrivalUs: number,
    value: number,
    deadlineUs: number,
    x: number,
    y: number,
    z: number,
  ): number {
    if (this.count === this.status.length) this.#grow();
    const e = this.count++;
    this.status[e] = EventStatus.Undetected;
    this.byStatus[EventStatus.Undetected]++;
    this.sensor[e] = sensor;
    this.pos[3 * e] = x;
    this.pos[3 * e + 1] = y;
    this.pos[3 * e + 2] = z;
    const r = Math.sqrt(x * x + y * y + z * z);
    this.unit[3 * e] = x / r;
    this.unit[3 * e + 1] = y / r;
    this.unit[3 * e + 2] = z / r;
    this.arrivalUs[e] = arrivalUs;
    this.deadlineUs[e] = deadlineUs;
    this.value[e] = value;
    this.holder[e] = -1;
    this.sizeMB[e] = 0;
    if (sensor >= 0) {
      this.nextOfSensor[e] = this.headOfSensor[sensor];
      this.headOfSensor[sensor] = e;
      this.undetectedAt[sensor]++;
    } else {
      this.nextOfSensor[e] = -1;
    }
    return e;
  }

  /**
   * Moves event `e` to `status`, keeping the counters. Delivering adds its value to `valueDelivered`,
   * expiring to `valueExpired`. Throws on a transition out of a final status (a bookkeeping bug).
   */
  setStatus(e: number, status: EventStatusCode): void {
    const old = this.status[e];
    if (old === status) return;
    if (old === EventStatus.Delivered || old === EventStatus.Expired || old === EventStatus.Free) {
      throw new Error(
        `EventTable: event ${e} cannot go from ${EVENT_STATUS_NAMES[old]} to ${
          EVENT_STATUS_NAMES[status]
        }`,
      );
    }
    this.byStatus[old]--;
    this.byStatus[status]++;
    this.status[e] = status;
    const s = this.sensor[e];
    if (s >= 0) {
      if (old === EventStatus.Undetected) this.undetectedAt[s]--;
      else if (old === EventStatus.Detected) this.detectedAt[s]--;
      if (status === EventStatus.Detected) this.detectedAt[s]++;
      else if (status === EventStatus.Undetected) this.undetectedAt[s]++;
    }
    if (status === EventStatus.Delivered) this.valueDelivered += this.value[e];
    else if (status === EventStatus.Expired) this.valueExpired += this.value[e];
  }

  /**
   * Moves every event of `sensor` with status `from` to `to`; returns how many. Unlinks events that are
   * final (delivered or expired) on the way, so lists stay short.
   */
  transitionSensor(sensor: number, from: EventStatusCode, to: EventStatusCode): number {
    let n = 0;
    let prev = -1;
    let e = this.headOfSensor[sensor];
    while (e >= 0) {
      const next = this.nextOfSensor[e];
      const st = this.status[e];
      if (st === EventStatus.Delivered || st === EventStatus.Expired) {
        if (prev < 0) this.headOfSensor[sensor] = next;
        else this.nextOfSensor[prev] = next;
      } else {
        if (st === from) {
          this.setStatus(e, to);
          n++;
        }
        prev = e;
      }
      e = next;
    }
    return n;
  }

  /** Smallest deadline among `sensor`'s events with status `status` (Infinity when none). */
  earliestDeadline(sensor: number, status: EventStatusCode): number {
    let best = Infinity;
    for (let e = this.headOfSensor[sensor]; e >= 0; e = this.nextOfSensor[e]) {
      if (this.status[e] === status && this.deadlineUs[e] < best) best = this.deadlineUs[e];
    }
    return best;
  }

  /**
   * Recounts statuses from the status array and checks them against the counters; returns a description
   * of the first mismatch or "" (for tests).
   */
  audit(): string {
    const counts = new Int32Array(8);
    for (let e = 0; e < this.count; e++) counts[this.status[e]]++;
    for (let s = 0; s < 8; s++) {
      if (counts[s] !== this.byStatus[s]) {
        return `status ${EVENT_STATUS_NAMES[s]}: counter ${this.byStatus[s]}, recount ${counts[s]}`;
      }
    }
    if (counts[0] !== 0) return `${counts[0]} events have status free`;
    const und = new Int32Array(this.undetectedAt.length);
    const det = new Int32Array(this.detectedAt.length);
    for (let e = 0; e < this.count; e++) {
      const s = this.sensor[e];
      if (s < 0) continue;
      if (this.status[e] === EventStatus.Undetected) und[s]++;
      if (this.status[e] === EventStatus.Detected) det[s]++;
    }
    for (let s = 0; s < und.length; s++) {
      if (und[s] !== this.undetectedAt[s] || det[s] !== this.detectedAt[s]) {
        return `sensor ${s}: per-sensor counters disagree with statuses`;
      }
    }
    return "";
  }

  #grow(): void {
    const cap = 2 * this.status.length;
    const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(per * cap);
      b.set(a);
      return b;
    };
    this.status = grow(this.status);
    this.sensor = grow(this.sensor);
    this.pos = grow(this.pos, 3);
    this.unit = grow(this.unit, 3);
    this.arrivalUs = grow(this.arrivalUs);
    this.deadlineUs = grow(this.deadlineUs);
    this.value = grow(this.value);
    this.holder = grow(this.holder);
    this.sizeMB = grow(this.sizeMB);
    this.nextOfSensor = grow(this.nextOfSensor);
    this.onGrow?.(cap);
  }
}
