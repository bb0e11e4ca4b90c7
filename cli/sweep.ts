/**
 * `deno task sweep`: runs a study plan (see `sweep/plan.ts`) as train -> distill -> evaluate jobs, on a
 * local pool of worker processes (default) or on BullMQ workers over Redis (`--redis`).
 *
 * ```sh
 * deno task sweep --plan PLAN.json [--redis redis://127.0.0.1:6379] [--out DIR] [--workers N]
 *                 [--queue NAME] [--dry-run] [--quiet]
 * ```
 *
 * Writes every job's files under `DIR/<plan out>/<job key>/`, the results as `results.json` and the
 * jobs' states as `sweep.json` (the dashboard's sweep page reads it). Ctrl-C stops the sweep: local
 * jobs checkpoint, queued jobs stay queued; running the same command again resumes. Exit code 0 when
 * every job is done, 1 when one failed (its error is printed), 130 when stopped.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { expandPlan, loadPlan, sweepDir } from "../sweep/plan.ts";
import { runPlan } from "../sweep/sweep_run.ts";
import { DEFAULT_REDIS_URL, parseRedisUrl, RedisUnreachable } from "../sweep/redis.ts";
import { checkWritableDir, CliError, CliFailure, intFlag, runCli } from "./cli_util.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task sweep --plan PLAN.json [flags]

Expands a plan (scenarios x methods x seeds x budgets x student sizes) into train -> distill ->
evaluate jobs and runs them: on a local pool of worker processes, or on BullMQ workers over Redis.

  --plan FILE      the plan (JSON; README "Sweeps" documents its fields)
  --redis URL      run on BullMQ at URL, e.g. ${DEFAULT_REDIS_URL} or redis://user:pass@host:6379/0;
                   start workers with deno task worker --redis URL (default: a local pool)
  --out DIR        artifact directory every worker sees (default runs/sweep)
  --workers N      local pool size (default: one per core; not with --redis)
  --queue NAME     BullMQ queue name (default fleetkd-sweep)
  --dry-run        print the jobs and their dependencies; run nothing
  --quiet          no progress bar
  --help           this text
`;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      plan: { type: "string" },
      redis: { type: "string" },
      out: { type: "string" },
      workers: { type: "string" },
      queue: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.plan) throw new CliError("flag --plan is required (a plan file, see --help)");
  const workers = intFlag("workers", values.workers, 1, 1024);
  if (values.redis !== undefined) {
    parseRedisUrl(values.redis, "--redis");
    if (workers !== undefined) {
      throw new CliError("flag --workers sizes the local pool; with --redis start workers instead");
    }
  }
  const plan = await loadPlan(values.plan);
  const root = values.out ?? "runs/sweep";
  if (values["dry-run"]) {
    for (const job of expandPlan(plan)) {
      console.log(
        `${job.key}  (${job.kind}${job.deps.length ? `, after ${job.deps.join(", ")}` : ""})`,
      );
    }
    return;
  }
  await checkWritableDir("out", root);
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      console.error("sweep: stopping (jobs checkpoint; run the same command again to resume)");
    }
    stop.abort();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    const summary = await runPlan({
      plan,
      root,
      redis: values.redis,
      queue: values.queue,
      workers,
      quiet: values.quiet,
      signal: stop.signal,
    });
    const where = `${root}/${sweepDir(plan)}`;
    console.log(
      `sweep ${plan.name}: ${summary.done} done (${summary.resumed} found done), ${summary.failed} failed, ${summary.blocked} blocked, ${summary.pending} pending; results in ${where}/results.json`,
    );
    for (const j of summary.status.jobs) {
      if (j.state === "failed") console.log(`  failed ${j.key}: ${j.error}`);
    }
    if (stop.signal.aborted) Deno.exit(130);
    if (summary.failed > 0 || summary.blocked > 0) Deno.exit(1);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

/** A Redis that does not answer is a failure with a message, not an internal error. */
async function userErrors(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    // An unreachable server or a refused password: the command could not be carried out (exit 1).
    if (e instanceof RedisUnreachable) throw new CliFailure(e.message);
    throw e;
  }
}

if (import.meta.main) await runCli("sweep", () => userErrors(() => main(Deno.args)), USAGE);
