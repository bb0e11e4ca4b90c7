/**
 * End-to-end test of the sweep page (`/sweep`) in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): a sweep's `sweep.json` changes under the server as a sweep would change it, and the
 * page shows the jobs by state and fills in the results table. Skipped (with a printed reason) when
 * /usr/bin/chromium is absent; `.ci/run` installs it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromiumMissing, launchChromium } from "./_browser_test_util.ts";
import { createApp } from "./app.ts";
import type { SweepStatus } from "../sweep/scheduler.ts";

// Browser globals used inside `waitForFunction` callbacks (they run in the page).
declare const document: {
  getElementById(id: string): { textContent: string | null; hidden: boolean } | null;
  querySelectorAll(selector: string): { length: number };
};

const missing = chromiumMissing();
if (missing) console.log(`sweep_page_e2e_test: skipped, ${missing}`);

const TRAIN = "train/toy-matching/tiny/s1";
const DISTILL = "distill/toy-matching/tiny/s1/kd-marl/x20";
const EVALUATE = "evaluate/toy-matching/tiny/s1/kd-marl/x20";

function status(evaluated: boolean): SweepStatus {
  return {
    name: "demo",
    engine: "redis",
    started: "2026-12-03T08:00:00.000Z",
    updated: evaluated ? "2026-12-03T08:01:00.000Z" : "2026-12-03T08:00:30.000Z",
    finished: evaluated,
    counts: {
      waiting: evaluated ? 0 : 1,
      queued: 0,
      running: evaluated ? 0 : 1,
      done: evaluated ? 3 : 1,
      failed: 0,
      blocked: 0,
    },
    jobs: [
      { key: TRAIN, kind: "train", deps: [], state: "done", attempts: 1, seconds: 4.2 },
      {
        key: DISTILL,
        kind: "distill",
        deps: [TRAIN],
        state: evaluated ? "done" : "running",
        attempts: 2,
        error: evaluated ? undefined : "worker process 123 died mid-job (signal SIGKILL)",
      },
      {
        key: EVALUATE,
        kind: "evaluate",
        deps: [TRAIN, DISTILL],
        state: evaluated ? "done" : "waiting",
        attempts: evaluated ? 1 : 0,
        ...(evaluated
          ? {
            figures: {
              episodes: 8,
              policies: [
                { name: "teacher", kind: "teacher", mean: 13.6667, ci95: 1.5, retention: 1 },
                {
                  name: "kd-marl",
                  kind: "students",
                  mean: 4.8333,
                  ci95: 0.77,
                  retention: 0.4321,
                  deployedRetention: 0.4,
                },
              ],
            },
          }
          : {}),
      },
    ],
  };
}

Deno.test({
  name: "sweep page e2e: jobs by state, and the results table fills in as sweep.json changes",
  ignore: missing !== undefined,
  async fn() {
    const sweepsDir = await Deno.makeTempDir({ prefix: "fleetkd-e2e-sweeps-" });
    const profile = await Deno.makeTempDir({ prefix: "fleetkd-e2e-chromium-" });
    await Deno.mkdir(`${sweepsDir}/demo`);
    const write = (evaluated: boolean) =>
      Deno.writeTextFile(`${sweepsDir}/demo/sweep.json`, JSON.stringify(status(evaluated)));
    await write(false);
    const app = createApp({ sweepsDir, runsDir: await Deno.makeTempDir() });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const context = await launchChromium(profile);
    try {
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.goto(`${base}/sweep`);
      await page.waitForFunction(() =>
        (document.getElementById("counts")?.textContent ?? "").includes("running 1")
      );
      assert.match(
        await page.locator("#counts").innerText(),
        /waiting 1[\s\S]*running 1[\s\S]*done 1[\s\S]*failed 0/,
      );
      assert.equal(await page.locator("#jobs tbody tr").count(), 3);
      assert.match(await page.locator("#jobs").innerText(), /died mid-job \(signal SIGKILL\)/);
      assert.equal(await page.locator("#results tbody tr").count(), 0);
      assert.equal(await page.locator("#empty").isVisible(), true);
      // The evaluation finishes: the page's next poll fills in its row.
      await write(true);
      await page.waitForFunction(() => document.querySelectorAll("#results tbody tr").length === 1);
      const row = await page.locator("#results tbody tr").innerText();
      assert.deepEqual(row.split("\t").map((c) => c.trim()), [
        "toy-matching",
        "tiny",
        "1",
        "kd-marl",
        "x20",
        "13.667",
        "4.833",
        "0.432",
        "0.400",
      ]);
      assert.match(await page.locator("#engine").innerText(), /redis, finished/);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
      await app.close();
      await server.shutdown();
      await Deno.remove(sweepsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
