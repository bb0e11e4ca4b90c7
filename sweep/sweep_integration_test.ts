/**
 * End to end: a tiny plan (toy/matching, a few iterations per job) on the local pool and on BullMQ with
 * two workers, one SIGKILLed mid-job; every result present exactly once and identical to the local run.
 * The Redis part starts its own `redis-server` on a free loopback port (`.ci/run` installs it) and is
 * skipped, saying why, when there is none.
 */

import assert from "node:assert/strict";
import { parsePlan, type Plan } from "./plan.ts";
import { runPlan } from "./sweep_run.ts";
import type { JobResult } from "./execute.ts";
import type { SweepStatus } from "./scheduler.ts";

const PLAN: Plan = parsePlan({
  name: "itest",
  scenarios: ["toy/matching"],
  methods: ["kd-marl", "bc-kl-only"],
  seeds: [1],
  budgets: [{ name: "tiny", teacherSteps: 2048, studentSteps: 512, episodes: 8 }],
  studentSizes: [20],
  checkpointEvery: 1,
  maxAttempts: 3,
}, "itest.json");
const TRAIN = "train/toy-matching/tiny/s1";
const JOBS = 5;

const redisServer = (() => {
  try {
    return new Deno.Command("redis-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Deterministic part of the results, by key (each key must appear once). */
async function figures(root: string): Promise<Map<string, unknown>> {
  const list = JSON.parse(await Deno.readTextFile(`${root}/itest/results.json`)) as JobResult[];
  const byKey = new Map<string, unknown>();
  for (const r of list) {
    assert.ok(!byKey.has(r.key), `result "${r.key}" counted twice`);
    byKey.set(r.key, r.figures);
  }
  assert.equal(byKey.size, JOBS);
  return byKey;
}

async function status(root: string): Promise<SweepStatus> {
  return JSON.parse(await Deno.readTextFile(`${root}/itest/sweep.json`));
}

/** Waits until the teacher job has written a checkpoint and is not finished: mid-job. */
async function midTrain(root: string): Promise<void> {
  const dir = `${root}/itest/${TRAIN}`;
  for (;;) {
    const ckpt = await Deno.stat(`${dir}/checkpoint.ckpt`).then(() => true, () => false);
    const done = await Deno.stat(`${dir}/result.json`).then(() => true, () => false);
    assert.ok(!done, "the teacher job finished before it could be killed");
    if (ckpt) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let reference: Map<string, unknown> | undefined;
const refRoot = await Deno.makeTempDir({ prefix: "sweep-ref-" });

async function referenceRun(): Promise<Map<string, unknown>> {
  if (!reference) {
    const summary = await runPlan({ plan: PLAN, root: refRoot, workers: 2, quiet: true });
    assert.equal(summary.done, JOBS);
    reference = await figures(refRoot);
  }
  return reference;
}

Deno.test("sweep, local pool: a SIGKILLed worker's job resumes from its checkpoint; same results; a rerun finds all done", async () => {
  const ref = await referenceRun();
  const root = await Deno.makeTempDir({ prefix: "sweep-local-" });
  try {
    let killed = 0;
    const summary = await runPlan({
      plan: PLAN,
      root,
      workers: 2,
      quiet: true,
      onPool: (pool) => {
        midTrain(root).then(() => {
          // Only the teacher job can run at first: one child, running it.
          const [pid] = pool.pids;
          Deno.kill(pid, "SIGKILL");
          killed = pid;
        });
      },
    });
    assert.ok(killed > 0);
    assert.equal(summary.done, JOBS);
    assert.deepEqual(await figures(root), ref);
    const train = (await status(root)).jobs.find((j) => j.key === TRAIN)!;
    assert.equal(train.attempts, 2, "the killed job ran a second time");
    // Stopping and starting again resumes: here everything is already done, nothing runs.
    const again = await runPlan({ plan: PLAN, root, workers: 2, quiet: true });
    assert.equal(again.resumed, JOBS);
    assert.deepEqual(await figures(root), ref);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sweep, local pool: a sweep stopped mid-distillation and started again resumes; same results", async () => {
  const ref = await referenceRun();
  const root = await Deno.makeTempDir({ prefix: "sweep-stop-" });
  try {
    const stop = new AbortController();
    const first = runPlan({ plan: PLAN, root, workers: 2, quiet: true, signal: stop.signal });
    const ckpt = `${root}/itest/distill/toy-matching/tiny/s1/kd-marl/x20/checkpoint.ckpt`;
    while (!(await Deno.stat(ckpt).then(() => true, () => false))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    stop.abort();
    const stopped = await first;
    assert.ok(stopped.done >= 1 && stopped.pending >= 2, JSON.stringify(stopped.status.counts));
    const resumed = await runPlan({ plan: PLAN, root, workers: 2, quiet: true });
    assert.equal(resumed.resumed, stopped.done);
    assert.equal(resumed.done, JOBS);
    assert.deepEqual(await figures(root), ref);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function startWorker(url: string, root: string, log: string[]): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli/worker.ts", import.meta.url).pathname,
      "--redis",
      url,
      "--concurrency",
      "1",
      "--out",
      root,
      "--lock-seconds",
      "2",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) log.push(decoder.decode(chunk));
  })();
  return child;
}

Deno.test({
  name:
    "sweep, BullMQ on Redis (password in the URL): 2 workers, one SIGKILLed mid-job; every result once, identical to the local pool; a failing job stops after its tries",
  ignore: !redisServer,
  async fn() {
    const ref = await referenceRun();
    const root = await Deno.makeTempDir({ prefix: "sweep-redis-" });
    const port = freePort();
    const redis = new Deno.Command("redis-server", {
      // A password, given to every client through the URL (as an ACL user:password would be).
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        "itest-pw",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const url = `redis://:itest-pw@127.0.0.1:${port}`;
    const logs: string[][] = [[], []];
    const workers: Deno.ChildProcess[] = [];
    try {
      // Redis needs a moment to listen; a wrong password is refused, naming the masked URL.
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(
        () => runPlan({ plan: PLAN, root, redis: `redis://:wrong@127.0.0.1:${port}`, quiet: true }),
        /Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(--redis\): WRONGPASS/,
      );
      workers.push(startWorker(url, root, logs[0]), startWorker(url, root, logs[1]));
      const run = runPlan({ plan: PLAN, root, redis: url, quiet: true });
      await midTrain(root);
      // The worker that took the teacher job says so on stderr.
      let victim = -1;
      while (victim < 0) {
        victim = logs.findIndex((l) => l.join("").includes(`started ${TRAIN}`));
        await new Promise((r) => setTimeout(r, 20));
      }
      workers[victim].kill("SIGKILL");
      await workers[victim].status;
      const summary = await run;
      assert.equal(summary.done, JOBS);
      assert.deepEqual(await figures(root), ref);
      const train = (await status(root)).jobs.find((j) => j.key === TRAIN)!;
      assert.equal(train.attempts, 2, "the killed job was taken up again");
      assert.ok(logs[1 - victim].join("").includes(`started ${TRAIN}`));

      // A job whose teacher is missing fails every try; it stops after maxAttempts with its error,
      // and the evaluation that needs it is blocked.
      const failing = parsePlan({
        name: "itest-fail",
        scenarios: [{ id: "toy/matching", teacher: "nowhere/model" }],
        seeds: [1],
        budgets: [{ name: "tiny", teacherSteps: 64, studentSteps: 64, episodes: 2 }],
        maxAttempts: 2,
      }, "fail.json");
      const bad = await runPlan({ plan: failing, root, redis: url, quiet: true });
      assert.equal(bad.failed, 1);
      assert.equal(bad.blocked, 1);
      const job = bad.status.jobs.find((j) => j.kind === "distill")!;
      assert.match(job.error!, /failed after 2 tries: .*nowhere\/model/);
    } finally {
      for (const w of workers) {
        try {
          w.kill("SIGTERM");
        } catch {
          // already gone
        }
        await w.status;
      }
      redis.kill("SIGTERM");
      await redis.status;
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("sweep: clean up the reference run", async () => {
  await Deno.remove(refRoot, { recursive: true });
});
