import assert from "node:assert/strict";
import { defaultCatalog } from "../catalog/mod.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { timedPolicy } from "./_test_util.ts";
import { createApp, type FleetApp } from "./app.ts";
import type { ServerDeps } from "./deps.ts";
import { LATENCY_BUCKETS_S } from "./metrics.ts";
import { policyCatalog, randomPolicy, scenarioPolicies } from "./policies.ts";
import type { TickEvent } from "./telemetry.ts";

const PROMTOOL = "/usr/bin/promtool";
const hasPromtool = (() => {
  try {
    return Deno.statSync(PROMTOOL).isFile;
  } catch {
    return false;
  }
})();

/** A toy-only app (or the real scenarios with `real`), with its runs folder removed afterwards. */
async function withApp(
  partial: Partial<ServerDeps>,
  fn: (app: FleetApp) => Promise<void>,
  real = false,
): Promise<void> {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-metrics-test-" });
  const app = createApp({
    ...(real ? {} : {
      scenarios: () => [{ id: "toy/matching", description: "toy" }],
      makeEnv: () => new MatchingEnv(),
      policies: policyCatalog([randomPolicy, timedPolicy]),
    }),
    runsDir,
    ...partial,
  });
  await app.ready;
  try {
    await fn(app);
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
}

async function runToEnd(app: FleetApp, body: Record<string, unknown>): Promise<string> {
  const res = await app.request("http://localhost/api/runs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ scenario: "toy/matching", speed: "max", seed: 3, ...body }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id } = await res.json();
  await app.manager.get(id).done;
  assert.equal(app.manager.get(id).state, "finished", app.manager.get(id).status().error ?? "");
  return id;
}

async function scrape(app: FleetApp): Promise<string> {
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  return await res.text();
}

/** Parses `name{labels} value` sample lines. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v;
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The one value of `name` whose labels include `labels`. */
function value(text: string, name: string, labels: Record<string, string>): number {
  const hits = samples(text).filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  assert.equal(hits.length, 1, `${name}${JSON.stringify(labels)}: ${hits.length} samples`);
  return hits[0].value;
}

async function ticksOf(app: FleetApp, id: string): Promise<TickEvent[]> {
  const body = await (await app.request(`/api/runs/${id}/events?from=1&limit=1000`)).json();
  return (body.events as { type: string }[]).filter((e) => e.type === "tick") as TickEvent[];
}

async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(PROMTOOL, {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test({
  name: hasPromtool
    ? "/metrics with per-run and per-class series passes promtool check metrics"
    : "/metrics passes promtool check metrics (skipped: promtool is not installed at /usr/bin/promtool)",
  ignore: !hasPromtool,
  fn: async () => {
    await withApp({}, async (app) => {
      await runToEnd(app, { policy: "timed-random", ticks: 10 });
      await runToEnd(app, { policy: "random", ticks: 3 });
      await app.request("/api/runs/nope"); // a labelled error counter
      const text = await scrape(app);
      assert.match(text, /^fleetkd_class_inference_latency_seconds_bucket\{/m);
      assert.match(text, /^fleetkd_http_errors_total\{status="404"\} 1$/m);
      const { code, output } = await promtoolCheck(text);
      assert.equal(code, 0, `promtool check metrics failed:\n${output}\n--- on ---\n${text}`);
      assert.equal(output.trim(), "", `promtool reported:\n${output}`);
      // The check can fail: a counter without _total is a lint problem.
      const bad = await promtoolCheck("# HELP x A counter.\n# TYPE x counter\nx 1\n");
      assert.notEqual(bad.code, 0);
    });
  },
});

Deno.test("per-class series: latency count = ticks x nodes, misses, energy and reward match the ticks", async () => {
  await withApp({}, async (app) => {
    const ticks = 12;
    const id = await runToEnd(app, { policy: "timed-random", ticks });
    const text = await scrape(app);
    const run = { run: id, scenario: "toy/matching", policy: "timed-random" };
    const events = await ticksOf(app, id);
    assert.equal(events.length, ticks);
    assert.equal(value(text, "fleetkd_run_ticks_total", run), ticks);
    const episodes = events.filter((e) => e.done).length;
    assert.equal(value(text, "fleetkd_run_episodes_total", run), episodes);
    assert.ok(episodes >= 1);
    const last = events[events.length - 1];
    assert.equal(value(text, "fleetkd_run_team_reward", run), last.teamReward);
    assert.equal(value(text, "fleetkd_run_episode_reward", run), last.episodeReward);
    assert.equal(value(text, "fleetkd_run_cumulative_reward", run), last.cumulativeReward);
    for (const cls of new MatchingEnv().classes) {
      const labels = { ...run, node_class: cls.name };
      assert.equal(value(text, "fleetkd_class_nodes", labels), cls.count);
      // One observation per decision: every node decides every tick under this controller.
      const count = value(text, "fleetkd_class_inference_latency_seconds_count", labels);
      assert.equal(count, ticks * cls.count, cls.name);
      assert.equal(value(text, "fleetkd_class_decisions_total", labels), ticks * cls.count);
      // The expected figures come from the tick events' own timings.
      const timings = events.map((e) => e.timings!.find((t) => t.className === cls.name)!);
      const sumS = timings.reduce((s, t) => s + t.decisions * t.latencyMs / 1000, 0);
      const sum = value(text, "fleetkd_class_inference_latency_seconds_sum", labels);
      assert.ok(Math.abs(sum - sumS) < 1e-9, `${cls.name}: sum ${sum} vs ${sumS}`);
      const misses = timings.reduce((s, t) => s + t.missed, 0);
      assert.ok(misses > 0, "the timed controller misses some deadlines");
      assert.equal(value(text, "fleetkd_class_deadline_misses_total", labels), misses);
      const energy = timings.reduce((s, t) => s + t.energyJ, 0);
      const energyOut = value(text, "fleetkd_class_inference_energy_joules_total", labels);
      assert.ok(
        Math.abs(energyOut - energy) < 1e-12,
        `${cls.name}: energy ${energyOut} vs ${energy}`,
      );
      assert.equal(value(text, "fleetkd_class_deadline_seconds", labels), 0.003);
      // Cumulative buckets: each counts the decisions at or below its bound.
      for (const le of LATENCY_BUCKETS_S) {
        const below = timings.reduce((s, t) => s + (t.latencyMs / 1000 <= le ? t.decisions : 0), 0);
        const bucket = value(text, "fleetkd_class_inference_latency_seconds_bucket", {
          ...labels,
          le: String(le),
        });
        assert.equal(bucket, below, `${cls.name} le=${le}`);
      }
    }
    // The server-level series are still there under their old names.
    assert.equal(value(text, "fleetkd_ticks_total", {}), ticks);
    assert.equal(value(text, "fleetkd_runs", { state: "finished" }), 1);
  });
});

Deno.test("per-class series of a real fleet run on its shipped students", async () => {
  const scenario = "fleet/leo-wildfire";
  await withApp({ policies: scenarioPolicies(defaultCatalog()) }, async (app) => {
    const ticks = 4;
    const id = await runToEnd(app, { scenario, policy: "students", ticks });
    const text = await scrape(app);
    const run = { run: id, scenario, policy: "students" };
    assert.equal(value(text, "fleetkd_run_ticks_total", run), ticks);
    const events = await ticksOf(app, id);
    for (const cls of defaultCatalog().makeEnv(scenario).classes) {
      const labels = { ...run, node_class: cls.name };
      assert.equal(value(text, "fleetkd_class_nodes", labels), cls.count);
      const decisions = events.reduce(
        (s, e) => s + e.timings!.find((t) => t.className === cls.name)!.decisions,
        0,
      );
      // The students decide well within one decision period, so no node is ever busy.
      assert.equal(decisions, ticks * cls.count, cls.name);
      assert.equal(
        value(text, "fleetkd_class_inference_latency_seconds_count", labels),
        ticks * cls.count,
      );
      const sum = value(text, "fleetkd_class_inference_latency_seconds_sum", labels);
      const meanS = sum / (ticks * cls.count);
      const deadline = value(text, "fleetkd_class_deadline_seconds", labels);
      assert.ok(
        meanS > 0 && meanS < deadline,
        `${cls.name}: mean ${meanS} s vs deadline ${deadline} s`,
      );
      assert.ok(value(text, "fleetkd_class_inference_energy_joules_total", labels) > 0);
      assert.equal(value(text, "fleetkd_class_deadline_misses_total", labels), 0);
    }
  }, true);
});

Deno.test("a run's series go when retention forgets the run", async () => {
  await withApp({ maxRetainedRuns: 1 }, async (app) => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await runToEnd(app, { policy: "timed-random", ticks: 2 }));
    // The last run's retention pass runs after its end.
    await app.manager.settled();
    const kept = app.manager.list().map((r) => r.id);
    assert.deepEqual(kept, [ids[2]]);
    assert.deepEqual(app.metrics.trackedRuns, kept);
    const text = await scrape(app);
    for (const gone of ids.slice(0, 2)) assert.ok(!text.includes(`run="${gone}"`), gone);
    assert.equal(value(text, "fleetkd_run_ticks_total", { run: ids[2] }), 2);
    // Server-level counters keep counting every run.
    assert.equal(value(text, "fleetkd_runs_started_total", {}), 3);
  });
});
