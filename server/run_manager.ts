/**
 * Owns the runs: validates and starts them (at most `maxConcurrentRuns` running at once, else 429), finds
 * them (unknown id -> 404), stops them, keeps the logs within the retention policy, and on shutdown stops
 * every run and flushes every log.
 *
 * Files: each run writes `<runsDir>/<id>.ndjson` (its events) and `<id>.json` (its status, written
 * atomically when it starts and when it ends). On start-up ({@linkcode RunManager.ready}) the manager
 * restores every run whose two files it finds, so a restarted server lists and serves earlier runs; a run
 * whose status still says `running` (the server died) is listed as `failed`. Other files are left alone.
 *
 * Retention: at most `maxRetainedRuns` ended runs are kept, and before a run starts the oldest ended runs
 * are deleted (both files) until the ended runs' files plus `maxRunLogBytes` for every running run fit in
 * `retainedLogBytes`; a run's two files never pass `maxRunLogBytes` (its log is capped below it), so the
 * runs folder never holds more than `retainedLogBytes` of run files. A forgotten run's `/metrics` series
 * go with it ({@linkcode Metrics.dropRun}).
 *
 * @example
 * ```ts
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { Metrics } from "./metrics.ts";
 * const runsDir = await Deno.makeTempDir();
 * const manager = new RunManager(resolveDeps({ runsDir }), new Metrics());
 * await manager.ready;
 * const run = await manager.start({ scenario: "toy/matching", policy: "random", seed: 1, speed: "max" });
 * await manager.stop(run.id);
 * console.assert(manager.get(run.id).state === "stopped");
 * await manager.shutdown();
 * ```
 *
 * @module
 */

import { writeFileAtomic } from "../sim/atomic_write.ts";
import { Broadcaster } from "./broadcaster.ts";
import { POLICY_ALIASES } from "../catalog/mod.ts";
import { resolveScenarioId, type ServerDeps } from "./deps.ts";
import {
  BadRequestError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
} from "./errors.ts";
import type { Metrics, RunCounts } from "./metrics.ts";
import { NdjsonLog } from "./ndjson_log.ts";
import { Run, type RunRecord, type RunSpec } from "./run.ts";

/** Bytes of a run's budget kept for its status file (the log is capped at the rest). */
export const STATUS_FILE_RESERVE = 16 * 1024;

const RUN_FILE = /^(run-(\d+)-[A-Za-z0-9]+)\.ndjson$/;

/** The runs of one server. */
export class RunManager {
  readonly #deps: ServerDeps;
  readonly #metrics: Metrics;
  readonly #runs = new Map<string, Run>();
  /** Bytes of each run's status file on disk. */
  readonly #statusBytes = new Map<string, number>();
  #starting = 0;
  #counter = 0;
  #shuttingDown = false;
  #retention: Promise<void> = Promise.resolve();
  /** Status writes and retention passes after runs ended, awaited on shutdown. */
  readonly #after = new Set<Promise<void>>();
  readonly #onRead = (bytes: number) => (this.#metrics.logBytesRead += bytes);
  /** Resolves when the runs found on disk are restored. */
  readonly ready: Promise<void>;

  /**
   * A manager with the runs found in `deps.runsDir` (once {@linkcode RunManager.ready} resolves).
   *
   * @example
   * ```ts
   * import { RunManager } from "./run_manager.ts";
   * import { resolveDeps } from "./deps.ts";
   * import { Metrics } from "./metrics.ts";
   * const manager = new RunManager(resolveDeps({ runsDir: await Deno.makeTempDir() }), new Metrics());
   * await manager.ready;
   * console.assert(manager.list().length === 0);
   * ```
   */
  constructor(deps: ServerDeps, metrics: Metrics) {
    this.#deps = deps;
    this.#metrics = metrics;
    this.ready = this.#restore();
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

  /** Bytes of run files (logs and status files) the manager keeps on disk now. */
  get diskBytes(): number {
    let n = 0;
    for (const r of this.#runs.values()) {
      n += r.broadcaster.log.bytes + (this.#statusBytes.get(r.id) ?? 0);
    }
    return n;
  }

  async #restore(): Promise<void> {
    const dir = this.#deps.runsDir;
    let names: string[];
    try {
      names = [];
      for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    const found: Run[] = [];
    for (const name of names) {
      const m = RUN_FILE.exec(name);
      if (!m) continue;
      const id = m[1];
      this.#counter = Math.max(this.#counter, Number(m[2]));
      let record: RunRecord;
      let statusText: string;
      try {
        statusText = await Deno.readTextFile(`${dir}/${id}.json`);
        record = JSON.parse(statusText);
        if (record.id !== id || typeof record.scenario !== "string") continue;
      } catch {
        continue; // not a run of ours (or its status file is gone): leave it alone
      }
      try {
        const log = await NdjsonLog.open(`${dir}/${name}`, { onRead: this.#onRead });
        const broadcaster = Broadcaster.ended(log, this.#metrics);
        found.push(Run.restore(record, this.#deps, broadcaster, this.#metrics));
        this.#statusBytes.set(id, new TextEncoder().encode(statusText).length);
      } catch (e) {
        console.error(`server: cannot restore run ${id}: ${(e as Error).message}`);
      }
    }
    found.sort((a, b) => a.status().startedAt.localeCompare(b.status().startedAt));
    for (const run of found) this.#runs.set(run.id, run);
    await this.#enforceRetention(0);
  }

  /**
   * Validates `spec` against the scenarios, policies and run limits (400 naming the field), checks the
   * concurrency cap (429), makes room on disk, opens the run's log and starts it.
   */
  async start(spec: RunSpec): Promise<Run> {
    await this.ready;
    if (this.#shuttingDown) throw new ServiceUnavailableError("The server is shutting down");
    const deps = this.#deps;
    const scenarios = deps.scenarios();
    const scenarioId = resolveScenarioId(scenarios, spec.scenario);
    if (scenarioId === undefined) {
      throw new BadRequestError(
        `field "scenario" must be one of ${
          scenarios.map((s) => JSON.stringify(s.id)).join(", ")
        } (or its short name where unambiguous), got ${JSON.stringify(spec.scenario)}`,
      );
    }
    const policies = deps.policies.list(scenarioId);
    // The CLI's names work here too: "greedy" is another name of "baseline".
    const policyId = policies.some((p) => p.id === spec.policy)
      ? spec.policy
      : POLICY_ALIASES[spec.policy] ?? spec.policy;
    spec = { ...spec, scenario: scenarioId, policy: policyId };
    if (!policies.some((p) => p.id === spec.policy)) {
      throw new BadRequestError(
        `field "policy" must be one of ${
          policies.map((p) => JSON.stringify(p.id)).join(", ") || "(none)"
        } for scenario ${JSON.stringify(spec.scenario)}, got ${JSON.stringify(spec.policy)}`,
      );
    }
    if (spec.ticks !== undefined && spec.ticks > deps.maxRunTicks) {
      throw new BadRequestError(
        `field "ticks" must be <= ${deps.maxRunTicks} (the server's --max-run-ticks), got ${spec.ticks}`,
      );
    }
    const cap = deps.maxConcurrentRuns;
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
      await this.#enforceRetention(0); // #starting counts this run
      const id = `run-${++this.#counter}-${crypto.randomUUID().slice(0, 8)}`;
      const log = await NdjsonLog.create(`${deps.runsDir}/${id}.ndjson`, {
        maxBytes: deps.maxRunLogBytes - STATUS_FILE_RESERVE,
        ...(deps.logWriter ? { write: deps.logWriter } : {}),
        onRead: this.#onRead,
      });
      const broadcaster = new Broadcaster({
        ringSize: deps.ringSize,
        ringBytes: deps.ringBytes,
        log,
        counters: this.#metrics,
      });
      run = new Run(id, spec, deps, broadcaster, this.#metrics);
      this.#runs.set(id, run);
      await this.#writeStatus(run);
    } finally {
      this.#starting--;
    }
    this.#metrics.runsStarted++;
    run.start();
    const after = run.done.then(async () => {
      await this.#writeStatus(run);
      await this.#enforceRetention(0);
    }).catch(() => {}).finally(() => this.#after.delete(after));
    this.#after.add(after);
    return run;
  }

  async #writeStatus(run: Run): Promise<void> {
    const { subscribers: _s, lastSeq: _l, log: _g, ...record } = run.status();
    const text = JSON.stringify(record, null, 1) + "\n";
    try {
      await writeFileAtomic(`${this.#deps.runsDir}/${run.id}.json`, text);
      this.#statusBytes.set(run.id, new TextEncoder().encode(text).length);
    } catch (e) {
      console.error(`server: cannot write the status of run ${run.id}: ${(e as Error).message}`);
    }
  }

  /**
   * Deletes the oldest ended runs (from memory and disk) beyond `maxRetainedRuns`, and while the ended
   * runs' files plus a full budget for every running run (and `extra` about to start) exceed
   * `retainedLogBytes`. Serialised.
   */
  #enforceRetention(extra: number): Promise<void> {
    const next = this.#retention.then(async () => {
      const deps = this.#deps;
      const ended = [...this.#runs.values()].filter((r) => r.state !== "running");
      const running = this.#runs.size - ended.length + this.#starting + extra;
      let endedBytes = 0;
      for (const r of ended) {
        endedBytes += r.broadcaster.log.bytes + (this.#statusBytes.get(r.id) ?? 0);
      }
      let i = 0;
      while (
        i < ended.length &&
        (ended.length - i > deps.maxRetainedRuns ||
          endedBytes + running * deps.maxRunLogBytes > deps.retainedLogBytes)
      ) {
        const r = ended[i++];
        endedBytes -= r.broadcaster.log.bytes + (this.#statusBytes.get(r.id) ?? 0);
        this.#runs.delete(r.id);
        this.#statusBytes.delete(r.id);
        this.#metrics.dropRun(r.id);
        await r.done;
        for (const ext of [".ndjson", ".json"]) {
          await Deno.remove(`${deps.runsDir}/${r.id}${ext}`).catch(() => {});
        }
      }
    });
    this.#retention = next.catch(() => {});
    return next;
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

  /**
   * Resolves once the work that follows every ended run so far (its status file, retention) is done:
   * what a caller awaits before reading the retained runs after a run ends.
   */
  async settled(): Promise<void> {
    await Promise.all([...this.#after]);
    await this.#retention;
  }

  /** Stops every run, flushes every log and writes their status files; new runs are refused from now on. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    await this.ready.catch(() => {});
    const runs = [...this.#runs.values()];
    await Promise.all(runs.map((r) => r.stop()));
    await Promise.all([...this.#after]);
    await this.#retention;
  }
}
