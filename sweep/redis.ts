/**
 * The distributed engine: BullMQ queues on Redis. The sweep coordinator ({@linkcode RedisExecutor})
 * adds each job once its dependencies are done, under a BullMQ job id made from the sweep and the job's
 * key, so adding it again (a restarted sweep) is a no-op and a result is never made twice; workers
 * ({@linkcode runQueueWorker}, `deno task worker`) on any machine with a checkout and the shared
 * artifact directory take jobs and return their results as JSON through the queue.
 *
 * Faults: a worker that dies mid-job stops renewing its lock; after `lockMs` another worker's stalled
 * check puts the job back in the queue and it resumes from its last checkpoint. A job that throws is
 * retried up to the plan's `maxAttempts` and then stays failed with its error (`failedReason`); a
 * payload the worker refuses (bad kind, field or path) fails at once (`UnrecoverableError`). A job a
 * worker was asked to stop (SIGINT/SIGTERM) goes back to the queue without using up a try.
 *
 * Security: the default URL is loopback (`redis://127.0.0.1:6379`); a password or an ACL user goes in
 * the URL (`redis://user:password@host:6379/0`, `rediss://` for TLS) and is never printed; a remote
 * host without a password gets a warning; workers validate every payload before acting on it.
 *
 * @example
 * ```ts
 * import { describeRedisUrl, parseRedisUrl } from "./redis.ts";
 * const u = parseRedisUrl("redis://sweeper:s3cret@127.0.0.1:6390/2", "--redis");
 * console.assert(u.port === 6390 && u.loopback && u.password);
 * console.assert(!describeRedisUrl(u.url).includes("s3cret"));
 * ```
 *
 * @module
 */

import { Job, Queue, QueueEvents, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { executeJob, type JobMessage, JobRefused, type JobResult } from "./execute.ts";
import { JobInterrupted } from "./job_kinds.ts";
import type { Executor, JobEvents, JobOutcome } from "./scheduler.ts";
import type { SweepJob } from "./plan.ts";
import { InputError } from "../sim/input_error.ts";

/** The default Redis URL: loopback. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** The default queue name. */
export const DEFAULT_QUEUE = "fleetkd-sweep";

/** A parsed Redis URL. */
export interface RedisTarget {
  /** The URL as given. */
  url: string;
  /** Host name or address. */
  host: string;
  /** Port. */
  port: number;
  /** Whether the host is a loopback address. */
  loopback: boolean;
  /** Whether the URL carries a password. */
  password: boolean;
}

/**
 * Checks a `redis://` / `rediss://` URL from `flag`, naming it on any defect.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "./redis.ts";
 * console.assert(parseRedisUrl("redis://localhost", "--redis").port === 6379);
 * ```
 */
export function parseRedisUrl(url: string, flag: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(
      `flag ${flag} must be a URL like redis://[user:password@]host:6379[/db], got "${url}"`,
    );
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new InputError(
      `flag ${flag} must use redis:// or rediss://, got "${u.protocol}" in "${
        describeRedisUrl(url)
      }"`,
    );
  }
  const port = u.port === "" ? 6379 : Number(u.port);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (host === "") throw new InputError(`flag ${flag} names no host: "${describeRedisUrl(url)}"`);
  const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
  return { url, host, port, loopback, password: u.password !== "" };
}

/**
 * The URL with its password masked, for messages.
 *
 * @example
 * ```ts
 * import { describeRedisUrl } from "./redis.ts";
 * console.assert(describeRedisUrl("redis://u:pw@h:1") === "redis://u:***@h:1");
 * ```
 */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/**
 * Opens an ioredis client for BullMQ and checks it answers within `timeoutMs`; throws naming the
 * (masked) URL otherwise. Warns on stderr when a remote host is used without a password.
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./redis.ts";
 * const client = await connectRedis("redis://127.0.0.1:6379", "--redis");
 * client.disconnect();
 * ```
 */
export async function connectRedis(url: string, flag: string, timeoutMs = 5000): Promise<Redis> {
  const target = parseRedisUrl(url, flag);
  if (!target.loopback && !target.password) {
    console.error(
      `warning: Redis at ${target.host} is not on loopback and ${flag} carries no password; anyone who reaches it can queue jobs`,
    );
  }
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  let lastError = "";
  client.on("error", (e: Error) => lastError = e.message);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(lastError || `no answer in ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (e) {
    client.disconnect();
    throw new RedisUnreachable(
      `Cannot reach Redis at ${describeRedisUrl(url)} (${flag}): ${
        lastError || (e as Error).message
      }`,
    );
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/**
 * Redis did not answer (a user error: wrong URL, server not started, bad password).
 *
 * @example
 * ```ts
 * import { RedisUnreachable } from "./redis.ts";
 * console.assert(new RedisUnreachable("Cannot reach Redis").name === "RedisUnreachable");
 * ```
 */
export class RedisUnreachable extends Error {
  /** `message` names the masked URL and the flag. */
  constructor(message: string) {
    super(message);
    this.name = "RedisUnreachable";
  }
}

/**
 * The BullMQ job id of a sweep's job (BullMQ ids may not hold ":").
 *
 * @example
 * ```ts
 * import { bullJobId } from "./redis.ts";
 * console.assert(bullJobId("tiny", "train/toy-matching/tiny/s1") === "tiny__train/toy-matching/tiny/s1");
 * ```
 */
export function bullJobId(sweep: string, key: string): string {
  return `${sweep}__${key}`.replaceAll(":", "_");
}

/** Options of {@linkcode RedisExecutor}. */
export interface RedisExecutorOptions {
  /** Redis URL. */
  url: string;
  /** Tries per job. */
  maxAttempts: number;
  /** Queue name (default {@linkcode DEFAULT_QUEUE}). */
  queue?: string;
  /** Stops waiting: jobs stay in the queue for the next sweep run. */
  signal?: AbortSignal;
}

/**
 * The coordinator's side of the queue (see module docs).
 *
 * @example
 * ```ts ignore
 * import { RedisExecutor } from "./redis.ts";
 * const executor = await RedisExecutor.open({ url: "redis://127.0.0.1:6379", maxAttempts: 3 });
 * await executor.close();
 * ```
 */
export class RedisExecutor implements Executor {
  /** A queue takes every ready job. */
  readonly slots: number = Number.POSITIVE_INFINITY;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #clients: Redis[];
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #options: RedisExecutorOptions;

  private constructor(options: RedisExecutorOptions, clients: Redis[]) {
    this.#options = options;
    this.#clients = clients;
    const name = options.queue ?? DEFAULT_QUEUE;
    this.#queue = new Queue(name, { connection: clients[0] });
    this.#events = new QueueEvents(name, { connection: clients[1] });
    const poke = ({ jobId }: { jobId: string }) => {
      for (const w of this.#waiters.get(jobId) ?? []) w();
    };
    this.#events.on("completed", poke);
    this.#events.on("failed", poke);
    this.#events.on("active", poke);
    this.#events.on("waiting", poke);
    options.signal?.addEventListener("abort", () => {
      for (const set of this.#waiters.values()) for (const w of set) w();
    });
  }

  /** Connects (checking Redis answers) and returns the executor. */
  static async open(options: RedisExecutorOptions): Promise<RedisExecutor> {
    const a = await connectRedis(options.url, "--redis");
    const b = a.duplicate({ lazyConnect: false });
    const executor = new RedisExecutor(options, [a, b]);
    await executor.#events.waitUntilReady();
    return executor;
  }

  #wait(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Adds the job (unless its id is already queued) and waits for its final state. */
  async run(job: SweepJob, message: JobMessage, events: JobEvents): Promise<JobOutcome> {
    const id = bullJobId(message.sweep, job.key);
    const stopped = (): JobOutcome => ({
      ok: false,
      interrupted: true,
      error: "sweep stopped; the job stays in the queue for the next sweep run",
    });
    let existing = await this.#queue.getJob(id);
    if (existing && (await existing.getState()) === "failed") {
      // A new sweep run gives a failed job a fresh set of tries.
      await existing.remove();
      existing = undefined;
    }
    if (!existing) {
      await this.#queue.add(job.kind, message, {
        jobId: id,
        attempts: this.#options.maxAttempts,
        backoff: { type: "fixed", delay: 200 },
        removeOnComplete: false,
        removeOnFail: false,
      });
    }
    let started = 0;
    let failures = 0;
    for (;;) {
      if (this.#options.signal?.aborted) return stopped();
      // The state first, then the job's hash: a job loaded before the state was read may predate the
      // final transition (a busy machine saw "failed after 1 try" for a job whose second try had just
      // failed, and a completed job without its return value). Finished states are terminal, so a
      // hash read after them is final.
      const state = await this.#queue.getJobState(id);
      const j = await Job.fromId(this.#queue, id);
      if (!j) return { ok: false, error: `job "${id}" vanished from the queue` };
      if (state === "completed") {
        const r = j.returnvalue as JobResult | undefined;
        if (r?.key !== job.key) {
          return {
            ok: false,
            error: `job "${id}" returned a result for ${JSON.stringify(r?.key)}`,
          };
        }
        return { ok: true, result: r };
      }
      if (state === "failed") {
        return {
          ok: false,
          error: `failed after ${j.attemptsMade} tr${j.attemptsMade === 1 ? "y" : "ies"}: ${
            j.failedReason ?? "unknown error"
          }`,
        };
      }
      if (j.attemptsMade > failures) {
        failures = j.attemptsMade;
        events.retrying(failures, j.failedReason ?? "");
      }
      const starts = j.attemptsStarted ?? 0;
      if (state === "active" && starts !== started) {
        started = starts;
        events.running(starts);
      }
      await this.#wait(id, 1000);
    }
  }

  /** Closes the queue and its connections. */
  async close(): Promise<void> {
    await this.#events.close();
    await this.#queue.close();
    for (const c of this.#clients) c.disconnect();
  }
}

/** Options of {@linkcode runQueueWorker}. */
export interface QueueWorkerOptions {
  /** Redis URL. */
  url: string;
  /** The artifact directory. */
  root: string;
  /** Queue name (default {@linkcode DEFAULT_QUEUE}). */
  queue?: string;
  /** Lock duration (ms): a dead worker's job is taken up again after about this long (default 30000). */
  lockMs?: number;
  /** Stops the worker once its current job ends (or is interrupted). */
  signal: AbortSignal;
  /** Called with each job's outcome (logging). */
  onJob?: (
    key: string,
    outcome: "started" | "done" | "failed" | "interrupted",
    detail: string,
  ) => void;
}

/**
 * A worker with one job at a time until `signal` aborts (see module docs).
 *
 * @example
 * ```ts ignore
 * import { runQueueWorker } from "./redis.ts";
 * const stop = new AbortController();
 * await runQueueWorker({ url: "redis://127.0.0.1:6379", root: "runs/sweep", signal: stop.signal });
 * ```
 */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<void> {
  const connection = await connectRedis(options.url, "--redis");
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker(
    options.queue ?? DEFAULT_QUEUE,
    async (job, token) => {
      const key = String((job.data as { key?: unknown })?.key ?? job.id);
      options.onJob?.(key, "started", `try ${job.attemptsStarted ?? 1}`);
      try {
        const result = await executeJob(job.data, options.root);
        options.onJob?.(key, "done", `${result.seconds.toFixed(1)} s`);
        return result;
      } catch (e) {
        if (e instanceof JobRefused) {
          options.onJob?.(key, "failed", e.message);
          throw new UnrecoverableError(e.message);
        }
        if (e instanceof JobInterrupted) {
          options.onJob?.(key, "interrupted", e.message);
          await job.moveToWait(token);
          throw new WaitingError();
        }
        options.onJob?.(key, "failed", (e as Error).message);
        throw e;
      }
    },
    {
      connection,
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 5,
      // A job in hand finishes before the worker looks for more; no long poll on an empty queue.
      drainDelay: 1,
    },
  );
  worker.on("error", (e) => console.error(`worker: ${e.message}`));
  await worker.waitUntilReady();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await worker.close();
  connection.disconnect();
}
