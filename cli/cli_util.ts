/**
 * Shared command-line plumbing: `CliError` for bad flags, `runCli` (errors to exit codes and messages,
 * never a stack trace), and every flag parser the tasks use (integers and numbers with safe ranges,
 * learning-rate schedules, on/off switches, worker counts, byte counts and durations), `--scenario` resolution (an id or a scenario file
 * path) and a check that an output folder is writable before any work starts.
 *
 * Exit codes: 0 success; 2 bad input (a flag or an input file the user can fix: any
 * {@linkcode InputError}, or an unknown flag); 1 failure (the command was valid but could not be carried
 * out: a busy port, an I/O error, an internal error). The message names the task, and for bad input
 * points at `--help`; `FLEETKD_DEBUG=1` adds the stack trace of a failure.
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
import type { EnvOptions } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { InputError } from "../sim/input_error.ts";
import { loadScenarioFile, SCENARIOS_DIR } from "../sim/fleet/scenario.ts";
import type { ScenarioEntry } from "../distill/scenario.ts";
import { defaultCatalog, scenarioFileEntry } from "../catalog/mod.ts";

export { InputError };

/**
 * An error in the user's command line: printed as a message, exit code 2.
 *
 * @example
 * ```ts
 * import { CliError } from "./cli_util.ts";
 * console.assert(new CliError("flag --x must be > 0").name === "CliError");
 * ```
 */
export class CliError extends InputError {
  /** Builds the error with its message (name the flag, the value and what is expected). */
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * A command that was valid but could not be carried out (a step failed, a port is busy): printed as
 * its message, exit code 1.
 *
 * @example
 * ```ts
 * import { CliFailure, describeCliError } from "./cli_util.ts";
 * console.assert(describeCliError(new CliFailure("port 8787 is in use")).code === 1);
 * ```
 */
export class CliFailure extends Error {
  /** Builds the failure with its message (what failed and what to do). */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliFailure";
  }
}

/** Largest seed the CLI takes (as the server): seeds are 31-bit so every tool agrees on them. */
export const MAX_SEED = 2 ** 31 - 1;
/** Largest `--steps` of `train` and `distill` (ten billion environment steps). */
export const MAX_STEPS = 10_000_000_000;
/** Largest `--episodes` of `simulate` and `evaluate`. */
export const MAX_EPISODES = 1_000_000;

/**
 * How `runCli` reports an error: the exit code (2 bad input, 1 failure) and the line to print.
 * Decided by the error's type, never by its message.
 *
 * @example
 * ```ts
 * import { CliError, describeCliError } from "./cli_util.ts";
 * console.assert(describeCliError(new CliError("flag --x: bad")).code === 2);
 * console.assert(describeCliError(new Deno.errors.AddrInUse("in use")).code === 1);
 * ```
 */
export function describeCliError(e: unknown): { code: 1 | 2; message: string; internal: boolean } {
  if (e instanceof InputError) return { code: 2, message: e.message, internal: false };
  const err = e instanceof Error ? e : new Error(String(e));
  // node:util parseArgs reports unknown flags and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return { code: 2, message: err.message, internal: false };
  }
  // Operating-system failures (permission denied, busy port, missing file, full disk) carry their cause.
  const os = Object.values(Deno.errors).some((cls) => err instanceof cls);
  if (os || err instanceof CliFailure) return { code: 1, message: err.message, internal: false };
  return {
    code: 1,
    message:
      `internal error: ${err.name}: ${err.message} (set FLEETKD_DEBUG=1 for the stack trace)`,
    internal: true,
  };
}

/**
 * Runs `main`, printing `task: message` and exiting 2 for bad input, 1 for anything else (see module
 * docs), also for a promise rejection nobody awaited. With a `usage` text, `--help` or `-h` anywhere in
 * `args` prints it and runs nothing, and a user error ends with a pointer to it.
 *
 * @example
 * ```ts
 * import { runCli } from "./cli_util.ts";
 * await runCli("demo", () => console.log("hello"), "Usage: deno task demo", ["--help"]);
 * ```
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
  const fail = (e: unknown): never => {
    const { code, message, internal } = describeCliError(e);
    console.error(`${task}: ${message}`);
    if (internal && Deno.env.get("FLEETKD_DEBUG") && e instanceof Error) console.error(e.stack);
    if (code === 2 && usage) console.error(`(deno task ${task} --help lists the flags)`);
    Deno.exit(code);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    fail(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  try {
    await main();
  } catch (e) {
    fail(e);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
}

/**
 * Parses an integer flag in `[min, max]` (underscores allowed as separators: `1_500_000`); undefined
 * when the flag is absent. Empty text, fractions, and values outside the range (`1e99`) are errors
 * naming the flag and the range.
 *
 * @example
 * ```ts
 * import { intFlag, MAX_SEED } from "./cli_util.ts";
 * console.assert(intFlag("seed", "7", 0, MAX_SEED) === 7 && intFlag("seed", undefined) === undefined);
 * ```
 */
export function intFlag(
  name: string,
  text: string | undefined,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  const v = /^\s*[+-]?[\d_.eE+-]+\s*$/.test(text) ? Number(text.replaceAll("_", "")) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new CliError(`flag --${name} must be an integer in [${min}, ${max}], got "${text}"`);
  }
  return v;
}

/**
 * Parses a finite number flag in `[min, max]` (`exclusiveMin`: above `min`); empty text is an error, not 0.
 *
 * @example
 * ```ts
 * import { numberFlag } from "./cli_util.ts";
 * console.assert(numberFlag("hours", "1.5", { min: 0, exclusiveMin: true, max: 744 }) === 1.5);
 * ```
 */
export function numberFlag(
  name: string,
  text: string,
  range: { min: number; max: number; exclusiveMin?: boolean; exclusiveMax?: boolean },
): number {
  const v = text.trim() === "" ? NaN : Number(text);
  const low = range.exclusiveMin ? v > range.min : v >= range.min;
  const high = range.exclusiveMax ? v < range.max : v <= range.max;
  if (!Number.isFinite(v) || !low || !high) {
    const interval = `${range.exclusiveMin ? "(" : "["}${range.min}, ${range.max}${
      range.exclusiveMax ? ")" : "]"
    }`;
    throw new CliError(`flag --${name} must be a number in ${interval}, got "${text}"`);
  }
  return v;
}

/** What `--scenario` names: the env id to train, evaluate or simulate, its catalog entry and a factory. */
export interface ScenarioChoice {
  /** The env id: a catalog one, or `fleet/<name>` for a scenario file. */
  envId: string;
  /** Its catalog entry (for a scenario file, an entry made from the file). */
  entry: ScenarioEntry;
  /** The scenario file, when `--scenario` was a path. */
  file?: string;
  /** Builds a fresh env (options as for the entry's `make`). */
  make: (options?: EnvOptions) => MultiAgentEnv;
}

function samePath(a: string, b: string): boolean {
  try {
    return Deno.realPathSync(a) === Deno.realPathSync(b);
  } catch {
    return false;
  }
}

/**
 * Resolves `--scenario` in the scenario catalog: an id or its short name (`leo-wildfire`, `mpe/simple_spread`), or the
 * path of a fleet scenario file ending in `.json` (its env id is `fleet/<name>`; a file that reuses a
 * shipped scenario's name is refused unless it is that shipped file). Unknown names and bad files are
 * {@linkcode InputError}s.
 *
 * @example
 * ```ts
 * import { scenarioFlag } from "./cli_util.ts";
 * console.assert(scenarioFlag("matching").envId === "toy/matching");
 * console.assert(scenarioFlag("scenarios/leo-wildfire.json").envId === "fleet/leo-wildfire");
 * ```
 */
export function scenarioFlag(text: string, flag = "scenario"): ScenarioChoice {
  const catalog = defaultCatalog();
  const choice = (entry: ScenarioEntry): ScenarioChoice => ({
    envId: entry.id,
    entry,
    ...(entry.file !== undefined ? { file: entry.file } : {}),
    make: (options) => entry.make(options),
  });
  if (text.toLowerCase().endsWith(".json")) {
    const scenario = loadScenarioFile(text);
    const envId = `fleet/${scenario.name}`;
    if (catalog.list().some((e) => e.id === envId)) {
      if (samePath(text, `${SCENARIOS_DIR}${scenario.name}.json`)) {
        return choice(catalog.get(envId));
      }
      throw new CliError(
        `flag --${flag}: "${text}" names its scenario "${scenario.name}" (field "name"), the name of a shipped scenario; rename it so its runs and models are not mistaken for the shipped one's`,
      );
    }
    return choice(scenarioFileEntry(text));
  }
  const ids = catalog.list().map((e) => e.id);
  if (!catalog.list().some((e) => e.id === text || e.name === text)) {
    throw new CliError(
      `flag --${flag}: unknown scenario "${text}"; scenarios: ${
        ids.join(", ")
      }, or the path of a fleet scenario file (*.json)`,
    );
  }
  try {
    return choice(catalog.get(text));
  } catch (e) {
    throw new CliError(`flag --${flag}: ${(e as Error).message}`); // an ambiguous short name
  }
}

/**
 * Checks, before any work starts, that files can be written into `dir` (created if missing) by writing
 * and removing a probe file; a failure is a {@linkcode CliError} naming the flag and the folder.
 *
 * @example
 * ```ts
 * import { checkWritableDir } from "./cli_util.ts";
 * await checkWritableDir("out", await Deno.makeTempDir());
 * ```
 */
export async function checkWritableDir(flag: string, dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = await Deno.makeTempFile({ dir, prefix: ".write-probe-" });
    await Deno.remove(probe);
  } catch (e) {
    throw new CliError(
      `flag --${flag}: cannot write into "${dir}" (${
        (e as Error).message
      }); choose a writable folder`,
    );
  }
}

/**
 * Checks, before any work starts, that `file` can be written: its folder is writable and `file` is not
 * a folder.
 *
 * @example
 * ```ts
 * import { checkWritableFile } from "./cli_util.ts";
 * await checkWritableFile("out", `${await Deno.makeTempDir()}/report.json`);
 * ```
 */
export async function checkWritableFile(flag: string, file: string): Promise<void> {
  const slash = file.lastIndexOf("/");
  await checkWritableDir(flag, slash >= 0 ? file.slice(0, slash) || "/" : ".");
  const info = await Deno.stat(file).catch(() => undefined);
  if (info?.isDirectory) {
    throw new CliError(`flag --${flag}: "${file}" is a folder, expected a file path`);
  }
}

/**
 * Whether to resume from `outDir/checkpoint.ckpt`: `--resume` needs the checkpoint (its absence is an
 * error, so a typo in `--out` does not silently start over), `--resume-if-present` takes it when it is
 * there (as `train-all` does). Returns whether to resume.
 *
 * @example
 * ```ts
 * import { resumeFlags } from "./cli_util.ts";
 * console.assert(await resumeFlags("train", await Deno.makeTempDir(), false, true) === false);
 * ```
 */
export async function resumeFlags(
  task: string,
  outDir: string,
  resume: boolean | undefined,
  ifPresent: boolean | undefined,
): Promise<boolean> {
  if (resume && ifPresent) {
    throw new CliError("flags --resume and --resume-if-present exclude each other; pass one");
  }
  if (!resume && !ifPresent) return false;
  const ckpt = `${outDir}/checkpoint.ckpt`;
  const info = await Deno.stat(ckpt).catch(() => undefined);
  if (info?.isFile) return true;
  if (resume) {
    throw new CliError(
      `flag --resume: no checkpoint at "${ckpt}" (check --out); drop --resume to start fresh, or pass --resume-if-present to ${task} from it only when it exists`,
    );
  }
  return false;
}

/**
 * Parses a command line of `--scenario NAME` flags (repeatable), as `baseline` and `train-all` take,
 * plus the boolean `switches` a task allows (e.g. `dry-run`; read them from `args` once this accepted
 * it): the resolved environment ids, or undefined when none was given (meaning "all").
 *
 * @example
 * ```ts
 * import { scenarioListFlag } from "./cli_util.ts";
 * console.assert(scenarioListFlag(["--scenario", "matching"])?.[0] === "toy/matching");
 * ```
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
  return (values.scenario as string[] | undefined)?.map((name) => {
    try {
      return defaultCatalog().resolve(name);
    } catch (e) {
      throw new CliError(`flag --scenario: ${(e as Error).message}`);
    }
  });
}

/** Parses `--lr START[:END]` into a learning-rate schedule. */
export function lrFlag(
  text: string | undefined,
): { learningRate: number; finalLearningRate: number } | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(":");
  const values = parts.map(Number);
  if (parts.length > 2 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new CliError(
      `flag --lr must be a learning rate > 0 or START:END (e.g. 3e-4:3e-5), got "${text}"`,
    );
  }
  return { learningRate: values[0], finalLearningRate: values[1] ?? values[0] };
}

/** Parses a number flag >= 0. */
export function nonNegativeFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new CliError(`flag --${name} must be a number >= 0, got "${text}"`);
  }
  return v;
}

/** Parses `--label-smoothing X`: the warm start's label smoothing, in [0, 1). */
export function labelSmoothingFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0 && v < 1)) {
    throw new CliError(`flag --label-smoothing must be a number in [0, 1), got "${text}"`);
  }
  return v;
}

/** Parses `--warm-start on|off`. */
export function onOffFlag(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === "on") return true;
  if (text === "off") return false;
  throw new CliError(`flag --${name} must be "on" or "off", got "${text}"`);
}

/**
 * Parses `--workers N`: an integer from 1 to `cores` (default 1); more than the machine's cores is an error
 * naming the flag and value, and so is more than one worker on a recurrent run.
 *
 * @example
 * ```ts
 * import { workersFlag } from "./cli_util.ts";
 * console.assert(workersFlag("2", 2, false) === 2 && workersFlag(undefined, 2, false) === 1);
 * ```
 */
export function workersFlag(text: string | undefined, cores: number, recurrent: boolean): number {
  if (text === undefined) return 1;
  const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < 1 || v > cores) {
    throw new CliError(
      `flag --workers must be an integer from 1 to ${cores} (this machine's cores), got "${text}"`,
    );
  }
  if (v > 1 && recurrent) {
    throw new CliError(
      `flag --workers ${v}: data-parallel updates are built for feed-forward runs, and this run is recurrent (--recurrent on or --recipe anchor); use --workers 1`,
    );
  }
  return v;
}

/** Parses a byte count flag (an integer >= 1, optionally with k, m or g). */
export function bytesFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([kmg]?)$/i.exec(value);
  const n = m ? Number(m[1]) * 1024 ** "_kmg".indexOf((m[2] || "_").toLowerCase()) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      `flag --${name} must be a byte count >= 1 (an integer, optionally with k, m or g), got "${value}"`,
    );
  }
  return n;
}

/** Parses a seconds flag in (0, 1 year]; returns milliseconds. */
export function secondsFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 365 * 86400) {
    throw new CliError(
      `flag --${name} must be a number of seconds in (0, 31536000], got "${value}"`,
    );
  }
  return n * 1000;
}
