/**
 * Episode recordings: every reset and step of an environment (observations, action masks, actions,
 * rewards, terminations, truncations, infos) as NDJSON, a reader that validates a recording line by line,
 * and a replayer that re-runs the recorded actions on a fresh environment and checks that it reproduces
 * the recording bit for bit.
 *
 * The schema (`fleetkd.recording/1`), one JSON object per line:
 *
 * | `type`   | fields                                                                                            |
 * | -------- | ------------------------------------------------------------------------------------------------- |
 * | `header` | `schema`, `envId`, `classes` (`name`, `count`, `obsSize`, `numActions`), `agents` (ids), `meta` |
 * | `reset`  | `episode`, `seed`, `obs`, `actionMask` (one flat array per class, agent-major), `infos`         |
 * | `step`   | `episode`, `t` (1-based), `actions`, `obs`, `actionMask`, `rewards`, `terminations`,            |
 * |          | `truncations` (one flat array per class), `done`, `infos`                                        |
 *
 * Observations and rewards are float32 values written as the shortest decimal that reads back to the same
 * float32, so a replay compares them exactly. `meta` is free-form (the policy, the command).
 *
 * A {@linkcode RecordingFile} whose path ends in `.parquet` writes the same lines as a Parquet file
 * instead, one row per (episode, step, agent), with the header in the file's key-value metadata
 * (`recording_parquet.ts` documents the columns); {@linkcode readParquetRecording} reads it back into the
 * same lines as {@linkcode readRecording} gives for NDJSON, so {@linkcode replayRecording} replays either.
 *
 * @example
 * ```ts
 * import { recordEnv, recordingLines } from "./recording.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * const lines: string[] = [];
 * const env = recordEnv(makeBuiltinEnv("toy/matching"), { write: (l) => lines.push(l) }, { policy: "noop" });
 * let r = env.reset(3);
 * while (!r.done) r = env.step(env.classes.map((c) => new Int32Array(c.count)));
 * console.assert([...recordingLines(lines.join("\n"), "demo")].length === lines.length);
 * ```
 *
 * @module
 */

import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { z } from "zod";
import { formatPath } from "../field_path.ts";
import { InputError } from "../input_error.ts";
import type { AgentClassSpec, MultiAgentEnv, StepResult } from "./types.ts";
import { tapEnv } from "./tap.ts";
import {
  assembleParquetLines,
  ParquetRecordingWriter,
  readParquetParts,
} from "./recording_parquet.ts";

/** The schema id written into every recording's header. */
export const RECORDING_SCHEMA = "fleetkd.recording/1";

/** Where a recording's lines go. */
export interface RecordingSink {
  /** Takes one NDJSON line (without its newline). */
  write(line: string): void;
  /**
   * Takes one line as an object; when present, {@linkcode recordEnv} calls it instead of `write`
   * (a Parquet file then needs no JSON round trip).
   */
  writeLine?(line: RecordingLine): void;
}

const numArrays = z.array(z.array(z.number()));
const infos = z.record(z.string(), z.number());

const headerLine = z.object({
  type: z.literal("header"),
  schema: z.literal(RECORDING_SCHEMA),
  envId: z.string(),
  classes: z.array(z.object({
    name: z.string(),
    count: z.number().int().positive(),
    obsSize: z.number().int().nonnegative(),
    numActions: z.number().int().positive(),
  })),
  agents: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()),
});
const resetLine = z.object({
  type: z.literal("reset"),
  episode: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  obs: numArrays,
  actionMask: numArrays,
  infos,
});
const stepLine = z.object({
  type: z.literal("step"),
  episode: z.number().int().nonnegative(),
  t: z.number().int().positive(),
  actions: numArrays,
  obs: numArrays,
  actionMask: numArrays,
  rewards: numArrays,
  terminations: numArrays,
  truncations: numArrays,
  done: z.boolean(),
  infos,
});
const anyLine = z.discriminatedUnion("type", [headerLine, resetLine, stepLine]);

/** A recording's header line. */
export interface RecordingHeader {
  /** Always `"header"`. */
  type: "header";
  /** {@linkcode RECORDING_SCHEMA}. */
  schema: typeof RECORDING_SCHEMA;
  /** The recorded environment's id. */
  envId: string;
  /** Its agent classes, in batch order. */
  classes: { name: string; count: number; obsSize: number; numActions: number }[];
  /** Agent ids, class by class. */
  agents: string[];
  /** Free-form description of the run (policy, seed, command). */
  meta: Record<string, unknown>;
}
/** A recorded reset: arrays are one flat, agent-major array per class. */
export interface RecordedReset {
  /** Always `"reset"`. */
  type: "reset";
  /** Episode number in the recording, from 0. */
  episode: number;
  /** The seed the episode was reset with. */
  seed: number;
  /** Observations. */
  obs: number[][];
  /** Action masks (1 = legal). */
  actionMask: number[][];
  /** Environment-level scalars. */
  infos: Record<string, number>;
}
/** A recorded step: arrays are one flat, agent-major array per class. */
export interface RecordedStep {
  /** Always `"step"`. */
  type: "step";
  /** Episode number in the recording, from 0. */
  episode: number;
  /** Step number in the episode, from 1. */
  t: number;
  /** The actions taken. */
  actions: number[][];
  /** Observations after the step. */
  obs: number[][];
  /** Action masks after the step. */
  actionMask: number[][];
  /** Rewards of the step. */
  rewards: number[][];
  /** 1 where the agent's episode ended by the task. */
  terminations: number[][];
  /** 1 where the agent's episode was cut by a time limit. */
  truncations: number[][];
  /** Whether the episode ended with this step. */
  done: boolean;
  /** Environment-level scalars of the step. */
  infos: Record<string, number>;
}
/** Any line of a recording. */
export type RecordingLine = RecordingHeader | RecordedReset | RecordedStep;

const arrays = (
  r: StepResult,
  key: "obs" | "actionMask" | "rewards" | "terminations" | "truncations",
) => r.classes.map((b) => Array.from(b[key]));

/**
 * Wraps `env` so that every `reset` and `step` also writes its line to `sink` (the header first).
 * Stepping and observations are unchanged; the recording costs a copy of each step's arrays.
 */
export function recordEnv(
  env: MultiAgentEnv,
  sink: RecordingSink,
  meta: Record<string, unknown> = {},
): MultiAgentEnv {
  const classes = env.classes.map((c: AgentClassSpec) => ({
    name: c.name,
    count: c.count,
    obsSize: c.obsSize,
    numActions: c.numActions,
  }));
  const emit = sink.writeLine
    ? (line: RecordingLine) => sink.writeLine!(line)
    : (line: RecordingLine) => sink.write(JSON.stringify(line));
  emit({
    type: "header",
    schema: RECORDING_SCHEMA,
    envId: env.id,
    classes,
    agents: env.agents.map((a) => a.id),
    meta,
  });
  let episode = -1;
  let t = 0;
  const reset = (seed: number, r: StepResult) => {
    episode++;
    t = 0;
    emit({
      type: "reset",
      episode,
      seed,
      obs: arrays(r, "obs"),
      actionMask: arrays(r, "actionMask"),
      infos: { ...r.infos },
    });
  };
  const step = (actions: readonly Int32Array[], r: StepResult) => {
    const recorded = actions.map((a) => Array.from(a));
    t++;
    emit({
      type: "step",
      episode,
      t,
      actions: recorded,
      obs: arrays(r, "obs"),
      actionMask: arrays(r, "actionMask"),
      rewards: arrays(r, "rewards"),
      terminations: arrays(r, "terminations"),
      truncations: arrays(r, "truncations"),
      done: r.done,
      infos: { ...r.infos },
    });
  };
  return tapEnv(env, { reset, step });
}

/**
 * Whether `path` names a Parquet recording (it ends in `.parquet`, any case).
 *
 * @example
 * ```ts
 * import { isParquetPath } from "./recording.ts";
 * console.assert(isParquetPath("out/run.Parquet") && !isParquetPath("out/run.ndjson"));
 * ```
 */
export function isParquetPath(path: string): boolean {
  return path.toLowerCase().endsWith(".parquet");
}

/**
 * A sink that writes a recording file atomically: lines go to a temporary file beside `path`, which
 * `close()` renames into place; `abort()` removes it, so a failed run leaves no partial recording.
 * A path ending in `.parquet` gets a Parquet file (see the module docs), any other NDJSON.
 *
 * @example
 * ```ts
 * import { readParquetRecording, recordEnv, RecordingFile } from "./recording.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * const dir = Deno.makeTempDirSync();
 * const file = new RecordingFile(`${dir}/run.parquet`);
 * const env = recordEnv(makeBuiltinEnv("toy/matching"), file, { policy: "noop" });
 * let r = env.reset(3);
 * while (!r.done) r = env.step(env.classes.map((c) => new Int32Array(c.count)));
 * file.close();
 * const lines = await readParquetRecording(`${dir}/run.parquet`);
 * console.assert(lines[1].type === "reset" && lines[1].seed === 3);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class RecordingFile implements RecordingSink {
  readonly #path: string;
  readonly #tmp: string;
  #fd: number | undefined;
  readonly #parquet: ParquetRecordingWriter | undefined;
  readonly #encoder = new TextEncoder();
  #pending: string[] = [];
  #pendingChars = 0;

  /** Opens the temporary file; fails with the path named when its folder is not writable. */
  constructor(path: string) {
    this.#path = path;
    this.#tmp = `${path}.tmp-${Deno.pid}-${Date.now()}`;
    if (isParquetPath(path)) {
      this.#parquet = new ParquetRecordingWriter(path);
      return;
    }
    try {
      this.#fd = openSync(this.#tmp, "w");
    } catch (e) {
      throw new Error(
        `Cannot write recording "${path}": ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** Takes one line as an object (the header first). */
  writeLine(line: RecordingLine): void {
    if (this.#parquet) this.#parquet.writeLine(line);
    else this.write(JSON.stringify(line));
  }

  /** Buffers one NDJSON line; flushes about every 1 MB. */
  write(line: string): void {
    if (this.#parquet) {
      this.#parquet.writeLine(JSON.parse(line));
      return;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    if (this.#pendingChars > 1 << 20) this.#flush();
  }

  #flush(): void {
    if (this.#fd === undefined || this.#pending.length === 0) return;
    const bytes = this.#encoder.encode(this.#pending.join("\n") + "\n");
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off);
    this.#pending = [];
    this.#pendingChars = 0;
  }

  /** Flushes, closes and renames the file into place. */
  close(): void {
    if (this.#parquet) {
      this.#parquet.close();
      return;
    }
    this.#flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    renameSync(this.#tmp, this.#path);
  }

  /** Closes and removes the temporary file. */
  abort(): void {
    if (this.#parquet) {
      this.#parquet.abort();
      return;
    }
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#tmp, { force: true });
  }
}

/**
 * Parses and validates the lines of a recording's text; errors name the source, the line number and the
 * field. The first line must be the header.
 */
export function* recordingLines(text: string, source: string): Generator<RecordingLine> {
  const lines = text.split("\n");
  let header: RecordingHeader | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new InputError(`Cannot read recording "${source}": line ${i + 1} is not JSON`);
    }
    const parsed = anyLine.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(
        `Cannot read recording "${source}": line ${i + 1}: field "${
          formatPath(issue.path as (string | number)[]) || "type"
        }" ${issue.message}`,
      );
    }
    const line = parsed.data as RecordingLine;
    if (!header && line.type !== "header") {
      throw new InputError(
        `Cannot read recording "${source}": line ${
          i + 1
        }: expected the "${RECORDING_SCHEMA}" header first, got "${line.type}"`,
      );
    }
    if (line.type === "header") header = line;
    yield line;
  }
  if (!header) throw new InputError(`Cannot read recording "${source}": it is empty`);
}

/**
 * Reads and validates a whole NDJSON recording file (see {@linkcode recordingLines}). A `.parquet` path
 * is refused with a pointer to {@linkcode readParquetRecording} (Parquet decoding is asynchronous).
 */
export function readRecording(path: string): RecordingLine[] {
  if (isParquetPath(path)) {
    throw new InputError(
      `Cannot read recording "${path}" here: it is Parquet, read it with readParquetRecording (async)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      `Cannot read recording "${path}": ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return [...recordingLines(text, path)];
}

/**
 * Reads and validates a Parquet recording (written by a {@linkcode RecordingFile} on a `.parquet` path)
 * into the same lines as {@linkcode readRecording} returns for the NDJSON recording of the same run.
 * Bad input is an {@linkcode InputError} naming the file and what is wrong: not a Parquet file, no
 * fleetkd header in the metadata, a missing or mistyped column, a row out of place.
 *
 * @example
 * ```ts
 * import { readParquetRecording } from "./recording.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/x.parquet`, "not parquet");
 * await readParquetRecording(`${dir}/x.parquet`).catch((e) => console.assert(/not a Parquet/.test(e.message)));
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function readParquetRecording(path: string): Promise<RecordingLine[]> {
  const { header, rows } = await readParquetParts(path);
  const where = `key-value metadata "fleetkd.recording"`;
  const parsed = headerLine.safeParse(header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `Cannot read recording "${path}": ${where}: field "${
        formatPath(issue.path as (string | number)[]) || "type"
      }" ${issue.message}`,
    );
  }
  const lines: RecordingLine[] = [parsed.data as RecordingHeader];
  for (const line of assembleParquetLines(parsed.data as RecordingHeader, rows, path)) {
    const checked = anyLine.safeParse(line);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new InputError(
        `Cannot read recording "${path}": episode ${line.episode} ${
          line.type === "reset" ? "reset" : `step ${line.t}`
        }: field "${formatPath(issue.path as (string | number)[])}" ${issue.message}`,
      );
    }
    lines.push(line);
  }
  return lines;
}

/** What {@linkcode replayRecording} found. */
export interface ReplayReport {
  /** Episodes replayed. */
  episodes: number;
  /** Steps replayed. */
  steps: number;
  /** The first difference between the recording and the fresh run, or undefined when none. */
  mismatch?: string;
}

function compareArrays(
  what: string,
  recorded: number[][],
  live: readonly ArrayLike<number>[],
): string | undefined {
  for (let c = 0; c < live.length; c++) {
    const a = recorded[c];
    const b = live[c];
    if (!a || a.length !== b.length) {
      return `${what}[${c}] has ${a?.length} entries, expected ${b.length}`;
    }
    for (let i = 0; i < b.length; i++) {
      // Recorded float32 values read back exactly; fround makes the comparison exact for integers too.
      if (Math.fround(a[i]) !== Math.fround(b[i])) {
        return `${what}[${c}][${i}] is ${a[i]} in the recording, ${b[i]} on replay`;
      }
    }
  }
  return undefined;
}

/**
 * Replays `lines` (from {@linkcode readRecording}) on `env`, a fresh instance of the recorded
 * environment: each recorded reset's seed, then each recorded step's actions, comparing every array
 * and flag. Stops at the first mismatch and reports it.
 */
export function replayRecording(env: MultiAgentEnv, lines: readonly RecordingLine[]): ReplayReport {
  const header = lines[0];
  if (!header || header.type !== "header") throw new TypeError("replayRecording: no header line");
  if (header.envId !== env.id) {
    throw new RangeError(
      `Cannot replay a recording of "${header.envId}" on "${env.id}"`,
    );
  }
  const report: ReplayReport = { episodes: 0, steps: 0 };
  const batches = env.classes.map((c) => new Int32Array(c.count));
  const fail = (where: string, m: string | undefined) => {
    if (m) report.mismatch = `${where}: ${m}`;
    return m !== undefined;
  };
  for (const line of lines) {
    if (line.type === "header") continue;
    if (line.type === "reset") {
      const r = env.reset(line.seed);
      report.episodes++;
      const where = `episode ${line.episode} reset`;
      if (fail(where, compareArrays("obs", line.obs, r.classes.map((b) => b.obs)))) return report;
      if (
        fail(
          where,
          compareArrays(
            "actionMask",
            line.actionMask,
            r.classes.map((b) => b.actionMask),
          ),
        )
      ) {
        return report;
      }
      continue;
    }
    batches.forEach((b, c) => b.set(line.actions[c]));
    const r = env.step(batches);
    report.steps++;
    const where = `episode ${line.episode} step ${line.t}`;
    for (const key of ["obs", "actionMask", "rewards", "terminations", "truncations"] as const) {
      if (fail(where, compareArrays(key, line[key], r.classes.map((b) => b[key])))) return report;
    }
    if (r.done !== line.done) {
      report.mismatch = `${where}: done is ${line.done} in the recording, ${r.done} on replay`;
      return report;
    }
  }
  return report;
}
