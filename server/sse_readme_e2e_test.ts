/**
 * The README's `EventSource` example ("Event names" under "Watching telemetry"), run as written in
 * headless Chromium (Debian's `chromium`, driven by playwright-core) against a served finished run: its
 * `addEventListener` handlers see both status events, every tick's timings and the `end` event, and an
 * `onmessage` handler sees nothing, since every event the server sends is named. Skipped (with a printed
 * reason) when /usr/bin/chromium is absent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromiumMissing, launchChromium } from "./_browser_test_util.ts";
import { timedPolicy } from "./_test_util.ts";
import { createApp } from "./app.ts";
import { policyCatalog, randomPolicy } from "./policies.ts";

const README = new URL("../README.md", import.meta.url);

const missing = chromiumMissing();
if (missing) console.log(`sse_readme_e2e_test: skipped, ${missing}`);

/** The first js code block after the README's "**Event names.**" paragraph. */
function readmeEventSourceExample(readme: string): string {
  const at = readme.indexOf("**Event names.**");
  assert.ok(at >= 0, 'README has no "**Event names.**" paragraph');
  const m = /```js(?: ignore)?\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, "no js example after **Event names.**");
  return m[1];
}

Deno.test("README: every SSE event name the server sends is documented in the Event names table", async () => {
  const readme = await Deno.readTextFile(README);
  const at = readme.indexOf("**Event names.**");
  const table = readme.slice(at, readme.indexOf("```js", at));
  const documented = [...table.matchAll(/^\| `([a-z]+)` +\|/gm)].map((m) => m[1]).sort();
  // The names the code can emit: published event types and the stream's control frames.
  const code = (await Promise.all(
    ["run.ts", "sse.ts"].map((f) => Deno.readTextFile(new URL(f, import.meta.url))),
  )).join("\n");
  const emitted = new Set<string>();
  for (const m of code.matchAll(/(?:publish|controlFrame)\("([a-z]+)"/g)) emitted.add(m[1]);
  assert.deepEqual(documented, [...emitted].sort());
});

Deno.test({
  name:
    "README EventSource example in Chromium: named listeners get status, ticks and end; onmessage nothing",
  ignore: missing !== undefined,
  async fn() {
    const example = readmeEventSourceExample(await Deno.readTextFile(README));
    const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-sse-readme-runs-" });
    const profile = await Deno.makeTempDir({ prefix: "fleetkd-sse-readme-chromium-" });
    const app = createApp({ runsDir, policies: policyCatalog([randomPolicy, timedPolicy]) });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const ticks = 5;
    const context = await launchChromium(profile);
    try {
      const res = await fetch(`${base}/api/runs`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          scenario: "toy/matching",
          policy: "timed-random",
          seed: 2,
          speed: "max",
          ticks,
        }),
      });
      assert.equal(res.status, 201);
      const { id } = await res.json();
      await app.manager.get(id).done;
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(15_000);
      const logs: string[] = [];
      const errors: string[] = [];
      page.on("console", (m) => {
        // The browser's own favicon request is the page's business, not the example's.
        if (m.type() === "error" && m.location().url.endsWith("/favicon.ico")) return;
        (m.type() === "error" ? errors : logs).push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/healthz`);
      const ended = page.waitForEvent("console", {
        predicate: (m) => m.text().startsWith("all "),
      });
      await page.evaluate(
        `(() => { const id = ${JSON.stringify(id)};\n${example}\n` +
          `es.onmessage = (e) => console.log("onmessage", e.data); })()`,
      );
      await ended;
      // Let anything queued after `end` arrive before checking that nothing else came.
      await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      const lastSeq = app.manager.get(id).status().lastSeq;
      const classes = 2; // MatchingEnv: classes "a" and "b"
      assert.deepEqual(logs.filter((l) => l.startsWith("state ")), [
        "state running",
        "state finished",
      ]);
      const tickLines = logs.filter((l) => /^\d+ [ab] /.test(l));
      assert.equal(tickLines.length, ticks * classes, logs.join("\n"));
      assert.equal(logs.at(-1), `all ${lastSeq} events seen`);
      assert.deepEqual(logs.filter((l) => l.startsWith("onmessage")), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await app.close();
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
