// Issue 23, findings 8 and 12: scenario size limits (nodes, arrivals, episode length, file size,
// non-regular files) and element-set paths confined to the scenario's folder or data/.
import assert from "node:assert/strict";
import leo from "../../scenarios/leo-wildfire.json" with { type: "json" };
import iot from "../../scenarios/iot-edge-fleet.json" with { type: "json" };
import { loadScenarioFile, parseScenario, SCENARIO_LIMITS, ScenarioError } from "./scenario.ts";
import { FleetEnv } from "./env.ts";
import { buildFleetWorld } from "./world.ts";
import { MAX_ELEMENT_FILE_BYTES } from "../orbit/record.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function rejects(run: () => unknown, path: string, expectation: RegExp): ScenarioError {
  let caught: unknown;
  assert.throws(run, (e: unknown) => {
    caught = e;
    return e instanceof ScenarioError;
  });
  const e = caught as ScenarioError;
  assert.equal(e.path, path, e.message);
  assert.match(e.message, expectation);
  return e;
}

Deno.test("limits: 1e7 sensors are refused at parse time, naming the field and the node limit", () => {
  const d: Json = structuredClone(leo);
  // Ten 1000 x 1000 grids: 1e7 sensors (the probe built them for 200 s, to 5.9 GB).
  d.sensors.grids = Array.from({ length: 10 }, (_, i) => ({
    ...d.sensors.grids[0],
    namePrefix: `g${i}`,
    rows: 1000,
    cols: 1000,
  }));
  const t0 = performance.now();
  rejects(
    () => parseScenario(d, "big.json"),
    "sensors.grids",
    /places 10,000,004 sensors \(with 16 satellites\), more than the limit of 100,000 nodes/,
  );
  assert.ok(performance.now() - t0 < 5000, "refused before the sensors are generated");
});

Deno.test("limits: an arrival rate of 1e12 names the field, the expected arrivals and the limit", () => {
  const d: Json = structuredClone(leo);
  d.task.arrivalRatePerSensorPerHour = 1e12;
  rejects(
    () => parseScenario(d, "rate.json"),
    "task.arrivalRatePerSensorPerHour",
    /gives 2\.40e\+13 expected event arrivals per episode .* more than the limit of 1,000,000, got 1000000000000$/,
  );
  // The shipped rate is fine, but a longer episode asked of the env is checked there too.
  d.task.arrivalRatePerSensorPerHour = 2000;
  const s = parseScenario(d, "rate.json");
  rejects(
    () => new FleetEnv({ scenario: s, maxSteps: 100_000 }),
    "task.arrivalRatePerSensorPerHour",
    /expected event arrivals per episode/,
  );
});

Deno.test("limits: an episode longer than 30 days names time.episodeSteps", () => {
  const d: Json = structuredClone(leo);
  d.time.episodeSteps = 1_000_000; // 30 s steps: 347 days
  d.task.arrivalRatePerSensorPerHour = 0;
  rejects(
    () => parseScenario(d, "long.json"),
    "time.episodeSteps",
    /347\.2-day episode, more than the limit of 30 days, got 1000000/,
  );
});

Deno.test("limits: scenario files must be regular files within the size limit", async () => {
  rejects(
    () => loadScenarioFile("/dev/zero"),
    "",
    /"\/dev\/zero": is a character device, expected a regular file/,
  );
  const dir = await Deno.makeTempDir();
  try {
    rejects(() => loadScenarioFile(dir + "/"), "", /is a folder, expected a regular file/);
    const big = `${dir}/big.json`;
    await Deno.writeTextFile(big, "[");
    await Deno.truncate(big, SCENARIO_LIMITS.fileBytes + 1); // sparse: no 16 MiB written
    rejects(() => loadScenarioFile(big), "", /is 16\.0 MiB, more than the 16 MiB limit/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("elements.file: only inside the scenario's folder or data/, and no quoting of a foreign file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const d: Json = structuredClone(iot);
    const write = async (file: string) => {
      d.constellation.elements = { file };
      await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify(d));
      return loadScenarioFile(`${dir}/s.json`);
    };
    const field = "constellation.elements.file";
    for (const file of ["/etc/passwd", "../../../../etc/passwd", "tle/../../etc/passwd"]) {
      const s = await write(file);
      rejects(() => buildFleetWorld(s), field, /must be a path relative to the scenario's folder/);
    }
    // A symbolic link inside the folder that leads outside it.
    await Deno.symlink("/etc/passwd", `${dir}/passwd.tle`);
    const linked = await write("passwd.tle");
    rejects(() => buildFleetWorld(linked), field, /must stay inside .* links to a file outside it/);
    // A file inside that is not an element set: refused without quoting its lines.
    await Deno.writeTextFile(`${dir}/notes.tle`, "secret line one\nsecret line two\n");
    const notes = await write("notes.tle");
    const e = rejects(() => buildFleetWorld(notes), field, /not an element set/);
    assert.ok(!e.message.includes("secret"), e.message);
    // A device is not read (a link to one leads outside), nor a folder.
    await Deno.symlink("/dev/zero", `${dir}/zero.tle`);
    const zero = await write("zero.tle");
    rejects(() => buildFleetWorld(zero), field, /must stay inside/);
    await Deno.mkdir(`${dir}/folder.tle`);
    const folder = await write("folder.tle");
    rejects(() => buildFleetWorld(folder), field, /is a folder, expected a regular file/);
    // An element file over the size limit is not read (sparse: nothing is written).
    await Deno.writeTextFile(`${dir}/huge.tle`, "1");
    await Deno.truncate(`${dir}/huge.tle`, MAX_ELEMENT_FILE_BYTES + 1);
    const huge = await write("huge.tle");
    rejects(() => buildFleetWorld(huge), field, /is 64\.0 MiB, more than the 64 MiB limit/);
    // The shipped relative path still resolves against data/.
    assert.equal(buildFleetWorld(await write("tle/iridium.tle")).satelliteCount, 75);
    // OMM CSV and XML beside the scenario are read by content (issue 22).
    for (const ext of ["csv", "xml"]) {
      await Deno.copyFile(`sim/orbit/testdata/iss-omm.${ext}`, `${dir}/sets.${ext}`);
      assert.equal(buildFleetWorld(await write(`sets.${ext}`)).satelliteCount, 3, ext);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
