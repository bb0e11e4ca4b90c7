/**
 * Shared command-line plumbing: a `CliError` for bad flags (printed without a stack trace, exit code 2)
 * and `runCli`, which maps errors to exit codes and messages.
 *
 * @example
 * ```ts
 * import { CliError, runCli } from "./cli_util.ts";
 * await runCli("demo", () => {
 *   if (Deno.args.includes("--bad")) throw new CliError('flag --bad is not known');
 * });
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolveEnvId } from "../sim/env/registry.ts";

/** An error in the user's command line or input files: printed as a message, exit code 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * Runs `main`, printing `task: message` and exiting 2 for user errors, 1 for anything else. With a
 * `usage` text, `--help` or `-h` anywhere in `args` prints it and runs nothing, and a user error ends
 * with a pointer to it.
 */
export async function runCli(
  task: string,
  main: () => Promise<void> | void,
  usage?: string,
  args: readonly string[] = Deno.args,
): Promise<void> {
  if (usage && (args.includes("--help") || args.includes("-h"))) {
    console.log(usage.trim());
    return;
  }
  try {
    await main();
  } catch (e) {
    const err = e as Error & { code?: string };
    // node:util parseArgs reports unknown flags and missing values with ERR_PARSE_ARGS_* codes.
    const userError = e instanceof CliError || (err.code?.startsWith("ERR_PARSE_ARGS") ?? false) ||
      err.name === "RangeError" || err.name === "OrbitDataError" ||
      /^Cannot (load|resume)/.test(err.message);
    console.error(`${task}: ${err.message}`);
    if (!userError) console.error(err.stack);
    else if (usage) console.error(`(deno task ${task} --help lists the flags)`);
    Deno.exit(userError ? 2 : 1);
  }
}

/**
 * Parses a command line of `--scenario NAME` flags (repeatable), as `baseline` and `train-all` take,
 * plus the boolean `switches` a task allows (e.g. `dry-run`; read them from `args` once this accepted
 * it): the resolved environment ids, or undefined when none was given (meaning "all").
 */
export function scenarioListFlag(
  args: string[],
  switches: readonly string[] = [],
): string[] | undefined {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string", multiple: true },
      ...Object.fromEntries(switches.map((name) => [name, { type: "boolean" as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  return (values.scenario as string[] | undefined)?.map(resolveEnvId);
}
