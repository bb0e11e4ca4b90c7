import assert from "node:assert/strict";
import { sgp4 } from "satellite.js";
import { OrbitDataError } from "./errors.ts";
import { loadOmm, parseOmm } from "./omm.ts";
import { loadTle } from "./tle.ts";

const FIXTURE = "sim/orbit/testdata/iss-omm.json";

async function fixture(): Promise<Record<string, unknown>[]> {
  return JSON.parse(await Deno.readTextFile(FIXTURE));
}

function rejects(data: unknown, fragments: string[], field?: string): OrbitDataError {
  let caught: unknown;
  try {
    parseOmm(typeof data === "string" ? data : JSON.stringify(data), "x.json");
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof OrbitDataError, `expected OrbitDataError, got ${caught}`);
  for (const f of fragments) {
    assert.ok(caught.message.includes(f), `"${caught.message}" lacks "${f}"`);
  }
  if (field !== undefined) assert.equal(caught.field, field);
  return caught;
}

Deno.test("omm: loads the fixture and matches the same element sets as TLE", async () => {
  const omm = await loadOmm(FIXTURE);
  assert.equal(omm.length, 3);
  assert.equal(omm[0].name, "ISS (ZARYA)");
  assert.equal(omm[0].designator, "1998-067A");
  assert.equal(omm[0].catalogNumber, 25544);
  const [iss] = await loadTle("data/tle/iss.tle");
  const iridium = await loadTle("data/tle/iridium.tle");
  const tle = [iss, iridium[0], iridium[1]];
  for (let i = 0; i < 3; i++) {
    assert.equal(omm[i].catalogNumber, tle[i].catalogNumber);
    // The OMM epoch keeps its microseconds; the TLE epoch is known to ~1 µs.
    assert.ok(Math.abs(omm[i].epochMs - tle[i].epochMs) < 0.01, `epoch ${i}`);
    for (const minutes of [0, 90, 1440]) {
      const a = sgp4(omm[i].satrec, minutes)!.position;
      const b = sgp4(tle[i].satrec, minutes)!.position;
      assert.ok(Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z) < 1e-6, `sat ${i} at ${minutes} min`);
    }
  }
});

Deno.test("omm: numeric strings (Space-Track style) are accepted", async () => {
  const data = await fixture();
  const asStrings = data.map((o) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? String(v) : v]),
    )
  );
  const a = parseOmm(JSON.stringify(data));
  const b = parseOmm(JSON.stringify(asStrings));
  assert.deepEqual(b.map((r) => r.catalogNumber), a.map((r) => r.catalogNumber));
  assert.equal(b[0].satrec.no, a[0].satrec.no);
});

Deno.test("omm: a non-numeric field names the index and field", async () => {
  const data = await fixture();
  data.push({ ...data[0] }, { ...data[1] });
  (data[3] as Record<string, unknown>).MEAN_MOTION = "abc";
  const err = rejects(data, [], "[3].MEAN_MOTION");
  assert.equal(
    err.message,
    'Cannot load OMM "x.json": field "[3].MEAN_MOTION" must be a number, got "abc"',
  );
});

Deno.test("omm: missing, malformed and out-of-range fields", async () => {
  const base = (await fixture())[0];
  const without = { ...base };
  delete without.EPOCH;
  rejects([without], ['field "[0].EPOCH" is missing'], "[0].EPOCH");
  rejects(
    [{ ...base, EPOCH: "2022-13-09T22:14:07" }],
    ['field "[0].EPOCH" must be an ISO 8601'],
    "[0].EPOCH",
  );
  rejects([{ ...base, ECCENTRICITY: 1.2 }], ['field "[0].ECCENTRICITY" must be < 1, got 1.2']);
  rejects([{ ...base, INCLINATION: -3 }], ['field "[0].INCLINATION" must be >= 0, got -3']);
  rejects([{ ...base, NORAD_CAT_ID: 25544.5 }], ['field "[0].NORAD_CAT_ID" must be an integer']);
  rejects([{ ...base, EPHEMERIS_TYPE: 2 }], ['field "[0].EPHEMERIS_TYPE" must be <= 0, got 2']);
  rejects([{ ...base, CLASSIFICATION_TYPE: "X" }], [
    'field "[0].CLASSIFICATION_TYPE" must be "U", "C" or "S"',
  ]);
  rejects([{ ...base, OBJECT_NAME: 7 }], ['field "[0].OBJECT_NAME" must be a string, got 7']);
  rejects([base, "not an object"], ['field "[1]" must be an object, got "not an object"'], "[1]");
  rejects([{ ...base, MEAN_MOTION: 30 }], ['field "[0]" SGP4 rejected the element set']);
});

Deno.test("omm: top-level and JSON errors", () => {
  rejects({ OBJECT_NAME: "X" }, ["the top level must be an array of OMM objects, got object"]);
  rejects("[{", ['Cannot load OMM "x.json": invalid JSON']);
});

Deno.test("omm: loadOmm names a missing file", async () => {
  await assert.rejects(
    () => loadOmm("sim/orbit/testdata/nope.json"),
    (err: unknown) =>
      err instanceof OrbitDataError && err.message.includes('"sim/orbit/testdata/nope.json"'),
  );
});
