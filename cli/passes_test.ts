// Issue 22: `passes --tle FILE` (or --elements) reads TLE and CelesTrak OMM JSON, CSV and XML by content.
import assert from "node:assert/strict";
import { passesMain } from "./passes.ts";

Deno.test("passes: the same three element sets as TLE, OMM JSON, CSV and XML give the same table", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tle = (await Deno.readTextFile("data/tle/iss.tle")) +
      (await Deno.readTextFile("data/tle/iridium.tle")).split("\n").slice(0, 4).join("\n") + "\n";
    await Deno.writeTextFile(`${dir}/sets.tle`, tle);
    const files = [
      `${dir}/sets.tle`,
      "sim/orbit/testdata/iss-omm.json",
      "sim/orbit/testdata/iss-omm.csv",
      "sim/orbit/testdata/iss-omm.xml",
    ];
    const common = ["--hours", "6", "--start", "2022-08-10T00:00:00Z", "--limit", "1000"];
    const tables = await Promise.all(
      files.map((f, i) => passesMain([i % 2 ? "--tle" : "--elements", f, ...common])),
    );
    const rows = (text: string) =>
      text.split("\n").filter((l) => /^\| \d+|^\| [A-Z]/.test(l)).map((l) =>
        // Names differ (TLE without title lines shows catalogue numbers); times must not.
        l.split("|").slice(2).join("|")
      );
    assert.ok(rows(tables[0]).length > 10, tables[0]);
    for (let i = 1; i < files.length; i++) {
      assert.deepEqual(rows(tables[i]), rows(tables[0]), files[i]);
    }
    assert.match(tables[2], /^3 satellites from sim\/orbit\/testdata\/iss-omm\.csv/);
    await assert.rejects(
      passesMain(["--tle", "sim/orbit/testdata/README.md"]),
      /Cannot load element sets ".*README\.md": line 1: not an element set/,
    );
    await assert.rejects(
      passesMain(["--tle", "a.tle", "--elements", "b.tle"]),
      /--elements and --tle are the same flag/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
