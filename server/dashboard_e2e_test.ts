/**
 * End-to-end test of the dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the server runs on an ephemeral loopback port with the toy environment, the test starts runs through the
 * page's controls, waits for ticks to render and checks that the numbers shown equal the ones in the
 * run's SSE stream for the same sequence id. Skipped (with a printed reason) when /usr/bin/chromium is
 * absent; `.ci/run` installs it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { readSseUntil, timedPolicy } from "./_test_util.ts";
import { createApp } from "./app.ts";
import { policyCatalog, randomPolicy } from "./policies.ts";
import type { TickEvent } from "./telemetry.ts";

const CHROMIUM = "/usr/bin/chromium";

// Browser globals used inside `page.evaluate`/`waitForFunction` callbacks (they run in the page).
declare const document: { getElementById(id: string): { textContent: string | null } | null };
declare function requestAnimationFrame(callback: () => void): number;

function chromiumMissing(): string | undefined {
  try {
    return Deno.statSync(CHROMIUM).isFile ? undefined : `${CHROMIUM} is not a file`;
  } catch {
    return `${CHROMIUM} not found (install Debian's chromium package)`;
  }
}

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

function expectPanelMatches(panel: Awaited<ReturnType<typeof readPanel>>, event: TickEvent) {
  assert.equal(panel.runId, event.runId);
  assert.equal(panel.seq, event.seq);
  assert.equal(panel.tick, String(event.tick));
  assert.equal(panel.episode, String(event.episode));
  assert.equal(panel.step, String(event.step));
  assert.equal(panel.teamReward, event.teamReward.toFixed(3));
  assert.equal(panel.episodeReward, event.episodeReward.toFixed(3));
  assert.equal(panel.cumulativeReward, event.cumulativeReward.toFixed(3));
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
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    });
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
      const sats = await page.$$eval(
        "#map circle.sat",
        (cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]),
      );
      const snap = last.snapshot as { satellites: { latDeg: number[]; lonDeg: number[] } };
      assert.deepEqual(
        sats,
        snap.satellites.lonDeg.map((lon, i) => [
          Number(((lon + 180) / 360 * 720).toFixed(1)),
          Number(((90 - snap.satellites.latDeg[i]) / 180 * 360).toFixed(1)),
        ]),
      );
      assert.equal(await page.locator("#map rect.station").count(), 1);

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
          t.latencyMs.toFixed(3),
          t.deadlineMs.toFixed(3),
          String(t.missed),
        ]),
      );
      assert.equal(
        await page.locator("#chart-latency path.series").count(),
        last2.timings!.length,
      );
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
