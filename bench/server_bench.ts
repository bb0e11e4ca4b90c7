/**
 * Load benchmark of the telemetry server: 200 concurrent SSE clients on one run at 10 ticks/s for 60 s on
 * loopback (`FLEETKD_BENCH_QUICK=1`: 10 s). The server runs in a child process (`cli/serve.ts`), so its CPU
 * and memory are its own (read from its `/metrics`: `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`); the 200 clients run in this process, each a `fetch` stream parsing
 * SSE frames and checking sequence ids.
 *
 * Checks: every client receives every seq of the run exactly once, in order (no gaps); the run's tick
 * rate under load stays within 10% of the same run unloaded. Reports server CPU and memory, delivery
 * latency (tick publish -> client receipt) and bytes per event.
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

const SUITE = "server";
const CLIENTS = 200;
const TICKS_PER_S = 10;

interface Sample {
  t: number;
  cpuS: number;
  rssB: number;
}

interface ClientResult {
  received: number;
  gaps: number;
  duplicates: number;
  ended: boolean;
  bytes: number;
  latenciesMs: number[];
  error?: string;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

async function startChild(runsDir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli/serve.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--runs-dir",
      runsDir,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      // Keep draining stderr so the child never blocks on a full pipe.
      const drained = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.trim()) console.error(`[server] ${value.trimEnd()}`);
        }
      })();
      return { child, url: m[1], drained };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${text}`);
    text += value;
  }
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${body.error}`);
  return body as T;
}

async function metricsSample(url: string): Promise<Sample> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    t: performance.now(),
    cpuS: value("process_cpu_seconds_total"),
    rssB: value("process_resident_memory_bytes"),
  };
}

interface RunStatusLite {
  id: string;
  state: string;
  tick: number;
  lastSeq: number;
  dtS: number | null;
  tickRate: number;
}

async function startRun(url: string, body: Record<string, unknown>): Promise<RunStatusLite> {
  return await json<RunStatusLite>(`${url}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function waitEnded(url: string, id: string): Promise<RunStatusLite> {
  for (;;) {
    const s = await json<RunStatusLite>(`${url}/api/runs/${id}`);
    if (s.state !== "running") return s;
    await new Promise((r) => setTimeout(r, 200));
  }
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
  const { child, url, drained } = await startChild(runsDir);
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
    ];
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    await Deno.remove(runsDir, { recursive: true });
  }
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
