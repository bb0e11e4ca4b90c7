import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { type CurveRow, curvesToCsv, curvesToSvg, writeCurves } from "./curves.ts";

const rows: CurveRow[] = [
  { iteration: 1, envSteps: 800, meanReturn: -30.5, entropy: 1.38 },
  { iteration: 2, envSteps: 1600, meanReturn: NaN, entropy: 1.2, klLoss: 0.25 },
  { iteration: 3, envSteps: 2400, meanReturn: -12.125, klLoss: 1e-7 },
];

/** Parses curves CSV back into rows (empty cells become absent). */
function readCsv(text: string): Record<string, number>[] {
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return records.map((r) =>
    Object.fromEntries(
      Object.entries(r).filter(([, v]) => v !== "").map(([k, v]) => [k, Number(v)]),
    )
  );
}

Deno.test("curvesToCsv: the union of columns in first-seen order; missing and NaN cells are empty", () => {
  const csv = curvesToCsv(rows);
  assert.equal(
    csv,
    [
      "iteration,envSteps,meanReturn,entropy,klLoss",
      "1,800,-30.5,1.38,",
      "2,1600,,1.2,0.25",
      "3,2400,-12.125,,1e-7",
      "",
    ].join("\n"),
  );
  // A CSV parser reads back every finite value exactly.
  const back = readCsv(csv);
  assert.deepEqual(
    back,
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => !Number.isNaN(v)))),
  );
  assert.equal(curvesToCsv([]), "\n");
});

Deno.test("curvesToSvg: well-formed, one panel per column with finite data, stacked", () => {
  const svg = curvesToSvg("teacher", rows, ["meanReturn", "entropy", "klLoss", "valueLoss"]);
  assert.equal(XMLValidator.validate(svg), true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg);
  assert.equal(doc.svg["@_height"], String(3 * 220), "valueLoss has no data: three panels");
  const panels = [doc.svg.g].flat();
  assert.deepEqual(panels.map((g: Record<string, string>) => g["@_transform"]), [
    "translate(0 0)",
    "translate(0 220)",
    "translate(0 440)",
  ]);
  assert.match(svg, /teacher: meanReturn/);
  const empty = curvesToSvg("x", [], ["meanReturn"]);
  assert.equal(XMLValidator.validate(empty), true);
  assert.match(empty, /height="220"/);
});

Deno.test("writeCurves: replaces curves.csv and curves.svg whole, leaving no temporary files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const long = Array.from(
      { length: 50 },
      (_, i) => ({ iteration: i, envSteps: 100 * i, meanReturn: i }),
    );
    await writeCurves(dir, "run", long, ["meanReturn"]);
    assert.equal(readCsv(await Deno.readTextFile(`${dir}/curves.csv`)).length, 50);
    // A shorter rewrite leaves no tail of the old file behind.
    await writeCurves(dir, "run", rows, ["meanReturn", "entropy"]);
    const csv = await Deno.readTextFile(`${dir}/curves.csv`);
    assert.equal(csv, curvesToCsv(rows));
    assert.equal(readCsv(csv).length, 3);
    assert.equal(
      await Deno.readTextFile(`${dir}/curves.svg`),
      curvesToSvg("run", rows, ["meanReturn", "entropy"]),
    );
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["curves.csv", "curves.svg"]);
    // Into a folder that does not exist yet (the run's first iteration).
    await writeCurves(`${dir}/new/run`, "run", rows, ["meanReturn"]);
    assert.equal(await Deno.readTextFile(`${dir}/new/run/curves.csv`), curvesToCsv(rows));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeCurves: each file is written to a temporary file in its folder, then renamed over", async () => {
  const dir = await Deno.makeTempDir();
  const renames: [string, string][] = [];
  const rename = Deno.rename;
  (Deno as { rename: typeof Deno.rename }).rename = (from, to) => {
    renames.push([String(from), String(to)]);
    return rename(from, to);
  };
  try {
    await writeCurves(dir, "run", rows, ["meanReturn"]);
  } finally {
    (Deno as { rename: typeof Deno.rename }).rename = rename;
  }
  try {
    assert.deepEqual(renames.map(([, to]) => to), [`${dir}/curves.csv`, `${dir}/curves.svg`]);
    for (const [from, to] of renames) assert.ok(from.startsWith(`${to}.tmp-`), from);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeCurves: a failed write rejects and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeCurves(dir, "run", rows, ["meanReturn"]);
    // curves.svg cannot be replaced (a folder is in its place): the CSV written before it is complete,
    // and the failed SVG write leaves no temporary file.
    await Deno.remove(`${dir}/curves.svg`);
    await Deno.mkdir(`${dir}/curves.svg/x`, { recursive: true });
    const more = [...rows, { iteration: 4, envSteps: 3200, meanReturn: -1 }];
    await assert.rejects(writeCurves(dir, "run", more, ["meanReturn"]));
    assert.equal(await Deno.readTextFile(`${dir}/curves.csv`), curvesToCsv(more));
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["curves.csv", "curves.svg"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
