import assert from "node:assert/strict";
import { MatchingEnv } from "../sim/toy/matching.ts";
import {
  GatedClock,
  parseSse,
  readSseUntil,
  type SseEvent,
  throwingPolicy,
  timedPolicy,
} from "./_test_util.ts";
import { createApp, type FleetApp } from "./app.ts";
import type { ServerDeps } from "./deps.ts";
import { policyCatalog, randomPolicy } from "./policies.ts";
import type { RunStatus } from "./run.ts";
import type { TickEvent } from "./telemetry.ts";

const BASE = "http://localhost";

async function withApp(
  partial: Partial<ServerDeps>,
  fn: (app: FleetApp, runsDir: string) => Promise<void>,
): Promise<void> {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-server-test-" });
  const app = createApp({
    scenarios: () => [{ id: "toy/matching", description: "toy" }],
    makeEnv: (id) => {
      if (id !== "toy/matching") throw new RangeError(`no env ${id}`);
      return new MatchingEnv();
    },
    policies: policyCatalog([randomPolicy, timedPolicy, throwingPolicy(5, "controller exploded")]),
    runsDir,
    ...partial,
  });
  await app.ready;
  try {
    await fn(app, runsDir);
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
}

function post(app: FleetApp, body: unknown, headers: Record<string, string> = {}) {
  return app.request(`${BASE}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function startRun(app: FleetApp, body: Record<string, unknown>): Promise<RunStatus> {
  const res = await post(app, { scenario: "toy/matching", ...body });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

async function errorOf(res: Response): Promise<string> {
  return (await res.json()).error;
}

Deno.test("catalog lists scenarios with their policies", async () => {
  await withApp({}, async (app) => {
    const res = await app.request("/api/scenarios");
    assert.equal(res.status, 200);
    const scenarios = await res.json();
    assert.deepEqual(scenarios.map((s: { id: string }) => s.id), ["toy/matching"]);
    assert.deepEqual(
      scenarios[0].policies.map((p: { id: string }) => p.id),
      ["random", "timed-random", "explodes"],
    );
    const policies = await app.request("/api/policies?scenario=toy/matching");
    assert.equal((await policies.json())[0].id, "random");
    assert.equal((await app.request("/api/policies?scenario=nope")).status, 404);
    const missing = await app.request("/api/policies");
    assert.equal(missing.status, 400);
    assert.match(await errorOf(missing), /"scenario" is required/);
  });
});

Deno.test("short scenario names and the CLI's policy names work in POST /api/runs", async () => {
  const runsDir = await Deno.makeTempDir();
  const app = createApp({ runsDir });
  await app.ready;
  try {
    const res = await post(app, {
      scenario: "3m",
      policy: "greedy",
      seed: 1,
      ticks: 3,
      speed: "max",
    });
    assert.equal(res.status, 201, await res.clone().text());
    const run = await res.json();
    assert.equal(run.scenario, "smax/3m");
    assert.equal(run.policy, "baseline");
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("default deps list the catalog's scenarios", async () => {
  const runsDir = await Deno.makeTempDir();
  const app = createApp({ runsDir });
  try {
    const ids = (await (await app.request("/api/scenarios")).json()).map((s: { id: string }) =>
      s.id
    );
    assert.ok(ids.includes("toy/matching"), ids.join());
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("start, status, stop: the run ticks, stops and its NDJSON log is flushed", async () => {
  await withApp({}, async (app, runsDir) => {
    const started = await startRun(app, { seed: 3, speed: "max" });
    assert.equal(started.state, "running");
    assert.equal(started.scenario, "toy/matching");
    assert.equal(started.policy, "random");
    const run = app.manager.get(started.id);
    while (run.status().tick < 50) await new Promise((r) => setTimeout(r, 1));
    const status: RunStatus = await (await app.request(`/api/runs/${started.id}`)).json();
    assert.equal(status.state, "running");
    assert.ok(status.tick >= 50);
    const list = await (await app.request("/api/runs")).json();
    assert.deepEqual(list.map((r: RunStatus) => r.id), [started.id]);

    const stopped = await app.request(`${BASE}/api/runs/${started.id}`, { method: "DELETE" });
    assert.equal(stopped.status, 200);
    const final: RunStatus = await stopped.json();
    assert.equal(final.state, "stopped");
    assert.ok(final.endedAt);
    // Stopping returns only after the log is flushed: every event is on disk, the last says "stopped".
    assert.equal(final.log, `${started.id}.ndjson`); // no server path is shown
    const lines = (await Deno.readTextFile(`${runsDir}/${final.log}`)).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, final.lastSeq);
    const events = lines.map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    assert.equal(events[0].type, "status");
    assert.equal(events[0].state, "running");
    assert.equal(events.at(-1).state, "stopped");
    assert.equal(events.filter((e) => e.type === "tick").length, final.tick);
    // Stopping again is harmless.
    assert.equal(
      (await app.request(`${BASE}/api/runs/${started.id}`, { method: "DELETE" })).status,
      200,
    );
  });
});

Deno.test("a run with an episode limit finishes; tick events carry the telemetry", async () => {
  await withApp({}, async (app) => {
    const { id } = await startRun(app, {
      seed: 11,
      speed: "max",
      episodes: 2,
      policy: "timed-random",
    });
    await app.manager.get(id).done;
    const status: RunStatus = await (await app.request(`/api/runs/${id}`)).json();
    assert.equal(status.state, "finished");
    assert.equal(status.tick, 16); // 2 episodes of 8 steps
    assert.equal(status.episode, 2);
    assert.equal(status.dtS, 1);
    const body = await (await app.request(`/api/runs/${id}/events?from=2&limit=8`)).json();
    const ticks = body.events as TickEvent[];
    assert.equal(ticks.length, 8);
    assert.equal(body.next, 10);
    assert.equal(body.lastSeq, 18);
    let cumulative = 0;
    for (const [i, e] of ticks.entries()) {
      assert.equal(e.type, "tick");
      assert.equal(e.tick, i + 1);
      assert.equal(e.step, i + 1);
      assert.equal(e.t, i + 1);
      assert.equal(e.episode, 0);
      assert.deepEqual(Object.keys(e.actions), ["a", "b"]);
      assert.equal(e.actions.a.length, 2);
      assert.equal(e.timings!.length, 2);
      cumulative += e.teamReward;
      assert.ok(Math.abs(e.cumulativeReward - cumulative) < 1e-9);
      assert.equal(typeof e.infos.matched, "number");
    }
    assert.equal(ticks[7].done, true);
    // The run is reproducible: the same seed gives the same rewards and actions.
    const again = await startRun(app, {
      seed: 11,
      speed: "max",
      episodes: 2,
      policy: "timed-random",
    });
    await app.manager.get(again.id).done;
    const body2 = await (await app.request(`/api/runs/${again.id}/events?from=2&limit=8`)).json();
    assert.deepEqual(
      body2.events.map((e: TickEvent) => [e.teamReward, e.actions]),
      ticks.map((e) => [e.teamReward, e.actions]),
    );
  });
});

Deno.test("400 names the failing field; 415 for non-JSON", async () => {
  await withApp({}, async (app) => {
    const cases: [unknown, RegExp][] = [
      [
        { scenario: "toy/matching", seed: "abc" },
        /^field "seed" must be an integer >= 0, got "abc"$/,
      ],
      [{ scenario: "toy/matching", seed: 1.5 }, /^field "seed" must be an integer >= 0, got 1.5$/],
      [
        { scenario: "toy/matching", speed: 0 },
        /^field "speed" must be a real-time multiple .*got 0$/,
      ],
      [{ scenario: "toy/matching", speed: "fast" }, /^field "speed" .* or "max", got "fast"$/],
      [
        { scenario: "toy/matching", episodes: 0 },
        /^field "episodes" must be an integer >= 1, got 0$/,
      ],
      [{ seed: 1 }, /^field "scenario" is required/],
      [
        { scenario: "nope" },
        /^field "scenario" must be one of "toy\/matching" \(or its short name where unambiguous\), got "nope"$/,
      ],
      [
        { scenario: "toy/matching", policy: "x" },
        /^field "policy" must be one of "random".*got "x"$/,
      ],
      [{ scenario: "toy/matching", colour: "red" }, /^unknown field "colour"$/],
      [[1, 2], /^request body must be a JSON object, got \[1,2\]$/],
      ["{not json", /^request body is not valid JSON/],
    ];
    for (const [body, expected] of cases) {
      const res = await post(app, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(await errorOf(res), expected);
    }
    const text = await app.request(`${BASE}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "scenario=toy/matching",
    });
    assert.equal(text.status, 415);
    assert.match(await errorOf(text), /must be JSON/);
    const badQuery = await app.request("/api/runs/x/events?from=abc");
    assert.equal(badQuery.status, 404); // the run is looked up first
    assert.equal(app.manager.list().length, 0);
  });
});

Deno.test("400 for bad query parameters and Last-Event-ID", async () => {
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { speed: "max", ticks: 3 });
    await app.manager.get(id).done;
    const q = await app.request(`/api/runs/${id}/events?from=abc`);
    assert.equal(q.status, 400);
    assert.match(
      await errorOf(q),
      /^query parameter "from" must be an integer in \[1, \d+\], got "abc"$/,
    );
    const h = await app.request(`/api/runs/${id}/stream`, { headers: { "Last-Event-ID": "-3" } });
    assert.equal(h.status, 400);
    assert.match(await errorOf(h), /^header Last-Event-ID must be an integer/);
  });
});

Deno.test("unknown run is 404 on every run route; unknown route is 404", async () => {
  await withApp({}, async (app) => {
    for (
      const [method, path] of [
        ["GET", "/api/runs/nope"],
        ["DELETE", "/api/runs/nope"],
        ["GET", "/api/runs/nope/stream"],
        ["GET", "/api/runs/nope/events"],
        ["GET", "/no/such/route"],
      ]
    ) {
      const res = await app.request(`${BASE}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(typeof (await res.json()).error, "string");
    }
  });
});

Deno.test("413 for a body over the limit", async () => {
  await withApp({ maxBodyBytes: 256 }, async (app) => {
    const res = await post(app, { scenario: "toy/matching", pad: "x".repeat(1000) });
    assert.equal(res.status, 413);
    assert.match(await errorOf(res), /larger than 256 bytes/);
    // Without a Content-Length (a stream), the limit still holds.
    const chunked = await app.request(`${BASE}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: ReadableStream.from([new TextEncoder().encode(`{"x":"${"y".repeat(400)}"}`)]),
    });
    assert.equal(chunked.status, 413);
  });
});

Deno.test("429 beyond the concurrent-run cap; a slot frees when a run stops", async () => {
  await withApp({ maxConcurrentRuns: 2, clock: new GatedClock() }, async (app) => {
    const a = await startRun(app, { speed: 1 });
    await startRun(app, { speed: 1 });
    const third = await post(app, { scenario: "toy/matching" });
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("Retry-After"), "5");
    assert.match(await errorOf(third), /Too many concurrent runs: 2 are running/);
    await app.request(`${BASE}/api/runs/${a.id}`, { method: "DELETE" });
    await startRun(app, { speed: 1 });
  });
});

Deno.test("control endpoints need the bearer token when one is configured", async () => {
  await withApp({ token: "s3cret-token-0123" }, async (app) => {
    const none = await post(app, { scenario: "toy/matching", speed: "max", ticks: 2 });
    assert.equal(none.status, 401);
    assert.match(await errorOf(none), /Authorization: Bearer/);
    assert.match(none.headers.get("WWW-Authenticate") ?? "", /^Bearer/);
    const wrong = await post(app, { scenario: "toy/matching" }, { Authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.equal(await errorOf(wrong), "invalid bearer token");
    const ok = await post(app, { scenario: "toy/matching", speed: "max", ticks: 2 }, {
      Authorization: "Bearer s3cret-token-0123",
    });
    assert.equal(ok.status, 201);
    const { id } = await ok.json();
    assert.equal((await app.request(`${BASE}/api/runs/${id}`, { method: "DELETE" })).status, 401);
    const del = await app.request(`${BASE}/api/runs/${id}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer s3cret-token-0123" },
    });
    assert.equal(del.status, 200);
  });
});

Deno.test("without a token, control requests must address loopback from the same origin", async () => {
  await withApp({}, async (app) => {
    const body = JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 1 });
    const init = { method: "POST", headers: { "Content-Type": "application/json" }, body };
    const rebound = await app.request("http://attacker.example/api/runs", init);
    assert.equal(rebound.status, 403);
    const crossSite = await app.request(`${BASE}/api/runs`, {
      ...init,
      headers: { ...init.headers, Origin: "http://attacker.example" },
    });
    assert.equal(crossSite.status, 403);
    const sameSite = await app.request(`${BASE}/api/runs`, {
      ...init,
      headers: { ...init.headers, Origin: BASE },
    });
    assert.equal(sameSite.status, 201);
    assert.equal((await app.request("http://127.0.0.1:8787/api/runs", init)).status, 201);
  });
});

Deno.test("SSE delivers every event in order with increasing ids, then ends", async () => {
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { seed: 5, speed: "max", episodes: 3 });
    const res = await app.request(`/api/runs/${id}/stream`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("Content-Type")!, /^text\/event-stream/);
    const text = await res.text();
    assert.ok(text.startsWith("retry: 1000\n\n"));
    const events = parseSse(text);
    const end = events.pop()!;
    assert.equal(end.event, "end");
    assert.equal(end.id, undefined);
    assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1));
    assert.equal(events.length, 24 + 2);
    assert.deepEqual(
      events.map((e) => e.event),
      ["status", ...Array(24).fill("tick"), "status"],
    );
    for (const e of events) assert.equal(JSON.parse(e.data).seq, e.id);
    assert.equal(JSON.parse(end.data).lastSeq, 26);
    // A reconnect after the end (EventSource does this) gets 204, which stops it.
    const again = await app.request(`/api/runs/${id}/stream`, {
      headers: { "Last-Event-ID": "26" },
    });
    assert.equal(again.status, 204);
  });
});

Deno.test("Last-Event-ID resumes with exactly the missing events, evicted ones read from NDJSON", async () => {
  const clock = new GatedClock();
  await withApp({ clock, ringSize: 8 }, async (app, runsDir) => {
    const { id } = await startRun(app, { seed: 2, speed: 1 });
    const run = app.manager.get(id);
    await clock.release(30); // 30 ticks done, the loop asleep after the 31st
    await clock.settled();
    const b = run.broadcaster;
    assert.equal(b.lastSeq, 32); // status + 31 ticks
    assert.equal(b.ringOldestSeq, 25);
    const catchUpsBefore = app.metrics.catchUpReads;
    // A client that saw up to seq 5 reconnects: 6..24 are only on disk now.
    const res = await app.request(`/api/runs/${id}/stream`, { headers: { "Last-Event-ID": "5" } });
    const reader = res.body!.getReader();
    const state = { buffer: "" };
    const got: SseEvent[] = await readSseUntil(reader, (e) => e.at(-1)?.id === 32, state);
    assert.ok(app.metrics.catchUpReads > catchUpsBefore);
    // Live events keep coming on the same connection.
    await clock.release(4);
    got.push(...await readSseUntil(reader, (e) => e.at(-1)?.id === 36, state));
    await app.request(`${BASE}/api/runs/${id}`, { method: "DELETE" });
    got.push(...await readSseUntil(reader, () => false, state));
    reader.releaseLock();
    const ended = got.pop()!;
    assert.equal(ended.event, "end");
    assert.deepEqual(got.map((e) => e.id), Array.from({ length: got.length }, (_, i) => i + 6));
    // Byte-identical to the log on disk.
    const lines = (await Deno.readTextFile(`${runsDir}/${run.status().log}`)).trimEnd().split("\n");
    assert.equal(lines.length, got.at(-1)!.id);
    assert.deepEqual(got.map((e) => e.data), lines.slice(5));
    // The query parameter works the same way (EventSource's first connection).
    const viaQuery = parseSse(
      await (await app.request(`/api/runs/${id}/stream?lastEventId=30`)).text(),
    );
    assert.deepEqual(viaQuery.slice(0, -1).map((e) => e.data), lines.slice(30));
  });
});

Deno.test("a subscriber that never reads does not stall the run; it catches up later", async () => {
  await withApp({ ringSize: 16 }, async (app) => {
    const { id } = await startRun(app, { seed: 4, speed: "max", ticks: 3000 });
    const slow = await app.request(`/api/runs/${id}/stream`); // never read while the run goes
    const run = app.manager.get(id);
    await run.done;
    assert.equal(run.status().state, "finished");
    assert.equal(run.status().tick, 3000);
    assert.equal(run.status().subscribers, 1);
    // Now read it all: nothing missing, older events came from the log.
    const events = parseSse(await slow.text());
    assert.equal(events.pop()!.event, "end");
    assert.equal(events.length, 3002);
    assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1));
    assert.equal(run.status().subscribers, 0);
  });
});

Deno.test("a throwing controller fails its run with the error; the server keeps serving", async () => {
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { speed: "max", policy: "explodes" });
    await app.manager.get(id).done;
    const status: RunStatus = await (await app.request(`/api/runs/${id}`)).json();
    assert.equal(status.state, "failed");
    assert.equal(status.error, "controller exploded");
    assert.equal(status.tick, 4);
    const events = (await (await app.request(`/api/runs/${id}/events`)).json()).events;
    assert.deepEqual(events.at(-1), { ...events.at(-1), type: "status", state: "failed" });
    assert.equal(events.at(-1).error, "controller exploded");
    assert.equal((await app.request("/healthz")).status, 200);
    const next = await startRun(app, { speed: "max", ticks: 5 });
    await app.manager.get(next.id).done;
    assert.equal(app.manager.get(next.id).state, "finished");
    const counts = app.manager.counts();
    assert.deepEqual(counts, { running: 0, stopped: 0, finished: 1, failed: 1 });
  });
});

Deno.test("a policy or environment that cannot be built fails the run", async () => {
  const broken = {
    id: "broken",
    description: "cannot load its model",
    make: () => Promise.reject(new Error('Cannot load model "x.bin": not found')),
  };
  await withApp({ policies: policyCatalog([broken]) }, async (app) => {
    const { id } = await startRun(app, { policy: "broken" });
    await app.manager.get(id).done;
    assert.equal(app.manager.get(id).status().error, 'Cannot load model "x.bin": not found');
  });
});

Deno.test("/metrics speaks Prometheus text; /healthz reports; shutdown refuses new runs", async () => {
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { speed: "max", ticks: 10 });
    await app.manager.get(id).done;
    await (await app.request(`/api/runs/${id}/stream`)).text();
    await app.request("/api/runs/nope");
    const res = await app.request("/metrics");
    assert.match(res.headers.get("Content-Type")!, /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (
      const line of [
        'fleetkd_runs{state="finished"} 1',
        'fleetkd_runs{state="running"} 0',
        "fleetkd_runs_started_total 1",
        "fleetkd_ticks_total 10",
        "fleetkd_events_published_total 12",
        "fleetkd_events_sent_total 12",
        "fleetkd_streams_opened_total 1",
        "fleetkd_stream_subscribers 0",
        'fleetkd_http_errors_total{status="404"} 1',
        "# TYPE process_cpu_seconds_total counter",
      ]
    ) assert.ok(text.includes(`${line}\n`), `missing "${line}" in\n${text}`);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    const health = await (await app.request("/healthz")).json();
    assert.equal(health.status, "ok");
    assert.equal(health.runs.finished, 1);
    await app.close();
    assert.equal((await app.request("/healthz")).status, 503);
    const refused = await post(app, { scenario: "toy/matching" });
    assert.equal(refused.status, 503);
  });
});

Deno.test("the dashboard is served locally with a strict CSP", async () => {
  await withApp({}, async (app) => {
    const page = await app.request("/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("Content-Security-Policy")!, /default-src 'self'/);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, "no external resources");
    for (const file of ["dashboard.js", "style.css"]) {
      const res = await app.request(`/static/${file}`);
      assert.equal(res.status, 200, file);
      assert.doesNotMatch(
        await res.text(),
        /https?:\/\/(?!www\.w3\.org)/,
        `${file}: no external URL`,
      );
    }
    assert.equal((await app.request("/static/nope.js")).status, 404);
    assert.equal((await app.request("/static/..%2Fdeps.ts")).status, 404);
  });
});

Deno.test("ended runs beyond maxRetainedRuns are forgotten", async () => {
  await withApp({ maxRetainedRuns: 2 }, async (app) => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { id } = await startRun(app, { speed: "max", ticks: 2 });
      await app.manager.get(id).done;
      ids.push(id);
    }
    // The retention that follows each run's end has run (not a timing guess: the manager says so).
    await app.manager.settled();
    assert.deepEqual(app.manager.list().map((r) => r.id), ids.slice(2));
    assert.equal((await app.request(`/api/runs/${ids[0]}`)).status, 404);
  });
});
