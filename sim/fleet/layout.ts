/**
 * Observation and action layouts of the fleet node classes. A class's layout depends only on its kind and
 * its observation complexity (`kEvents`, `kNeighbours` for satellites, `kSatellites` for sensors), so a
 * class name keys one layout in every scenario and a policy trained on one scenario runs on another.
 *
 * Satellite observation: {@linkcode SAT_OWN} own features, then `kEvents` event slots of
 * {@linkcode EVENT_SLOT} features (nearest pending events within `eventRangeKm`, nearest first), then
 * `kNeighbours` neighbour slots of {@linkcode NEIGHBOUR_SLOT} features (nearest satellites with line of
 * sight within ISL range). Actions, by named slot: `idle` (0, idle/charge), `image + k` (image event slot
 * k), `downlink`, `relay + j` (relay to neighbour slot j).
 *
 * Sensor observation: {@linkcode SENSOR_OWN} own features, then `kSatellites` slots of
 * {@linkcode SAT_SLOT} features (visible satellites, highest elevation first). Actions, by named slot:
 * `sleep` (0), `sense` (1), `alert` (2: to the highest visible satellite). The env, the masks and the
 * baselines read actions by these names, never by number.
 *
 * Normalisation constants are fixed here, not per scenario, for the same reason.
 *
 * @example
 * ```ts
 * import { satelliteLayout, sensorLayout } from "./layout.ts";
 * const sat = satelliteLayout(4, 2);
 * console.assert(sat.obsSize === 15 + 4 * 6 + 2 * 6 && sat.numActions === 8 && sat.downlink === 5);
 * console.assert(sensorLayout(2).obsSize === 7 + 2 * 3);
 * ```
 *
 * @module
 */

/**
 * Own features of a satellite (offsets into its observation).
 *
 * @example
 * ```ts
 * import { SAT_OWN } from "./layout.ts";
 * console.assert(SAT_OWN.battery === 0 && SAT_OWN.size === 15);
 * ```
 */
export const SAT_OWN = {
  /** Battery state of charge, 0..1. */
  battery: 0,
  /** Storage used (including reservations), 0..1. */
  storage: 1,
  /** Value of the images on board / 40, clipped to 1. */
  storedValue: 2,
  /** Time to the earliest deadline of the images on board / 1 h, clipped to [0, 1]; 0 when none. */
  storedSlack: 3,
  /** 1 in sunlight, 0 in umbra (fraction in penumbra). */
  sunlit: 4,
  /** 1 when a ground station is in view. */
  stationInView: 5,
  /** Angle to the nearest ground station / 60°, clipped to 1. */
  stationDistance: 6,
  /** Cosine between the ground velocity and the direction to the nearest station (+1: heading to it). */
  stationApproach: 7,
  /** Sine of the geocentric latitude. */
  sinLat: 8,
  /** Northward share of the velocity (+1 ascending, -1 descending). */
  ascending: 9,
  /** Pending events within observation range / kEvents, clipped to 1. */
  eventsInRange: 10,
  /** Pending events imageable now / kEvents, clipped to 1. */
  eventsImageable: 11,
  /** Progress of an unfinished transfer, 0..1. */
  transferProgress: 12,
  /** Episode progress t / maxSteps. */
  progress: 13,
  /** 1 when the class decides at this step (see `decisionPeriodSteps`). */
  deciding: 14,
  /** Number of own features. */
  size: 15,
} as const;

/**
 * Features of one observed pending event.
 *
 * @example
 * ```ts
 * import { EVENT_SLOT } from "./layout.ts";
 * console.assert(EVENT_SLOT.size === 6);
 * ```
 */
export const EVENT_SLOT = {
  /** 1 when the slot holds an event. */
  valid: 0,
  /** Along-track offset (ahead > 0) / observation range. */
  along: 1,
  /** Cross-track offset (left > 0) / observation range. */
  cross: 2,
  /** 1 when inside the imager's off-nadir limit now. */
  imageable: 3,
  /** Time to its deadline / 1 h, clipped to [0, 1]. */
  slack: 4,
  /** Value / 10. */
  value: 5,
  /** Number of features per event. */
  size: 6,
} as const;

/**
 * Features of one observed neighbour satellite.
 *
 * @example
 * ```ts
 * import { NEIGHBOUR_SLOT } from "./layout.ts";
 * console.assert(NEIGHBOUR_SLOT.size === 6);
 * ```
 */
export const NEIGHBOUR_SLOT = {
  /** 1 when the slot holds a neighbour. */
  valid: 0,
  /** Range / ISL range. */
  range: 1,
  /** 1 when the neighbour has a ground station in view. */
  stationInView: 2,
  /** The neighbour's free storage, 0..1. */
  freeStorage: 3,
  /** The neighbour's angle to its nearest station / 60°, clipped to 1. */
  stationDistance: 4,
  /** Along-track offset of the neighbour (ahead > 0) / ISL range angle. */
  along: 5,
  /** Number of features per neighbour. */
  size: 6,
} as const;

/**
 * Own features of a sensor.
 *
 * @example
 * ```ts
 * import { SENSOR_OWN } from "./layout.ts";
 * console.assert(SENSOR_OWN.size === 7);
 * ```
 */
export const SENSOR_OWN = {
  /** Energy store state of charge, 0..1. */
  battery: 0,
  /** Harvesting power now / peak. */
  harvest: 1,
  /** Detected, not yet alerted events / 4, clipped to 1. */
  detected: 2,
  /** Time to the earliest deadline of those / 1 h, clipped to [0, 1]. */
  detectedSlack: 3,
  /** Time since the last sensing / 30 min, clipped to 1. */
  sinceSensed: 4,
  /** Visible satellites / kSatellites, clipped to 1. */
  satellitesVisible: 5,
  /** Episode progress t / maxSteps. */
  progress: 6,
  /** Number of own features. */
  size: 7,
} as const;

/**
 * Features of one visible satellite, as a sensor sees it.
 *
 * @example
 * ```ts
 * import { SAT_SLOT } from "./layout.ts";
 * console.assert(SAT_SLOT.size === 3);
 * ```
 */
export const SAT_SLOT = {
  /** 1 when the slot holds a satellite. */
  valid: 0,
  /** Elevation / 90°. */
  elevation: 1,
  /** 1 when the satellite is approaching (range decreasing). */
  approaching: 2,
  /** Number of features per satellite. */
  size: 3,
} as const;

/**
 * Normalisation constants shared by every scenario.
 *
 * @example
 * ```ts
 * import { NORM } from "./layout.ts";
 * console.assert(NORM.slackS === 3600);
 * ```
 */
export const NORM = {
  /** Time-to-deadline scale, s. */
  slackS: 3600,
  /** Event value scale. */
  value: 10,
  /** Stored-value scale. */
  storedValue: 40,
  /** Station distance scale, degrees. */
  stationDeg: 60,
  /** Time-since-sensing scale, s. */
  sinceSensedS: 1800,
  /** Detected-events scale. */
  detected: 4,
} as const;

/**
 * The layout of a satellite class.
 *
 * @example
 * ```ts
 * import { type SatelliteLayout, satelliteLayout } from "./layout.ts";
 * const l: SatelliteLayout = satelliteLayout(4, 2);
 * console.assert(l.idle === 0 && l.image === 1 && l.downlink === 5 && l.relay === 6);
 * ```
 */
export interface SatelliteLayout {
  /** `"satellite"`. */
  readonly kind: "satellite";
  /** Event slots. */
  readonly kEvents: number;
  /** Neighbour slots. */
  readonly kNeighbours: number;
  /** Offset of event slot 0. */
  readonly eventsOffset: number;
  /** Offset of neighbour slot 0. */
  readonly neighboursOffset: number;
  /** Observation length. */
  readonly obsSize: number;
  /** Action count: 1 + kEvents + 1 + kNeighbours. */
  readonly numActions: number;
  /** The idle/charge action (always legal). */
  readonly idle: number;
  /** Action of "image event slot 0" (slot k is `image + k`). */
  readonly image: number;
  /** The downlink action. */
  readonly downlink: number;
  /** Action of "relay to neighbour slot 0" (slot j is `relay + j`). */
  readonly relay: number;
  /** Action names. */
  readonly actionNames: readonly string[];
}

/**
 * The layout of a sensor class.
 *
 * @example
 * ```ts
 * import { type SensorLayout, sensorLayout } from "./layout.ts";
 * const l: SensorLayout = sensorLayout(2);
 * console.assert(l.sleep === 0 && l.sense === 1 && l.alert === 2);
 * ```
 */
export interface SensorLayout {
  /** `"sensor"`. */
  readonly kind: "sensor";
  /** Satellite slots. */
  readonly kSatellites: number;
  /** Offset of satellite slot 0. */
  readonly satellitesOffset: number;
  /** Observation length. */
  readonly obsSize: number;
  /** Action count (3). */
  readonly numActions: number;
  /** The sleep action (always legal). */
  readonly sleep: number;
  /** The sense action. */
  readonly sense: number;
  /** The alert action. */
  readonly alert: number;
  /** Action names. */
  readonly actionNames: readonly string[];
}

/**
 * The layout of a satellite class with `kEvents` event slots and `kNeighbours` neighbour slots.
 *
 * @example
 * ```ts
 * import { satelliteLayout } from "./layout.ts";
 * const l = satelliteLayout(2, 1);
 * console.assert(l.actionNames.join() === "idle,image-0,image-1,downlink,relay-0");
 * ```
 */
export function satelliteLayout(kEvents: number, kNeighbours: number): SatelliteLayout {
  const eventsOffset = SAT_OWN.size;
  const neighboursOffset = eventsOffset + kEvents * EVENT_SLOT.size;
  const actionNames = ["idle"];
  for (let k = 0; k < kEvents; k++) actionNames.push(`image-${k}`);
  actionNames.push("downlink");
  for (let j = 0; j < kNeighbours; j++) actionNames.push(`relay-${j}`);
  return {
    kind: "satellite",
    kEvents,
    kNeighbours,
    eventsOffset,
    neighboursOffset,
    obsSize: neighboursOffset + kNeighbours * NEIGHBOUR_SLOT.size,
    numActions: 2 + kEvents + kNeighbours,
    idle: 0,
    image: 1,
    downlink: 1 + kEvents,
    relay: 2 + kEvents,
    actionNames,
  };
}

/**
 * The layout of a sensor class with `kSatellites` satellite slots.
 *
 * @example
 * ```ts
 * import { sensorLayout } from "./layout.ts";
 * console.assert(sensorLayout(4).actionNames.join() === "sleep,sense,alert");
 * ```
 */
export function sensorLayout(kSatellites: number): SensorLayout {
  return {
    kind: "sensor",
    kSatellites,
    satellitesOffset: SENSOR_OWN.size,
    obsSize: SENSOR_OWN.size + kSatellites * SAT_SLOT.size,
    numActions: 3,
    sleep: 0,
    sense: 1,
    alert: 2,
    actionNames: ["sleep", "sense", "alert"],
  };
}

/**
 * Length of the global state of a fleet with `satellites` satellites and `sensors` sensors: every node's
 * own features plus {@linkcode STATE_SUMMARY} summary features.
 *
 * @example
 * ```ts
 * import { stateSize } from "./layout.ts";
 * console.assert(stateSize(16, 24) === 16 * 15 + 24 * 7 + 10);
 * ```
 */
export function stateSize(satellites: number, sensors: number): number {
  return satellites * SAT_OWN.size + sensors * SENSOR_OWN.size + STATE_SUMMARY.size;
}

/**
 * Summary features at the end of the global state (counts are divided by the expected arrivals per
 * episode).
 *
 * @example
 * ```ts
 * import { STATE_SUMMARY } from "./layout.ts";
 * console.assert(STATE_SUMMARY.size === 10);
 * ```
 */
export const STATE_SUMMARY = {
  arrived: 0,
  undetected: 1,
  detected: 2,
  alerted: 3,
  onBoard: 4,
  delivered: 5,
  expired: 6,
  valueDelivered: 7,
  progress: 8,
  /** Share of satellites in sunlight. */
  sunlit: 9,
  size: 10,
} as const;
