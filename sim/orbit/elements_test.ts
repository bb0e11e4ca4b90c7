// Issue 22: element sets as TLE, OMM JSON, OMM CSV and OMM XML, chosen by content; errors name the
// line or record and the field. Fixtures: sim/orbit/testdata/README.md.
import assert from "node:assert/strict";
import { sgp4 } from "satellite.js";
import { detectElementFormat, loadElements, parseElements } from "./elements.ts";
import { OrbitDataError } from "./errors.ts";
import { loadTle } from "./tle.ts";

const DIR = "sim/orbit/testdata";
const CSV = `${DIR}/iss-omm.csv`;
const XML = `${DIR}/iss-omm.xml`;

function rejects(
  run: () => unknown,
  line: number | undefined,
  fragments: string[],
): OrbitDataError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OrbitDataError, `expected OrbitDataError, got ${caught}`);
  assert.equal(caught.line, line, caught.message);
  for (const f of fragments) {
    assert.ok(caught.message.includes(f), `"${caught.message}" lacks "${f}"`);
  }
  return caught;
}

Deno.test("elements: TLE and OMM JSON, CSV and XML of the same sets propagate alike", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  const iridium = await loadTle("data/tle/iridium.tle");
  const tle = [iss, iridium[0], iridium[1]];
  for (const file of [`${DIR}/iss-omm.json`, CSV, XML]) {
    const records = await loadElements(file);
    assert.deepEqual(records.map((r) => r.catalogNumber), [25544, 41917, 41918], file);
    assert.deepEqual(records.map((r) => r.designator), ["1998-067A", "2017-003A", "2017-003B"]);
    assert.equal(records[0].name, "ISS (ZARYA)");
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(records[i].epochMs - tle[i].epochMs) < 0.01, `${file} epoch ${i}`);
      for (const minutes of [0, 90, 1440]) {
        const a = sgp4(records[i].satrec, minutes)!.position;
        const b = sgp4(tle[i].satrec, minutes)!.position;
        assert.ok(
          Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z) < 1e-6,
          `${file} sat ${i} ${minutes}`,
        );
      }
    }
  }
});

Deno.test("elements: the format comes from the content, not the file name", async () => {
  const texts = {
    tle: await Deno.readTextFile("data/tle/iss.tle"),
    "omm-json": await Deno.readTextFile(`${DIR}/iss-omm.json`),
    "omm-csv": await Deno.readTextFile(CSV),
    "omm-xml": await Deno.readTextFile(XML),
  };
  for (const [format, text] of Object.entries(texts)) {
    assert.equal(detectElementFormat(text), format);
    assert.equal(detectElementFormat("\uFEFF\n\n" + text), format, `${format} after a BOM`);
    // A 3-line TLE (title line first) is TLE too.
    if (format === "tle") assert.equal(detectElementFormat("ISS (ZARYA)\n" + text), "tle");
  }
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/sets.tle`, texts["omm-xml"]); // an XML file named .tle
    assert.equal((await loadElements(`${dir}/sets.tle`)).length, 3);
    await Deno.writeTextFile(`${dir}/sets.json`, texts["omm-csv"]);
    assert.equal((await loadElements(`${dir}/sets.json`)).length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const e = rejects(
    () => parseElements("root:x:0:0:root:/root:/bin/bash\nsecond line\n", "passwd"),
    1,
    ['Cannot load element sets "passwd": line 1: not an element set (expected TLE or OMM JSON, CSV or XML)'],
  );
  assert.ok(!e.message.includes("root:x"), "the text is not quoted");
});

Deno.test("elements: OMM CSV errors name the line, element set and field", async () => {
  const text = await Deno.readTextFile(CSV);
  const rows = text.split("\r\n");
  const withRow3 = (edit: (cells: string[]) => string[]) => {
    const copy = [...rows];
    copy[2] = edit(copy[2].split(",")).join(",");
    return copy.join("\r\n");
  };
  const header = rows[0].split(",");
  const mm = header.indexOf("MEAN_MOTION");
  rejects(
    () => parseElements(withRow3((c) => c.with(mm, "abc")), "x.csv"),
    3,
    ['Cannot load OMM CSV "x.csv": line 3: element set 2, field "MEAN_MOTION" must be a number, got "abc"'],
  );
  const inc = header.indexOf("INCLINATION");
  rejects(() => parseElements(withRow3((c) => c.with(inc, "181")), "x.csv"), 3, [
    'element set 2, field "INCLINATION" must be <= 180, got "181"',
  ]);
  rejects(() => parseElements(withRow3((c) => c.slice(0, -1)), "x.csv"), 3, ["not valid CSV"]);
  const noEpoch = rows.map((r) =>
    r.split(",").filter((_, i) => i !== header.indexOf("EPOCH")).join(",")
  );
  rejects(() => parseElements(noEpoch.join("\n"), "x.csv"), 1, [
    'column "EPOCH" is missing from the header',
  ]);
  // A name with a comma, quoted as RFC 4180 says, is one field.
  const quoted = withRow3((c) => c.with(0, '"IRIDIUM 41917, NEXT"'));
  assert.equal(parseElements(quoted, "x.csv")[1].name, "IRIDIUM 41917, NEXT");
});

Deno.test("elements: OMM XML errors name the element set's line and the field", async () => {
  const text = await Deno.readTextFile(XML);
  const second = text.indexOf("<omm", text.indexOf("<omm") + 1);
  const line2 = text.slice(0, second).split("\n").length;
  assert.equal(line2, 5);
  const edit = (from: string, to: string) =>
    text.slice(0, second) + text.slice(second).replace(from, to);
  rejects(
    () => parseElements(edit("<MEAN_MOTION>14.34216487<", "<MEAN_MOTION>abc<"), "x.xml"),
    line2,
    ['Cannot load OMM XML "x.xml": line 5: element set 2, field "MEAN_MOTION" must be a number, got "abc"'],
  );
  rejects(
    () => parseElements(edit("<EPOCH>2022-08-09T05:40:38.489376</EPOCH>", ""), "x.xml"),
    line2,
    [
      'element set 2, field "EPOCH" is missing',
    ],
  );
  rejects(() => parseElements(edit("SGP4<", "SGP4-XP<"), "x.xml"), line2, [
    'element set 2: field "MEAN_ELEMENT_THEORY" must be "SGP4", got "SGP4-XP"',
  ]);
  rejects(() => parseElements(edit("</data>", ""), "x.xml"), line2 + 1, ["not well-formed XML"]);
  rejects(
    () =>
      parseElements('<?xml version="1.0"?>\n<!DOCTYPE ndm [<!ENTITY a "aaaa">]>\n<ndm/>', "x.xml"),
    2,
    ["a <!DOCTYPE> is not allowed"],
  );
  rejects(() => parseElements("<ndm></ndm>", "x.xml"), 1, ["no <omm> element found"]);
});
