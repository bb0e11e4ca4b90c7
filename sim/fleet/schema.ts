/**
 * The schema of fleet scenario files (`scenarios/*.json`) and of node classes
 * (`scenarios/node-classes.json`), written with zod. `scenario.ts` parses files against it and turns
 * zod's issues into errors that name the file, the field path and the value.
 *
 * A scenario names its constellation (Walker parameters or a TLE/OMM file), its sensors (an explicit list
 * and/or generated region grids), its ground stations, extra node classes, the task (arrival rates, values,
 * deadlines), time (start, dt, episode length), reward weights and a default seed. Node classes carry a
 * compute budget ({@linkcode ComputeBudget}) and the node's physical parameters.
 *
 * @example
 * ```ts
 * import { scenarioSchema } from "./schema.ts";
 * const r = scenarioSchema.safeParse({ name: "x" });
 * console.assert(!r.success);
 * ```
 *
 * @module
 */

import { z } from "zod";

const positive = () => z.number().gt(0);
const nonNegative = () => z.number().min(0);

/** A closed interval `{ min, max }` with `min <= max`. */
const rangeSchema = (low: number, high = Number.MAX_VALUE) =>
  z.strictObject({ min: z.number().min(low).max(high), max: z.number().min(low).max(high) })
    .superRefine((r, ctx) => {
      if (r.min > r.max) {
        ctx.addIssue({
          code: "custom",
          path: ["max"],
          message: `must be >= min (${r.min})`,
          input: r.max,
        });
      }
    });

/**
 * The compute budget of a node class (same fields as {@linkcode ComputeBudget} in `sim/budget.ts`).
 *
 * @example
 * ```ts
 * import { budgetSchema } from "./schema.ts";
 * const ok = budgetSchema.safeParse({ flopsPerSecond: 3e7, paramMemoryBytes: 65536, deadlineMs: 1,
 *   overheadMs: 0.3, energyPerInferenceJ: 2e-5 });
 * console.assert(ok.success);
 * ```
 */
export const budgetSchema = z.strictObject({
  flopsPerSecond: positive(),
  paramMemoryBytes: positive(),
  deadlineMs: positive(),
  overheadMs: nonNegative(),
  energyPerInferenceJ: nonNegative(),
});

const commonClassFields = {
  /** One line on what the class models. */
  description: z.string().default(""),
  /** Public datasheets the figures are based on (documentation only). */
  basedOn: z.array(z.string()).default([]),
  budget: budgetSchema,
  /** The class decides every `decisionPeriodSteps` epochs; in between only action 0 is legal. */
  decisionPeriodSteps: z.int().min(1).max(1000).default(1),
};

/**
 * A satellite node class.
 *
 * @example
 * ```ts
 * import { satelliteClassSchema } from "./schema.ts";
 * console.assert(satelliteClassSchema.shape.kind.value === "satellite");
 * ```
 */
export const satelliteClassSchema = z.strictObject({
  kind: z.literal("satellite"),
  ...commonClassFields,
  observation: z.strictObject({
    /** Pending events observed (nearest first); also the number of "image event k" actions. */
    kEvents: z.int().min(1).max(32),
    /** Neighbour satellites observed (nearest first); also the number of "relay to j" actions. */
    kNeighbours: z.int().min(0).max(16),
    /** Ground distance within which pending events are observed, km. */
    eventRangeKm: positive().max(10_000),
  }),
  power: z.strictObject({
    /** Battery capacity, Wh. */
    batteryWh: positive(),
    /** Orbit-average power of the arrays in sunlight, W (none in eclipse). */
    solarW: nonNegative(),
    /** Platform load drawn all the time, W. */
    baseLoadW: nonNegative(),
  }),
  payload: z.strictObject({
    /** Largest off-nadir angle the imager can point to, degrees. */
    offNadirDeg: z.number().gt(0).lt(80),
    /** Imager power while imaging (including slew), W. */
    imagingPowerW: nonNegative(),
    /** Time to slew and image one event, s (at most the scenario's dt). */
    imagingDurationS: positive(),
    /** Size of one event image, MB. */
    imageSizeMB: positive(),
    /** Onboard storage reserved for event images, MB. */
    storageMB: positive(),
  }),
  radio: z.strictObject({
    /** Downlink rate to a ground station, Mbit/s. */
    downlinkMbps: positive(),
    /** Transmitter power while downlinking, W. */
    downlinkPowerW: nonNegative(),
    /** Inter-satellite link rate, Mbit/s. */
    islMbps: positive(),
    /** ISL terminal power while relaying, W. */
    islPowerW: nonNegative(),
    /** Longest ISL range, km (0: no ISL). */
    islRangeKm: nonNegative(),
  }),
});

/**
 * An IoT sensor node class.
 *
 * @example
 * ```ts
 * import { sensorClassSchema } from "./schema.ts";
 * console.assert(sensorClassSchema.shape.kind.value === "sensor");
 * ```
 */
export const sensorClassSchema = z.strictObject({
  kind: z.literal("sensor"),
  ...commonClassFields,
  observation: z.strictObject({
    /** Overhead satellites observed (highest elevation first). */
    kSatellites: z.int().min(1).max(16),
  }),
  power: z.strictObject({
    /** Energy store (battery or supercapacitor), J. */
    batteryJ: positive(),
    /** Peak harvesting power (sun at zenith), W; scaled by the sine of the sun's elevation. */
    harvestW: nonNegative(),
    /** Sleep power, W. */
    sleepW: nonNegative(),
  }),
  sensing: z.strictObject({
    /** Energy of one sensing cycle (sensor warm-up and read-out), J. */
    energyJ: nonNegative(),
  }),
  radio: z.strictObject({
    /** Energy of one alert burst to a satellite, J. */
    alertEnergyJ: nonNegative(),
    /** Lowest elevation at which a satellite can be reached, degrees. */
    minElevationDeg: z.number().min(0).lt(90),
  }),
});

/**
 * A node class: satellite or sensor, told apart by `kind`.
 *
 * @example
 * ```ts
 * import { nodeClassSchema } from "./schema.ts";
 * console.assert(!nodeClassSchema.safeParse({ kind: "drone" }).success);
 * ```
 */
export const nodeClassSchema = z.discriminatedUnion("kind", [
  satelliteClassSchema,
  sensorClassSchema,
]);

/**
 * A set of named node classes (the shape of `scenarios/node-classes.json`).
 *
 * @example
 * ```ts
 * import { nodeClassesSchema } from "./schema.ts";
 * console.assert(nodeClassesSchema.safeParse({}).success);
 * ```
 */
export const nodeClassesSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, "must be lower-case letters, digits and '-'"),
  nodeClassSchema,
);

const latDeg = () => z.number().min(-90).max(90);
const lonDeg = () => z.number().min(-180).max(360);
const altKm = () => z.number().min(-0.5).max(10);

const isoTime = () =>
  z.string().refine(
    (s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/.test(s) && !isNaN(Date.parse(s)),
    {
      message: "must be a UTC time like 2022-08-10T18:00:00Z",
    },
  );

/**
 * One explicitly placed sensor.
 *
 * @example
 * ```ts
 * import { sensorEntrySchema } from "./schema.ts";
 * console.assert(sensorEntrySchema.safeParse({ class: "mcu-sensor", latDeg: 38, lonDeg: -121 }).success);
 * ```
 */
export const sensorEntrySchema = z.strictObject({
  /** Stable name; keys the sensor's random streams (default `"<lat>,<lon>"`). */
  name: z.string().min(1).optional(),
  class: z.string().min(1),
  latDeg: latDeg(),
  lonDeg: lonDeg(),
  altKm: altKm().default(0),
  /** Multiplier of the scenario's arrival rate at this sensor. */
  rateScale: nonNegative().default(1),
});

/**
 * A generated grid of sensors over a lat/lon box: `rows x cols` cell centres, each moved by up to
 * `jitterDeg` (fixed per scenario), named `<namePrefix>-r<row>c<col>`.
 *
 * @example
 * ```ts
 * import { sensorGridSchema } from "./schema.ts";
 * const g = sensorGridSchema.parse({ class: "mcu-sensor", namePrefix: "ca", rows: 2, cols: 3,
 *   region: { latMinDeg: 34, latMaxDeg: 42, lonMinDeg: -124, lonMaxDeg: -117 } });
 * console.assert(g.jitterDeg === 0);
 * ```
 */
export const sensorGridSchema = z.strictObject({
  class: z.string().min(1),
  namePrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, '_', '.' or '-'"),
  region: z.strictObject({
    latMinDeg: latDeg(),
    latMaxDeg: latDeg(),
    lonMinDeg: lonDeg(),
    lonMaxDeg: lonDeg(),
  }).superRefine((r, ctx) => {
    if (r.latMinDeg > r.latMaxDeg) {
      ctx.addIssue({
        code: "custom",
        path: ["latMaxDeg"],
        message: `must be >= latMinDeg (${r.latMinDeg})`,
        input: r.latMaxDeg,
      });
    }
    if (r.lonMinDeg > r.lonMaxDeg) {
      ctx.addIssue({
        code: "custom",
        path: ["lonMaxDeg"],
        message: `must be >= lonMinDeg (${r.lonMinDeg})`,
        input: r.lonMaxDeg,
      });
    }
  }),
  rows: z.int().min(1).max(1000),
  cols: z.int().min(1).max(1000),
  jitterDeg: nonNegative().max(10).default(0),
  altKm: altKm().default(0),
  rateScale: nonNegative().default(1),
});

/**
 * A ground station (infrastructure, not an agent).
 *
 * @example
 * ```ts
 * import { groundStationSchema } from "./schema.ts";
 * const s = groundStationSchema.parse({ name: "Wallops", latDeg: 37.94, lonDeg: -75.46 });
 * console.assert(s.minElevationDeg === 10);
 * ```
 */
export const groundStationSchema = z.strictObject({
  name: z.string().min(1),
  latDeg: latDeg(),
  lonDeg: lonDeg(),
  altKm: altKm().default(0),
  minElevationDeg: z.number().min(0).lt(90).default(10),
});

/**
 * Walker-delta parameters i: T/P/F (see `sim/orbit/walker.ts`).
 *
 * @example
 * ```ts
 * import { walkerSchema } from "./schema.ts";
 * console.assert(walkerSchema.safeParse({ total: 16, planes: 2, phasing: 1, altitudeKm: 750,
 *   inclinationDeg: 45 }).success);
 * ```
 */
export const walkerSchema = z.strictObject({
  total: z.int().min(1).max(20_000),
  planes: z.int().min(1),
  phasing: z.int().min(0),
  altitudeKm: z.number().min(160).max(2_000),
  inclinationDeg: z.number().min(0).max(180),
  raanOffsetDeg: z.number().default(0),
  /** Element epoch; default the scenario's start time. */
  epoch: isoTime().optional(),
}).superRefine((w, ctx) => {
  if (w.total % w.planes !== 0) {
    ctx.addIssue({
      code: "custom",
      path: ["total"],
      message: `must be divisible by planes (${w.planes})`,
      input: w.total,
    });
  }
  if (w.phasing >= w.planes) {
    ctx.addIssue({
      code: "custom",
      path: ["phasing"],
      message: `must be < planes (${w.planes})`,
      input: w.phasing,
    });
  }
});

/**
 * Real element sets from a file: a path relative to the scenario file or to the repository's `data/`.
 *
 * @example
 * ```ts
 * import { elementsSchema } from "./schema.ts";
 * console.assert(elementsSchema.parse({ file: "tle/iridium.tle" }).stride === 1);
 * ```
 */
export const elementsSchema = z.strictObject({
  file: z.string().min(1),
  /**
   * `tle`, `omm` (= `omm-json`), `omm-csv` or `omm-xml` (CelesTrak OMM); default: detected from the
   * file's content.
   */
  format: z.enum(["tle", "omm", "omm-json", "omm-csv", "omm-xml"]).optional(),
  /** Keep every `stride`-th element set (thins a shell evenly). */
  stride: z.int().min(1).default(1),
  /** Keep at most this many (after `stride`). */
  limit: z.int().min(1).optional(),
});

/**
 * The constellation: exactly one of `walker` and `elements`, and how satellites are assigned to classes
 * (`classMix`: a repeating pattern, `weight` consecutive satellites of each class in turn).
 *
 * @example
 * ```ts
 * import { constellationSchema } from "./schema.ts";
 * const c = constellationSchema.safeParse({ classMix: [{ class: "cubesat", weight: 1 }] });
 * console.assert(!c.success); // neither walker nor elements
 * ```
 */
export const constellationSchema = z.strictObject({
  walker: walkerSchema.optional(),
  elements: elementsSchema.optional(),
  classMix: z.array(z.strictObject({ class: z.string().min(1), weight: z.int().min(1).default(1) }))
    .min(1),
}).superRefine((c, ctx) => {
  if ((c.walker === undefined) === (c.elements === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: 'must have exactly one of "walker" and "elements"',
      input: Object.keys(c).join(", "),
    });
  }
});

/**
 * The event-response task: Poisson arrivals per sensor, each event with a value and a deadline.
 *
 * @example
 * ```ts
 * import { taskSchema } from "./schema.ts";
 * const t = taskSchema.parse({ arrivalRatePerSensorPerHour: 1, value: { min: 1, max: 5 },
 *   deadlineS: { min: 900, max: 1800 } });
 * console.assert(t.initialBatteryFraction.min === 1);
 * ```
 */
export const taskSchema = z.strictObject({
  /** Mean events per sensor per hour (times the sensor's `rateScale`). */
  arrivalRatePerSensorPerHour: nonNegative(),
  /** Value of an event, drawn uniformly. */
  value: rangeSchema(0),
  /** Time from arrival to deadline, s, drawn uniformly. */
  deadlineS: rangeSchema(1),
  /** Initial state of charge of every node, drawn uniformly per node and episode. */
  initialBatteryFraction: rangeSchema(0, 1).default({ min: 1, max: 1 }),
});

/**
 * The team reward per step: `scale * (valueWeight * value delivered in time - energyWeightPerKJ * kJ)`.
 *
 * @example
 * ```ts
 * import { rewardSchema } from "./schema.ts";
 * console.assert(rewardSchema.parse({ energyWeightPerKJ: 0.1 }).scale === 1);
 * ```
 */
export const rewardSchema = z.strictObject({
  valueWeight: nonNegative().default(1),
  energyWeightPerKJ: nonNegative(),
  scale: positive().default(1),
});

/**
 * A whole scenario file.
 *
 * @example
 * ```ts
 * import { scenarioSchema } from "./schema.ts";
 * console.assert("constellation" in scenarioSchema.shape);
 * ```
 */
export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case letters, digits and '-'"),
  description: z.string().default(""),
  /** Default seed (for tools that need one; `reset(seed)` takes its own). */
  seed: z.int().min(0).default(0),
  time: z.strictObject({
    /** Start of every episode (before jitter), UTC. */
    start: isoTime(),
    /** Decision epoch, s. */
    dtS: positive().max(3600),
    /** Decision steps per episode. */
    episodeSteps: z.int().min(1).max(1_000_000),
    /** Episodes start at `start` plus a whole number of steps drawn uniformly in [0, startJitterS]. */
    startJitterS: nonNegative().max(30 * 86_400).default(0),
  }),
  constellation: constellationSchema,
  sensors: z.strictObject({
    list: z.array(sensorEntrySchema).default([]),
    grids: z.array(sensorGridSchema).default([]),
  }),
  groundStations: z.array(groundStationSchema).min(1),
  /** Classes defined by this scenario in addition to the shared `scenarios/node-classes.json`. */
  nodeClasses: nodeClassesSchema.default({}),
  task: taskSchema,
  reward: rewardSchema,
});

/**
 * A node class as parsed (defaults filled).
 *
 * @example
 * ```ts
 * import { type NodeClassDef, nodeClassSchema } from "./schema.ts";
 * const r = nodeClassSchema.safeParse({ kind: "sensor" });
 * const def: NodeClassDef | undefined = r.success ? r.data : undefined;
 * console.assert(def === undefined);
 * ```
 */
export type NodeClassDef = z.output<typeof nodeClassSchema>;
/**
 * A satellite node class as parsed.
 *
 * @example
 * ```ts
 * import type { SatelliteClassDef } from "./schema.ts";
 * const offNadir = (c: SatelliteClassDef) => c.payload.offNadirDeg;
 * console.assert(typeof offNadir === "function");
 * ```
 */
export type SatelliteClassDef = z.output<typeof satelliteClassSchema>;
/**
 * A sensor node class as parsed.
 *
 * @example
 * ```ts
 * import type { SensorClassDef } from "./schema.ts";
 * const store = (c: SensorClassDef) => c.power.batteryJ;
 * console.assert(typeof store === "function");
 * ```
 */
export type SensorClassDef = z.output<typeof sensorClassSchema>;
/**
 * A scenario as parsed (defaults filled), before node classes are resolved.
 *
 * @example
 * ```ts
 * import type { ScenarioData } from "./schema.ts";
 * const dt = (s: ScenarioData) => s.time.dtS;
 * console.assert(typeof dt === "function");
 * ```
 */
export type ScenarioData = z.output<typeof scenarioSchema>;
/**
 * A scenario as written in a file (defaults optional).
 *
 * @example
 * ```ts
 * import type { ScenarioInput } from "./schema.ts";
 * const partial: Partial<ScenarioInput> = { name: "mine", seed: 4 };
 * console.assert(partial.seed === 4);
 * ```
 */
export type ScenarioInput = z.input<typeof scenarioSchema>;
