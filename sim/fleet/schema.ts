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
import type { PlatformBudget } from "../budget.ts";
import type { SameType } from "../same_type.ts";

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

const budgetZod = z.strictObject({
  flopsPerSecond: positive(),
  paramMemoryBytes: positive(),
  deadlineShare: positive().max(1),
  overheadMs: nonNegative(),
  activePowerW: nonNegative(),
  wakeEnergyJ: nonNegative(),
  latencySigma: nonNegative().max(2),
});

const commonClassFields = {
  /** One line on what the class models. */
  description: z.string().default(""),
  /** Public datasheets the figures are based on (documentation only). */
  basedOn: z.array(z.string()).default([]),
  budget: budgetZod,
  /** The class decides every `decisionPeriodSteps` epochs; in between only action 0 is legal. */
  decisionPeriodSteps: z.int().min(1).max(1000).default(1),
};

const satelliteClassZod = z.strictObject({
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

const sensorClassZod = z.strictObject({
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

const nodeClassZod = z.discriminatedUnion("kind", [
  satelliteClassZod,
  sensorClassZod,
]);

const nodeClassesZod = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, "must be lower-case letters, digits and '-'"),
  nodeClassZod,
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

const sensorEntryZod = z.strictObject({
  /** Stable name; keys the sensor's random streams (default `"<lat>,<lon>"`). */
  name: z.string().min(1).optional(),
  class: z.string().min(1),
  latDeg: latDeg(),
  lonDeg: lonDeg(),
  altKm: altKm().default(0),
  /** Multiplier of the scenario's arrival rate at this sensor. */
  rateScale: nonNegative().default(1),
});

const sensorGridZod = z.strictObject({
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

const groundStationZod = z.strictObject({
  name: z.string().min(1),
  latDeg: latDeg(),
  lonDeg: lonDeg(),
  altKm: altKm().default(0),
  minElevationDeg: z.number().min(0).lt(90).default(10),
});

const walkerZod = z.strictObject({
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

const elementsZod = z.strictObject({
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

const constellationZod = z.strictObject({
  walker: walkerZod.optional(),
  elements: elementsZod.optional(),
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

const taskZod = z.strictObject({
  /** Mean events per sensor per hour (times the sensor's `rateScale`). */
  arrivalRatePerSensorPerHour: nonNegative(),
  /** Value of an event, drawn uniformly. */
  value: rangeSchema(0),
  /** Time from arrival to deadline, s, drawn uniformly. */
  deadlineS: rangeSchema(1),
  /** Initial state of charge of every node, drawn uniformly per node and episode. */
  initialBatteryFraction: rangeSchema(0, 1).default({ min: 1, max: 1 }),
});

const rewardZod = z.strictObject({
  valueWeight: nonNegative().default(1),
  energyWeightPerKJ: nonNegative(),
  scale: positive().default(1),
});

const scenarioZod = z.strictObject({
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
  constellation: constellationZod,
  sensors: z.strictObject({
    list: z.array(sensorEntryZod).default([]),
    grids: z.array(sensorGridZod).default([]),
  }),
  groundStations: z.array(groundStationZod).min(1),
  /** Classes defined by this scenario in addition to the shared `scenarios/node-classes.json`. */
  nodeClasses: nodeClassesZod.default({}),
  task: taskZod,
  reward: rewardZod,
});

/**
 * The input form of `T` in which the fields `K` have defaults (may be left out).
 *
 * @example
 * ```ts
 * import type { Defaulted, RewardDef } from "./schema.ts";
 * const reward: Defaulted<RewardDef, "valueWeight" | "scale"> = { energyWeightPerKJ: 0.1 };
 * console.assert(reward.scale === undefined);
 * ```
 */
export type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** A closed interval `{ min, max }` with `min <= max`. */
export interface RangeDef {
  /** Lower bound. */
  min: number;
  /** Upper bound (>= `min`). */
  max: number;
}

/**
 * A node class's compute budget as a file gives it (see {@linkcode budgetSchema}): a
 * {@linkcode PlatformBudget} without the energy store, which comes from the class's `power`.
 */
export type BudgetDef = Omit<PlatformBudget, "energyStoreJ">;

/** Fields every node class has (defaults filled). */
export interface NodeClassCommonDef {
  /** One line on what the class models (default `""`). */
  description: string;
  /** Public datasheets the figures are based on (documentation only; default `[]`). */
  basedOn: string[];
  /** The class's compute budget. */
  budget: BudgetDef;
  /** The class decides every `decisionPeriodSteps` epochs; in between only action 0 is legal (default 1). */
  decisionPeriodSteps: number;
}

/** A satellite node class as parsed (see {@linkcode satelliteClassSchema}). */
export interface SatelliteClassDef extends NodeClassCommonDef {
  /** Always `"satellite"`. */
  kind: "satellite";
  /** What the satellite observes. */
  observation: {
    /** Pending events observed (nearest first); also the number of "image event k" actions. */
    kEvents: number;
    /** Neighbour satellites observed (nearest first); also the number of "relay to j" actions. */
    kNeighbours: number;
    /** Ground distance within which pending events are observed, km. */
    eventRangeKm: number;
  };
  /** Power system. */
  power: {
    /** Battery capacity, Wh. */
    batteryWh: number;
    /** Orbit-average power of the arrays in sunlight, W (none in eclipse). */
    solarW: number;
    /** Platform load drawn all the time, W. */
    baseLoadW: number;
  };
  /** The imager. */
  payload: {
    /** Largest off-nadir angle the imager can point to, degrees. */
    offNadirDeg: number;
    /** Imager power while imaging (including slew), W. */
    imagingPowerW: number;
    /** Time to slew and image one event, s (at most the scenario's dt). */
    imagingDurationS: number;
    /** Size of one event image, MB. */
    imageSizeMB: number;
    /** Onboard storage reserved for event images, MB. */
    storageMB: number;
  };
  /** Downlink and inter-satellite links. */
  radio: {
    /** Downlink rate to a ground station, Mbit/s. */
    downlinkMbps: number;
    /** Transmitter power while downlinking, W. */
    downlinkPowerW: number;
    /** Inter-satellite link rate, Mbit/s. */
    islMbps: number;
    /** ISL terminal power while relaying, W. */
    islPowerW: number;
    /** Longest ISL range, km (0: no ISL). */
    islRangeKm: number;
  };
}

/** An IoT sensor node class as parsed (see {@linkcode sensorClassSchema}). */
export interface SensorClassDef extends NodeClassCommonDef {
  /** Always `"sensor"`. */
  kind: "sensor";
  /** What the sensor observes. */
  observation: {
    /** Overhead satellites observed (highest elevation first). */
    kSatellites: number;
  };
  /** Energy store and harvesting. */
  power: {
    /** Energy store (battery or supercapacitor), J. */
    batteryJ: number;
    /** Peak harvesting power (sun at zenith), W; scaled by the sine of the sun's elevation. */
    harvestW: number;
    /** Sleep power, W. */
    sleepW: number;
  };
  /** The sensing cycle. */
  sensing: {
    /** Energy of one sensing cycle (sensor warm-up and read-out), J. */
    energyJ: number;
  };
  /** The alert radio. */
  radio: {
    /** Energy of one alert burst to a satellite, J. */
    alertEnergyJ: number;
    /** Lowest elevation at which a satellite can be reached, degrees. */
    minElevationDeg: number;
  };
}

/**
 * A node class as parsed (defaults filled): satellite or sensor, told apart by `kind`.
 *
 * @example
 * ```ts
 * import { type NodeClassDef, nodeClassSchema } from "./schema.ts";
 * const r = nodeClassSchema.safeParse({ kind: "sensor" });
 * const def: NodeClassDef | undefined = r.success ? r.data : undefined;
 * console.assert(def === undefined);
 * ```
 */
export type NodeClassDef = SatelliteClassDef | SensorClassDef;

/** Named node classes as parsed (the shape of `scenarios/node-classes.json`). */
export type NodeClassesDef = Record<string, NodeClassDef>;

/** One explicitly placed sensor as parsed (see {@linkcode sensorEntrySchema}). */
export interface SensorEntryDef {
  /** Stable name; keys the sensor's random streams (default `"<lat>,<lon>"`). */
  name?: string;
  /** Node class name. */
  class: string;
  /** Latitude, degrees. */
  latDeg: number;
  /** Longitude, degrees. */
  lonDeg: number;
  /** Altitude, km (default 0). */
  altKm: number;
  /** Multiplier of the scenario's arrival rate at this sensor (default 1). */
  rateScale: number;
}

/** A generated grid of sensors as parsed (see {@linkcode sensorGridSchema}). */
export interface SensorGridDef {
  /** Node class name of every sensor of the grid. */
  class: string;
  /** Sensors are named `<namePrefix>-r<row>c<col>`. */
  namePrefix: string;
  /** The lat/lon box, degrees. */
  region: {
    /** Southern edge. */
    latMinDeg: number;
    /** Northern edge (>= `latMinDeg`). */
    latMaxDeg: number;
    /** Western edge. */
    lonMinDeg: number;
    /** Eastern edge (>= `lonMinDeg`). */
    lonMaxDeg: number;
  };
  /** Rows of cells. */
  rows: number;
  /** Columns of cells. */
  cols: number;
  /** Largest move of a sensor from its cell centre, degrees (default 0). */
  jitterDeg: number;
  /** Altitude, km (default 0). */
  altKm: number;
  /** Multiplier of the scenario's arrival rate at these sensors (default 1). */
  rateScale: number;
}

/** A ground station as parsed (see {@linkcode groundStationSchema}). */
export interface GroundStationDef {
  /** Station name. */
  name: string;
  /** Latitude, degrees. */
  latDeg: number;
  /** Longitude, degrees. */
  lonDeg: number;
  /** Altitude, km (default 0). */
  altKm: number;
  /** Lowest elevation of a usable pass, degrees (default 10). */
  minElevationDeg: number;
}

/** Walker-delta parameters i: T/P/F as parsed (see {@linkcode walkerSchema}). */
export interface WalkerDef {
  /** Satellites T (divisible by `planes`). */
  total: number;
  /** Orbital planes P. */
  planes: number;
  /** Phasing F (< `planes`). */
  phasing: number;
  /** Altitude of the circular orbits, km. */
  altitudeKm: number;
  /** Inclination i, degrees. */
  inclinationDeg: number;
  /** RAAN of the first plane, degrees (default 0). */
  raanOffsetDeg: number;
  /** Element epoch; default the scenario's start time. */
  epoch?: string;
}

/** Element sets from a file as parsed (see {@linkcode elementsSchema}). */
export interface ElementsDef {
  /** Path relative to the scenario file or to the repository's `data/`. */
  file: string;
  /**
   * `tle`, `omm` (= `omm-json`), `omm-csv` or `omm-xml` (CelesTrak OMM); default: detected from the
   * file's content.
   */
  format?: "tle" | "omm" | "omm-json" | "omm-csv" | "omm-xml";
  /** Keep every `stride`-th element set (thins a shell evenly; default 1). */
  stride: number;
  /** Keep at most this many (after `stride`). */
  limit?: number;
}

/** The constellation as parsed (see {@linkcode constellationSchema}): exactly one of `walker` and `elements`. */
export interface ConstellationDef {
  /** A Walker-delta shell. */
  walker?: WalkerDef;
  /** Real element sets. */
  elements?: ElementsDef;
  /** Repeating class pattern: `weight` consecutive satellites of each class in turn. */
  classMix: { class: string; weight: number }[];
}

/** The event-response task as parsed (see {@linkcode taskSchema}). */
export interface TaskDef {
  /** Mean events per sensor per hour (times the sensor's `rateScale`). */
  arrivalRatePerSensorPerHour: number;
  /** Value of an event, drawn uniformly. */
  value: RangeDef;
  /** Time from arrival to deadline, s, drawn uniformly. */
  deadlineS: RangeDef;
  /** Initial state of charge of every node, drawn uniformly per node and episode (default 1..1). */
  initialBatteryFraction: RangeDef;
}

/** The team reward weights as parsed (see {@linkcode rewardSchema}). */
export interface RewardDef {
  /** Weight of the value delivered in time (default 1). */
  valueWeight: number;
  /** Penalty per kJ of energy used. */
  energyWeightPerKJ: number;
  /** Scale of the whole reward (default 1). */
  scale: number;
}

/** Episode timing of a scenario as parsed. */
export interface ScenarioTimeDef {
  /** Start of every episode (before jitter), UTC. */
  start: string;
  /** Decision epoch, s. */
  dtS: number;
  /** Decision steps per episode. */
  episodeSteps: number;
  /** Episodes start at `start` plus a whole number of steps drawn uniformly in [0, startJitterS] (default 0). */
  startJitterS: number;
}

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
export interface ScenarioData {
  /** JSON Schema reference (ignored). */
  $schema?: string;
  /** Scenario name: lower-case letters, digits and '-'. */
  name: string;
  /** One line on the scenario (default `""`). */
  description: string;
  /** Default seed (for tools that need one; `reset(seed)` takes its own; default 0). */
  seed: number;
  /** Episode timing. */
  time: ScenarioTimeDef;
  /** The constellation. */
  constellation: ConstellationDef;
  /** The sensors: an explicit list and/or generated grids (each default `[]`). */
  sensors: { list: SensorEntryDef[]; grids: SensorGridDef[] };
  /** Ground stations (at least one). */
  groundStations: GroundStationDef[];
  /** Classes defined by this scenario in addition to the shared `scenarios/node-classes.json`. */
  nodeClasses: NodeClassesDef;
  /** The event-response task. */
  task: TaskDef;
  /** The team reward. */
  reward: RewardDef;
}

/** A node class as written in a file (defaulted fields optional). */
export type NodeClassInput =
  | Defaulted<SatelliteClassDef, "description" | "basedOn" | "decisionPeriodSteps">
  | Defaulted<SensorClassDef, "description" | "basedOn" | "decisionPeriodSteps">;

/**
 * A scenario as written in a file (defaulted fields optional).
 *
 * @example
 * ```ts
 * import type { ScenarioInput } from "./schema.ts";
 * const partial: Partial<ScenarioInput> = { name: "mine", seed: 4 };
 * console.assert(partial.seed === 4);
 * ```
 */
export interface ScenarioInput {
  /** JSON Schema reference (ignored). */
  $schema?: string;
  /** Scenario name: lower-case letters, digits and '-'. */
  name: string;
  /** One line on the scenario. */
  description?: string;
  /** Default seed. */
  seed?: number;
  /** Episode timing. */
  time: Defaulted<ScenarioTimeDef, "startJitterS">;
  /** The constellation. */
  constellation: {
    /** A Walker-delta shell. */
    walker?: Defaulted<WalkerDef, "raanOffsetDeg">;
    /** Real element sets. */
    elements?: Defaulted<ElementsDef, "stride">;
    /** Repeating class pattern (`weight` default 1). */
    classMix: { class: string; weight?: number }[];
  };
  /** The sensors. */
  sensors: {
    /** Explicitly placed sensors. */
    list?: Defaulted<SensorEntryDef, "altKm" | "rateScale">[];
    /** Generated grids. */
    grids?: Defaulted<SensorGridDef, "jitterDeg" | "altKm" | "rateScale">[];
  };
  /** Ground stations (at least one). */
  groundStations: Defaulted<GroundStationDef, "altKm" | "minElevationDeg">[];
  /** Classes defined by this scenario. */
  nodeClasses?: Record<string, NodeClassInput>;
  /** The event-response task. */
  task: Defaulted<TaskDef, "initialBatteryFraction">;
  /** The team reward. */
  reward: Defaulted<RewardDef, "valueWeight" | "scale">;
}

// The explicit types above are the zod schemas' own: `deno check` fails here when they drift apart.
const _budgetSame: SameType<z.output<typeof budgetZod>, BudgetDef> = true;
const _satelliteClassSame: SameType<z.output<typeof satelliteClassZod>, SatelliteClassDef> = true;
const _sensorClassSame: SameType<z.output<typeof sensorClassZod>, SensorClassDef> = true;
const _nodeClassSame: SameType<z.output<typeof nodeClassZod>, NodeClassDef> = true;
const _nodeClassesSame: SameType<z.output<typeof nodeClassesZod>, NodeClassesDef> = true;
const _sensorEntrySame: SameType<z.output<typeof sensorEntryZod>, SensorEntryDef> = true;
const _sensorGridSame: SameType<z.output<typeof sensorGridZod>, SensorGridDef> = true;
const _groundStationSame: SameType<z.output<typeof groundStationZod>, GroundStationDef> = true;
const _walkerSame: SameType<z.output<typeof walkerZod>, WalkerDef> = true;
const _elementsSame: SameType<z.output<typeof elementsZod>, ElementsDef> = true;
const _constellationSame: SameType<z.output<typeof constellationZod>, ConstellationDef> = true;
const _taskSame: SameType<z.output<typeof taskZod>, TaskDef> = true;
const _rewardSame: SameType<z.output<typeof rewardZod>, RewardDef> = true;
const _scenarioSame: SameType<z.output<typeof scenarioZod>, ScenarioData> = true;
const _scenarioInputSame: SameType<z.input<typeof scenarioZod>, ScenarioInput> = true;

/**
 * The compute budget of a node class as the file gives it ({@linkcode PlatformBudget} in `sim/budget.ts`):
 * the deadline is a share of the class's decision period (`time.dtS * decisionPeriodSteps`), resolved when
 * the world is built; the energy store comes from the class's `power`.
 *
 * @example
 * ```ts
 * import { budgetSchema } from "./schema.ts";
 * const ok = budgetSchema.safeParse({ flopsPerSecond: 3e7, paramMemoryBytes: 65536, deadlineShare: 1e-4,
 *   overheadMs: 0.05, activePowerW: 0.024, wakeEnergyJ: 1.2e-6, latencySigma: 0.05 });
 * console.assert(ok.success);
 * ```
 */
export const budgetSchema: z.ZodType<BudgetDef> = budgetZod;

/**
 * A satellite node class.
 *
 * @example
 * ```ts
 * import { satelliteClassSchema } from "./schema.ts";
 * console.assert(!satelliteClassSchema.safeParse({ kind: "sensor" }).success);
 * ```
 */
export const satelliteClassSchema: z.ZodType<SatelliteClassDef> = satelliteClassZod;

/**
 * An IoT sensor node class.
 *
 * @example
 * ```ts
 * import { sensorClassSchema } from "./schema.ts";
 * console.assert(!sensorClassSchema.safeParse({ kind: "satellite" }).success);
 * ```
 */
export const sensorClassSchema: z.ZodType<SensorClassDef> = sensorClassZod;

/**
 * A node class: satellite or sensor, told apart by `kind`.
 *
 * @example
 * ```ts
 * import { nodeClassSchema } from "./schema.ts";
 * console.assert(!nodeClassSchema.safeParse({ kind: "drone" }).success);
 * ```
 */
export const nodeClassSchema: z.ZodType<NodeClassDef> = nodeClassZod;

/**
 * A set of named node classes (the shape of `scenarios/node-classes.json`).
 *
 * @example
 * ```ts
 * import { nodeClassesSchema } from "./schema.ts";
 * console.assert(nodeClassesSchema.safeParse({}).success);
 * ```
 */
export const nodeClassesSchema: z.ZodType<NodeClassesDef> = nodeClassesZod;

/**
 * One explicitly placed sensor.
 *
 * @example
 * ```ts
 * import { sensorEntrySchema } from "./schema.ts";
 * console.assert(sensorEntrySchema.safeParse({ class: "mcu-sensor", latDeg: 38, lonDeg: -121 }).success);
 * ```
 */
export const sensorEntrySchema: z.ZodType<SensorEntryDef> = sensorEntryZod;

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
export const sensorGridSchema: z.ZodType<SensorGridDef> = sensorGridZod;

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
export const groundStationSchema: z.ZodType<GroundStationDef> = groundStationZod;

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
export const walkerSchema: z.ZodType<WalkerDef> = walkerZod;

/**
 * Real element sets from a file: a path relative to the scenario file or to the repository's `data/`.
 *
 * @example
 * ```ts
 * import { elementsSchema } from "./schema.ts";
 * console.assert(elementsSchema.parse({ file: "tle/iridium.tle" }).stride === 1);
 * ```
 */
export const elementsSchema: z.ZodType<ElementsDef> = elementsZod;

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
export const constellationSchema: z.ZodType<ConstellationDef> = constellationZod;

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
export const taskSchema: z.ZodType<TaskDef> = taskZod;

/**
 * The team reward per step: `scale * (valueWeight * value delivered in time - energyWeightPerKJ * kJ)`.
 *
 * @example
 * ```ts
 * import { rewardSchema } from "./schema.ts";
 * console.assert(rewardSchema.parse({ energyWeightPerKJ: 0.1 }).scale === 1);
 * ```
 */
export const rewardSchema: z.ZodType<RewardDef> = rewardZod;

/**
 * A whole scenario file.
 *
 * @example
 * ```ts
 * import { scenarioSchema } from "./schema.ts";
 * console.assert(!scenarioSchema.safeParse({ name: "no-constellation" }).success);
 * ```
 */
export const scenarioSchema: z.ZodType<ScenarioData, ScenarioInput> = scenarioZod;
