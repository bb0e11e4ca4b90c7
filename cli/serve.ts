/**
 * `deno task serve [--port 8787] [--host 127.0.0.1] [--token T] [--runs-dir .runs] [--max-runs 4]`:
 * the telemetry server and its dashboard. The token may also come from `FLEETKD_TOKEN`; binding a
 * non-loopback host without one is refused. SIGINT/SIGTERM stop every run, flush the logs and exit 0.
 * A port that is busy or cannot be bound (privileged, an address not on this machine) ends with a
 * one-line message naming the address and exit code 1; bad flags exit 2.
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
import { CliError, CliFailure, runCli } from "./cli_util.ts";

export { startServer };
export type { RunningServer, StartServerOptions } from "../server/start_server.ts";
import type { RunningServer } from "../server/start_server.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task serve [options]

  --port N        TCP port (default 8787; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1)
  --token T       bearer token for control endpoints (or FLEETKD_TOKEN); required off loopback
  --runs-dir DIR  folder of the per-run NDJSON telemetry logs (default .runs)
  --max-runs N    runs allowed at once (default 4)
  --help          this text`;

function intFlag(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(`flag --${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return Number(value);
}

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
      "max-runs": { type: "string" },
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
  return {
    port,
    host,
    token,
    deps: {
      ...(values["runs-dir"] ? { runsDir: values["runs-dir"] } : {}),
      ...(maxRuns !== undefined ? { maxConcurrentRuns: maxRuns } : {}),
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
