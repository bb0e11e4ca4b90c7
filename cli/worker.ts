/**
 * `deno task worker`: runs sweep jobs from a BullMQ queue on Redis, on any machine with a checkout and
 * the shared artifact directory.
 *
 * ```sh
 * deno task worker --redis redis://127.0.0.1:6379 [--concurrency N] [--out DIR] [--queue NAME]
 *                  [--lock-seconds S]
 * ```
 *
 * Training is CPU-bound and single-threaded, so `--concurrency N` starts N worker processes with one
 * job each (default: one per core). Ctrl-C (or SIGTERM) hands each running job back to the queue at its
 * checkpoint and exits; a worker that is killed outright has its job taken up by another worker after
 * the lock expires (`--lock-seconds`, default 30).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import {
  DEFAULT_REDIS_URL,
  describeRedisUrl,
  parseRedisUrl,
  RedisUnreachable,
  runQueueWorker,
} from "../sweep/redis.ts";
import { checkWritableDir, CliError, CliFailure, intFlag, runCli } from "./cli_util.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task worker --redis URL [flags]

Takes sweep jobs (deno task sweep --redis URL) from a BullMQ queue and runs them.

  --redis URL        Redis URL (e.g. ${DEFAULT_REDIS_URL}; a password or ACL user goes in the URL:
                     redis://user:password@host:6379/0; rediss:// for TLS)
  --concurrency N    worker processes, one job each (default: one per core)
  --out DIR          the shared artifact directory (default runs/sweep; the sweep's --out)
  --queue NAME       BullMQ queue name (default fleetkd-sweep)
  --lock-seconds S   job lock: a killed worker's job is taken up again after about S s (default 30;
                     must exceed the longest training iteration)
  --help             this text
`;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      redis: { type: "string" },
      concurrency: { type: "string" },
      out: { type: "string" },
      queue: { type: "string" },
      "lock-seconds": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.redis) {
    throw new CliError(`flag --redis is required (e.g. --redis ${DEFAULT_REDIS_URL})`);
  }
  parseRedisUrl(values.redis, "--redis");
  const concurrency = intFlag("concurrency", values.concurrency, 1, 1024) ?? availableParallelism();
  const lockSeconds = intFlag("lock-seconds", values["lock-seconds"], 1, 86_400) ?? 30;
  const root = resolve(values.out ?? "runs/sweep");
  await checkWritableDir("out", root);
  const stop = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const children: Deno.ChildProcess[] = [];
  const onSignal = () => {
    stop.abort();
    for (const c of children) {
      try {
        c.kill("SIGTERM");
      } catch {
        // gone
      }
    }
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    if (concurrency > 1) {
      // One process per job slot: each runs this task with --concurrency 1; one that dies is restarted.
      const childArgs = [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--redis",
        values.redis,
        "--concurrency",
        "1",
        "--out",
        root,
        "--lock-seconds",
        String(lockSeconds),
        ...(values.queue ? ["--queue", values.queue] : []),
      ];
      const supervise = async (slot: number): Promise<void> => {
        while (!stop.signal.aborted) {
          const child = new Deno.Command(Deno.execPath(), { args: childArgs }).spawn();
          children[slot] = child;
          const status = await child.status;
          if (stop.signal.aborted) return;
          console.error(
            `worker: process ${child.pid} ended (${
              status.signal ? `signal ${status.signal}` : `exit ${status.code}`
            }); starting another`,
          );
          await new Promise((r) => setTimeout(r, 1000));
        }
      };
      console.error(
        `worker: ${concurrency} processes on ${
          describeRedisUrl(values.redis)
        }, artifacts in ${root}`,
      );
      await Promise.all(Array.from({ length: concurrency }, (_, i) => supervise(i)));
      return;
    }
    console.error(
      `worker ${Deno.pid}: taking jobs from ${
        describeRedisUrl(values.redis)
      }, artifacts in ${root}`,
    );
    await runQueueWorker({
      url: values.redis,
      root,
      queue: values.queue,
      lockMs: lockSeconds * 1000,
      signal: stop.signal,
      onJob: (key, outcome, detail) =>
        console.error(`worker ${Deno.pid}: ${outcome} ${key} (${detail})`),
    });
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

if (import.meta.main) await runCli("worker", () => userErrors(() => main(Deno.args)), USAGE);
