/**
 * Helpers of the server benchmarks (`server`, `abuse`): the server as a child process (`cli/serve.ts`,
 * so its CPU and memory are its own), JSON calls, and its `/metrics` CPU and memory.
 *
 * @module
 */

/** A server child process. */
export interface ServerChild {
  /** The process. */
  child: Deno.ChildProcess;
  /** Its base URL. */
  url: string;
  /** Resolves when its stderr is drained (after it exits). */
  drained: Promise<void>;
  /** Stops it (SIGTERM) and waits. */
  stop(): Promise<void>;
}

/** Starts `cli/serve.ts --port 0 --runs-dir runsDir ...extra` and waits until it listens. */
export async function startChild(runsDir: string, extra: string[] = []): Promise<ServerChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli/serve.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--runs-dir",
      runsDir,
      ...extra,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      // Keep draining stderr so the child never blocks on a full pipe.
      const drained = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.trim()) console.error(`[server] ${value.trimEnd()}`);
        }
      })();
      const stop = async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        await child.status;
        await drained;
      };
      return { child, url: m[1], drained, stop };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${text}`);
    text += value;
  }
}

/** GET/POST `url` and parse the JSON answer; throws on an error status. */
export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${body.error}`);
  return body as T;
}

/** CPU seconds and resident bytes of the server, from its `/metrics`. */
export interface Sample {
  /** performance.now() of the sample. */
  t: number;
  /** process_cpu_seconds_total. */
  cpuS: number;
  /** process_resident_memory_bytes. */
  rssB: number;
}

/** Reads one {@linkcode Sample}. */
export async function metricsSample(url: string): Promise<Sample> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    t: performance.now(),
    cpuS: value("process_cpu_seconds_total"),
    rssB: value("process_resident_memory_bytes"),
  };
}

/** The fields of a run status the benchmarks read. */
export interface RunStatusLite {
  /** Run id. */
  id: string;
  /** State. */
  state: string;
  /** Ticks. */
  tick: number;
  /** Last seq. */
  lastSeq: number;
  /** Step length, s. */
  dtS: number | null;
  /** Measured ticks/s. */
  tickRate: number;
  /** Log file name. */
  log: string;
}

/** Starts a run. */
export async function startRun(url: string, body: Record<string, unknown>): Promise<RunStatusLite> {
  return await json<RunStatusLite>(`${url}/api/runs`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Polls until run `id` has ended. */
export async function waitEnded(url: string, id: string): Promise<RunStatusLite> {
  for (;;) {
    const s = await json<RunStatusLite>(`${url}/api/runs/${id}`);
    if (s.state !== "running") return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads an environment variable, or undefined without permission. */
export function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
