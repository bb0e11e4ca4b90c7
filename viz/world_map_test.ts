import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { FleetEnv } from "../sim/fleet/env.ts";
import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
import { fleetMap, type FleetMapData } from "./world_map.ts";
import { fleetMapData, footprintRadiusDeg } from "./fleet_map_data.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromiumMissing = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile ? undefined : `${CHROMIUM} is not a file`;
  } catch {
    return `${CHROMIUM} not found (install Debian's chromium package)`;
  }
})();
if (chromiumMissing) console.log(`world_map_test: browser check skipped, ${chromiumMissing}`);

// Browser global used inside page.evaluate (it runs in the page).
declare const document: {
  querySelector(s: string): { getBoundingClientRect(): DOMRectLike } | null;
  querySelectorAll(
    s: string,
  ): ArrayLike<{ getBoundingClientRect(): DOMRectLike; textContent: string | null }>;
};
interface DOMRectLike {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function leoWildfireMap(): { data: FleetMapData; svg: string } {
  const env = new FleetEnv();
  env.reset(3);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  for (let t = 0; t < 40; t++) env.step(actions);
  const data = fleetMapData(env, "leo-wildfire after 40 steps");
  return { data, svg: fleetMap(data) };
}

Deno.test("footprintRadiusDeg: hand-computed cases", () => {
  // 550 km, 10 deg: acos(6378.137 / 6928.137 * cos 10deg) - 10deg = 14.96 deg.
  assert.ok(Math.abs(footprintRadiusDeg(550, 10) - 14.96) < 0.01);
  // Horizon (0 deg) at 550 km: acos(Re / (Re + h)) = 22.98 deg.
  assert.ok(Math.abs(footprintRadiusDeg(550, 0) - 22.98) < 0.01);
  assert.ok(footprintRadiusDeg(1200, 10) > footprintRadiusDeg(550, 10));
});

Deno.test("fleetMapData: takes a fleet env from the catalog, rejects any other env naming it", () => {
  const env = makeBuiltinEnv("fleet/leo-wildfire");
  env.reset(2);
  assert.equal(fleetMapData(env, "t").sensors.length, 24);
  assert.throws(
    () => fleetMapData(makeBuiltinEnv("toy/matching"), "t"),
    (e: unknown) =>
      e instanceof TypeError && /environment "toy\/matching" is not a fleet/.test(e.message),
  );
});

Deno.test("fleetMapData: one orbit of ground track per satellite, ending at the satellite", () => {
  const { data } = leoWildfireMap();
  assert.equal(data.satellites.length, 16);
  assert.equal(data.sensors.length, 24);
  assert.equal(data.stations.length, 3);
  for (const s of data.satellites) {
    const track = s.track!;
    assert.equal(track.length, 96);
    const [lon, lat] = track[track.length - 1];
    assert.ok(Math.abs(lat - s.latDeg) < 0.05, `track ends at ${lat}, satellite at ${s.latDeg}`);
    assert.ok(Math.abs(((lon - s.lonDeg + 540) % 360) - 180) < 0.05);
    // Consecutive samples ~1 minute apart are a few degrees apart, never a jump across the map.
    for (let k = 1; k < track.length; k++) {
      const dLat = Math.abs(track[k][1] - track[k - 1][1]);
      assert.ok(dLat < 5, `latitude jumps ${dLat} deg between samples ${k - 1} and ${k}`);
    }
    assert.ok(s.footprintDeg! > 10 && s.footprintDeg! < 30);
  }
  for (const l of data.links) assert.ok(l.kind === "isl" || l.kind === "downlink");
  assert.ok(data.links.some((l) => l.kind === "isl"), "leo-wildfire's satellites relay over ISL");
});

Deno.test("fleetMap: land, a zoomed sensor panel for a clustered fleet, counts in the legend", () => {
  const { data, svg } = leoWildfireMap();
  assert.ok(!svg.includes("NaN"));
  assert.match(svg, /Sensor region/);
  assert.match(svg, /sensors \(24\)/);
  assert.match(svg, /satellites \(16\)/);
  assert.match(
    svg,
    new RegExp(`ISL links \\(${data.links.filter((l) => l.kind === "isl").length}\\)`),
  );
  // Land is drawn from the atlas: long path data in the land colour.
  const land = svg.match(/<path d="([^"]+)" fill="#f3efe4"/);
  assert.ok(land && land[1].length > 10_000, "no land outline");
  const spread = fleetMap({
    ...data,
    sensors: [{ latDeg: 60, lonDeg: 10 }, { latDeg: -30, lonDeg: 150 }],
  });
  assert.doesNotMatch(spread, /Sensor region/);
  assert.doesNotMatch(fleetMap(data, { inset: "never" }), /Sensor region/);
});

Deno.test({
  name: "fleetMap in Chromium: every label and the legend lie inside the image",
  ignore: chromiumMissing !== undefined,
  async fn() {
    const { svg } = leoWildfireMap();
    const dir = await Deno.makeTempDir({ prefix: "fleetkd-map-" });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
      const result = await page.evaluate(() => {
        const frame = document.querySelector("svg")!.getBoundingClientRect();
        const texts = Array.from(document.querySelectorAll("svg text")).map((t) => {
          const r = t.getBoundingClientRect();
          return {
            text: t.textContent,
            left: r.left,
            right: r.right,
            top: r.top,
            bottom: r.bottom,
          };
        });
        return {
          frame: { left: frame.left, right: frame.right, top: frame.top, bottom: frame.bottom },
          texts,
        };
      });
      assert.deepEqual(errors, []);
      assert.ok(result.texts.length >= 9, `${result.texts.length} labels`); // title, region, 7 layers
      for (const t of result.texts) {
        assert.ok(
          t.left >= result.frame.left && t.right <= result.frame.right + 0.5 &&
            t.top >= result.frame.top && t.bottom <= result.frame.bottom + 0.5,
          `"${t.text}" at [${t.left}, ${t.right}] x [${t.top}, ${t.bottom}] leaves the frame ${
            JSON.stringify(result.frame)
          }`,
        );
      }
      await page.screenshot({ path: `${dir}/map.png` });
      assert.ok((await Deno.stat(`${dir}/map.png`)).size > 10_000);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
