/**
 * Loading and validating fleet scenarios: the shipped ones by name (`leo-wildfire`, `iot-edge-fleet`,
 * `mega-shell`, bundled as JSON imports so no file permission is needed) and user files by path.
 *
 * Every problem becomes a {@linkcode ScenarioError} naming the file, the path inside it and the value, e.g.
 * `Cannot load scenario "scenarios/x.json": field "nodeClasses.cubesat.budget.flopsPerSecond" must be > 0,
 * got -5`. Beyond the schema (`schema.ts`) the loader checks what a schema cannot see: node class references
 * (existence and kind), name clashes with the shared `scenarios/node-classes.json`, unique sensor and station
 * names, imaging durations that fit in one decision epoch, and that the scenario has sensors; and the size
 * limits of {@linkcode SCENARIO_LIMITS} (file bytes, total nodes, expected event arrivals per episode,
 * episode length), so a scenario cannot ask for more memory than a machine has. Element-set files must be
 * regular files inside the scenario's folder or the repository's `data/`.
 *
 * @example
 * ```ts
 * import { builtinScenario, parseScenario, ScenarioError } from "./scenario.ts";
 * const s = builtinScenario("leo-wildfire");
 * console.assert(s.time.dtS > 0 && s.classes["cubesat"].kind === "satellite");
 * try {
 *   parseScenario({ ...s, time: { ...s.time, dtS: -5 } }, "mine.json");
 * } catch (e) {
 *   console.assert(e instanceof ScenarioError && e.path === "time.dtS");
 * }
 * ```
 *
 * @module
 */

import type { z } from "zod";
import { formatPath, valueAt } from "../field_path.ts";
import { InputError } from "../input_error.ts";
import { readTextFileBoundedSync } from "../bounded_read.ts";

export { formatPath };
import leoWildfire from "../../scenarios/leo-wildfire.json" with { type: "json" };
import iotEdgeFleet from "../../scenarios/iot-edge-fleet.json" with { type: "json" };
import megaShell from "../../scenarios/mega-shell.json" with { type: "json" };
import sharedNodeClasses from "../../scenarios/node-classes.json" with { type: "json" };
import {
  type NodeClassDef,
  nodeClassesSchema,
  type ScenarioData,
  type ScenarioInput,
  scenarioSchema,
} from "./schema.ts";

/**
 * The scenarios fleetkd ships, by name.
 *
 * @example
 * ```ts
 * import { BUILTIN_SCENARIOS } from "./scenario.ts";
 * console.assert(BUILTIN_SCENARIOS[0] === "leo-wildfire");
 * ```
 */
export const BUILTIN_SCENARIOS: readonly string[] = [
  "leo-wildfire",
  "iot-edge-fleet",
  "mega-shell",
];

/**
 * Size limits of a scenario, checked when it is loaded (element-set satellites when the world is built);
 * an excess is a {@linkcode ScenarioError} naming the field and the limit.
 *
 * - `fileBytes`: a scenario file's size (16 MiB).
 * - `nodes`: satellites plus sensors (100,000; mega-shell has 2,243 + 3,600).
 * - `arrivalsPerEpisode`: expected event arrivals per episode, `task.arrivalRatePerSensorPerHour` x the
 *   sum of the sensors' `rateScale` x the episode's hours (1,000,000; the event table holds about twice
 *   that).
 * - `episodeS`: an episode's length, `time.episodeSteps` x `time.dtS` (30 days; SGP4 elements go stale
 *   within weeks).
 *
 * @example
 * ```ts
 * import { SCENARIO_LIMITS } from "./scenario.ts";
 * console.assert(SCENARIO_LIMITS.nodes === 100_000);
 * ```
 */
export const SCENARIO_LIMITS: {
  readonly fileBytes: number;
  readonly nodes: number;
  readonly arrivalsPerEpisode: number;
  readonly episodeS: number;
} = {
  fileBytes: 16 * 1024 * 1024,
  nodes: 100_000,
  arrivalsPerEpisode: 1_000_000,
  episodeS: 30 * 86_400,
};

/**
 * Checks the expected event arrivals of an episode of `episodeSteps` steps against
 * {@linkcode SCENARIO_LIMITS}; `rateScaleSum` is the sum of the sensors' `rateScale`.
 *
 * @example
 * ```ts
 * import { builtinScenario, checkArrivalBudget } from "./scenario.ts";
 * checkArrivalBudget(builtinScenario("leo-wildfire"), 24, 120);
 * ```
 */
export function checkArrivalBudget(
  scenario: Pick<ScenarioData, "task" | "time"> & { source?: string },
  rateScaleSum: number,
  episodeSteps: number,
  source = scenario.source ?? "<scenario>",
): void {
  const hours = episodeSteps * scenario.time.dtS / 3600;
  const expected = scenario.task.arrivalRatePerSensorPerHour * rateScaleSum * hours;
  if (!(expected <= SCENARIO_LIMITS.arrivalsPerEpisode)) {
    throw new ScenarioError(
      source,
      "task.arrivalRatePerSensorPerHour",
      `gives ${
        expected < 1e9 ? Math.round(expected).toLocaleString("en-US") : expected.toExponential(2)
      } expected event arrivals per episode (rate x ${
        Number(rateScaleSum.toPrecision(6))
      } summed sensor rateScale x ${Number(hours.toPrecision(6))} h), more than the limit of ${
        SCENARIO_LIMITS.arrivalsPerEpisode.toLocaleString("en-US")
      }`,
      show(scenario.task.arrivalRatePerSensorPerHour),
    );
  }
}

const BUILTIN_DATA: Record<string, unknown> = {
  "leo-wildfire": leoWildfire,
  "iot-edge-fleet": iotEdgeFleet,
  "mega-shell": megaShell,
};

/**
 * Path of the shared node classes file, as named in error messages.
 *
 * @example
 * ```ts
 * import { SHARED_CLASSES_SOURCE } from "./scenario.ts";
 * console.assert(SHARED_CLASSES_SOURCE.endsWith("node-classes.json"));
 * ```
 */
export const SHARED_CLASSES_SOURCE = "scenarios/node-classes.json";

/**
 * A rejected scenario: `source` is the file (or label), `path` the field inside it (`""` for the whole
 * file), `value` the offending value rendered as text.
 *
 * @example
 * ```ts
 * import { ScenarioError } from "./scenario.ts";
 * const e = new ScenarioError("x.json", "time.dtS", "must be > 0", "-5");
 * console.assert(e.message === 'Cannot load scenario "x.json": field "time.dtS" must be > 0, got -5');
 * ```
 */
export class ScenarioError extends InputError {
  /** File path or label of the scenario. */
  readonly source: string;
  /** Field path inside the file, e.g. `"sensors.list[3].latDeg"`; `""` for the file as a whole. */
  readonly path: string;
  /** The offending value as text; undefined when there is none to show. */
  readonly value?: string;

  /** Builds `Cannot load scenario "<source>": field "<path>" <expectation>, got <value>`. */
  constructor(source: string, path: string, expectation: string, value?: string) {
    const where = path === "" ? "" : `field "${path}" `;
    const got = value === undefined ? "" : `, got ${value}`;
    super(`Cannot load scenario "${source}": ${where}${expectation}${got}`);
    this.name = "ScenarioError";
    this.source = source;
    this.path = path;
    this.value = value;
  }
}

/**
 * A validated scenario with its node classes resolved. Build with {@linkcode parseScenario}.
 *
 * @example
 * ```ts
 * import { builtinScenario, type Scenario } from "./scenario.ts";
 * const s: Scenario = builtinScenario("leo-wildfire");
 * console.assert(s.source === "scenarios/leo-wildfire.json");
 * ```
 */
export interface Scenario extends ScenarioData {
  /** Where it came from: a file path, `"builtin:<name>"` or a caller's label. */
  readonly source: string;
  /** Directory that relative element-set paths are resolved against (undefined: only `data/`). */
  readonly baseDir: string | undefined;
  /** Every node class the scenario may use: the shared ones plus its own. */
  readonly classes: Readonly<Record<string, NodeClassDef>>;
}

const parsedScenarios = new WeakSet<object>();

/** Renders a value for an error message: numbers as-is, strings quoted, objects as short JSON. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Turns one zod issue into an expectation phrase and the offending value. */
function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
): { path: readonly PropertyKey[]; expectation: string; value?: string } {
  const path = issue.path as PropertyKey[];
  const value = valueAt(input, path);
  switch (issue.code) {
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "array") {
        return {
          path,
          expectation: `must have at least ${n} item${n === 1 ? "" : "s"}`,
          value: show(value),
        };
      }
      if (issue.origin === "string") {
        return { path, expectation: "must not be empty", value: show(value) };
      }
      return {
        path,
        expectation: `must be ${issue.inclusive ? ">=" : ">"} ${n}`,
        value: show(value),
      };
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "array") {
        return { path, expectation: `must have at most ${n} items`, value: show(value) };
      }
      return {
        path,
        expectation: `must be ${issue.inclusive ? "<=" : "<"} ${n}`,
        value: show(value),
      };
    }
    case "invalid_type": {
      const expected = issue.expected === "int"
        ? "an integer"
        : `a${/^[aeiou]/.test(issue.expected) ? "n" : ""} ${issue.expected}`;
      if (value === undefined) return { path, expectation: `is required (${expected})` };
      return { path, expectation: `must be ${expected}`, value: show(value) };
    }
    case "invalid_value":
      return {
        path,
        expectation: `must be ${issue.values.length === 1 ? "" : "one of "}${
          issue.values.map((v) => show(v)).join(", ")
        }`,
        value: show(value),
      };
    case "invalid_union": {
      const options = "options" in issue ? issue.options : undefined;
      if (issue.discriminator !== undefined && options) {
        const p = path[path.length - 1] === issue.discriminator
          ? path
          : [...path, issue.discriminator];
        return {
          path: p,
          expectation: `must be one of ${options.map((v) => show(v)).join(", ")}`,
          value: show(valueAt(input, p)),
        };
      }
      return { path, expectation: "matches none of the allowed forms", value: show(value) };
    }
    case "unrecognized_keys": {
      const key = issue.keys[0];
      const more = issue.keys.length > 1
        ? ` (and ${issue.keys.slice(1).map((k) => `"${k}"`).join(", ")})`
        : "";
      return {
        path: [...path, key],
        expectation: `is not a known field${more}; check its spelling`,
      };
    }
    case "invalid_format":
      return {
        path,
        expectation: issue.message.startsWith("must")
          ? issue.message
          : `must match ${issue.pattern ?? issue.format}`,
        value: show(value),
      };
    default:
      return {
        path,
        expectation: issue.message.startsWith("must")
          ? issue.message
          : `is invalid (${issue.message})`,
        value: show(value),
      };
  }
}

/** Throws a ScenarioError for the first issue of a failed zod parse (the count of the others appended). */
function throwIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  prefix: PropertyKey[] = [],
): never {
  const first = describeIssue(issues[0], input);
  const more = issues.length > 1
    ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
    : "";
  throw new ScenarioError(
    source,
    formatPath([...prefix, ...first.path]),
    first.expectation + (first.value === undefined ? more : ""),
    first.value === undefined ? undefined : first.value + more,
  );
}

let sharedCache: Record<string, NodeClassDef> | undefined;

/**
 * The shared node classes of `scenarios/node-classes.json`, validated.
 *
 * @example
 * ```ts
 * import { sharedNodeClassDefs } from "./scenario.ts";
 * const classes = sharedNodeClassDefs();
 * console.assert(classes["mcu-sensor"].kind === "sensor");
 * ```
 */
export function sharedNodeClassDefs(): Readonly<Record<string, NodeClassDef>> {
  if (sharedCache === undefined) {
    const data = { ...(sharedNodeClasses as Record<string, unknown>) };
    delete data.$comment;
    const r = nodeClassesSchema.safeParse(data);
    if (!r.success) throwIssues(SHARED_CLASSES_SOURCE, r.error.issues, data);
    sharedCache = r.data;
  }
  return sharedCache;
}

/**
 * Default name of a listed sensor without one.
 *
 * @example
 * ```ts
 * import { defaultSensorName } from "./scenario.ts";
 * console.assert(defaultSensorName(38.5, -121) === "38.5,-121");
 * ```
 */
export function defaultSensorName(latDeg: number, lonDeg: number): string {
  return `${latDeg},${lonDeg}`;
}

/**
 * Options of {@linkcode parseScenario}.
 *
 * @example
 * ```ts
 * import type { ParseScenarioOptions } from "./scenario.ts";
 * const options: ParseScenarioOptions = { baseDir: "./scenarios/" };
 * console.assert(options.baseDir !== undefined);
 * ```
 */
export interface ParseScenarioOptions {
  /** Directory relative element-set paths are resolved against (besides the repository's `data/`). */
  baseDir?: string;
}

/**
 * Validates scenario data (as read from JSON) and resolves its node classes. Throws
 * {@linkcode ScenarioError} naming `source`, the field and the value.
 *
 * @example
 * ```ts
 * import { builtinScenario, parseScenario } from "./scenario.ts";
 * const base = builtinScenario("leo-wildfire");
 * const { source: _s, baseDir: _b, classes: _c, ...data } = base;
 * const copy = parseScenario({ ...data, name: "my-copy" }, "my-copy.json");
 * console.assert(copy.name === "my-copy" && copy.source === "my-copy.json");
 * ```
 */
export function parseScenario(
  data: unknown,
  source: string,
  options: ParseScenarioOptions = {},
): Scenario {
  const r = scenarioSchema.safeParse(data);
  if (!r.success) throwIssues(source, r.error.issues, data);
  const s = r.data;
  const shared = sharedNodeClassDefs();
  const fail = (path: string, expectation: string, value?: unknown): never => {
    throw new ScenarioError(
      source,
      path,
      expectation,
      value === undefined ? undefined : show(value),
    );
  };
  for (const name of Object.keys(s.nodeClasses)) {
    if (name in shared) {
      fail(
        `nodeClasses.${name}`,
        `redefines the shared class "${name}" of ${SHARED_CLASSES_SOURCE} (a class name is a policy key with a fixed observation layout); choose another name`,
      );
    }
  }
  const classes: Record<string, NodeClassDef> = { ...shared, ...s.nodeClasses };
  const known = () => Object.keys(classes).join(", ");
  const checkClass = (path: string, name: string, kind: "satellite" | "sensor") => {
    const c = classes[name];
    if (c === undefined) fail(path, `must name a node class (known: ${known()})`, name);
    else if (c.kind !== kind) {
      fail(path, `must name a ${kind} class, "${name}" is a ${c.kind} class`, name);
    }
  };
  s.constellation.classMix.forEach((m, i) =>
    checkClass(`constellation.classMix[${i}].class`, m.class, "satellite")
  );
  const names = new Map<string, string>();
  const claim = (name: string, path: string) => {
    const other = names.get(name);
    if (other !== undefined) {
      fail(path, `must be unique, "${name}" is also the name of ${other}`, name);
    }
    names.set(name, path);
  };
  const sensorCount = s.sensors.list.length +
    s.sensors.grids.reduce((n, g) => n + g.rows * g.cols, 0);
  const walkerCount = s.constellation.walker?.total ?? 0;
  if (sensorCount + walkerCount > SCENARIO_LIMITS.nodes) {
    fail(
      s.sensors.grids.length > 0 ? "sensors.grids" : "sensors.list",
      `places ${sensorCount.toLocaleString("en-US")} sensors${
        walkerCount ? ` (with ${walkerCount.toLocaleString("en-US")} satellites)` : ""
      }, more than the limit of ${SCENARIO_LIMITS.nodes.toLocaleString("en-US")} nodes`,
    );
  }
  const episodeS = s.time.episodeSteps * s.time.dtS;
  if (episodeS > SCENARIO_LIMITS.episodeS) {
    fail(
      "time.episodeSteps",
      `x time.dtS (${s.time.dtS} s) gives a ${
        (episodeS / 86_400).toFixed(1)
      }-day episode, more than the limit of ${SCENARIO_LIMITS.episodeS / 86_400} days`,
      s.time.episodeSteps,
    );
  }
  const rateScaleSum = s.sensors.list.reduce((a, e) => a + e.rateScale, 0) +
    s.sensors.grids.reduce((a, g) => a + g.rows * g.cols * g.rateScale, 0);
  checkArrivalBudget(s, rateScaleSum, s.time.episodeSteps, source);
  s.sensors.list.forEach((e, i) => {
    checkClass(`sensors.list[${i}].class`, e.class, "sensor");
    claim(
      e.name ?? defaultSensorName(e.latDeg, e.lonDeg),
      `sensors.list[${i}]${e.name ? ".name" : ""}`,
    );
  });
  s.sensors.grids.forEach((g, i) => {
    checkClass(`sensors.grids[${i}].class`, g.class, "sensor");
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        claim(`${g.namePrefix}-r${r}c${c}`, `sensors.grids[${i}].namePrefix`);
      }
    }
  });
  if (sensorCount === 0) fail("sensors", 'must place at least one sensor (in "list" or "grids")');
  const stations = new Set<string>();
  s.groundStations.forEach((g, i) => {
    if (stations.has(g.name)) fail(`groundStations[${i}].name`, "must be unique", g.name);
    stations.add(g.name);
  });
  for (const [name, c] of Object.entries(classes)) {
    if (c.kind === "satellite" && c.payload.imagingDurationS > s.time.dtS) {
      const where = name in shared
        ? `${SHARED_CLASSES_SOURCE}: nodeClasses.${name}`
        : `nodeClasses.${name}`;
      const used = s.constellation.classMix.some((m) => m.class === name);
      if (used) {
        fail(
          "time.dtS",
          `must be >= the imaging duration of class "${name}" (${c.payload.imagingDurationS} s, ${where}.payload.imagingDurationS)`,
          s.time.dtS,
        );
      }
    }
  }
  const scenario: Scenario = { ...s, source, baseDir: options.baseDir, classes };
  parsedScenarios.add(scenario);
  return scenario;
}

/** A file URL's path on this platform. */
function urlPath(url: URL): string {
  const p = decodeURIComponent(url.pathname);
  return Deno.build.os === "windows" ? p.slice(1).replaceAll("/", "\\") : p;
}

/**
 * The repository's `scenarios/` directory.
 *
 * @example
 * ```ts
 * import { SCENARIOS_DIR } from "./scenario.ts";
 * console.assert(SCENARIOS_DIR.endsWith("scenarios/"));
 * ```
 */
export const SCENARIOS_DIR: string = urlPath(new URL("../../scenarios/", import.meta.url));
/**
 * The repository's `data/` directory (element sets).
 *
 * @example
 * ```ts
 * import { DATA_DIR } from "./scenario.ts";
 * console.assert(DATA_DIR.endsWith("data/"));
 * ```
 */
export const DATA_DIR: string = urlPath(new URL("../../data/", import.meta.url));

const builtinCache = new Map<string, Scenario>();

/**
 * A shipped scenario by name (see {@linkcode BUILTIN_SCENARIOS}); parsed once and cached.
 *
 * @example
 * ```ts
 * import { builtinScenario } from "./scenario.ts";
 * console.assert(builtinScenario("mega-shell").constellation.elements !== undefined);
 * ```
 */
export function builtinScenario(name: string): Scenario {
  let s = builtinCache.get(name);
  if (s === undefined) {
    const data = BUILTIN_DATA[name];
    if (data === undefined) {
      throw new ScenarioError(
        name,
        "",
        `is not a shipped scenario (shipped: ${
          BUILTIN_SCENARIOS.join(", ")
        }); pass a path ending in .json to load a file`,
      );
    }
    s = parseScenario(data, `scenarios/${name}.json`, { baseDir: SCENARIOS_DIR });
    builtinCache.set(name, s);
  }
  return s;
}

/**
 * Reads and validates a scenario file (a regular file of at most `SCENARIO_LIMITS.fileBytes`). Relative
 * element-set paths resolve against the file's directory, then the repository's `data/`.
 *
 * @example
 * ```ts
 * import { loadScenarioFile } from "./scenario.ts";
 * const s = loadScenarioFile("scenarios/leo-wildfire.json");
 * console.assert(s.name === "leo-wildfire");
 * ```
 */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readTextFileBoundedSync(path, SCENARIO_LIMITS.fileBytes);
  } catch (e) {
    throw new ScenarioError(path, "", (e as Error).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(path, "", `is not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const baseDir = slash >= 0 ? path.slice(0, slash + 1) : "./";
  return parseScenario(data, path, { baseDir });
}

/**
 * A scenario from a shipped name, a `.json` path, scenario data, or an already parsed scenario.
 *
 * @example
 * ```ts
 * import { resolveScenario } from "./scenario.ts";
 * const s = resolveScenario("leo-wildfire");
 * console.assert(resolveScenario(s) === s);
 * ```
 */
export function resolveScenario(scenario: string | Scenario | ScenarioInput): Scenario {
  if (typeof scenario === "string") {
    return scenario.endsWith(".json") ? loadScenarioFile(scenario) : builtinScenario(scenario);
  }
  if (parsedScenarios.has(scenario)) return scenario as Scenario;
  return parseScenario(scenario, `<scenario object "${(scenario as { name?: unknown }).name}">`);
}
