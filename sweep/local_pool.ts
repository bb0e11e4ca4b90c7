/**
 * The embedded engine: a pool of local worker processes (`sweep/pool_child.ts`, default one per core)
 * that run jobs exactly as a BullMQ worker does (`executeJob`), with no server to start. Each child
 * takes one job at a time over its stdin and answers on stdout. A child that dies mid-job (SIGKILL, out
 * of memory) is replaced and its job tried again, resuming from the job's last checkpoint; a job that
 * fails `maxAttempts` times is failed with its last error; a refused payload is not retried.
 *
 * Children's stderr goes to `<log dir>/pool-<n>.log`.
 *
 * @example
 * ```ts
 * import { LocalPool } from "./local_pool.ts";
 * const root = await Deno.makeTempDir();
 * const pool = new LocalPool({ root, size: 1, maxAttempts: 2, logDir: root });
 * const outcome = await pool.run(
 *   { key: "bad", kind: "nope", deps: [], payload: {} },
 *   { v: 1, sweep: "doc", key: "bad", kind: "nope", payload: {} },
 *   { running() {}, retrying() {} },
 * );
 * console.assert(!outcome.ok);
 * await pool.close();
 * ```
 *
 * @module
 */

import { availableParallelism } from "node:os";
import type { Executor, JobEvents, JobOutcome } from "./scheduler.ts";
import type { JobMessage } from "./execute.ts";
import type { SweepJob } from "./plan.ts";

/** The line prefix a pool child answers with (other stdout lines are ignored). */
export const POOL_REPLY = "@fleetkd-sweep ";

/** Options of {@linkcode LocalPool}. */
export interface LocalPoolOptions {
  /** The artifact directory. */
  root: string;
  /** Worker processes (default: one per core). */
  size?: number;
  /** Tries per job. */
  maxAttempts: number;
  /** Folder for the children's stderr logs. */
  logDir: string;
}

/** A pool child's reply. */
interface Reply {
  key: string;
  ok: boolean;
  result?: unknown;
  error?: string;
  refused?: boolean;
  interrupted?: boolean;
}

class Child {
  readonly process: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #pending?: (reply: Reply | undefined) => void;
  #log: Deno.FsFile;

  constructor(root: string, logPath: string) {
    this.#log = Deno.openSync(logPath, { create: true, append: true });
    this.process = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./pool_child.ts", import.meta.url).pathname, "--out", root],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.process.stdin.getWriter();
    this.process.stderr.pipeTo(this.#log.writable).catch(() => {});
    this.exited = this.process.status;
    this.#read();
    this.exited.then(() => {
      this.#pending?.(undefined);
      this.#pending = undefined;
    });
  }

  async #read(): Promise<void> {
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.process.stdout) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith(POOL_REPLY)) continue;
          const reply = JSON.parse(line.slice(POOL_REPLY.length)) as Reply;
          const pending = this.#pending;
          this.#pending = undefined;
          pending?.(reply);
        }
      }
    } catch {
      // The child died; `exited` settles the pending job.
    }
  }

  /** Sends a job; resolves with the reply, or undefined when the child dies first. */
  async send(message: JobMessage): Promise<Reply | undefined> {
    const reply = new Promise<Reply | undefined>((resolve) => this.#pending = resolve);
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
    } catch {
      return undefined;
    }
    return await reply;
  }

  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch {
      // already gone
    }
    await this.exited;
  }
}

/**
 * The local process pool (see module docs).
 *
 * @example
 * ```ts
 * import { LocalPool } from "./local_pool.ts";
 * const root = await Deno.makeTempDir();
 * const pool = new LocalPool({ root, size: 2, maxAttempts: 3, logDir: root });
 * console.assert(pool.slots === 2 && pool.pids.length === 0);
 * await pool.close();
 * ```
 */
export class LocalPool implements Executor {
  /** Number of processes. */
  readonly slots: number;
  readonly #options: LocalPoolOptions;
  readonly #idle: Child[] = [];
  readonly #all = new Set<Child>();
  #spawned = 0;
  #closed = false;
  #stopping = false;

  /** Starts nothing yet: processes are spawned on first use. */
  constructor(options: LocalPoolOptions) {
    this.#options = options;
    this.slots = Math.max(1, options.size ?? availableParallelism());
  }

  /** The process ids of the children alive now (tests SIGKILL one). */
  get pids(): number[] {
    return [...this.#all].map((c) => c.process.pid);
  }

  #take(): Child {
    const child = this.#idle.pop();
    if (child) return child;
    const c = new Child(this.#options.root, `${this.#options.logDir}/pool-${this.#spawned++}.log`);
    this.#all.add(c);
    c.exited.then(() => this.#all.delete(c));
    return c;
  }

  /** Runs one job to its final outcome, retrying on a child's death or a failure. */
  async run(job: SweepJob, message: JobMessage, events: JobEvents): Promise<JobOutcome> {
    let lastError = "";
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      if (this.#closed || this.#stopping) {
        return { ok: false, error: "sweep stopped before the job ended", interrupted: true };
      }
      if (attempt > 1) events.retrying(attempt - 1, lastError);
      const child = this.#take();
      events.running(attempt);
      const reply = await child.send(message);
      if (reply === undefined) {
        const st = await child.exited;
        if (this.#stopping) {
          return { ok: false, error: "sweep stopped before the job ended", interrupted: true };
        }
        lastError = `worker process ${child.process.pid} died mid-job (${
          st.signal ? `signal ${st.signal}` : `exit code ${st.code}`
        })`;
        continue;
      }
      this.#idle.push(child);
      if (reply.key !== job.key) {
        lastError = `worker answered for job "${reply.key}" instead of "${job.key}"`;
        continue;
      }
      if (reply.ok) return { ok: true, result: reply.result as never };
      if (reply.interrupted) return { ok: false, error: reply.error!, interrupted: true };
      lastError = reply.error ?? "unknown error";
      if (reply.refused) return { ok: false, error: lastError };
    }
    return {
      ok: false,
      error: `failed ${this.#options.maxAttempts} tries; last error: ${lastError}`,
    };
  }

  /** Sends SIGINT to every child: their jobs checkpoint and answer "interrupted". */
  interrupt(): void {
    this.#stopping = true;
    for (const c of this.#all) {
      try {
        c.process.kill("SIGINT");
      } catch {
        // already gone
      }
    }
  }

  /** Ends every child (their stdin closes, they exit). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#all].map((c) => c.close()));
  }
}
