/**
 * Load benchmark of the telemetry server: 200 concurrent SSE clients on one run at 10 ticks/s for 60 s on
 * loopback (`FLEETKD_BENCH_QUICK=1`: 10 s). The server runs in a child process (`cli/serve.ts`), so its CPU
 * and memory are its own (read from its `/metrics`: `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`); the 200 clients run in this process, each a `fetch` stream parsing
 * SSE frames and checking sequence ids.
 *
 * Checks: every client receives every seq of the run exactly once, in order (no gaps); the run's tick
 * rate under load stays within 10% of the same run unloaded; p99 delivery latency (tick publish -> client
 * receipt, the clients in another process than the server) under 100 ms. Reports server CPU and memory
 * and bytes per event.
 *
 * Replay (issue 23): a finished 300-tick `fleet/mega-shell` run (about 190 MB of events) replayed over
 * SSE to 10 clients at once: every client gets every event, at >= 50 MB/s each (`FLEETKD_BENCH_QUICK=1`:
 * 60 ticks).
 *
 * The scenario is `fleet/leo-wildfire` when registered (its events carry node snapshots), else
 * `toy/matching`; `FLEETKD_BENCH_SCENARIO` overrides. Run standalone with
 * `deno run -A bench/server_bench.ts`.
 *
 * @example
 * ```ts ignore
 * import { run } from "./server_bench.ts";
 * Deno.env.set("FLEETKD_BENCH_QUICK", "1");
 * const rows = await run();
 * console.assert(rows.some((r) => r.name.startsWith("events lost")));
 * ```
 *
 * @module
 */

import type { BenchRow } from "./report.ts";
import {
  env,
  json,
  metricsSample,
  type Sample,
  startChild,
  startRun,
  waitEnded,
} from "./server_child.ts";

const SUITE = "server";
const CLIENTS = 200;
const TICKS_PER_S = 10;
const REPLAY_CLIENTS = 10;
const REPLAY_TICKS = 300;

interface ClientResult {
  received: number;
  gaps: number;
  duplicates: number;
  ended: boolean;
  bytes: number;
  latenciesMs: number[];
  error?: string;
}

/** Samples the server's CPU and memory every second until `done` resolves. */
async function sampleWhile(url: string, done: Promise<unknown>): Promise<Sample[]> {
  const samples = [await metricsSample(url)];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
    samples.push(await metricsSample(url));
  }
  return samples;
}

/** One SSE client: reads the stream to its end, checking that seqs arrive as 1, 2, 3, ... */
async function client(url: string, runId: string): Promise<ClientResult> {
  const result: ClientResult = {
    received: 0,
    gaps: 0,
    duplicates: 0,
    ended: false,
    bytes: 0,
    latenciesMs: [],
  };
  try {
    const res = await fetch(`${url}/api/runs/${runId}/stream?lastEventId=0`);
    if (res.status !== 200) throw new Error(`stream: HTTP ${res.status}`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let expected = 1;
    let connectedAt = Infinity;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const now = Date.now();
      connectedAt = Math.min(connectedAt, now);
      result.bytes += value.length;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (frame.startsWith("event: end") || frame.includes("\nevent: end")) {
          result.ended = true;
          continue;
        }
        const id = /^id: (\d+)$/m.exec(frame);
        if (!id) continue;
        const seq = Number(id[1]);
        if (seq < expected) result.duplicates++;
        else if (seq > expected) result.gaps += seq - expected;
        expected = Math.max(expected, seq + 1);
        result.received++;
        if (frame.includes("\nevent: tick\n")) {
          const wall = /"wallMs":([0-9.]+)/.exec(frame);
          // Live deliveries only: events published before the client connected measure the connect.
          if (wall && Number(wall[1]) >= connectedAt) {
            result.latenciesMs.push(now - Number(wall[1]));
          }
        }
      }
    }
  } catch (e) {
    result.error = (e as Error).message;
  }
  return result;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function cpuPercent(samples: Sample[]): number {
  const a = samples[0];
  const b = samples[samples.length - 1];
  return (b.cpuS - a.cpuS) / ((b.t - a.t) / 1000) * 100;
}

/** Runs the suite and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const quick = env("FLEETKD_BENCH_QUICK") === "1";
  const seconds = quick ? 10 : 60;
  const runsDir = await Deno.makeTempDir({ prefix: "fleetkd-server-bench-" });
  const direct = env("FLEETKD_BENCH_NO_GUARD") === "1";
  const server = await startChild(runsDir, [
    "--max-streams-per-client",
    String(CLIENTS + 50),
    ...(direct ? ["--no-conn-guard"] : []),
  ]);
  const url = server.url;
  try {
    const scenarios = (await json<{ id: string }[]>(`${url}/api/scenarios`)).map((s) => s.id);
    const scenario = env("FLEETKD_BENCH_SCENARIO") ??
      (scenarios.includes("fleet/leo-wildfire") ? "fleet/leo-wildfire" : "toy/matching");
    // Probe the step length so that speed = 10 ticks per wall second.
    const probe = await startRun(url, { scenario, speed: "max", ticks: 1 });
    const dtS = (await waitEnded(url, probe.id)).dtS ?? 1;
    const speed = TICKS_PER_S * dtS;
    const ticks = TICKS_PER_S * seconds;
    console.error(
      `server bench: ${scenario}, dt ${dtS} s, speed ${speed}x, ${seconds} s unloaded then ${seconds} s with ${CLIENTS} SSE clients`,
    );

    // Unloaded.
    const base = await startRun(url, { scenario, seed: 1, speed, ticks });
    const baseSamples = await sampleWhile(url, waitEnded(url, base.id));
    const baseStatus = await waitEnded(url, base.id);

    // Loaded: the clients connect as the run starts and read it to the end.
    const loaded = await startRun(url, { scenario, seed: 1, speed, ticks });
    const clients = Array.from({ length: CLIENTS }, () => client(url, loaded.id));
    const allDone = Promise.all(clients);
    const loadSamples = await sampleWhile(url, allDone);
    const results = await allDone;
    const loadStatus = await waitEnded(url, loaded.id);
    const expected = loadStatus.lastSeq;

    const complete = results.filter((r) =>
      r.ended && r.received === expected && r.gaps === 0 && r.duplicates === 0 && !r.error
    ).length;
    const lost = results.reduce((s, r) =>
      s + Math.max(0, expected - r.received) + r.gaps, 0);
    const errors = results.filter((r) => r.error).map((r) => r.error);
    const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const bytesPerEvent = results[0].bytes / Math.max(1, results[0].received);
    const ratio = loadStatus.tickRate / baseStatus.tickRate;
    const peakRss = Math.max(...loadSamples.map((s) => s.rssB));
    const note =
      `${scenario}, ${CLIENTS} clients in the bench process, server in a child process, ${seconds} s`;
    const load = Deno.loadavg()[0];
    if (errors.length) {
      console.error(`server bench: client errors: ${[...new Set(errors)].join("; ")}`);
    }
    return [
      {
        suite: SUITE,
        name: "tick rate under load",
        value: loadStatus.tickRate,
        unit: "ticks/s",
        comparisonName: "same run, no clients",
        comparison: baseStatus.tickRate,
        ratio,
        target: "within 10% of unloaded",
        met: Math.abs(ratio - 1) <= 0.1,
        note: `target rate ${TICKS_PER_S}/s; ${loadStatus.tick} ticks`,
      },
      {
        suite: SUITE,
        name: "clients that received every event",
        value: complete,
        unit: "clients",
        comparison: CLIENTS,
        target: `${CLIENTS} of ${CLIENTS}`,
        met: complete === CLIENTS,
        note: `${expected} events each, checked by sequence id`,
      },
      {
        suite: SUITE,
        name: "events lost (gaps by sequence id)",
        value: lost,
        unit: "events",
        target: "0",
        met: lost === 0,
        note,
      },
      {
        suite: SUITE,
        name: "delivery latency p50",
        value: quantile(latencies, 0.5),
        unit: "ms",
        note: `tick published (server wall clock) to client receipt, live events only; loopback; ` +
          `includes the client process's own work; machine load average ${
            load.toFixed(1)
          } on ${navigator.hardwareConcurrency} cores`,
      },
      {
        suite: SUITE,
        name: "delivery latency p99",
        value: quantile(latencies, 0.99),
        unit: "ms",
        target: "< 100 ms",
        met: quantile(latencies, 0.99) < 100,
      },
      {
        suite: SUITE,
        name: "server CPU under load",
        value: cpuPercent(loadSamples),
        unit: "% of one core",
        comparisonName: "unloaded",
        comparison: cpuPercent(baseSamples),
        note: `${(CLIENTS * TICKS_PER_S).toLocaleString("en-US")} events/s out, ${
          bytesPerEvent.toFixed(0)
        } B per event`,
      },
      {
        suite: SUITE,
        name: "server resident memory, peak under load",
        value: peakRss / 2 ** 20,
        unit: "MiB",
        comparisonName: "unloaded peak",
        comparison: Math.max(...baseSamples.map((s) => s.rssB)) / 2 ** 20,
      },
      ...await replayRows(url, scenarios, quick),
    ];
  } finally {
    await server.stop();
    await Deno.remove(runsDir, { recursive: true });
  }
}

/**
 * One replay client: reads the whole SSE stream of an ended run as bytes, checking the `id:` of every
 * frame (found after a newline, without decoding the events, so the client's own parsing does not cap
 * the figure); bytes and seconds.
 */
async function replayClient(
  url: string,
  runId: string,
): Promise<ClientResult & { seconds: number }> {
  const t0 = performance.now();
  const result: ClientResult = {
    received: 0,
    gaps: 0,
    duplicates: 0,
    ended: false,
    bytes: 0,
    latenciesMs: [],
  };
  const END = new TextEncoder().encode("event: end\n");
  let expected = 1;
  const scan = (buf: Uint8Array, final: boolean): number => {
    let at = 0;
    for (;;) {
      const p = buf.indexOf(10, at);
      if (p < 0) return buf.length;
      if (!final && p + 24 >= buf.length) return p;
      if (buf[p + 1] === 105 && buf[p + 2] === 100 && buf[p + 3] === 58 && buf[p + 4] === 32) {
        let seq = 0;
        for (let i = p + 5; i < buf.length && buf[i] >= 48 && buf[i] <= 57; i++) {
          seq = seq * 10 + buf[i] - 48;
        }
        if (seq < expected) result.duplicates++;
        else if (seq > expected) result.gaps += seq - expected;
        expected = Math.max(expected, seq + 1);
        result.received++;
      } else if (END.every((b, i) => buf[p + 1 + i] === b)) {
        result.ended = true;
      }
      at = p + 1;
    }
  };
  try {
    const res = await fetch(`${url}/api/runs/${runId}/stream?lastEventId=0`);
    if (res.status !== 200) throw new Error(`stream: HTTP ${res.status}`);
    let carry = new Uint8Array(0);
    for await (const chunk of res.body!) {
      result.bytes += chunk.length;
      let buf = chunk;
      if (carry.length > 0) {
        buf = new Uint8Array(carry.length + chunk.length);
        buf.set(carry);
        buf.set(chunk, carry.length);
      }
      carry = buf.slice(scan(buf, false));
    }
    scan(carry, true);
  } catch (e) {
    result.error = (e as Error).message;
  }
  return { ...result, seconds: (performance.now() - t0) / 1000 };
}

async function replayRows(url: string, scenarios: string[], quick: boolean): Promise<BenchRow[]> {
  const scenario = scenarios.includes("fleet/mega-shell") ? "fleet/mega-shell" : scenarios[0];
  const ticks = quick ? 60 : REPLAY_TICKS;
  const t0 = performance.now();
  const run = await startRun(url, { scenario, seed: 1, speed: "max", ticks });
  const ended = await waitEnded(url, run.id);
  console.error(
    `server bench: replay run ${scenario} ${ticks} ticks built in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s; ${REPLAY_CLIENTS} clients replay it`,
  );
  const before = await metricsSample(url);
  const results = await Promise.all(
    Array.from({ length: REPLAY_CLIENTS }, () => replayClient(url, run.id)),
  );
  const after = await metricsSample(url);
  const complete =
    results.filter((r) =>
      r.ended && r.received === ended.lastSeq && r.gaps === 0 && r.duplicates === 0 && !r.error
    ).length;
  const lost = results.reduce((s, r) => s + Math.max(0, ended.lastSeq - r.received) + r.gaps, 0);
  const rates = results.map((r) => r.bytes / 1e6 / r.seconds).sort((a, b) => a - b);
  const mb = results[0].bytes / 1e6;
  return [
    {
      suite: SUITE,
      name: `replay of a finished run to ${REPLAY_CLIENTS} clients: events lost`,
      value: lost,
      unit: "events",
      target: "0",
      met: lost === 0 && complete === REPLAY_CLIENTS,
      note: `${scenario}, ${ticks} ticks, ${ended.lastSeq} events (${
        mb.toFixed(0)
      } MB) each; ${complete} of ${REPLAY_CLIENTS} clients complete`,
    },
    {
      suite: SUITE,
      name: "replay throughput per client, slowest",
      value: rates[0],
      unit: "MB/s",
      comparisonName: "fastest client",
      comparison: rates[rates.length - 1],
      target: ">= 50 MB/s",
      met: rates[0] >= 50,
      note: `all ${REPLAY_CLIENTS} at once, loopback, through the connection guard; server CPU ${
        ((after.cpuS - before.cpuS) / ((after.t - before.t) / 1000) * 100).toFixed(0)
      }% of one core, RSS ${(after.rssB / 2 ** 20).toFixed(0)} MiB after; load average ${
        Deno.loadavg()[0].toFixed(1)
      }`,
    },
  ];
}

if (import.meta.main) {
  const rows = await run();
  console.table(rows.map((r) => ({
    measure: r.name,
    value: r.value,
    unit: r.unit,
    comparison: r.comparison,
    target: r.target,
    met: r.met,
  })));
}
