import assert from "node:assert/strict";
import leo from "../../scenarios/leo-wildfire.json" with { type: "json" };
import {
  BUILTIN_SCENARIOS,
  builtinScenario,
  loadScenarioFile,
  parseScenario,
  resolveScenario,
  ScenarioError,
} from "./scenario.ts";
import { buildFleetWorld } from "./world.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const base = (): Json => structuredClone(leo);

function rejects(
  data: Json,
  path: string,
  valuePart: string | undefined,
  expectation: RegExp,
): void {
  assert.throws(
    () => parseScenario(data, "scenarios/x.json"),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError, `not a ScenarioError: ${e}`);
      assert.ok(e.message.startsWith('Cannot load scenario "scenarios/x.json": '), e.message);
      assert.equal(e.path, path, e.message);
      assert.ok(e.message.includes(`field "${path}"`), e.message);
      if (valuePart !== undefined) assert.ok(e.message.includes(`got ${valuePart}`), e.message);
      assert.match(e.message, expectation);
      return true;
    },
  );
}

Deno.test("shipped scenarios parse, use the shared classes and build", () => {
  for (const name of BUILTIN_SCENARIOS) {
    const s = builtinScenario(name);
    assert.equal(s.name, name);
    assert.equal(s.classes["cubesat"].kind, "satellite");
    assert.equal(builtinScenario(name), s, "builtins are cached");
  }
  const leoWorld = buildFleetWorld(builtinScenario("leo-wildfire"));
  assert.ok(leoWorld.satelliteCount <= 16 && leoWorld.sensorCount <= 24);
  assert.equal(leoWorld.stationNames.length, 3);
  const mega = builtinScenario("mega-shell");
  const megaNames = new Set(mega.constellation.classMix.map((m) => m.class));
  for (const c of leoWorld.classes) {
    assert.ok(
      megaNames.has(c.name) || mega.sensors.grids.some((g) => g.class === c.name),
      `leo-wildfire class ${c.name} is used by mega-shell too`,
    );
  }
});

Deno.test("a bad budget names the file, the path and the value", () => {
  const d = base();
  d.nodeClasses = {
    "my-sat": {
      ...structuredClone(builtinScenario("leo-wildfire").classes["cubesat"]),
      budget: {
        flopsPerSecond: -5,
        paramMemoryBytes: 1,
        deadlineShare: 0.01,
        overheadMs: 0,
        activePowerW: 0.4,
        wakeEnergyJ: 0,
        latencySigma: 0.1,
      },
    },
  };
  rejects(d, "nodeClasses.my-sat.budget.flopsPerSecond", "-5", /must be > 0, got -5$/);
  const budget =
    (d.nodeClasses as Record<string, { budget: Record<string, unknown> }>)["my-sat"].budget;
  budget.flopsPerSecond = 2e7;
  budget.deadlineShare = 1.5;
  rejects(d, "nodeClasses.my-sat.budget.deadlineShare", "1.5", /got 1.5$/);
  budget.deadlineShare = 0.01;
  budget.activePowerW = -0.4;
  rejects(d, "nodeClasses.my-sat.budget.activePowerW", "-0.4", /got -0.4$/);
  // A budget in the earlier format (a fixed deadline and energy per inference) names what is missing.
  (d.nodeClasses as Record<string, { budget: unknown }>)["my-sat"].budget = {
    flopsPerSecond: 2e7,
    paramMemoryBytes: 1,
    deadlineMs: 5,
    overheadMs: 1,
    energyPerInferenceJ: 0.002,
  };
  rejects(d, "nodeClasses.my-sat.budget.deadlineShare", undefined, /is required/);
});

Deno.test("field errors: ranges, types, unknown keys, enums", () => {
  let d = base();
  d.time.dtS = -5;
  rejects(d, "time.dtS", "-5", /must be > 0/);
  d = base();
  d.time.dtS = 0;
  rejects(d, "time.dtS", "0", /must be > 0/);
  d = base();
  d.sensors.list[2].latDeg = 95;
  rejects(d, "sensors.list[2].latDeg", "95", /must be <= 90/);
  d = base();
  d.sensors.list[0].lonDeg = "west";
  rejects(d, "sensors.list[0].lonDeg", '"west"', /must be a number/);
  d = base();
  d.task.arivalRate = 3;
  rejects(d, "task.arivalRate", undefined, /is not a known field/);
  d = base();
  delete d.task.deadlineS;
  rejects(d, "task.deadlineS", undefined, /is required/);
  d = base();
  d.task.value = { min: 5, max: 1 };
  rejects(d, "task.value.max", "1", /must be >= min/);
  d = base();
  d.constellation.walker.total = 15;
  rejects(d, "constellation.walker.total", "15", /divisible by planes/);
  d = base();
  d.time.start = "yesterday";
  rejects(d, "time.start", '"yesterday"', /UTC time/);
  d = base();
  d.nodeClasses = { "drone": { kind: "drone" } };
  rejects(d, "nodeClasses.drone.kind", '"drone"', /must be one of "satellite", "sensor"/);
  d = base();
  d.time.episodeSteps = 2.5;
  rejects(d, "time.episodeSteps", "2.5", /must be an integer/);
});

Deno.test("cross-field errors: class references, names, sensors, imaging time", () => {
  let d = base();
  d.sensors.list[3].class = "mcu-sensr";
  rejects(
    d,
    "sensors.list[3].class",
    '"mcu-sensr"',
    /must name a node class \(known: .*mcu-sensor/,
  );
  d = base();
  d.sensors.list[0].class = "cubesat";
  rejects(d, "sensors.list[0].class", '"cubesat"', /must name a sensor class/);
  d = base();
  d.constellation.classMix[0].class = "mcu-sensor";
  rejects(d, "constellation.classMix[0].class", '"mcu-sensor"', /must name a satellite class/);
  d = base();
  d.sensors.list[1].name = "gw-redding";
  rejects(d, "sensors.list[1].name", '"gw-redding"', /must be unique/);
  d = base();
  d.sensors = { list: [], grids: [] };
  rejects(d, "sensors", undefined, /at least one sensor/);
  d = base();
  d.time.dtS = 5;
  rejects(d, "time.dtS", "5", /imaging duration of class "cubesat"/);
  d = base();
  d.nodeClasses = { cubesat: structuredClone(builtinScenario("leo-wildfire").classes["cubesat"]) };
  rejects(d, "nodeClasses.cubesat", undefined, /redefines the shared class/);
  d = base();
  d.constellation.elements = { file: "tle/iss.tle" };
  rejects(d, "constellation", undefined, /exactly one of "walker" and "elements"/);
});

Deno.test("files: bad JSON, missing file, element-set paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, "{ not json");
    assert.throws(
      () => loadScenarioFile(bad),
      /Cannot load scenario ".*bad\.json": is not valid JSON/,
    );
    assert.throws(
      () => loadScenarioFile(`${dir}/none.json`),
      /Cannot load scenario ".*none\.json": cannot be read/,
    );
    const d = base();
    d.name = "iss-only";
    delete d.constellation.walker;
    d.constellation.elements = { file: "tle/iss.tle" };
    const good = `${dir}/iss.json`;
    await Deno.writeTextFile(good, JSON.stringify(d));
    const s = loadScenarioFile(good);
    assert.equal(buildFleetWorld(s).satelliteCount, 1, "resolved against data/");
    d.constellation.elements = { file: "nowhere.tle" };
    await Deno.writeTextFile(good, JSON.stringify(d));
    assert.throws(
      () => buildFleetWorld(loadScenarioFile(good)),
      /field "constellation\.elements\.file" must name an element-set file .*got "nowhere\.tle"/,
    );
    assert.equal(resolveScenario(good).name, "iss-only");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unknown scenario names list the shipped ones", () => {
  assert.throws(
    () => builtinScenario("leo-wildfyre"),
    /not a shipped scenario \(shipped: leo-wildfire, iot-edge-fleet, mega-shell\)/,
  );
});
