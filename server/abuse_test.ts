// One test per server finding of issue 23 (the server under abuse); each fails on the code before it.
import assert from "node:assert/strict";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { GatedClock, parseSse, readSseUntil, type SseEvent } from "./_test_util.ts";
import { createApp, type FleetApp } from "./app.ts";
import { abortableSleep, ManualClock } from "./clock.ts";
import type { ServerDeps } from "./deps.ts";
import { policyCatalog, randomPolicy } from "./policies.ts";
import type { RunStatus } from "./run.ts";
import { startServer } from "./start_server.ts";

const BASE = "http://localhost";
const TOKEN = "abcdefghijklmnop-token";

/** A snapshot of about `bytes` characters, so events are large like mega-shell's. */
const bigSnapshot = (bytes: number) => () => ({ blob: "x".repeat(bytes) });

function deps(runsDir: string, partial: Partial<ServerDeps>): Partial<ServerDeps> {
  return {
    scenarios: () => [{ id: "toy/matching", description: "toy" }],
    makeEnv: () => new MatchingEnv(),
    policies: policyCatalog([randomPolicy]),
    runsDir,
    ...partial,
  };
}

async function withApp(
  partial: Partial<ServerDeps>,
  fn: (app: FleetApp, runsDir: string) => Promise<void>,
  runsDir?: string,
): Promise<void> {
  const dir = runsDir ?? await Deno.makeTempDir({ prefix: "fleetkd-abuse-test-" });
  const app = createApp(deps(dir, partial));
  await app.ready;
  try {
    await fn(app, dir);
  } finally {
    await app.close();
    if (!runsDir) await Deno.remove(dir, { recursive: true });
  }
}

async function startRun(
  app: FleetApp,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<RunStatus> {
  const res = await app.request(`${BASE}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ scenario: "toy/matching", ...body }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

async function dirBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile) continue;
    try {
      bytes += (await Deno.stat(`${dir}/${e.name}`)).size;
      files++;
    } catch { /* deleted by retention meanwhile */ }
  }
  return { files, bytes };
}

Deno.test("1: replaying a finished run of large events reads each byte about once, in bounded chunks", async () => {
  const sendBufferBytes = 64 * 1024;
  await withApp({ snapshot: bigSnapshot(300_000), sendBufferBytes }, async (app, runsDir) => {
    const { id } = await startRun(app, { speed: "max", ticks: 40 });
    await app.manager.get(id).done;
    const logBytes = (await Deno.stat(`${runsDir}/${id}.ndjson`)).size;
    assert.ok(logBytes > 12_000_000, `${logBytes}`);
    const before = app.metrics.logBytesRead;
    const res = await app.request(`/api/runs/${id}/stream`);
    const reader = res.body!.getReader();
    let text = "";
    let largest = 0;
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      largest = Math.max(largest, value.length);
      text += decoder.decode(value, { stream: true });
    }
    const events = parseSse(text);
    assert.equal(events.pop()!.event, "end");
    assert.deepEqual(events.map((e) => e.id), Array.from({ length: 42 }, (_, i) => i + 1));
    // Each catch-up read returned what was sent: no re-reading of hundreds of lines per chunk.
    const read = app.metrics.logBytesRead - before;
    assert.ok(read <= logBytes * 1.05, `read ${read} bytes for a ${logBytes}-byte log`);
    assert.ok(largest <= sendBufferBytes, `a chunk of ${largest} bytes`);
  });
});

Deno.test("2: after a failed log write the run fails and every stream ends; live events stay readable", async () => {
  let written = 0;
  const failAfter = 2_000;
  const logWriter = (file: Deno.FsFile, bytes: Uint8Array) => {
    if (written + bytes.length > failAfter) {
      return Promise.reject(new Error("No space left on device (os error 28)"));
    }
    written += bytes.length;
    return file.write(bytes);
  };
  const clock = new GatedClock();
  await withApp({ logWriter, clock }, async (app) => {
    const { id } = await startRun(app, { speed: 1 });
    const run = app.manager.get(id);
    // A live client reads along while the run goes.
    const live = (await app.request(`/api/runs/${id}/stream`)).body!.getReader();
    const state = { buffer: "" };
    const got: SseEvent[] = [];
    for (let i = 0; i < 200 && run.state === "running"; i++) {
      await clock.release(1);
      await run.broadcaster.log.flush().catch(() => {});
    }
    await run.done;
    assert.equal(run.state, "failed");
    assert.match(run.status().error!, /No space left on device/);
    got.push(...await readSseUntil(live, () => false, state));
    assert.equal(got.at(-1)!.event, "end");
    // A replay from the start gets every event published, on disk or not, then end.
    const replay = parseSse(await (await app.request(`/api/runs/${id}/stream`)).text());
    assert.equal(replay.pop()!.event, "end");
    assert.deepEqual(
      replay.map((e) => e.id),
      Array.from({ length: run.broadcaster.lastSeq }, (_, i) => i + 1),
    );
    assert.ok(run.broadcaster.lastSeq > run.broadcaster.log.lastDurableSeq);
    // The last event says why.
    const last = JSON.parse(replay.at(-1)!.data);
    assert.equal(last.state, "failed");
    assert.match(last.error, /No space left/);
  });
});

Deno.test("3: /events pages are bounded in bytes and page through every event", async () => {
  const readBytes = 256 * 1024;
  await withApp({ snapshot: bigSnapshot(100_000), readBytes }, async (app) => {
    const { id } = await startRun(app, { speed: "max", ticks: 30 });
    await app.manager.get(id).done;
    let from = 1;
    const seqs: number[] = [];
    for (let page = 0; page < 100; page++) {
      const res = await app.request(`/api/runs/${id}/events?from=${from}&limit=1000`);
      const text = await res.text();
      assert.ok(text.length <= readBytes + 1000, `page of ${text.length} bytes`);
      const body = JSON.parse(text);
      seqs.push(...body.events.map((e: { seq: number }) => e.seq));
      if (body.next > body.lastSeq) break;
      from = body.next;
    }
    assert.deepEqual(seqs, Array.from({ length: 32 }, (_, i) => i + 1));
  });
});

Deno.test("4: a client that stops reading is cut off with a reason and resumes; streams are capped (429)", async () => {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-abuse-test-" });
  const server = await startServer({
    port: 0,
    log: () => {},
    deps: deps(runsDir, {
      snapshot: bigSnapshot(200_000),
      sendBufferBytes: 64 * 1024,
      slowConsumerMs: 200,
      maxStreamsPerClient: 2,
    }),
  });
  try {
    const res = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 150 }),
    });
    const { id } = await res.json();
    await server.app.manager.get(id).done; // 30 MB of events, far more than socket buffers hold
    // A raw TCP client that asks for the stream and then reads nothing.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(
      new TextEncoder().encode(
        `GET /api/runs/${id}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const metrics = server.app.metrics;
    for (let i = 0; i < 1000 && metrics.slowConsumersCut === 0; i++) await abortableSleep(10);
    assert.equal(metrics.slowConsumersCut, 1);
    // The cut-off stream's slot is free: two streams from this address are allowed, a third is not.
    const slow = await (await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: 0.001 }),
    })).json();
    const open = () => fetch(`${server.url}/api/runs/${slow.id}/stream`);
    const first = await open();
    const second = await open();
    const third = await open();
    assert.deepEqual([first.status, second.status, third.status], [200, 200, 429]);
    assert.equal(third.headers.get("Retry-After"), "1");
    assert.match((await third.json()).error, /per-client limit/);
    await first.body!.cancel();
    await second.body!.cancel();
    // Now the client reads: it finds the close reason after its last whole event, then the end.
    let raw = "";
    const decoder = new TextDecoder();
    const buf = new Uint8Array(1 << 16);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      raw += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    conn.close();
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    const reason = /event: error\r?\ndata: (\{[^\n]*"reason":"slow-consumer"[^\n]*\})/.exec(body);
    assert.ok(reason, "no slow-consumer reason in the stream");
    const { lastEventId } = JSON.parse(reason[1]);
    assert.ok(lastEventId >= 0 && lastEventId < 152, `${lastEventId}`);
    // Resuming with Last-Event-ID gets exactly the rest.
    const resumed = parseSse(
      await (await fetch(`${server.url}/api/runs/${id}/stream`, {
        headers: { "Last-Event-ID": String(lastEventId) },
      })).text(),
    );
    assert.equal(resumed.pop()!.event, "end");
    assert.deepEqual(
      resumed.map((e) => e.id),
      Array.from({ length: 152 - lastEventId }, (_, i) => lastEventId + 1 + i),
    );
    for (let i = 0; i < 500 && server.app.manager.get(id).status().subscribers > 0; i++) {
      await abortableSleep(10);
    }
    assert.equal(server.app.manager.get(id).status().subscribers, 0);
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("4: behind the guard stalled clients hold at most their share; the send budget cuts the one stalled longest", async () => {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-abuse-test-" });
  const KiB = 1024;
  const server = await startServer({
    port: 0,
    log: () => {},
    deps: deps(runsDir, {
      snapshot: bigSnapshot(200_000),
      sendBufferBytes: 256 * KiB,
      sendBudgetBytes: 192 * KiB, // 96 KiB of bytes plus one stalled connection's 96 KiB
      slowConsumerMs: 600_000, // only the budget cuts here
    }),
  });
  const conns: Deno.Conn[] = [];
  try {
    const res = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 150 }),
    });
    const { id } = await res.json();
    await server.app.manager.get(id).done; // 30 MB of events, far more than socket buffers hold
    const metrics = server.app.metrics;
    const before = server.guard!.connections; // fetch keeps its connection alive
    const stalled = async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(
        new TextEncoder().encode(`GET /api/runs/${id}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
      );
      conns.push(conn);
      return conn;
    };
    // The first client, alone, may hold the whole budget's bytes (96 KiB). It stalls once its socket
    // buffers are full: a stalled stream waits until half its cap has gone out before it sends more, so
    // it holds more than half of it (how much more depends on what the kernel took of the last write).
    const first = await stalled();
    // Until it is stalled and nothing moves any more (the count stays put for 30 polls).
    for (let i = 0, same = 0, last = -1; i < 6000 && same < 30; i++) {
      await abortableSleep(10);
      const held = metrics.sendBudgetHeld();
      same = metrics.sendBudgetStalled() === 1 && held === last ? same + 1 : 0;
      last = held;
    }
    assert.equal(metrics.sendBudgetStalled(), 1);
    assert.ok(metrics.sendBudgetHeld() > 48 * KiB, `${metrics.sendBudgetHeld()}`);
    assert.ok(metrics.sendBudgetHeld() <= 96 * KiB, `${metrics.sendBudgetHeld()}`);
    assert.equal(metrics.sendBudgetCuts, 0);
    // A second one halves the share and stalls: the total passes the budget, the first client is cut.
    await stalled();
    for (let i = 0; i < 1000 && metrics.sendBudgetCuts === 0; i++) await abortableSleep(10);
    assert.equal(metrics.sendBudgetCuts, 1);
    assert.equal(metrics.slowConsumersCut, 0);
    // The first client's connection is closed by the server: reading it ends (it may resume).
    const buf = new Uint8Array(1 << 16);
    let got = 0;
    for (;;) {
      const n = await first.read(buf).catch(() => null);
      if (n === null) break;
      got += n;
    }
    assert.ok(got > 0);
    for (let i = 0; i < 1000 && server.guard!.connections > before + 1; i++) {
      await abortableSleep(10);
    }
    assert.equal(server.guard!.connections, before + 1);
    assert.ok(metrics.sendBudgetHeld() <= 96 * KiB, `${metrics.sendBudgetHeld()}`);
    // The second leaves: nothing stays counted, no subscriber is left.
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    conns.length = 0;
    for (let i = 0; i < 1000 && metrics.sendBudgetHeld() > 0; i++) await abortableSleep(10);
    assert.equal(metrics.sendBudgetHeld(), 0);
    for (let i = 0; i < 500 && server.app.manager.get(id).status().subscribers > 0; i++) {
      await abortableSleep(10);
    }
    assert.equal(server.app.manager.get(id).status().subscribers, 0);
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("4: the total stream cap answers 429 across client addresses", async () => {
  await withApp({ maxStreams: 2, maxStreamsPerClient: 2, clock: new GatedClock() }, async (app) => {
    const { id } = await startRun(app, { speed: 1 });
    const open = (addr: string) =>
      app.request(`${BASE}/api/runs/${id}/stream`, {}, { remoteAddr: { hostname: addr } });
    const a = await open("10.0.0.1");
    const b = await open("10.0.0.2");
    const c = await open("10.0.0.3");
    assert.deepEqual([a.status, b.status, c.status], [200, 200, 429]);
    assert.match((await c.json()).error, /Too many telemetry streams: 2 are open/);
    await a.body!.cancel();
    const d = await open("10.0.0.3");
    assert.equal(d.status, 200);
    await b.body!.cancel();
    await d.body!.cancel();
  });
});

Deno.test("5: runs stop at the tick, wall-time and log-size limits; logs are kept within retention", async () => {
  const clock = new ManualClock(0);
  await withApp({
    maxRunTicks: 50,
    maxRunWallMs: 5_000,
    maxRunLogBytes: 64 * 1024,
    maxConcurrentRuns: 1,
    retainedLogBytes: 200 * 1024,
    maxRetainedRuns: 3,
    clock,
  }, async (app, runsDir) => {
    const tooLong = await app.request(`${BASE}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", ticks: 51 }),
    });
    assert.equal(tooLong.status, 400);
    assert.match((await tooLong.json()).error, /"ticks" must be <= 50/);
    const byTicks = await startRun(app, { speed: "max" });
    await app.manager.get(byTicks.id).done;
    const s1 = app.manager.get(byTicks.id).status();
    assert.equal(s1.state, "stopped");
    assert.equal(s1.tick, 50);
    assert.match(s1.stopReason!, /tick limit of 50/);
    const byWall = await startRun(app, { speed: 1 }); // 1 tick per simulated second
    await app.manager.get(byWall.id).done;
    const s2 = app.manager.get(byWall.id).status();
    assert.equal(s2.state, "stopped");
    assert.match(s2.stopReason!, /wall-time limit of 5 s/);
    assert.ok(s2.tick <= 6, `${s2.tick}`);
    // Retention: many runs later, at most 3 ended runs' files and never more than the bytes.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { id } = await startRun(app, { speed: "max", ticks: 40 });
      await app.manager.get(id).done;
      ids.push(id);
      const disk = await dirBytes(runsDir);
      assert.ok(disk.bytes <= 200 * 1024, `${disk.bytes} bytes on disk`);
    }
    // The last run's retention pass runs after its end: wait (bounded) for it.
    let disk = await dirBytes(runsDir);
    for (let i = 0; i < 200 && disk.files > 2 * 3; i++) {
      await abortableSleep(10);
      disk = await dirBytes(runsDir);
    }
    assert.equal(disk.files, 2 * 3);
    assert.deepEqual(app.manager.list().map((r) => r.id), ids.slice(-3));
  });
  // The log-size limit: a run of large events stops before its log passes the cap.
  await withApp({
    snapshot: bigSnapshot(10_000),
    maxRunLogBytes: 200 * 1024,
    maxConcurrentRuns: 1,
    retainedLogBytes: 1024 * 1024,
  }, async (app, runsDir) => {
    const { id } = await startRun(app, { speed: "max" });
    await app.manager.get(id).done;
    const s = app.manager.get(id).status();
    assert.equal(s.state, "stopped");
    assert.match(s.stopReason!, /log reached the server's limit of 204800 bytes/);
    const size = (await Deno.stat(`${runsDir}/${id}.ndjson`)).size;
    assert.ok(size <= 200 * 1024 && size > 150 * 1024, `${size}`);
    const events = (await (await app.request(`/api/runs/${id}/events?from=${s.lastSeq}`)).json())
      .events;
    assert.equal(events.at(-1).state, "stopped"); // the final status still fit
  });
});

Deno.test("6: a restarted server lists and serves the runs whose logs it finds", async () => {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-abuse-test-" });
  try {
    let first: RunStatus | undefined;
    let lines: string[] = [];
    await withApp({}, async (app) => {
      const { id } = await startRun(app, { seed: 9, speed: "max", ticks: 20 });
      await app.manager.get(id).done;
      first = app.manager.get(id).status();
      lines = (await Deno.readTextFile(`${runsDir}/${id}.ndjson`)).trimEnd().split("\n");
    }, runsDir);
    // A run the server never finished (its status file still says running).
    const crashed = "run-7-deadbeef";
    await Deno.writeTextFile(`${runsDir}/${crashed}.ndjson`, lines.slice(0, 5).join("\n") + "\n");
    await Deno.writeTextFile(
      `${runsDir}/${crashed}.json`,
      JSON.stringify({ ...first!, id: crashed, state: "running", endedAt: undefined }),
    );
    await Deno.writeTextFile(`${runsDir}/notes.txt`, "not a run");
    await withApp({}, async (app) => {
      const list: RunStatus[] = await (await app.request("/api/runs")).json();
      assert.deepEqual(list.map((r) => r.id).sort(), [first!.id, crashed].sort());
      const again: RunStatus = await (await app.request(`/api/runs/${first!.id}`)).json();
      assert.equal(again.state, "finished");
      assert.equal(again.tick, 20);
      assert.equal(again.lastSeq, 22);
      assert.equal(again.seed, 9);
      const sse = parseSse(await (await app.request(`/api/runs/${first!.id}/stream`)).text());
      assert.equal(sse.pop()!.event, "end");
      assert.deepEqual(sse.map((e) => e.data), lines);
      const lost: RunStatus = await (await app.request(`/api/runs/${crashed}`)).json();
      assert.equal(lost.state, "failed");
      assert.equal(lost.lastSeq, 5);
      assert.match(lost.error!, /server stopped before the run ended/);
      // New runs get new ids after the restored ones.
      const next = await startRun(app, { speed: "max", ticks: 1 });
      assert.match(next.id, /^run-8-/);
    }, runsDir);
    assert.equal(await Deno.readTextFile(`${runsDir}/notes.txt`), "not a run");
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("7: with a token every /api route and stream needs it; Host and Origin are checked on every route", async () => {
  await withApp({ token: TOKEN }, async (app) => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const { id } = await startRun(app, { speed: "max", ticks: 3 }, auth);
    await app.manager.get(id).done;
    for (
      const path of [
        "/api/runs",
        `/api/runs/${id}`,
        `/api/runs/${id}/events`,
        `/api/runs/${id}/stream`,
        `/api/runs/${id}/ws`,
        "/api/scenarios",
      ]
    ) {
      const res = await app.request(`${BASE}${path}`);
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
    assert.equal((await app.request(`${BASE}/api/runs`, { headers: auth })).status, 200);
    // EventSource cannot send headers: the token query parameter.
    const sse = await app.request(`${BASE}/api/runs/${id}/stream?token=${TOKEN}`);
    assert.equal(sse.status, 200);
    assert.equal(parseSse(await sse.text()).pop()!.event, "end");
    const wrong = await app.request(`${BASE}/api/runs?token=${TOKEN}x`);
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error, "invalid bearer token");
    assert.equal((await app.request(`${BASE}/healthz`)).status, 200);
  });
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { speed: "max", ticks: 3 });
    await app.manager.get(id).done;
    // A DNS-rebinding page reaches the server under its own name.
    for (
      const path of ["/api/runs", `/api/runs/${id}/stream`, `/api/runs/${id}/ws`, "/healthz", "/"]
    ) {
      const res = await app.request(`http://evil.example:8787${path}`);
      assert.equal(res.status, 403, path);
      assert.match((await res.json()).error, /allowed host .* got Host "evil\.example"/);
    }
    const cross = await app.request(`${BASE}/api/runs/${id}/events`, {
      headers: { Origin: "http://evil.example" },
    });
    assert.equal(cross.status, 403);
    await cross.body?.cancel();
    const same = await app.request(`${BASE}/api/runs`, { headers: { Origin: BASE } });
    assert.equal(same.status, 200);
    await same.body?.cancel();
  });
  await withApp({ allowedHosts: ["fleet.lan"] }, async (app) => {
    assert.equal((await app.request("http://fleet.lan/api/runs")).status, 200);
  });
});

Deno.test("10: a tiny speed sleeps the full tick period instead of overflowing the timer", async () => {
  const ac = new AbortController();
  let woke = false;
  const long = abortableSleep(2 ** 31 + 10_000, ac.signal).then(() => (woke = true));
  await abortableSleep(50);
  assert.equal(woke, false);
  ac.abort();
  await long;
  // A run at speed 1e-6 (one tick per ~11.6 days) does its first tick, then waits.
  await withApp({}, async (app) => {
    const { id } = await startRun(app, { speed: 1e-6 });
    await abortableSleep(100);
    assert.equal(app.manager.get(id).status().tick, 1);
  });
});

Deno.test("12: status shows no server paths; short tokens are refused", async () => {
  await withApp({}, async (app, runsDir) => {
    const { id } = await startRun(app, { speed: "max", ticks: 1 });
    await app.manager.get(id).done;
    const text = await (await app.request(`/api/runs/${id}`)).text();
    assert.equal(JSON.parse(text).log, `${id}.ndjson`);
    assert.ok(!text.includes(runsDir), text);
  });
  for (const token of ["x", "fifteen-chars-0"]) {
    assert.throws(() => createApp({ token }), /token must be at least 16 characters/);
  }
  createApp({ token: "sixteen-chars-01" }).close();
});

Deno.test("12: half-open connections are closed by the header timeout, idle ones by the idle timeout", async () => {
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-abuse-test-" });
  const server = await startServer({
    port: 0,
    log: () => {},
    deps: deps(runsDir, {}),
    headerTimeoutMs: 200,
    idleTimeoutMs: 400,
    maxConnections: 3,
  });
  /** Reads until the server closes (bounded: 10 s), returning what it sent. */
  const readToClose = async (conn: Deno.Conn) => {
    let text = "";
    const buf = new Uint8Array(4096);
    const giveUp = setTimeout(() => conn.close(), 10_000);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    clearTimeout(giveUp);
    return text;
  };
  try {
    const connect = () => Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const half = await connect();
    await half.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    assert.match(await readToClose(half), /^HTTP\/1\.1 408 /);
    half.close();
    assert.equal(server.guard!.dropped.headerTimeout, 1);
    const idle = await connect();
    await idle.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    assert.match(await readToClose(idle), /^HTTP\/1\.1 200 /); // answered, then closed when idle
    idle.close();
    assert.equal(server.guard!.dropped.idleTimeout, 1);
    // The connection cap: beyond 3 connections, 503 at once.
    const held = [await connect(), await connect(), await connect()];
    for (let i = 0; i < 100 && server.guard!.connections < 3; i++) await abortableSleep(10);
    const over = await connect();
    assert.match(await readToClose(over), /^HTTP\/1\.1 503 /);
    over.close();
    for (const c of held) c.close();
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});
