/**
 * Sweep benchmark: a small study plan (toy/matching, 2 seeds x 2 methods: 2 teachers, 4 distillations,
 * 4 evaluations) run with 1 and with 2 workers, on the local pool and on BullMQ over a `redis-server`
 * this suite starts on a free loopback port (its rows are left out, saying why, when there is none).
 * Target: 2 workers at least 1.7x faster than 1, on each engine. The queue's overhead per job is the
 * 1-worker wall time minus the jobs' own run time (measured inside the worker), over the job count:
 * dispatch, result hand-back, scheduling and (local pool) process start.
 *
 * A probe measures what the machine allows, engine aside: one training process of the plan's teacher size
 * alone, then two identical ones at once (plain `deno task train` processes, no queue). Their slowdown
 * estimates what a 2-worker pool can reach on this machine: the graph's speedup divided by it (an
 * estimate: the probe's processes also pay start-up, which a pool's long-lived workers pay once).
 *
 * The runs are interleaved (local 1, local 2, Redis 1, Redis 2), `FLEETKD_BENCH_ROUNDS` times (default 1);
 * each figure is the fastest of its rounds. Run standalone with `deno run -A bench/sweep_bench.ts`.
 *
 * @example
 * ```ts ignore
 * import { run } from "./sweep_bench.ts";
 * const rows = await run();
 * console.assert(rows.some((r) => r.name.includes("2 workers")));
 * ```
 *
 * @module
 */

import type { BenchRow } from "./report.ts";
import { expandPlan, parsePlan } from "../sweep/plan.ts";
import { runPlan } from "../sweep/sweep_run.ts";

const SUITE = "sweep";
const PLAN = parsePlan({
  name: "bench",
  scenarios: ["toy/matching"],
  methods: ["kd-marl", "bc-kl-only"],
  seeds: [1, 2],
  budgets: [{ name: "small", teacherSteps: 8192, studentSteps: 4096, episodes: 50 }],
  studentSizes: [20],
  checkpointEvery: 4,
}, "bench/sweep_bench.ts");

interface Timing {
  wall: number;
  jobSeconds: number;
  jobs: number;
  /** Each job's own run time, by key. */
  perJob: Map<string, number>;
}

/**
 * The wall time `workers` workers would take on the plan's dependency graph with these job times (the
 * scheduler's order: plan order, a job once its dependencies are done): the speedup the graph allows
 * when each worker has a core of its own.
 */
export function scheduledWall(perJob: Map<string, number>, workers: number): number {
  const jobs = expandPlan(PLAN);
  const end = new Map<string, number>();
  const free = Array.from({ length: workers }, () => 0);
  const pending = [...jobs];
  while (pending.length > 0) {
    // The next job to start: the first in plan order whose dependencies end soonest.
    let best = -1;
    let bestReady = Infinity;
    for (const [i, j] of pending.entries()) {
      if (!j.deps.every((d) => end.has(d))) continue;
      const ready = Math.max(0, ...j.deps.map((d) => end.get(d)!));
      if (ready < bestReady) [best, bestReady] = [i, ready];
    }
    const job = pending.splice(best, 1)[0];
    const w = free.indexOf(Math.min(...free));
    const start = Math.max(free[w], bestReady);
    free[w] = start + (perJob.get(job.key) ?? 0);
    end.set(job.key, free[w]);
  }
  return Math.max(...free);
}

async function once(workers: number, redis?: string): Promise<Timing> {
  const root = await Deno.makeTempDir({ prefix: "sweep-bench-" });
  const workerProcs: Deno.ChildProcess[] = [];
  try {
    if (redis) {
      for (let i = 0; i < workers; i++) {
        workerProcs.push(
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              new URL("../cli/worker.ts", import.meta.url).pathname,
              "--redis",
              redis,
              "--concurrency",
              "1",
              "--out",
              root,
              // Each round uses its own queue, so no worker of another round takes its jobs.
              "--queue",
              `bench-${workers}-${root.slice(-6)}`,
            ],
            stdout: "null",
            stderr: "null",
          }).spawn(),
        );
      }
    }
    const t0 = performance.now();
    const summary = await runPlan({
      plan: PLAN,
      root,
      workers: redis ? undefined : workers,
      redis,
      queue: redis ? `bench-${workers}-${root.slice(-6)}` : undefined,
      quiet: true,
    });
    const wall = (performance.now() - t0) / 1000;
    if (summary.done !== summary.results.length || summary.failed > 0) {
      throw new Error(`bench sweep: ${summary.failed} jobs failed`);
    }
    return {
      wall,
      jobSeconds: summary.results.reduce((s, r) => s + r.seconds, 0),
      jobs: summary.results.length,
      perJob: new Map(summary.results.map((r) => [r.key, r.seconds])),
    };
  } finally {
    for (const w of workerProcs) {
      w.kill("SIGTERM");
      await w.status;
    }
    await Deno.remove(root, { recursive: true });
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | string> {
  const port = freePort();
  let proc: Deno.ChildProcess;
  try {
    proc = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (e) {
    return `no redis-server (${(e as Error).message})`;
  }
  await new Promise((r) => setTimeout(r, 300));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.status;
    },
  };
}

/** Wall seconds of `copies` identical teacher-sized training processes started at once. */
async function sideBySide(copies: number): Promise<number> {
  const root = await Deno.makeTempDir({ prefix: "fleetkd-bench-probe-" });
  try {
    const t0 = performance.now();
    const procs = Array.from({ length: copies }, (_, i) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "cli/train.ts",
          "--scenario",
          "toy/matching",
          "--steps",
          String(PLAN.budgets[0].teacherSteps),
          "--seed",
          "1",
          "--out",
          `${root}/${i}`,
          "--quiet",
        ],
        stdout: "null",
        stderr: "piped",
      }).output());
    for (const out of await Promise.all(procs)) {
      if (!out.success) {
        throw new Error(`bench sweep probe: train failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  const rounds = Number(Deno.env.get("FLEETKD_BENCH_ROUNDS") ?? "1");
  const redis = await startRedis();
  const best: Record<string, Timing> = {};
  let alone = Infinity, pair = Infinity;
  const keep = (name: string, t: Timing) => {
    if (!best[name] || t.wall < best[name].wall) best[name] = t;
    console.error(
      `bench sweep: ${name}: ${t.wall.toFixed(1)} s wall, ${t.jobSeconds.toFixed(1)} s in jobs`,
    );
  };
  try {
    for (let r = 0; r < rounds; r++) {
      alone = Math.min(alone, await sideBySide(1));
      pair = Math.min(pair, await sideBySide(2));
      console.error(
        `bench sweep: probe: one train ${alone.toFixed(1)} s, two at once ${pair.toFixed(1)} s`,
      );
      keep("local 1", await once(1));
      keep("local 2", await once(2));
      if (typeof redis !== "string") {
        keep("redis 1", await once(1, redis.url));
        keep("redis 2", await once(2, redis.url));
      }
    }
  } finally {
    if (typeof redis !== "string") await redis.stop();
  }
  const jobs = best["local 1"].jobs;
  const rows: BenchRow[] = [];
  const note =
    `${jobs} jobs (2 teachers x 8192 steps, 4 distillations x 4096, 4 evaluations x 50 episodes), best of ${rounds}`;
  const slowdown = pair / alone;
  rows.push({
    suite: SUITE,
    name: "machine probe: two identical training processes at once",
    value: pair,
    unit: "s",
    comparisonName: "one alone",
    comparison: alone,
    ratio: slowdown,
    note: `deno task train toy/matching, ${
      PLAN.budgets[0].teacherSteps
    } steps, no queue; 1.00 would be two free cores; best of ${rounds}`,
  });
  for (const engine of ["local", "redis"]) {
    const one = best[`${engine} 1`];
    const two = best[`${engine} 2`];
    if (!one || !two) {
      rows.push({
        suite: SUITE,
        name: `${engine}: 2 workers vs 1`,
        value: Number.NaN,
        unit: "x",
        note: typeof redis === "string" ? redis : "not run",
      });
      continue;
    }
    const label = engine === "local" ? "local pool" : "BullMQ on Redis";
    rows.push({
      suite: SUITE,
      name: `${label}: small plan, 2 workers`,
      value: two.wall,
      unit: "s",
      comparisonName: "1 worker",
      comparison: one.wall,
      ratio: one.wall / two.wall,
      target: ">= 1.7x faster",
      met: one.wall / two.wall >= 1.7,
      note,
    });
    const allowed = one.jobSeconds / scheduledWall(one.perJob, 2);
    rows.push({
      suite: SUITE,
      name: `${label}: speedup the job graph allows with 2 free cores`,
      value: allowed,
      unit: "x",
      note:
        "1-worker job times scheduled on 2 workers (dependencies kept); what 2 workers reach when each has a core",
    });
    rows.push({
      suite: SUITE,
      name: `${label}: speedup this machine allows with 2 workers (estimate)`,
      value: allowed / slowdown,
      unit: "x",
      comparisonName: "measured",
      comparison: one.wall / two.wall,
      ratio: (one.wall / two.wall) / (allowed / slowdown),
      note: `the graph's ${
        allowed.toFixed(2)
      }x over the probe's slowdown of two processes at once (${
        slowdown.toFixed(2)
      }x); ratio: measured over allowed`,
    });
    rows.push({
      suite: SUITE,
      name: `${label}: job run time, 2 workers vs 1`,
      value: two.jobSeconds,
      unit: "s",
      comparisonName: "1 worker",
      comparison: one.jobSeconds,
      note:
        "the jobs' own seconds summed; above 1x means the workers were short of CPU (shared machine)",
    });
    rows.push({
      suite: SUITE,
      name: `${label}: overhead per job (1 worker)`,
      value: (one.wall - one.jobSeconds) * 1000 / one.jobs,
      unit: "ms",
      note: `(wall ${one.wall.toFixed(1)} s - ${
        one.jobSeconds.toFixed(1)
      } s in jobs) / ${one.jobs}`,
    });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await run();
  console.table(rows.map((r) => ({ name: r.name, value: r.value, unit: r.unit, ratio: r.ratio })));
}
