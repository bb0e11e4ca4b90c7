/**
 * Server metrics: counters the run manager, the broadcasters and the streams bump, rendered in the
 * Prometheus text exposition format (version 0.0.4) by `GET /metrics`, with the standard
 * `process_cpu_seconds_total` and `process_resident_memory_bytes` so load tests can read the server's CPU
 * and memory from outside.
 *
 * @example
 * ```ts
 * import { Metrics, renderPrometheus } from "./metrics.ts";
 * const metrics = new Metrics();
 * metrics.ticksTotal += 3;
 * const text = renderPrometheus(metrics, { running: 1, stopped: 0, finished: 2, failed: 0 });
 * console.assert(text.includes("fleetkd_ticks_total 3"));
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import process from "node:process";
import type { BroadcastCounters } from "./broadcaster.ts";
import type { RunState } from "./telemetry.ts";

/** The server's counters and gauges. */
export class Metrics implements BroadcastCounters {
  /** Runs started since the server started. */
  runsStarted = 0;
  /** Simulation ticks over every run. */
  ticksTotal = 0;
  /** Events published over every run. */
  eventsPublished = 0;
  /** Reads a lagging or resuming client got from the on-disk log instead of memory. */
  catchUpReads = 0;
  /** Stream connections opened (SSE and WebSocket). */
  streamsOpened = 0;
  /** Stream connections currently open. */
  streamsOpen = 0;
  /** Events written to stream clients. */
  eventsSent = 0;
  /** Bytes read back from run logs (catch-up reads, replays, `/events` pages). */
  logBytesRead = 0;
  /** Stream clients cut off as slow consumers. */
  slowConsumersCut = 0;
  /** Requests answered with a 4xx or 5xx status, by status. */
  readonly errorsByStatus: Map<number, number> = new Map();
}

/** Runs by state, for the `fleetkd_runs` gauge. */
export type RunCounts = Record<RunState, number>;

function line(name: string, value: number, labels = ""): string {
  return `${name}${labels} ${Number.isFinite(value) ? value : 0}`;
}

/**
 * The metrics as Prometheus text.
 *
 * @example
 * ```ts
 * import { Metrics, renderPrometheus } from "./metrics.ts";
 * const text = renderPrometheus(new Metrics(), { running: 0, stopped: 0, finished: 0, failed: 0 });
 * console.assert(text.includes('fleetkd_runs{state="running"} 0'));
 * ```
 */
export function renderPrometheus(metrics: Metrics, runs: RunCounts): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, values: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...values);
  };
  /** A metric with one unlabelled value. */
  const single = (name: string, type: string, help: string, value: number) =>
    metric(name, type, help, [line(name, value)]);
  metric(
    "fleetkd_runs",
    "gauge",
    "Runs known to the server, by state.",
    (Object.keys(runs) as RunState[]).map((s) => line("fleetkd_runs", runs[s], `{state="${s}"}`)),
  );
  single("fleetkd_runs_started_total", "counter", "Runs started.", metrics.runsStarted);
  single("fleetkd_ticks_total", "counter", "Simulation ticks over all runs.", metrics.ticksTotal);
  single(
    "fleetkd_events_published_total",
    "counter",
    "Telemetry events published.",
    metrics.eventsPublished,
  );
  single(
    "fleetkd_events_sent_total",
    "counter",
    "Telemetry events written to stream clients.",
    metrics.eventsSent,
  );
  single(
    "fleetkd_log_read_bytes_total",
    "counter",
    "Bytes read back from run logs.",
    metrics.logBytesRead,
  );
  single(
    "fleetkd_slow_consumers_cut_total",
    "counter",
    "Stream clients cut off because they took nothing for the slow-consumer time.",
    metrics.slowConsumersCut,
  );
  single(
    "fleetkd_catchup_reads_total",
    "counter",
    "Reads served from the on-disk log to clients behind the in-memory ring.",
    metrics.catchUpReads,
  );
  single(
    "fleetkd_stream_subscribers",
    "gauge",
    "Open telemetry stream connections.",
    metrics.streamsOpen,
  );
  single(
    "fleetkd_streams_opened_total",
    "counter",
    "Telemetry stream connections opened.",
    metrics.streamsOpened,
  );
  metric(
    "fleetkd_http_errors_total",
    "counter",
    "Requests answered with an error status.",
    [...metrics.errorsByStatus.entries()].sort((a, b) => a[0] - b[0]).map(([status, n]) =>
      line("fleetkd_http_errors_total", n, `{status="${status}"}`)
    ),
  );
  const cpu = process.cpuUsage();
  single(
    "process_cpu_seconds_total",
    "counter",
    "User and system CPU time spent, seconds.",
    (cpu.user + cpu.system) / 1e6,
  );
  const mem = Deno.memoryUsage();
  single("process_resident_memory_bytes", "gauge", "Resident memory size, bytes.", mem.rss);
  single("fleetkd_heap_used_bytes", "gauge", "V8 heap in use, bytes.", mem.heapUsed);
  return out.join("\n") + "\n";
}

/** Options of {@linkcode metricsRoutes}. */
export interface MetricsRoutesOptions {
  /** The counters. */
  metrics: Metrics;
  /** Runs by state, now. */
  runCounts: () => RunCounts;
}

/**
 * `GET /metrics` in Prometheus text format.
 *
 * @example
 * ```ts
 * import { Metrics, metricsRoutes } from "./metrics.ts";
 * const app = metricsRoutes({
 *   metrics: new Metrics(),
 *   runCounts: () => ({ running: 0, stopped: 0, finished: 0, failed: 0 }),
 * });
 * const res = await app.request("/metrics");
 * console.assert(res.headers.get("content-type")!.startsWith("text/plain"));
 * ```
 */
export function metricsRoutes(options: MetricsRoutesOptions): Hono {
  return new Hono().get("/metrics", (c) => {
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(renderPrometheus(options.metrics, options.runCounts()));
  });
}
