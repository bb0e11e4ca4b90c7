/**
 * Server metrics for `GET /metrics`, in the Prometheus text exposition format (version 0.0.4), built
 * with [`prom-client`](https://github.com/siimon/prom-client) on a registry of the server's own (never
 * the global one, so several servers in one process do not share series).
 *
 * Two kinds of series:
 * - **Server-level** (unchanged names): `fleetkd_runs{state}`, `fleetkd_runs_started_total`,
 *   `fleetkd_ticks_total`, `fleetkd_events_published_total`, `fleetkd_events_sent_total`,
 *   `fleetkd_log_read_bytes_total`, `fleetkd_slow_consumers_cut_total`, `fleetkd_catchup_reads_total`,
 *   `fleetkd_stream_subscribers`, `fleetkd_streams_opened_total`, `fleetkd_http_errors_total{status}`,
 *   `process_cpu_seconds_total`, `process_resident_memory_bytes`, `fleetkd_heap_used_bytes`. The run
 *   manager, broadcasters and streams bump plain fields of {@linkcode Metrics}; the series read them at
 *   scrape time.
 * - **Per run** (labels `run`, `scenario`, `policy`) and **per node class of a run** (plus `node_class`),
 *   fed by {@linkcode RunMetrics.tick} once per tick: `fleetkd_run_ticks_total`,
 *   `fleetkd_run_episodes_total`, `fleetkd_run_team_reward`, `fleetkd_run_episode_reward`,
 *   `fleetkd_run_cumulative_reward`, `fleetkd_class_nodes`, `fleetkd_class_deadline_seconds`,
 *   `fleetkd_class_inference_latency_seconds` (histogram, one observation per decision, buckets
 *   {@linkcode LATENCY_BUCKETS_S}), `fleetkd_class_decisions_total`, `fleetkd_class_deadline_misses_total`,
 *   `fleetkd_class_inference_energy_joules_total`. The timing series exist only for controllers that
 *   model latency (`students`, `teacher`), as do the tick events' `timings`.
 *
 * Label cardinality is bounded by the run retention: {@linkcode Metrics.dropRun} removes every series of
 * a run when the run manager forgets it (`maxRetainedRuns`, `retainedLogBytes`), so at most
 * `maxRetainedRuns + maxConcurrentRuns` runs have series. Runs restored from disk after a restart have
 * none (their counts are in their logs).
 *
 * @example
 * ```ts
 * import { Metrics, renderPrometheus } from "./metrics.ts";
 * const metrics = new Metrics();
 * metrics.ticksTotal += 3;
 * const run = metrics.trackRun("r1", { scenario: "toy/matching", policy: "random" }, [
 *   { name: "agent", count: 2 },
 * ]);
 * run.tick({ teamReward: 0.5, episodeReward: 0.5, cumulativeReward: 0.5, timings: null });
 * const text = await renderPrometheus(metrics, { running: 1, stopped: 0, finished: 2, failed: 0 });
 * console.assert(text.includes("fleetkd_ticks_total 3"));
 * console.assert(text.includes('fleetkd_run_team_reward{run="r1",scenario="toy/matching",policy="random"} 0.5'));
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import process from "node:process";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DecisionTiming } from "../sim/env/controller.ts";
export type { DecisionTiming } from "../sim/env/controller.ts";
import type { BroadcastCounters } from "./broadcaster.ts";
import type { RunState } from "./telemetry.ts";

/**
 * Upper bounds of the inference-latency histogram, seconds: 10 µs to 2.5 s in 1-2.5-5 steps, spanning the
 * modelled latencies (about 13-160 µs for the shipped students) and every shipped class deadline (3 ms
 * `mcu-sensor`, 10 ms MPE, 35.7 ms SMAX, 300 ms the other fleet classes) with room above.
 */
export const LATENCY_BUCKETS_S: readonly number[] = [
  1e-5,
  2.5e-5,
  5e-5,
  1e-4,
  2.5e-4,
  5e-4,
  1e-3,
  2.5e-3,
  5e-3,
  1e-2,
  2.5e-2,
  5e-2,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];

/** Runs by state, for the `fleetkd_runs` gauge. */
export type RunCounts = Record<RunState, number>;

/** The labels every series of a run carries besides `run`. */
export interface RunLabels {
  /** Scenario (environment id). */
  scenario: string;
  /** Policy id. */
  policy: string;
}

/** A node class of a run, as {@linkcode Metrics.trackRun} needs it. */
export interface RunClass {
  /** Class name (the `node_class` label). */
  name: string;
  /** Agents (nodes) of the class. */
  count: number;
}

/** What one tick adds to a run's series. */
export interface TickSample {
  /** Mean over agents of this step's rewards. */
  teamReward: number;
  /** Team reward summed over the episode so far. */
  episodeReward: number;
  /** Team reward summed over the run so far. */
  cumulativeReward: number;
  /** The controller's per-class timings of this step, or null when it models no latency. */
  timings: readonly DecisionTiming[] | null;
  /** True when this tick ended an episode. */
  done?: boolean;
}

type RunLabelSet = { run: string; scenario: string; policy: string };
type ClassLabelSet = RunLabelSet & { node_class: string };

const RUN_LABELS = ["run", "scenario", "policy"] as const;
const CLASS_LABELS = ["run", "scenario", "policy", "node_class"] as const;

/** The series of one run, fed by its loop (see {@linkcode Metrics.trackRun}). */
export interface RunMetrics {
  /** Adds one tick: reward gauges, tick (and episode) counters, and per class its timings. */
  tick(sample: TickSample): void;
}

/** The server's counters and gauges, and the prom-client registry that exposes them. */
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
  /** Stream clients cut off by the server-wide send budget. */
  sendBudgetCuts = 0;
  /** Bytes the send budget counts as held for stream clients (set by the app). */
  sendBudgetHeld: () => number = () => 0;
  /** Streams the send budget counts as stalled now (set by the app). */
  sendBudgetStalled: () => number = () => 0;
  /** Requests answered with a 4xx or 5xx status, by status. */
  readonly errorsByStatus: Map<number, number> = new Map();
  /** The registry `/metrics` renders (this server's only). */
  readonly #registry: Registry = new Registry();
  /** Runs by state at the next scrape (set by {@linkcode renderPrometheus}). */
  #runCounts: RunCounts = { running: 0, stopped: 0, finished: 0, failed: 0 };
  /** Label sets of every tracked run's series, for {@linkcode Metrics.dropRun}. */
  readonly #tracked = new Map<string, { run: RunLabelSet; classes: ClassLabelSet[] }>();

  readonly #runTicks: Counter<string>;
  readonly #runEpisodes: Counter<string>;
  readonly #runReward: Gauge<string>;
  readonly #runEpisodeReward: Gauge<string>;
  readonly #runCumulativeReward: Gauge<string>;
  readonly #classNodes: Gauge<string>;
  readonly #classDeadline: Gauge<string>;
  readonly #classLatency: Histogram<string>;
  readonly #classDecisions: Counter<string>;
  readonly #classMisses: Counter<string>;
  readonly #classEnergy: Counter<string>;

  /**
   * Empty counters and a fresh registry with every server-level series.
   *
   * @example
   * ```ts
   * import { Metrics } from "./metrics.ts";
   * const m = new Metrics();
   * console.assert((await m.text()).includes("# TYPE fleetkd_ticks_total counter"));
   * ```
   */
  constructor() {
    const registers = [this.#registry];
    const errorsByStatus = this.errorsByStatus;
    const gaugeLabelled = (
      name: string,
      help: string,
      labelNames: readonly string[],
      values: () => [Record<string, string | number>, number][],
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, v] of values()) this.set(labels, finite(v));
        },
      });
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(finite(value()));
        },
      });
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(Math.max(0, finite(value())));
        },
      });
    gaugeLabelled(
      "fleetkd_runs",
      "Runs known to the server, by state.",
      ["state"],
      () => Object.entries(this.#runCounts).map(([state, n]) => [{ state }, n]),
    );
    counter("fleetkd_runs_started_total", "Runs started.", () => this.runsStarted);
    counter("fleetkd_ticks_total", "Simulation ticks over all runs.", () => this.ticksTotal);
    counter(
      "fleetkd_events_published_total",
      "Telemetry events published.",
      () => this.eventsPublished,
    );
    counter(
      "fleetkd_events_sent_total",
      "Telemetry events written to stream clients.",
      () => this.eventsSent,
    );
    counter(
      "fleetkd_log_read_bytes_total",
      "Bytes read back from run logs.",
      () => this.logBytesRead,
    );
    counter(
      "fleetkd_slow_consumers_cut_total",
      "Stream clients cut off because they took nothing for the slow-consumer time.",
      () => this.slowConsumersCut,
    );
    counter(
      "fleetkd_send_budget_cuts_total",
      "Stream clients cut off by the server-wide send budget (the ones stalled the longest).",
      () => this.sendBudgetCuts,
    );
    gauge(
      "fleetkd_send_budget_held_bytes",
      "Bytes sent to stream clients and not yet taken by them, as the send budget counts them.",
      () => this.sendBudgetHeld(),
    );
    gauge(
      "fleetkd_send_budget_stalled_streams",
      "Stream clients at their send-budget cap and waiting for the client to take bytes.",
      () => this.sendBudgetStalled(),
    );
    counter(
      "fleetkd_catchup_reads_total",
      "Reads served from the on-disk log to clients behind the in-memory ring.",
      () => this.catchUpReads,
    );
    gauge(
      "fleetkd_stream_subscribers",
      "Open telemetry stream connections.",
      () => this.streamsOpen,
    );
    counter(
      "fleetkd_streams_opened_total",
      "Telemetry stream connections opened.",
      () => this.streamsOpened,
    );
    new Counter({
      name: "fleetkd_http_errors_total",
      help: "Requests answered with an error status.",
      labelNames: ["status"],
      registers,
      collect() {
        this.reset();
        const byStatus = [...errorsByStatus.entries()].sort((a, b) => a[0] - b[0]);
        for (const [status, n] of byStatus) this.inc({ status }, n);
      },
    });
    counter("process_cpu_seconds_total", "User and system CPU time spent, seconds.", () => {
      const cpu = process.cpuUsage();
      return (cpu.user + cpu.system) / 1e6;
    });
    gauge(
      "process_resident_memory_bytes",
      "Resident memory size, bytes.",
      () => Deno.memoryUsage().rss,
    );
    gauge("fleetkd_heap_used_bytes", "V8 heap in use, bytes.", () => Deno.memoryUsage().heapUsed);

    const run = { labelNames: RUN_LABELS, registers };
    const cls = { labelNames: CLASS_LABELS, registers };
    this.#runTicks = new Counter({
      name: "fleetkd_run_ticks_total",
      help: "Ticks of a run.",
      ...run,
    });
    this.#runEpisodes = new Counter({
      name: "fleetkd_run_episodes_total",
      help: "Episodes a run completed.",
      ...run,
    });
    this.#runReward = new Gauge({
      name: "fleetkd_run_team_reward",
      help: "Team reward (mean over agents) of a run's last tick.",
      ...run,
    });
    this.#runEpisodeReward = new Gauge({
      name: "fleetkd_run_episode_reward",
      help: "Team reward summed over a run's current episode so far.",
      ...run,
    });
    this.#runCumulativeReward = new Gauge({
      name: "fleetkd_run_cumulative_reward",
      help: "Team reward summed over a run so far.",
      ...run,
    });
    this.#classNodes = new Gauge({
      name: "fleetkd_class_nodes",
      help: "Nodes (agents) of a node class in a run.",
      ...cls,
    });
    this.#classDeadline = new Gauge({
      name: "fleetkd_class_deadline_seconds",
      help: "Decision deadline of a node class, seconds.",
      ...cls,
    });
    this.#classLatency = new Histogram({
      name: "fleetkd_class_inference_latency_seconds",
      help:
        "Modelled inference latency of a node class's decisions, seconds (one observation per decision).",
      buckets: [...LATENCY_BUCKETS_S],
      ...cls,
    });
    this.#classDecisions = new Counter({
      name: "fleetkd_class_decisions_total",
      help: "Decisions taken by a node class (agents still computing a late decision take none).",
      ...cls,
    });
    this.#classMisses = new Counter({
      name: "fleetkd_class_deadline_misses_total",
      help: "Decisions of a node class that missed their deadline.",
      ...cls,
    });
    this.#classEnergy = new Counter({
      name: "fleetkd_class_inference_energy_joules_total",
      help: "Energy drawn by a node class's inference, joules.",
      ...cls,
    });
  }

  /**
   * Starts the series of run `id` (its classes' node counts are set now, everything else on its ticks)
   * and returns the handle its loop feeds. A second call for the same id replaces the first.
   *
   * @example
   * ```ts
   * import { Metrics } from "./metrics.ts";
   * const m = new Metrics();
   * const run = m.trackRun("r1", { scenario: "s", policy: "p" }, [{ name: "sat", count: 3 }]);
   * run.tick({
   *   teamReward: 1, episodeReward: 1, cumulativeReward: 1,
   *   timings: [{ className: "sat", latencyMs: 2, deadlineMs: 5, missed: 0, decisions: 3, energyJ: 0.1 }],
   * });
   * const text = await m.text();
   * console.assert(text.includes(
   *   'fleetkd_class_inference_latency_seconds_count{run="r1",scenario="s",policy="p",node_class="sat"} 3',
   * ));
   * ```
   */
  trackRun(id: string, labels: RunLabels, classes: readonly RunClass[]): RunMetrics {
    this.dropRun(id);
    const runLabels: RunLabelSet = { run: id, scenario: labels.scenario, policy: labels.policy };
    const classLabels = new Map<string, ClassLabelSet>();
    for (const c of classes) {
      const l = { ...runLabels, node_class: c.name };
      classLabels.set(c.name, l);
      this.#classNodes.set(l, c.count);
    }
    const tracked = { run: runLabels, classes: [...classLabels.values()] };
    this.#tracked.set(id, tracked);
    this.#runTicks.inc(runLabels, 0);
    this.#runEpisodes.inc(runLabels, 0);
    const ticks = this.#runTicks.labels(runLabels);
    const reward = this.#runReward.labels(runLabels);
    const episodeReward = this.#runEpisodeReward.labels(runLabels);
    const cumulative = this.#runCumulativeReward.labels(runLabels);
    const classLabelsOf = (name: string): ClassLabelSet => {
      let l = classLabels.get(name);
      if (!l) {
        // A class the controller names but the environment did not list: still bounded by the env.
        l = { ...runLabels, node_class: name };
        classLabels.set(name, l);
        tracked.classes.push(l);
      }
      return l;
    };
    return {
      tick: (s: TickSample) => {
        ticks.inc();
        if (s.done) this.#runEpisodes.inc(runLabels);
        reward.set(finite(s.teamReward));
        episodeReward.set(finite(s.episodeReward));
        cumulative.set(finite(s.cumulativeReward));
        if (!s.timings) return;
        for (const t of s.timings) {
          const l = classLabelsOf(t.className);
          this.#classDeadline.set(l, finite(t.deadlineMs) / 1000);
          this.#classDecisions.inc(l, nonNegative(t.decisions));
          this.#classMisses.inc(l, nonNegative(t.missed));
          this.#classEnergy.inc(l, nonNegative(t.energyJ));
          const latencyS = finite(t.latencyMs) / 1000;
          const hist = this.#classLatency.labels(l);
          for (let i = 0; i < t.decisions; i++) hist.observe(latencyS);
        }
      },
    };
  }

  /**
   * Removes every series of run `id` (a no-op for a run without series).
   *
   * @example
   * ```ts
   * import { Metrics } from "./metrics.ts";
   * const m = new Metrics();
   * m.trackRun("r1", { scenario: "s", policy: "p" }, [{ name: "sat", count: 3 }]);
   * m.dropRun("r1");
   * console.assert(!(await m.text()).includes('run="r1"'));
   * ```
   */
  dropRun(id: string): void {
    const tracked = this.#tracked.get(id);
    if (!tracked) return;
    this.#tracked.delete(id);
    for (const g of [this.#runTicks, this.#runEpisodes]) g.remove(tracked.run);
    for (const g of [this.#runReward, this.#runEpisodeReward, this.#runCumulativeReward]) {
      g.remove(tracked.run);
    }
    for (const l of tracked.classes) {
      this.#classNodes.remove(l);
      this.#classDeadline.remove(l);
      this.#classLatency.remove(l);
      this.#classDecisions.remove(l);
      this.#classMisses.remove(l);
      this.#classEnergy.remove(l);
    }
  }

  /** Ids of the runs that have series now. */
  get trackedRuns(): string[] {
    return [...this.#tracked.keys()];
  }

  /**
   * Every series as Prometheus text (format 0.0.4), `fleetkd_runs` with the last counts set.
   *
   * @example
   * ```ts
   * import { Metrics } from "./metrics.ts";
   * console.assert((await new Metrics().text()).includes("fleetkd_runs_started_total 0"));
   * ```
   */
  text(): Promise<string> {
    return this.#registry.metrics();
  }

  /** Sets the run counts the next scrape reports (see {@linkcode renderPrometheus}). */
  setRunCounts(runs: RunCounts): void {
    this.#runCounts = { ...runs };
  }
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function nonNegative(x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0;
}

/**
 * The metrics as Prometheus text, with `runs` as the `fleetkd_runs` gauge.
 *
 * @example
 * ```ts
 * import { Metrics, renderPrometheus } from "./metrics.ts";
 * const text = await renderPrometheus(new Metrics(), { running: 0, stopped: 0, finished: 0, failed: 0 });
 * console.assert(text.includes('fleetkd_runs{state="running"} 0'));
 * ```
 */
export function renderPrometheus(metrics: Metrics, runs: RunCounts): Promise<string> {
  metrics.setRunCounts(runs);
  return metrics.text();
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
  return new Hono().get("/metrics", async (c) => {
    c.header("Content-Type", Registry.PROMETHEUS_CONTENT_TYPE);
    return c.body(await renderPrometheus(options.metrics, options.runCounts()));
  });
}
