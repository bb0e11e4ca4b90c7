import assert from "node:assert/strict";
import { OrbitDataError } from "./errors.ts";
import { decodeCatalogNumber, encodeCatalogNumber, loadTle, parseTle, tleChecksum } from "./tle.ts";

const ISS1 = "1 25544U 98067A   22221.92646991  .00006058  00000-0  11289-3 0  9998";
const ISS2 = "2 25544  51.6448  70.3700 0005152 101.7041  98.6467 15.50292585353513";

/** Replaces columns [from, to] (1-based) of a line and fixes its checksum. */
function edit(line: string, from: number, text: string): string {
  const body = line.slice(0, from - 1) + text + line.slice(from - 1 + text.length, 68);
  return body + String(tleChecksum(body));
}

/** Asserts that parsing throws an OrbitDataError whose message includes every fragment. */
function rejects(text: string, fragments: string[], field?: string): OrbitDataError {
  let caught: unknown;
  try {
    parseTle(text, "bad.tle");
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

Deno.test("tle: loads every data file with the expected counts", async () => {
  const expected: Record<string, number> = {
    "iss.tle": 1,
    "starlink-53deg.tle": 2243,
    "iridium.tle": 75,
    "gps.tle": 35,
    "sun-synchronous-leo.tle": 1384,
  };
  for (const [file, n] of Object.entries(expected)) {
    const records = await loadTle(`data/tle/${file}`);
    assert.equal(records.length, n, file);
    for (const r of records) assert.equal(r.satrec.error, 0);
  }
});

Deno.test("tle: ISS fields and epoch", () => {
  const [iss] = parseTle(`${ISS1}\n${ISS2}\n`, "iss.tle");
  assert.equal(iss.name, "");
  assert.equal(iss.catalogNumber, 25544);
  assert.equal(iss.designator, "98067A");
  // Day 221.92646991 of 2022 = 9 August 22:14:07.000224.
  assert.equal(iss.epoch.toISOString(), "2022-08-09T22:14:07.000Z");
  assert.ok(Math.abs(iss.epochMs - Date.UTC(2022, 7, 9, 22, 14, 7) - 0.000224 * 1000) < 1e-3);
  assert.equal(iss.satrec.satnum, "25544");
});

Deno.test("tle: 3-line form, 0-prefixed names, blank lines and CRLF", () => {
  const text = [
    "ISS (ZARYA)",
    ISS1,
    ISS2,
    "",
    "0 ISS COPY",
    ISS1,
    ISS2,
    ISS1, // a bare pair after named ones
    ISS2,
  ].join("\r\n");
  const records = parseTle(text);
  assert.deepEqual(records.map((r) => r.name), ["ISS (ZARYA)", "ISS COPY", ""]);
});

Deno.test("tle: Alpha-5 catalogue numbers", () => {
  assert.equal(decodeCatalogNumber("A0001"), 100001);
  assert.equal(decodeCatalogNumber("J1234"), 181234); // J follows H (I is skipped)
  assert.equal(decodeCatalogNumber("P0000"), 230000); // P follows N (O is skipped)
  assert.ok(Number.isNaN(decodeCatalogNumber("O0000")));
  for (const n of [0, 5, 99999, 100000, 123456, 339999]) {
    assert.equal(decodeCatalogNumber(encodeCatalogNumber(n)), n);
  }
  const l1 = edit(ISS1, 3, "B1234");
  const l2 = edit(ISS2, 3, "B1234");
  const [r] = parseTle(`${l1}\n${l2}`);
  assert.equal(r.catalogNumber, 111234);
});

Deno.test("tle: checksum counts digits and minus signs", () => {
  assert.equal(tleChecksum(ISS1), 8);
  assert.equal(tleChecksum(ISS2), 3);
  assert.equal(tleChecksum("1-2-3"), (1 + 1 + 2 + 1 + 3) % 10);
});

Deno.test("tle: checksum mismatch names line and last column", () => {
  const bad = ISS1.slice(0, 68) + "5";
  const err = rejects(`${bad}\n${ISS2}`, [], "checksum");
  assert.equal(
    err.message,
    'Cannot load TLE "bad.tle": line 1: checksum is 5, expected 8 (last column)',
  );
  assert.equal(err.line, 1);
  assert.equal(err.value, "5");
  // On line 7 of a longer file.
  const text = [ISS1, ISS2, "", "NAME", ISS1, ISS2, ISS1, ISS2.slice(0, 68) + "0"].join("\n");
  rejects(text, ["line 8: checksum is 0, expected 3 (last column)"], "checksum");
});

Deno.test("tle: wrong line length", () => {
  rejects(
    `${ISS1}\n${ISS2.slice(0, 60)}`,
    ["line 2: line length is 60, expected 69"],
    "line length",
  );
  rejects(`${ISS1} 7\n${ISS2}`, ["line 1: line length is 71"], "line length");
});

Deno.test("tle: wrong line number digit", () => {
  rejects(
    `${ISS1}\n${"3" + ISS2.slice(1)}`,
    ['line 2: line number is "3", expected "2"'],
    "line number",
  );
  rejects(`${ISS2}\n${ISS1}`, ['line 1: line number is "2", expected "1"'], "line number");
});

Deno.test("tle: mismatched catalogue numbers between the lines", () => {
  const l2 = edit(ISS2, 3, "25545");
  rejects(
    `${ISS1}\n${l2}`,
    ["line 2: catalogue number is", "25545", "25544", "line 1"],
    "catalogue number",
  );
});

Deno.test("tle: non-numeric and out-of-range fields name the field, columns and value", () => {
  rejects(
    `${ISS1}\n${edit(ISS2, 9, " 5l.6448")}`,
    ['line 2: field "inclination" (columns 9-16) must be a number, got " 5l.6448"'],
    "inclination",
  );
  rejects(
    `${ISS1}\n${edit(ISS2, 9, "190.0000")}`,
    ['field "inclination"', "between 0 and 180", '"190.0000"'],
    "inclination",
  );
  rejects(
    `${edit(ISS1, 21, "221.9x646991")}\n${ISS2}`,
    ['line 1: field "epoch day" (columns 21-32) must be a number'],
    "epoch day",
  );
  rejects(
    `${edit(ISS1, 21, "400.92646991")}\n${ISS2}`,
    ['field "epoch day"', "between 1 and"],
    "epoch day",
  );
  rejects(
    `${edit(ISS1, 54, " 11289 3")}\n${ISS2}`,
    ['line 1: field "BSTAR drag term" (columns 54-61) must be an implied-decimal exponent'],
    "BSTAR drag term",
  );
  rejects(
    `${ISS1}\n${edit(ISS2, 27, "00x5152")}`,
    ['field "eccentricity" (columns 27-33)', '"00x5152"'],
    "eccentricity",
  );
  rejects(
    `${ISS1}\n${edit(ISS2, 53, "-5.50292585")}`,
    ['field "mean motion" (columns 53-63)', "between"],
    "mean motion",
  );
  rejects(`${edit(ISS1, 8, "X")}\n${ISS2}`, ['field "classification"'], "classification");
  rejects(
    `${edit(ISS1, 3, "2554$")}\n${ISS2}`,
    ['field "catalogue number" (columns 3-7)'],
    "catalogue number",
  );
});

Deno.test("tle: non-blank field separator", () => {
  rejects(
    `${ISS1}\n${edit(ISS2, 17, "7")}`,
    ['line 2: column 17 is "7", expected a blank'],
    "column 17",
  );
});

Deno.test("tle: SGP4 initialisation errors are reported", () => {
  // 30 rev/day: a 48-minute orbit, inside the Earth; sgp4init's first step reports decay.
  rejects(`${ISS1}\n${edit(ISS2, 53, "30.00000000")}`, [
    "line 1: SGP4 rejected the element set",
    "satrec.error",
  ], "satrec.error");
});

Deno.test("tle: structural errors", () => {
  rejects(ISS1, ["line 1: element set ends after line 1"]);
  rejects(`NAME\nOTHER NAME\n${ISS1}\n${ISS2}`, [
    "line 2: expected line 1 of the element set named on line 1",
  ]);
  rejects(`${ISS1}\nNAME\n${ISS2}`, ["line 2: expected line 2 of the element set begun on line 1"]);
  rejects(`${ISS1}\n${ISS2}\nTRAILING NAME`, ['line 3: name "TRAILING NAME" is not followed']);
  rejects("\n\n", ["no element sets found"]);
});

Deno.test("tle: loadTle names a missing file", async () => {
  await assert.rejects(
    () => loadTle("data/tle/does-not-exist.tle"),
    (err: unknown) =>
      err instanceof OrbitDataError &&
      err.message.startsWith('Cannot load TLE "data/tle/does-not-exist.tle": file cannot be read'),
  );
});
