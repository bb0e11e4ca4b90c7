/**
 * The sweep coordinator: runs an expanded plan's jobs on an {@linkcode Executor} (the local process
 * pool or BullMQ on Redis), each job once its dependencies are done, and keeps the sweep's state on disk
 * in the sweep folder:
 *
 * - `sweep.json`: every job's state (`waiting`, `queued`, `running`, `done`, `failed`, `blocked`), tries,
 *   last error and figures, rewritten atomically on every change (the dashboard's sweep page reads it);
 * - `results.json`: the finished jobs' results, one per key, in plan order.
 *
 * A job whose `<out>/result.json` already holds its result is done before anything runs, so a sweep
 * stopped and started again goes on where it stood, and a result is never counted twice: results are
 * keyed by the job's deterministic key. A job that fails its last try is `failed` with its error kept;
 * the jobs that need it are `blocked`.
 *
 * @example
 * ```ts
 * import { runSweep, type Executor } from "./scheduler.ts";
 * const root = await Deno.makeTempDir();
 * const echo: Executor = {
 *   slots: 2,
 *   run: (job, message) =>
 *     Promise.resolve({ ok: true, result: { sweep: message.sweep, key: job.key, kind: job.kind, figures: {}, seconds: 0 } }),
 *   close: () => Promise.resolve(),
 * };
 * const jobs = [
 *   { key: "a", kind: "k", deps: [], payload: { out: "s/a" } },
 *   { key: "b", kind: "k", deps: ["a"], payload: { out: "s/b" } },
 * ];
 * const summary = await runSweep({ name: "s", dir: "s", root, jobs, executor: echo, engine: "test", quiet: true });
 * console.assert(summary.done === 2 && summary.failed === 0);
 * ```
 *
 * @module
 */

import { writeFileAtomic } from "../sim/atomic_write.ts";
import { Progress } from "../distill/progress.ts";
import type { JobMessage, JobResult } from "./execute.ts";
import type { SweepJob } from "./plan.ts";

/** How one job ended on an executor. */
export type JobOutcome =
  | { ok: true; result: JobResult }
  | { ok: false; error: string; interrupted?: boolean };

/** Callbacks an executor reports through while a job is in its hands. */
export interface JobEvents {
  /** The job started running (again, on a retry). */
  running(attempt: number): void;
  /** A try failed and the job will be tried again. */
  retrying(attempt: number, error: string): void;
}

/** Where jobs run: the local pool or a queue. */
export interface Executor {
  /** Jobs to hand over at once (the pool's size; a queue takes every ready job). */
  readonly slots: number;
  /** Runs one job to its final outcome (retries are the executor's). */
  run(job: SweepJob, message: JobMessage, events: JobEvents): Promise<JobOutcome>;
  /** Releases processes and connections. */
  close(): Promise<void>;
}

/** A job's state in `sweep.json`. */
export type JobState = "waiting" | "queued" | "running" | "done" | "failed" | "blocked";

/** One job in `sweep.json`. */
export interface JobStatus {
  /** Key. */
  key: string;
  /** Kind. */
  kind: string;
  /** Dependencies. */
  deps: string[];
  /** State. */
  state: JobState;
  /** Tries started in this sweep run. */
  attempts: number;
  /** Last error (failed and retried jobs). */
  error?: string;
  /** Figures (done jobs). */
  figures?: Record<string, unknown>;
  /** Seconds of the run that produced the result (0: found on disk). */
  seconds?: number;
}

/** The sweep's state file. */
export interface SweepStatus {
  /** Sweep name. */
  name: string;
  /** `"local"` or `"redis"`. */
  engine: string;
  /** ISO time this sweep run started. */
  started: string;
  /** ISO time of the last change. */
  updated: string;
  /** Whether the sweep run is over. */
  finished: boolean;
  /** Jobs per state. */
  counts: Record<JobState, number>;
  /** Every job, in plan order. */
  jobs: JobStatus[];
}

/** Options of {@linkcode runSweep}. */
export interface SweepOptions {
  /** Sweep name. */
  name: string;
  /** The sweep's folder, relative to `root`. */
  dir: string;
  /** The artifact directory. */
  root: string;
  /** The expanded plan. */
  jobs: SweepJob[];
  /** Where jobs run. */
  executor: Executor;
  /** Engine name for the status file. */
  engine: string;
  /** No progress bar. */
  quiet?: boolean;
  /** Aborting stops handing out jobs; running ones end as their executor decides. */
  signal?: AbortSignal;
}

/** What {@linkcode runSweep} returns. */
export interface SweepSummary {
  /** Jobs done (including those found done on disk). */
  done: number;
  /** Jobs failed after their last try. */
  failed: number;
  /** Jobs not run because a dependency failed. */
  blocked: number;
  /** Jobs not finished because the sweep was stopped. */
  pending: number;
  /** Jobs whose result was already on disk. */
  resumed: number;
  /** The results, in plan order. */
  results: JobResult[];
  /** The final status. */
  status: SweepStatus;
}

const STATES: JobState[] = ["waiting", "queued", "running", "done", "failed", "blocked"];

async function storedResult(
  root: string,
  sweep: string,
  job: SweepJob,
): Promise<JobResult | undefined> {
  const out = job.payload.out;
  if (typeof out !== "string") return undefined;
  const stored = await Deno.readTextFile(`${root}/${out}/result.json`).then(
    JSON.parse,
    () => undefined,
  );
  return stored?.key === job.key && stored?.sweep === sweep && stored?.kind === job.kind
    ? stored as JobResult
    : undefined;
}

/**
 * Runs a sweep to the end (or until `signal` aborts); see module docs.
 *
 * @example
 * ```ts
 * import { runSweep } from "./scheduler.ts";
 * const root = await Deno.makeTempDir();
 * const summary = await runSweep({
 *   name: "s", dir: "s", root, engine: "test", quiet: true,
 *   jobs: [{ key: "a", kind: "k", deps: [], payload: { out: "s/a" } }],
 *   executor: {
 *     slots: 1,
 *     run: () => Promise.resolve({ ok: false, error: "no" }),
 *     close: () => Promise.resolve(),
 *   },
 * });
 * console.assert(summary.failed === 1);
 * ```
 */
export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const { jobs, executor, root, name } = options;
  const dir = `${root}/${options.dir}`;
  await Deno.mkdir(dir, { recursive: true });
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const status = new Map<string, JobStatus>(
    jobs.map((
      j,
    ) => [j.key, { key: j.key, kind: j.kind, deps: j.deps, state: "waiting", attempts: 0 }]),
  );
  const results = new Map<string, JobResult>();
  let resumed = 0;
  for (const job of jobs) {
    const stored = await storedResult(root, name, job);
    if (stored) {
      results.set(job.key, stored);
      Object.assign(status.get(job.key)!, { state: "done", figures: stored.figures, seconds: 0 });
      resumed++;
    }
  }
  const started = new Date().toISOString();
  const progress = new Progress(`sweep ${name}`, jobs.length, "jobs", options.quiet);
  const snapshot = (finished: boolean): SweepStatus => {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const s of status.values()) counts[s.state]++;
    return {
      name,
      engine: options.engine,
      started,
      updated: new Date().toISOString(),
      finished,
      counts,
      jobs: jobs.map((j) => status.get(j.key)!),
    };
  };
  // Writes are serialised and coalesced: the latest state always lands, atomically.
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  const persist = (finished = false): Promise<void> => {
    dirty = true;
    writing = writing.then(async () => {
      if (!dirty && !finished) return;
      dirty = false;
      const snap = snapshot(finished);
      await writeFileAtomic(`${dir}/sweep.json`, JSON.stringify(snap, null, 2) + "\n");
      const list = jobs.filter((j) => results.has(j.key)).map((j) => results.get(j.key)!);
      await writeFileAtomic(`${dir}/results.json`, JSON.stringify(list, null, 2) + "\n");
    });
    return writing;
  };
  const show = () => {
    const c = snapshot(false).counts;
    progress.update(c.done, {
      running: c.running,
      queued: c.queued,
      failed: c.failed,
      ...(c.blocked ? { blocked: c.blocked } : {}),
    });
  };
  const set = (key: string, patch: Partial<JobStatus>) => {
    Object.assign(status.get(key)!, patch);
    show();
    persist();
  };
  // Jobs whose dependencies failed are blocked, transitively.
  const block = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const s of status.values()) {
        if (s.state !== "waiting") continue;
        const bad = s.deps.find((d) => ["failed", "blocked"].includes(status.get(d)!.state));
        if (bad) {
          s.state = "blocked";
          s.error = `dependency "${bad}" ${status.get(bad)!.state}`;
          changed = true;
        }
      }
    }
  };
  block();
  show();
  await persist();
  let inFlight = 0;
  let wake: () => void = () => {};
  const running = new Set<Promise<void>>();
  const launch = (job: SweepJob) => {
    inFlight++;
    set(job.key, { state: "queued" });
    const message: JobMessage = {
      v: 1,
      sweep: name,
      key: job.key,
      kind: job.kind,
      payload: job.payload,
    };
    const events = {
      running: (attempt: number) => set(job.key, { state: "running", attempts: attempt }),
      retrying: (attempt: number, error: string) =>
        set(job.key, { state: "queued", attempts: attempt, error }),
    };
    const p = executor.run(job, message, events).then(
      (outcome) => outcome,
      (e): JobOutcome => ({ ok: false, error: (e as Error).message ?? String(e) }),
    ).then((outcome) => {
      inFlight--;
      if (outcome.ok) {
        // Keyed by the job: a second report of the same job replaces nothing.
        if (!results.has(job.key)) results.set(job.key, outcome.result);
        const r = results.get(job.key)!;
        set(job.key, { state: "done", figures: r.figures, seconds: r.seconds, error: undefined });
      } else if (outcome.interrupted) {
        set(job.key, { state: "waiting", error: outcome.error });
      } else {
        set(job.key, { state: "failed", error: outcome.error });
        block();
      }
      running.delete(p);
      wake();
    });
    running.add(p);
  };
  const stop = options.signal;
  while (!stop?.aborted) {
    const ready = jobs.filter((j) =>
      status.get(j.key)!.state === "waiting" &&
      j.deps.every((d) => status.get(d)?.state === "done" || !byKey.has(d))
    );
    for (const job of ready) {
      if (inFlight >= executor.slots) break;
      launch(job);
    }
    if (inFlight === 0) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      stop?.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  await Promise.all(running);
  show();
  progress.stop();
  await persist(true);
  const final = snapshot(true);
  return {
    done: final.counts.done,
    failed: final.counts.failed,
    blocked: final.counts.blocked,
    pending: final.counts.waiting + final.counts.queued + final.counts.running,
    resumed,
    results: jobs.filter((j) => results.has(j.key)).map((j) => results.get(j.key)!),
    status: final,
  };
}
