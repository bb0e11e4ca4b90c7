/**
 * `deno task serve [--port 8787] [--host 127.0.0.1] [--token T] [--runs-dir .runs] [--max-runs 4] ...`:
 * the telemetry server and its dashboard (every flag and its default: `USAGE` below, or `--help`). The
 * token may also come from `FLEETKD_TOKEN`; binding a non-loopback host without one is refused.
 * SIGINT/SIGTERM stop every run, flush the logs and exit 0. A port that is busy or cannot be bound
 * (privileged, an address not on this machine) ends with a one-line message naming the address and exit
 * code 1; bad flags exit 2.
 *
 * @example
 * ```ts
 * import { parseServeArgs } from "./serve.ts";
 * const options = parseServeArgs(["--port", "9000"], {});
 * console.assert(options?.port === 9000 && options?.host === "127.0.0.1");
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startServer, type StartServerOptions } from "../server/start_server.ts";
import { bytesFlag, CliError, CliFailure, intFlag, runCli, secondsFlag } from "./cli_util.ts";

export { startServer };
export type { RunningServer, StartServerOptions } from "../server/start_server.ts";
import type { RunningServer } from "../server/start_server.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task serve [options]

  --port N        TCP port (default 8787; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1)
  --token T       bearer token for control endpoints (or FLEETKD_TOKEN); required off loopback
  --runs-dir DIR  folder of the per-run NDJSON telemetry logs (default .runs)
  --sweeps-dir D  artifact directory whose sweeps /sweep shows (default runs/sweep)
  --max-runs N    runs allowed at once (default 4)
  --allow-host H  host name clients may use besides loopback (Host check); repeatable
Limits (sizes take an optional k/m/g suffix, binary):
  --max-run-ticks N            ticks of one run (default 1000000)
  --max-run-seconds S          wall-clock seconds of one run (default 21600)
  --max-run-log-bytes B        log of one run (default 256m)
  --retain-runs N              ended runs kept, logs included (default 64)
  --retain-bytes B             run files kept on disk (default 2g; >= max-runs x max-run-log-bytes)
  --max-streams N              open telemetry streams (default 1024)
  --max-streams-per-client N   open telemetry streams per client address (default 64)
  --send-buffer-bytes B        bytes queued per stream connection (default 256k)
  --send-budget-bytes B        bytes held for all stream clients (+96k per stalled one); the ones stalled longest are cut (default 64m)
  --slow-consumer-seconds S    cut off a stream client that takes nothing this long (default 30)
  --header-timeout-seconds S   time for a connection's request head (default 10)
  --idle-timeout-seconds S     close connections idle this long (default 60)
  --max-connections N          open connections (default 4096)
  --no-conn-guard              serve straight from Deno.serve: no header/idle timeouts, no connection cap
  --help          this text`;

/**
 * Validates the listening flags shared by `serve` and `simulate --serve` (port in [0, 65535], a
 * non-empty host) before any work starts.
 *
 * @example
 * ```ts
 * import { listenFlags } from "./serve.ts";
 * console.assert(listenFlags({ port: "0" }).port === 0);
 * ```
 */
export function listenFlags(
  flags: { port?: string; host?: string },
): { port: number; host: string } {
  if (flags.host !== undefined && flags.host.trim() === "") {
    throw new CliError(`flag --host must be an address, got "${flags.host}"`);
  }
  return { port: intFlag("port", flags.port, 0, 65535) ?? 8787, host: flags.host ?? "127.0.0.1" };
}

/**
 * Fails early, before a long job that ends by serving (`simulate --serve`), when the address cannot be
 * bound now: binds it and lets it go (port 0 always can). The same {@linkcode CliFailure} as
 * {@linkcode startServerCli}; the port may still be taken in between.
 *
 * @example
 * ```ts
 * import { checkCanListen } from "./serve.ts";
 * checkCanListen({ host: "127.0.0.1", port: 0 });
 * ```
 */
export function checkCanListen(options: { host: string; port: number }): void {
  if (options.port === 0) return;
  try {
    Deno.listen({ hostname: options.host, port: options.port }).close();
  } catch (e) {
    throw bindFailure(e, `${options.host}:${options.port}`) ?? e;
  }
}

/** A CliFailure for an error of binding `where`, or undefined when it is another error. */
function bindFailure(e: unknown, where: string): CliFailure | undefined {
  const hint = e instanceof Deno.errors.AddrInUse
    ? "another process is listening there; stop it or pick another --port (0 picks a free one)"
    : e instanceof Deno.errors.PermissionDenied
    ? "not allowed (ports below 1024 need privileges); pick another --port"
    : e instanceof Deno.errors.AddrNotAvailable
    ? "that address is not on this machine; check --host"
    : undefined;
  if (hint === undefined) return undefined;
  return new CliFailure(`cannot listen on ${where}: ${(e as Error).message}; ${hint}`, {
    cause: e,
  });
}

/**
 * {@linkcode startServer} for the command line: its option checks (e.g. an open bind without a token)
 * become {@linkcode CliError}s (exit 2), and a port that is busy or cannot be bound a
 * {@linkcode CliFailure} naming the address (exit 1), instead of a stack trace.
 *
 * @example
 * ```ts
 * import { startServerCli } from "./serve.ts";
 * const server = await startServerCli({ port: 0, deps: { runsDir: await Deno.makeTempDir() } });
 * await server.shutdown();
 * ```
 */
export async function startServerCli(options: StartServerOptions): Promise<RunningServer> {
  const where = `${options.host ?? "127.0.0.1"}:${options.port ?? 8787}`;
  try {
    return await startServer(options);
  } catch (e) {
    // startServer checks its options before binding and reports them as RangeErrors.
    if (e instanceof RangeError) throw new CliError(e.message);
    throw bindFailure(e, where) ?? e;
  }
}

/**
 * Parses the command line (strict: unknown flags are errors) into {@linkcode StartServerOptions};
 * `env` supplies `FLEETKD_TOKEN`. Returns undefined for `--help`.
 *
 * @example
 * ```ts
 * import { parseServeArgs } from "./serve.ts";
 * const o = parseServeArgs(["--host", "0.0.0.0"], { FLEETKD_TOKEN: "abc" });
 * console.assert(o?.token === "abc");
 * ```
 */
export function parseServeArgs(
  args: string[],
  env: Record<string, string | undefined>,
): StartServerOptions | undefined {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      "runs-dir": { type: "string" },
      "sweeps-dir": { type: "string" },
      "max-runs": { type: "string" },
      "allow-host": { type: "string", multiple: true },
      "max-run-ticks": { type: "string" },
      "max-run-seconds": { type: "string" },
      "max-run-log-bytes": { type: "string" },
      "retain-runs": { type: "string" },
      "retain-bytes": { type: "string" },
      "max-streams": { type: "string" },
      "max-streams-per-client": { type: "string" },
      "send-buffer-bytes": { type: "string" },
      "send-budget-bytes": { type: "string" },
      "slow-consumer-seconds": { type: "string" },
      "header-timeout-seconds": { type: "string" },
      "idle-timeout-seconds": { type: "string" },
      "max-connections": { type: "string" },
      "no-conn-guard": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return undefined;
  if (positionals.length > 0) {
    throw new CliError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
  }
  const token = values.token ?? (env.FLEETKD_TOKEN || undefined);
  const { port, host } = listenFlags(values);
  const maxRuns = intFlag("max-runs", values["max-runs"], 1, 1000);
  const allowHosts = values["allow-host"]?.flatMap((h) => h.split(",")).map((h) => h.trim());
  for (const h of allowHosts ?? []) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/.test(h)) {
      throw new CliError(
        `flag --allow-host must be a host name or address without a port, got "${h}"`,
      );
    }
  }
  const int = (name: string, max = 1e9) => intFlag(name, values[name as "port"], 1, max);
  const limits: Record<string, number | undefined> = {
    maxRunTicks: int("max-run-ticks", 1e12),
    maxRunWallMs: secondsFlag("max-run-seconds", values["max-run-seconds"]),
    maxRunLogBytes: bytesFlag("max-run-log-bytes", values["max-run-log-bytes"]),
    maxRetainedRuns: int("retain-runs", 1e6),
    retainedLogBytes: bytesFlag("retain-bytes", values["retain-bytes"]),
    maxStreams: int("max-streams", 1e6),
    maxStreamsPerClient: int("max-streams-per-client", 1e6),
    sendBufferBytes: bytesFlag("send-buffer-bytes", values["send-buffer-bytes"]),
    sendBudgetBytes: bytesFlag("send-budget-bytes", values["send-budget-bytes"]),
    slowConsumerMs: secondsFlag("slow-consumer-seconds", values["slow-consumer-seconds"]),
  };
  const guard: Record<string, number | undefined> = {
    headerTimeoutMs: secondsFlag("header-timeout-seconds", values["header-timeout-seconds"]),
    idleTimeoutMs: secondsFlag("idle-timeout-seconds", values["idle-timeout-seconds"]),
    maxConnections: int("max-connections", 1e6),
  };
  const given = (o: Record<string, number | undefined>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    port,
    host,
    token,
    ...given(guard),
    ...(values["no-conn-guard"] ? { connectionGuard: false } : {}),
    deps: {
      ...(values["runs-dir"] ? { runsDir: values["runs-dir"] } : {}),
      ...(values["sweeps-dir"] ? { sweepsDir: values["sweeps-dir"] } : {}),
      ...(maxRuns !== undefined ? { maxConcurrentRuns: maxRuns } : {}),
      ...(allowHosts ? { allowedHosts: allowHosts } : {}),
      ...given(limits),
    },
  };
}

if (import.meta.main) {
  await runCli("serve", async () => {
    const options = parseServeArgs(Deno.args, { FLEETKD_TOKEN: Deno.env.get("FLEETKD_TOKEN") });
    if (!options) {
      console.log(USAGE);
      return;
    }
    const server = await startServerCli({ ...options, handleSignals: true });
    await server.finished;
    Deno.exit(0);
  });
}
