import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { FleetEnv } from "../sim/fleet/env.ts";
import { tapEnv } from "../sim/env/tap.ts";
import { type CzmlPacket, FleetTimeline, sitesGeoJson } from "./czml.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromiumMissing = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile ? undefined : `${CHROMIUM} is not a file`;
  } catch {
    return `${CHROMIUM} not found (install Debian's chromium package)`;
  }
})();
if (chromiumMissing) console.log(`czml_test: CesiumJS check skipped, ${chromiumMissing}`);

// Browser globals used inside page.evaluate (it runs in the page).
declare const Cesium: {
  CzmlDataSource: { load(url: string): Promise<CesiumDataSource> };
  JulianDate: { fromIso8601(s: string): unknown };
};
interface CesiumDataSource {
  entities: {
    values: {
      id: string;
      position?: { getValue(t: unknown): unknown };
      isAvailable(t: unknown): boolean;
    }[];
  };
  clock: { startTime: unknown; stopTime: unknown };
}

function episode(steps: number): { czml: CzmlPacket[]; env: FleetEnv } {
  const fleet = new FleetEnv();
  const timeline = new FleetTimeline(fleet);
  const env = tapEnv(fleet, timeline.tap);
  let r = env.reset(5);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  // Satellites relay and downlink when they can (action slots differ per class; 0 is always legal), so
  // links come and go over the episode.
  for (let t = 0; t < steps && !r.done; t++) r = env.step(actions);
  assert.equal(timeline.frames, steps + 1);
  assert.equal(timeline.seed, 5);
  return { czml: timeline.toCzml("test episode"), env: fleet };
}

Deno.test("CZML: a document packet first, one packet per satellite, sensor, station and link, unique ids", () => {
  const { czml, env } = episode(60);
  assert.equal(czml[0].id, "document");
  const ids = czml.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "duplicate packet ids");
  const count = (prefix: string) => ids.filter((id) => id.startsWith(prefix)).length;
  assert.equal(count("satellite/"), 16);
  assert.equal(count("sensor/"), 24);
  assert.equal(count("station/"), 3);
  assert.ok(count("link/isl/") > 0, "no ISL link over 60 steps");
  const sat = czml.find((p) => p.id === "satellite/" + env.agents[0].id)!;
  const samples = (sat.position as { cartographicDegrees: number[] }).cartographicDegrees;
  assert.equal(samples.length, 61 * 4);
  // Times are seconds from the start, in step increments; heights in metres.
  assert.equal(samples[0], 0);
  assert.equal(samples[4], env.dtS);
  assert.ok(samples[3] > 300_000 && samples[3] < 2_000_000);
  const clock = (czml[0].clock as { interval: string }).interval.split("/").map(Date.parse);
  for (const p of czml.filter((p) => p.id.startsWith("link/"))) {
    const intervals = p.availability as string[];
    assert.ok(intervals.length >= 1);
    for (const iv of intervals) {
      const [a, b] = iv.split("/").map(Date.parse);
      assert.ok(a >= clock[0] && b <= clock[1] && a < b, `${p.id}: ${iv} outside ${clock}`);
    }
  }
});

Deno.test("CZML: toCzml before an episode is an error; GeoJSON lists every site", () => {
  const fleet = new FleetEnv();
  assert.throws(
    () => new FleetTimeline(fleet).toCzml("x"),
    /capture at least a reset and one step/,
  );
  fleet.reset(1);
  const geo = sitesGeoJson(fleet);
  assert.equal(geo.type, "FeatureCollection");
  assert.equal(geo.features.filter((f) => f.properties.kind === "sensor").length, 24);
  assert.equal(geo.features.filter((f) => f.properties.kind === "ground-station").length, 3);
  for (const f of geo.features) {
    const [lon, lat] = f.geometry.coordinates;
    assert.ok(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90);
  }
});

Deno.test({
  name:
    "CZML loads into CesiumJS (npm cesium) in headless Chromium: no errors, every entity present",
  ignore: chromiumMissing !== undefined,
  async fn() {
    const { czml } = episode(40);
    const require = createRequire(import.meta.url);
    const cesiumRoot = join(dirname(require.resolve("cesium/package.json")), "Build", "Cesium");
    const types: Record<string, string> = {
      ".js": "text/javascript",
      ".json": "application/json",
      ".css": "text/css",
      ".html": "text/html",
    };
    const page =
      `<!doctype html><html><head><script src="/cesium/Cesium.js"></script></head><body></body></html>`;
    const missing: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
      if (path === "/episode.czml") return Response.json(czml);
      if (path === "/favicon.ico") return new Response(null, { status: 204 });
      if (path.startsWith("/cesium/")) {
        const file = normalize(join(cesiumRoot, path.slice("/cesium/".length)));
        if (!file.startsWith(cesiumRoot)) return new Response("forbidden", { status: 403 });
        try {
          return new Response(await Deno.readFile(file), {
            headers: { "content-type": types[extname(file)] ?? "application/octet-stream" },
          });
        } catch {
          missing.push(path);
          return new Response("not found", { status: 404 });
        }
      }
      missing.push(path);
      return new Response("not found", { status: 404 });
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(e.message));
      tab.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
      const mid = (czml[0].clock as { interval: string }).interval.split("/")[0];
      const result = await tab.evaluate(async (at: string) => {
        const ds = await Cesium.CzmlDataSource.load("/episode.czml");
        const t = Cesium.JulianDate.fromIso8601(at);
        const values = ds.entities.values;
        return {
          ids: values.map((e) => e.id),
          satellitesWithPosition: values.filter((e) =>
            e.id.startsWith("satellite/") && e.position?.getValue(t) !== undefined
          ).length,
        };
      }, mid);
      assert.deepEqual(missing, [], "the page asked for files that do not exist");
      assert.deepEqual(errors, []);
      const expected = czml.slice(1).map((p) => p.id).sort();
      assert.deepEqual(result.ids.sort(), expected);
      assert.equal(result.satellitesWithPosition, 16);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
