import assert from "node:assert/strict";
import { type Executor, type JobOutcome, runSweep } from "./scheduler.ts";
import type { SweepJob } from "./plan.ts";
import type { JobMessage } from "./execute.ts";

const JOBS: SweepJob[] = [
  { key: "train/a", kind: "train", deps: [], payload: { out: "s/train/a" } },
  { key: "distill/a", kind: "distill", deps: ["train/a"], payload: { out: "s/distill/a" } },
  {
    key: "evaluate/a",
    kind: "evaluate",
    deps: ["train/a", "distill/a"],
    payload: { out: "s/eval/a" },
  },
  { key: "train/b", kind: "train", deps: [], payload: { out: "s/train/b" } },
  { key: "distill/b", kind: "distill", deps: ["train/b"], payload: { out: "s/distill/b" } },
  {
    key: "evaluate/b",
    kind: "evaluate",
    deps: ["train/b", "distill/b"],
    payload: { out: "s/eval/b" },
  },
];

/** Records the order jobs start and end in; fails the keys in `failing`; `slots` at once. */
class FakeExecutor implements Executor {
  readonly log: string[] = [];
  running = 0;
  maxRunning = 0;
  constructor(readonly slots: number, readonly failing = new Set<string>()) {}
  async run(job: SweepJob, message: JobMessage): Promise<JobOutcome> {
    this.log.push(`start ${job.key}`);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
    this.log.push(`end ${job.key}`);
    if (this.failing.has(job.key)) return { ok: false, error: `boom in ${job.key}` };
    return {
      ok: true,
      result: {
        sweep: message.sweep,
        key: job.key,
        kind: job.kind,
        figures: { n: job.key },
        seconds: 1,
      },
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("runSweep: a job starts only after all its dependencies ended, within the executor's slots", async () => {
  const root = await Deno.makeTempDir();
  try {
    const ex = new FakeExecutor(2);
    const s = await runSweep({
      name: "s",
      dir: "s",
      root,
      jobs: JOBS,
      executor: ex,
      engine: "fake",
      quiet: true,
    });
    assert.equal(s.done, 6);
    assert.ok(ex.maxRunning <= 2 && ex.maxRunning === 2);
    for (const job of JOBS) {
      const start = ex.log.indexOf(`start ${job.key}`);
      for (const d of job.deps) {
        assert.ok(ex.log.indexOf(`end ${d}`) < start, `${job.key} after ${d}`);
      }
    }
    const results = JSON.parse(await Deno.readTextFile(`${root}/s/results.json`));
    assert.deepEqual(results.map((r: { key: string }) => r.key), JOBS.map((j) => j.key));
    const status = JSON.parse(await Deno.readTextFile(`${root}/s/sweep.json`));
    assert.equal(status.finished, true);
    assert.equal(status.counts.done, 6);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runSweep: a failed job keeps its error and blocks what needs it; the rest runs", async () => {
  const root = await Deno.makeTempDir();
  try {
    const ex = new FakeExecutor(4, new Set(["distill/a"]));
    const s = await runSweep({
      name: "s",
      dir: "s",
      root,
      jobs: JOBS,
      executor: ex,
      engine: "fake",
      quiet: true,
    });
    assert.deepEqual([s.done, s.failed, s.blocked], [4, 1, 1]);
    const byKey = new Map(s.status.jobs.map((j) => [j.key, j]));
    assert.equal(byKey.get("distill/a")!.error, "boom in distill/a");
    assert.equal(byKey.get("evaluate/a")!.state, "blocked");
    assert.match(byKey.get("evaluate/a")!.error!, /dependency "distill\/a" failed/);
    assert.ok(!ex.log.includes("start evaluate/a"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runSweep: results already on disk are done before anything runs (a restarted sweep resumes)", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const key of ["train/a", "distill/a"]) {
      const job = JOBS.find((j) => j.key === key)!;
      await Deno.mkdir(`${root}/${job.payload.out}`, { recursive: true });
      await Deno.writeTextFile(
        `${root}/${job.payload.out}/result.json`,
        JSON.stringify({ sweep: "s", key, kind: job.kind, figures: { stored: true }, seconds: 3 }),
      );
    }
    // A result of another sweep in the same folder is not this job's.
    await Deno.mkdir(`${root}/s/train/b`, { recursive: true });
    await Deno.writeTextFile(
      `${root}/s/train/b/result.json`,
      JSON.stringify({ sweep: "other", key: "train/b", kind: "train", figures: {}, seconds: 1 }),
    );
    const ex = new FakeExecutor(2);
    const s = await runSweep({
      name: "s",
      dir: "s",
      root,
      jobs: JOBS,
      executor: ex,
      engine: "fake",
      quiet: true,
    });
    assert.equal(s.resumed, 2);
    assert.equal(s.done, 6);
    assert.ok(!ex.log.includes("start train/a") && !ex.log.includes("start distill/a"));
    assert.ok(ex.log.includes("start train/b"));
    assert.deepEqual(s.results.find((r) => r.key === "distill/a")!.figures, { stored: true });
    assert.equal(new Set(s.results.map((r) => r.key)).size, 6);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runSweep: aborting hands out no more jobs; what is left is pending", async () => {
  const root = await Deno.makeTempDir();
  try {
    const stop = new AbortController();
    const ex = new FakeExecutor(1);
    const original = ex.run.bind(ex);
    ex.run = async (job: SweepJob, message: JobMessage) => {
      const r = await original(job, message);
      stop.abort();
      return r;
    };
    const s = await runSweep({
      name: "s",
      dir: "s",
      root,
      jobs: JOBS,
      executor: ex,
      engine: "fake",
      quiet: true,
      signal: stop.signal,
    });
    assert.equal(s.done, 1);
    assert.equal(s.pending, 5);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
