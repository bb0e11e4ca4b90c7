import assert from "node:assert/strict";
import { loadSmaxMapFile, parseSmaxMap, SmaxMapError } from "./map.ts";
import { SMAX_MAP_NAMES, smaxMap } from "./maps.ts";

const base = {
  name: "duel",
  episodeLimit: 60,
  width: 32,
  height: 32,
  allySpawn: { x: 8, y: 16 },
  enemySpawn: { x: 24, y: 16 },
  allies: [{ type: "marine", count: 1 }],
  enemies: [{ type: "marine", count: 1 }],
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SmaxMapError, String(e));
    return e.message;
  }
  throw new Error("did not throw");
}

Deno.test("map: an unknown unit type names the file, field, the choices and the value", () => {
  const bad = { ...base, allies: [{ type: "tank", count: 1 }] };
  assert.equal(
    message(() => parseSmaxMap(bad, "scenarios/smax/x.json")),
    'Cannot load map "scenarios/smax/x.json": field "allies[0].type" must be one of marine, ' +
      'marauder, stalker, zealot, zergling, hydralisk, got "tank"',
  );
});

Deno.test("map: numbers, missing fields, unknown keys and positions off the map", () => {
  assert.match(
    message(() => parseSmaxMap({ ...base, episodeLimit: 0 }, "a.json")),
    /field "episodeLimit" must be >= 1, got 0$/,
  );
  assert.match(
    message(() => parseSmaxMap({ ...base, width: undefined }, "a.json")),
    /field "width" must be a number, got nothing$/,
  );
  assert.match(
    message(() => parseSmaxMap({ ...base, enemies: [{ type: "zealot", count: 2.5 }] }, "a.json")),
    /field "enemies\[0\]\.count" must be an integer, got 2\.5$/,
  );
  assert.match(
    message(() => parseSmaxMap({ ...base, colour: "red" }, "a.json")),
    /field "colour" is not a known field/,
  );
  assert.match(
    message(() => parseSmaxMap({ ...base, enemySpawn: { x: 40, y: 16 } }, "a.json")),
    /field "enemySpawn\.x" must be within the map width \[0, 32\], got 40$/,
  );
  assert.match(
    message(() => parseSmaxMap({ ...base, allies: [] }, "a.json")),
    /field "allies" must have at least 1 entry, got \[\]$/,
  );
});

Deno.test("map: defaults are filled in", () => {
  const m = parseSmaxMap(base, "a.json");
  assert.equal(m.spawnJitter, 2);
  assert.deepEqual(m.attackPoint, { x: 8, y: 16 });
  assert.equal(m.description, "");
});

Deno.test("map: shipped maps carry SMAC's armies and episode limits", () => {
  const summary = SMAX_MAP_NAMES.map((n) => {
    const m = smaxMap(n);
    const army = (gs: typeof m.allies) => gs.map((g) => `${g.count}${g.type[0]}`).join("");
    return `${n}:${army(m.allies)}/${army(m.enemies)}/${m.episodeLimit}`;
  });
  assert.deepEqual(summary, [
    "3m:3m/3m/60",
    "8m:8m/8m/120",
    "2s3z:2s3z/2s3z/120",
    "3s5z:3s5z/3s5z/150",
    "3s_vs_5z:3s/5z/250",
  ]);
  assert.throws(() => smaxMap("27m_vs_30m"), /Unknown SMAX map "27m_vs_30m"; shipped maps are: 3m/);
});

Deno.test("map: files are read and checked, bad JSON and missing files are named", async () => {
  const ok = await loadSmaxMapFile(new URL("../../scenarios/smax/8m.json", import.meta.url));
  assert.equal(ok.allies[0].count, 8);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/broken.json`;
    await Deno.writeTextFile(path, "{ nope");
    await assert.rejects(
      () => loadSmaxMapFile(path),
      (e: Error) => e.message.startsWith(`Cannot load map "${path}": not valid JSON`),
    );
    await assert.rejects(
      () => loadSmaxMapFile(`${dir}/missing.json`),
      (e: Error) => e.message.startsWith(`Cannot load map "${dir}/missing.json": `),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
