/**
 * `deno task serve [--port 8787] [--host 127.0.0.1] [--token T] [--runs-dir .runs] [--max-runs 4]`:
 * the telemetry server and its dashboard. The token may also come from `FLEETKD_TOKEN`; binding a
 * non-loopback host without one is refused. SIGINT/SIGTERM stop every run, flush the logs and exit 0.
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
import { CliError, runCli } from "./cli_util.ts";

export { startServer };
export type { RunningServer, StartServerOptions } from "../server/start_server.ts";

const USAGE = `Usage: deno task serve [options]

  --port N        TCP port (default 8787; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1)
  --token T       bearer token for control endpoints (or FLEETKD_TOKEN); required off loopback
  --runs-dir DIR  folder of the per-run NDJSON telemetry logs (default .runs)
  --sweeps-dir D  artifact directory whose sweeps /sweep shows (default runs/sweep)
  --max-runs N    runs allowed at once (default 4)
  --help          this text`;

function intFlag(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(`flag --${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return Number(value);
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
      help: { type: "boolean" },
    },
  });
  if (values.help) return undefined;
  if (positionals.length > 0) {
    throw new CliError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
  }
  const token = values.token ?? (env.FLEETKD_TOKEN || undefined);
  if (values.host === "") throw new CliError('flag --host must be an address, got ""');
  const maxRuns = intFlag("max-runs", values["max-runs"], 1, 1000);
  return {
    port: intFlag("port", values.port, 0, 65535) ?? 8787,
    host: values.host ?? "127.0.0.1",
    token,
    deps: {
      ...(values["runs-dir"] ? { runsDir: values["runs-dir"] } : {}),
      ...(values["sweeps-dir"] ? { sweepsDir: values["sweeps-dir"] } : {}),
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
    const server = await startServer({ ...options, handleSignals: true });
    await server.finished;
    Deno.exit(0);
  });
}
