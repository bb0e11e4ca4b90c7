/**
 * End-to-end test of the dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core)
 * at a 1440 x 900 viewport: the server runs on an ephemeral loopback port with the toy environment, the
 * test starts runs through the page's controls, waits for ticks to render and checks that the numbers
 * shown equal the ones in the run's SSE stream for the same sequence id; that the map draws the basemap's
 * land with ground tracks and links; that the chart axes have nice ticks (no "-0.00"), misses from 0 and
 * latency on a log axis with each class's deadline as a labelled dashed line; that the map and charts are
 * in view without scrolling; that the form shows the watched run's settings; and that an ended run
 * replays from its log with the time slider (mouse and keyboard). A screenshot is written to
 * `out/dashboard_e2e.png` (or `$FLEETKD_E2E_SCREENSHOT_DIR`). Skipped (with a printed reason) when
 * /usr/bin/chromium is absent; `.ci/run` installs it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromiumMissing, launchChromium } from "./_browser_test_util.ts";
import type { Page } from "playwright-core";
import { readSseUntil, timedPolicy } from "./_test_util.ts";
import { createApp } from "./app.ts";
import { policyCatalog, randomPolicy } from "./policies.ts";
import type { TickEvent } from "./telemetry.ts";

// Browser globals used inside `page.evaluate`/`waitForFunction` callbacks (they run in the page).
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  body: { dataset: Record<string, string | undefined> };
};
declare const window: { scrollY: number; innerHeight: number };
declare function getComputedStyle(el: unknown): { strokeDasharray: string };
declare function requestAnimationFrame(callback: () => void): number;

const missing = chromiumMissing();
if (missing) console.log(`dashboard_e2e_test: skipped, ${missing}`);

/** The fake node positions: three satellites moving east, one station, derived from a counter. */
function fakeSnapshotSource() {
  let calls = 0;
  return () => {
    calls++;
    const lon = (k: number) => ((calls * 7 + k * 120 + 180) % 360) - 180;
    return {
      satellites: {
        id: ["sat_0", "sat_1", "sat_2"],
        latDeg: [10, -20, 45],
        lonDeg: [lon(0), lon(1), lon(2)],
        altKm: [550, 550, 550],
        islNeighbours: [[1], [0], []],
        stationInView: [1, 0, 0],
      },
      stations: { name: ["Svalbard"], latDeg: [78.2], lonDeg: [15.4] },
    };
  };
}

/** The tick event with `seq`, read from the run's SSE stream. */
async function streamEvent(base: string, runId: string, seq: number): Promise<TickEvent> {
  const res = await fetch(`${base}/api/runs/${runId}/stream?lastEventId=${seq - 1}`);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const [event] = await readSseUntil(reader, (e) => e.length >= 1);
  await reader.cancel();
  assert.equal(event.id, seq);
  assert.equal(event.event, "tick");
  return JSON.parse(event.data);
}

/** Every event of an ended run, from its SSE stream. */
async function allStreamEvents(base: string, runId: string): Promise<TickEvent[]> {
  const res = await fetch(`${base}/api/runs/${runId}/stream?lastEventId=0`);
  const reader = res.body!.getReader();
  const events = await readSseUntil(reader, () => false);
  reader.releaseLock();
  assert.equal(events.at(-1)?.event, "end");
  return events.filter((e) => e.event === "tick").map((e) => JSON.parse(e.data));
}

/** Headless Chromium at 1440 x 900 with the flags that work on this machine. */
function launch(profile: string) {
  return launchChromium(profile, { width: 1440, height: 900 });
}

/** Where screenshots go: `$FLEETKD_E2E_SCREENSHOT_DIR`, else `out/` (git-ignored). */
async function screenshotPath(name: string): Promise<string> {
  const dir = Deno.env.get("FLEETKD_E2E_SCREENSHOT_DIR") ??
    new URL("../out/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  return `${dir.replace(/\/$/, "")}/${name}`;
}

/** Asserts that the map and the charts lie within the 1440 x 900 viewport, page not scrolled. */
async function expectInView(page: Page) {
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  for (const id of ["#map", "#chart-reward", "#chart-misses", "#chart-latency", "#replay"]) {
    const box = (await page.locator(id).boundingBox())!;
    assert.ok(
      box.y >= 0 && box.y + box.height <= 900 && box.x + box.width <= 1440,
      `${id} at ${JSON.stringify(box)} is not within 1440 x 900`,
    );
  }
}

/** The text of every `selector` element (e.g. a chart's y tick labels). */
function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (ts) => ts.map((t) => t.textContent ?? ""));
}

/** The screen positions of the map's satellites, as `[cx, cy]`. */
function satellitesOnMap(page: Page): Promise<number[][]> {
  return page.$$eval(
    "#map circle.sat",
    (cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]),
  );
}

/** Where the dashboard's equirectangular 720 x 360 map puts a snapshot's satellites. */
function expectedSatellites(event: TickEvent): number[][] {
  const snap = event.snapshot as { satellites: { latDeg: number[]; lonDeg: number[] } };
  return snap.satellites.lonDeg.map((lon, i) => [
    Number(((lon + 180) / 360 * 720).toFixed(1)),
    Number(((90 - snap.satellites.latDeg[i]) / 180 * 360).toFixed(1)),
  ]);
}

/** Waits until the replay shows tick `tick`. */
async function replayShows(page: Page, tick: number) {
  await page.waitForFunction(
    (t) => document.body.dataset.replayTick === String(t),
    tick,
  );
}

/** The numeric panel, read in one synchronous step (all fields from the same event). */
function readPanel(page: Page) {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)!.textContent!.trim();
    return {
      runId: text("run-id"),
      state: text("state"),
      seq: Number(text("seq")),
      tick: text("tick"),
      episode: text("episode"),
      step: text("step"),
      teamReward: text("team-reward"),
      episodeReward: text("episode-reward"),
      cumulativeReward: text("cumulative-reward"),
      misses: text("misses"),
    };
  });
}

/** A number as the panel shows it: 3 decimals, zero without a sign. */
function fixed3(x: number): string {
  const text = x.toFixed(3);
  return Number(text) === 0 ? "0.000" : text;
}

function expectPanelMatches(panel: Awaited<ReturnType<typeof readPanel>>, event: TickEvent) {
  assert.equal(panel.runId, event.runId);
  assert.equal(panel.seq, event.seq);
  assert.equal(panel.tick, String(event.tick));
  assert.equal(panel.episode, String(event.episode));
  assert.equal(panel.step, String(event.step));
  assert.equal(panel.teamReward, fixed3(event.teamReward));
  assert.equal(panel.episodeReward, fixed3(event.episodeReward));
  assert.equal(panel.cumulativeReward, fixed3(event.cumulativeReward));
  for (const shown of [panel.teamReward, panel.episodeReward, panel.cumulativeReward]) {
    assert.notEqual(shown, "-0.000");
  }
}

async function startFromUi(page: Page, policy: string, seed: number, speed: string) {
  await page.selectOption("#scenario", "toy/matching");
  await page.selectOption("#policy", policy);
  await page.fill("#seed", String(seed));
  await page.selectOption("#speed", speed);
  await page.click("#start");
  await page.waitForFunction(() => document.getElementById("state")!.textContent === "running");
}

async function stopFromUi(page: Page) {
  await page.click("#stop");
  // The stream's last event was shown and the run's end was processed.
  await page.waitForFunction(() =>
    document.getElementById("connection")!.textContent === "ended" &&
    document.getElementById("state")!.textContent === "stopped"
  );
  // One more frame so the charts and the map show the last event too.
  await page.evaluate(() =>
    new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))
  );
}

Deno.test({
  name: "dashboard e2e: a run started from the page shows the stream's numbers, map and charts",
  ignore: missing !== undefined,
  async fn() {
    const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-e2e-runs-" });
    const profile = await Deno.makeTempDir({ prefix: "fleetkd-e2e-chromium-" });
    const app = createApp({
      runsDir,
      policies: policyCatalog([randomPolicy, timedPolicy]),
      snapshot: fakeSnapshotSource(),
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const context = await launch(profile);
    try {
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(m.text());
      });
      const external: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(base)) external.push(r.url());
      });
      await page.goto(base);
      await page.waitForSelector("body[data-ready=true]");
      // Run 1: random policy at 20x real time (toy env: dt 1 s -> 20 ticks/s).
      await startFromUi(page, "random", 7, "20");
      await page.waitForFunction(() => Number(document.getElementById("tick")!.textContent) >= 10);
      const live = await readPanel(page);
      assert.equal(live.state, "running");
      expectPanelMatches(live, await streamEvent(base, live.runId, live.seq));
      // A second tab opened now attaches to the live run, and its form shows that run's settings.
      const other = await context.newPage();
      other.on("pageerror", (e) => pageErrors.push(e.message));
      await other.goto(base);
      await other.waitForSelector("body[data-ready=true]");
      await other.waitForFunction(
        (id) =>
          document.getElementById("run-id")!.textContent === id &&
          document.getElementById("connection")!.textContent === "live",
        live.runId,
      );
      assert.equal(await other.inputValue("#scenario"), "toy/matching");
      assert.equal(await other.inputValue("#policy"), "random");
      assert.equal(await other.inputValue("#seed"), "7");
      assert.equal(await other.inputValue("#speed"), "20");
      assert.ok(await other.isDisabled("#replay"), "no replay while the run is live");
      await other.close();
      await stopFromUi(page);
      const ticks = await allStreamEvents(base, live.runId);
      const last = ticks.at(-1)!;
      const final = await readPanel(page);
      expectPanelMatches(final, last);
      assert.equal(final.misses, "n/a"); // the random policy models no latency
      // The reward chart holds every tick (fewer than its 300-point window).
      const points = await page.getAttribute("#chart-reward path.series", "data-points");
      assert.equal(Number(points), ticks.length);
      // The map shows the last event's satellites where the snapshot puts them.
      assert.deepEqual(await satellitesOnMap(page), expectedSatellites(last));
      assert.equal(await page.locator("#map rect.station").count(), 1);
      // Real land under them (the basemap's Natural Earth polygons), ground tracks and links.
      assert.equal(await page.getAttribute("#map", "data-basemap"), "loaded");
      const land = (await page.getAttribute("#map path.land", "d")) ?? "";
      assert.ok((land.match(/M/g) ?? []).length > 100, "the map draws the land polygons");
      // One ground track per satellite with two ticks in a row of the last episode on one side of the
      // antimeridian (the run is stopped by time, so the last episode may be only a tick or two long).
      const episodeTicks = ticks.filter((t) => t.episode === last.episode);
      const expectedTracks = [0, 1, 2].filter((i) =>
        episodeTicks.some((t, k) => {
          if (k === 0) return false;
          const lonOf = (e: typeof t) =>
            (e.snapshot as { satellites: { lonDeg: number[] } }).satellites.lonDeg[i];
          return Math.abs(lonOf(t) - lonOf(episodeTicks[k - 1])) <= 180;
        })
      ).length;
      assert.equal(
        await page.locator("#map path.track").count(),
        expectedTracks,
        "one ground track per satellite with a segment to draw",
      );
      // Links are straight lines on the map, so one that would cross the antimeridian is left out.
      const lons = (last.snapshot as { satellites: { lonDeg: number[] } }).satellites.lonDeg;
      const drawn = (a: number, b: number) => Math.abs(a - b) <= 180 ? 1 : 0;
      assert.equal(await page.locator("#map line.isl").count(), drawn(lons[0], lons[1]));
      assert.equal(await page.locator("#map line.downlink").count(), drawn(lons[0], 15.4));
      // The reward axis: nice ticks, never a signed zero.
      const rewardLabels = await texts(page, "#chart-reward text.y-tick");
      assert.ok(rewardLabels.length >= 3, `reward ticks ${rewardLabels}`);
      for (const label of rewardLabels) assert.doesNotMatch(label, /^-0(\.0*)?$/);
      const rewards = ticks.map((t) => t.teamReward);
      const yMin = Number(await page.getAttribute("#chart-reward", "data-y-min"));
      const yMax = Number(await page.getAttribute("#chart-reward", "data-y-max"));
      assert.ok(yMin <= Math.min(...rewards) && yMax >= Math.max(...rewards));
      assert.deepEqual(
        rewardLabels.map(Number),
        [...rewardLabels.map(Number)].sort((a, b) => a - b),
      );

      // Run 2: a policy with a latency model; the per-class table and misses follow the stream.
      await startFromUi(page, "timed-random", 3, "20");
      await page.waitForFunction(() => Number(document.getElementById("tick")!.textContent) >= 5);
      await stopFromUi(page);
      const panel2 = await readPanel(page);
      assert.notEqual(panel2.runId, live.runId);
      const last2 = (await allStreamEvents(base, panel2.runId)).at(-1)!;
      expectPanelMatches(panel2, last2);
      assert.equal(panel2.misses, String(last2.cumulativeMisses));
      const rows = await page.$$eval(
        "#latency-table tbody tr",
        (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
      );
      assert.deepEqual(
        rows,
        last2.timings!.map((t) => [
          t.className,
          fixed3(t.latencyMs),
          fixed3(t.deadlineMs),
          String(t.missed),
        ]),
      );
      assert.equal(
        await page.locator("#chart-latency path.series").count(),
        last2.timings!.length,
      );
      // Latency on a log axis, decade labels, one dashed deadline line per class, labelled.
      assert.equal(await page.getAttribute("#chart-latency", "data-scale"), "log");
      assert.deepEqual(await texts(page, "#chart-latency text.y-tick"), ["1", "2", "5", "10"]);
      const deadlines = await page.$$eval("#chart-latency line.deadline", (ls) =>
        ls.map((l) => ({
          cls: l.getAttribute("data-class"),
          value: Number(l.getAttribute("data-value")),
          dash: getComputedStyle(l).strokeDasharray,
        })));
      assert.deepEqual(
        deadlines.map((d) => [d.cls, d.value]),
        last2.timings!.map((t) => [t.className, t.deadlineMs]),
      );
      for (const d of deadlines) assert.notEqual(d.dash, "none", "deadlines are dashed");
      assert.deepEqual(await texts(page, "#chart-latency text.rule-label"), [
        "deadline 3.0 ms (a, b)",
      ]);
      // Classes with different latencies are different lines.
      const latencyPaths = await page.$$eval(
        "#chart-latency path.series",
        (ps) => ps.map((p) => p.getAttribute("d")),
      );
      assert.notEqual(latencyPaths[0], latencyPaths[1]);
      // Misses from 0 (the misses of this run are 0 or the class size).
      assert.equal(await page.getAttribute("#chart-misses", "data-y-min"), "0");
      const missLabels = (await texts(page, "#chart-misses text.y-tick")).map(Number);
      assert.equal(missLabels[0], 0);
      assert.ok(missLabels.every((v) => v >= 0));
      assert.ok(missLabels.at(-1)! >= Math.max(...last2.timings!.map((t) => t.missed)));

      // Map and charts are in view at 1440 x 900, without scrolling.
      await expectInView(page);

      // Watching run 1 again: the form shows its settings, and its log replays.
      await page.selectOption("#runs", live.runId);
      await page.waitForFunction(
        (id) =>
          document.getElementById("run-id")!.textContent === id &&
          document.getElementById("connection")!.textContent === "replay" &&
          document.body.dataset.replayTick !== "" &&
          document.body.dataset.replayTick !== undefined,
        live.runId,
      );
      assert.equal(await page.inputValue("#scenario"), "toy/matching");
      assert.equal(await page.inputValue("#policy"), "random");
      assert.equal(await page.inputValue("#seed"), "7");
      assert.equal(await page.inputValue("#speed"), "20");
      expectPanelMatches(await readPanel(page), last);

      // Run 2 again; drag the slider to its start (tick 1), then step to tick 3 with the keyboard.
      await page.selectOption("#runs", panel2.runId);
      await page.waitForFunction(
        (id) => document.getElementById("run-id")!.textContent === id,
        panel2.runId,
      );
      await replayShows(page, last2.tick);
      assert.equal(await page.inputValue("#policy"), "timed-random");
      assert.equal(await page.inputValue("#seed"), "3");
      const ticks2 = await allStreamEvents(base, panel2.runId);
      const slider = (await page.locator("#replay").boundingBox())!;
      await page.mouse.move(slider.x + slider.width - 4, slider.y + slider.height / 2);
      await page.mouse.down();
      await page.mouse.move(slider.x + slider.width / 2, slider.y + slider.height / 2, {
        steps: 5,
      });
      await page.mouse.move(slider.x - 20, slider.y + slider.height / 2, { steps: 5 });
      await page.mouse.up();
      await replayShows(page, 1);
      expectPanelMatches(await readPanel(page), ticks2[0]);
      assert.equal(await page.getAttribute("#chart-reward path.series", "data-points"), "1");
      await page.focus("#replay");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await replayShows(page, 3);
      const at3 = ticks2.find((t) => t.tick === 3)!;
      expectPanelMatches(await readPanel(page), at3);
      assert.equal(await page.textContent("#replay-label"), `tick 3 / ${last2.tick}`);
      assert.equal(await page.getAttribute("#chart-reward path.series", "data-points"), "3");
      assert.deepEqual(await satellitesOnMap(page), expectedSatellites(at3));
      const rows3 = await texts(page, "#latency-table tbody tr td:nth-child(2)");
      assert.deepEqual(rows3, at3.timings!.map((t) => fixed3(t.latencyMs)));

      await page.screenshot({ path: await screenshotPath("dashboard_e2e.png") });
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(external, [], "the dashboard loads nothing from elsewhere");
    } finally {
      await context.close();
      await app.close();
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "dashboard e2e: a finished leo-wildfire run of the shipped students replays on real land",
  ignore: missing !== undefined,
  async fn() {
    const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-e2e-runs-" });
    const profile = await Deno.makeTempDir({ prefix: "fleetkd-e2e-chromium-" });
    // The default catalog and the fleet's own snapshot: what `deno task serve` runs.
    const app = createApp({ runsDir });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const context = await launch(profile);
    try {
      const res = await fetch(`${base}/api/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          scenario: "fleet/leo-wildfire",
          policy: "students",
          seed: 5,
          speed: "max",
          ticks: 120,
        }),
      });
      assert.equal(res.status, 201);
      const { id } = await res.json();
      await app.manager.get(id).done;
      const ticks = await allStreamEvents(base, id);
      assert.equal(ticks.length, 120);
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(20_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(m.text());
      });
      await page.goto(base);
      await page.waitForSelector("body[data-ready=true]");
      // No run is live: the form shows the catalog's first entries until a run is picked.
      await page.selectOption("#runs", id);
      await replayShows(page, 120);
      assert.equal(await page.inputValue("#scenario"), "fleet/leo-wildfire");
      assert.equal(await page.inputValue("#policy"), "students");
      assert.equal(await page.inputValue("#seed"), "5");
      assert.equal(await page.inputValue("#speed"), "max");
      expectPanelMatches(await readPanel(page), ticks.at(-1)!);
      // 16 satellites with a ground track each, 24 sensors, the stations, all on the basemap.
      const snap = ticks.at(-1)!.snapshot as {
        satellites: { latDeg: number[]; altKm: number[] };
        sensors: { latDeg: number[] };
        stations: { latDeg: number[]; minElevationDeg: number[] };
      };
      assert.equal(await page.locator("#map circle.sat").count(), snap.satellites.latDeg.length);
      assert.equal(await page.locator("#map path.track").count(), snap.satellites.latDeg.length);
      // A footprint per satellite: the ground it sees above the lowest station elevation mask.
      const footprints = page.locator("#map path.footprint");
      assert.equal(await footprints.count(), snap.satellites.latDeg.length);
      const mask = Math.min(...snap.stations.minElevationDeg) * Math.PI / 180;
      const h = snap.satellites.altKm[0];
      const expectedDeg = (Math.acos(6378.137 / (6378.137 + h) * Math.cos(mask)) - mask) * 180 /
        Math.PI;
      const drawnDeg = Number(await footprints.first().getAttribute("data-radius"));
      assert.ok(Math.abs(drawnDeg - expectedDeg) < 1e-9, `${drawnDeg} vs ${expectedDeg}`);
      assert.ok(drawnDeg > 10 && drawnDeg < 30, `a 750 km orbit sees ${drawnDeg} degrees`);
      assert.equal(await page.locator("#map circle.sensor").count(), 24);
      assert.equal(await page.locator("#map rect.station").count(), snap.stations.latDeg.length);
      assert.equal(await page.getAttribute("#map", "data-basemap"), "loaded");
      // The reward axis around this run's small negative rewards: nice ticks, no "-0.00".
      const rewards = ticks.map((t) => t.teamReward);
      const rewardLabels = await texts(page, "#chart-reward text.y-tick");
      for (const label of rewardLabels) assert.doesNotMatch(label, /^-0(\.0*)?$/);
      assert.ok(
        Number(await page.getAttribute("#chart-reward", "data-y-min")) <= Math.min(...rewards),
      );
      assert.ok(
        Number(await page.getAttribute("#chart-reward", "data-y-max")) >= Math.max(...rewards),
      );
      // Sub-millisecond latencies and 3 ms / 300 ms deadlines on one log axis, in whole decades.
      const timings = ticks.flatMap((t) => t.timings!);
      const yMin = Number(await page.getAttribute("#chart-latency", "data-y-min"));
      const yMax = Number(await page.getAttribute("#chart-latency", "data-y-max"));
      assert.equal(await page.getAttribute("#chart-latency", "data-scale"), "log");
      assert.ok(yMin <= Math.min(...timings.map((t) => t.latencyMs)));
      assert.ok(yMax >= Math.max(...timings.map((t) => t.deadlineMs)));
      assert.ok(Number.isInteger(Math.log10(yMin)), `${yMin} is a decade`);
      assert.ok(Number.isInteger(Math.log10(yMax)), `${yMax} is a decade`);
      const classes = ticks[0].timings!.map((t) => t.className);
      assert.equal(await page.locator("#chart-latency path.series").count(), classes.length);
      assert.equal(await page.locator("#chart-latency line.deadline").count(), classes.length);
      const labels = await texts(page, "#chart-latency text.rule-label");
      const deadlines = [...new Set(ticks[0].timings!.map((t) => t.deadlineMs))];
      assert.equal(labels.length, deadlines.length);
      for (const t of ticks[0].timings!) {
        assert.ok(labels.some((l) => l.includes(t.className)), `${t.className} deadline labelled`);
      }
      assert.equal(await page.getAttribute("#chart-misses", "data-y-min"), "0");
      await expectInView(page);
      // Back to tick 60 with the keyboard (Home, then 59 steps).
      await page.focus("#replay");
      await page.keyboard.press("Home");
      await replayShows(page, 1);
      // Tick 3's team reward is a small negative number: the panel shows it as 0.000, unsigned.
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await replayShows(page, 3);
      const at3 = ticks.find((t) => t.tick === 3)!;
      assert.ok(at3.teamReward < 0 && at3.teamReward > -0.0005, `tick 3 reward ${at3.teamReward}`);
      assert.equal((await readPanel(page)).teamReward, "0.000");
      for (let i = 0; i < 57; i++) await page.keyboard.press("ArrowRight");
      await replayShows(page, 60);
      expectPanelMatches(await readPanel(page), ticks.find((t) => t.tick === 60)!);
      assert.equal(await page.getAttribute("#chart-reward path.series", "data-points"), "60");
      await page.screenshot({ path: await screenshotPath("dashboard_fleet.png") });
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
      await app.close();
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
