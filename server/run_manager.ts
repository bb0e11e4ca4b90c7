/**
 * Owns the runs: validates and starts them (at most `maxConcurrentRuns` running at once, else 429), finds
 * them (unknown id -> 404), stops them, forgets the oldest ended runs beyond `maxRetainedRuns`, and on
 * shutdown stops every run and flushes every log.
 *
 * @example
 * ```ts
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { Metrics } from "./metrics.ts";
 * const runsDir = await Deno.makeTempDir();
 * const manager = new RunManager(resolveDeps({ runsDir }), new Metrics());
 * const run = await manager.start({ scenario: "toy/matching", policy: "random", seed: 1, speed: "max" });
 * await manager.stop(run.id);
 * console.assert(manager.get(run.id).state === "stopped");
 * await manager.shutdown();
 * ```
 *
 * @module
 */

import { Broadcaster } from "./broadcaster.ts";
import type { ServerDeps } from "./deps.ts";
import {
  BadRequestError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
} from "./errors.ts";
import type { Metrics, RunCounts } from "./metrics.ts";
import { NdjsonLog } from "./ndjson_log.ts";
import { Run, type RunSpec } from "./run.ts";

/** The runs of one server. */
export class RunManager {
  readonly #deps: ServerDeps;
  readonly #metrics: Metrics;
  readonly #runs = new Map<string, Run>();
  #starting = 0;
  #counter = 0;
  #shuttingDown = false;

  /**
   * A manager with no runs.
   *
   * @example
   * ```ts
   * import { RunManager } from "./run_manager.ts";
   * import { resolveDeps } from "./deps.ts";
   * import { Metrics } from "./metrics.ts";
   * console.assert(new RunManager(resolveDeps(), new Metrics()).list().length === 0);
   * ```
   */
  constructor(deps: ServerDeps, metrics: Metrics) {
    this.#deps = deps;
    this.#metrics = metrics;
  }

  /** True once {@linkcode RunManager.shutdown} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Runs in state `"running"`. */
  get running(): number {
    let n = 0;
    for (const r of this.#runs.values()) if (r.state === "running") n++;
    return n;
  }

  /**
   * Validates `spec` against the scenarios and policies (400 naming the field), checks the concurrency cap
   * (429), opens the run's log and starts it.
   */
  async start(spec: RunSpec): Promise<Run> {
    if (this.#shuttingDown) throw new ServiceUnavailableError("The server is shutting down");
    const scenarios = this.#deps.scenarios();
    if (!scenarios.some((s) => s.id === spec.scenario)) {
      throw new BadRequestError(
        `field "scenario" must be one of ${
          scenarios.map((s) => JSON.stringify(s.id)).join(", ")
        }, got ${JSON.stringify(spec.scenario)}`,
      );
    }
    const policies = this.#deps.policies.list(spec.scenario);
    if (!policies.some((p) => p.id === spec.policy)) {
      throw new BadRequestError(
        `field "policy" must be one of ${
          policies.map((p) => JSON.stringify(p.id)).join(", ") || "(none)"
        } for scenario ${JSON.stringify(spec.scenario)}, got ${JSON.stringify(spec.policy)}`,
      );
    }
    const cap = this.#deps.maxConcurrentRuns;
    if (this.running + this.#starting >= cap) {
      throw new TooManyRequestsError(
        `Too many concurrent runs: ${cap} ${
          cap === 1 ? "is" : "are"
        } running (the limit); stop one first`,
      );
    }
    this.#starting++;
    let run: Run;
    try {
      const id = `run-${++this.#counter}-${crypto.randomUUID().slice(0, 8)}`;
      const log = await NdjsonLog.create(`${this.#deps.runsDir}/${id}.ndjson`);
      const broadcaster = new Broadcaster({
        ringSize: this.#deps.ringSize,
        ringBytes: this.#deps.ringBytes,
        log,
        counters: this.#metrics,
      });
      run = new Run(id, spec, this.#deps, broadcaster, this.#metrics);
      this.#runs.set(id, run);
    } finally {
      this.#starting--;
    }
    this.#metrics.runsStarted++;
    run.start();
    void run.done.then(() => this.#prune());
    return run;
  }

  /** The run `id`; unknown ids get a 404. */
  get(id: string): Run {
    const run = this.#runs.get(id);
    if (!run) throw new NotFoundError(`Unknown run ${JSON.stringify(id)}`);
    return run;
  }

  /** Every retained run, oldest first. */
  list(): Run[] {
    return [...this.#runs.values()];
  }

  /** Runs by state. */
  counts(): RunCounts {
    const counts: RunCounts = { running: 0, stopped: 0, finished: 0, failed: 0 };
    for (const r of this.#runs.values()) counts[r.state]++;
    return counts;
  }

  /** Stops run `id` (a no-op for an ended run) and waits until its log is flushed. */
  async stop(id: string): Promise<Run> {
    const run = this.get(id);
    await run.stop();
    return run;
  }

  /** Stops every run, flushes every log; new runs are refused from now on. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    await Promise.all([...this.#runs.values()].map((r) => r.stop()));
  }

  #prune(): void {
    const ended = [...this.#runs.values()].filter((r) => r.state !== "running");
    for (let i = 0; i < ended.length - this.#deps.maxRetainedRuns; i++) {
      this.#runs.delete(ended[i].id);
    }
  }
}
