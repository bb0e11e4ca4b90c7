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
import type { AgentClassSpec, MultiAgentEnv, StepResult } from "./types.ts";
import { tapEnv } from "./tap.ts";

/** The schema id written into every recording's header. */
export const RECORDING_SCHEMA = "fleetkd.recording/1";

/** Where a recording's lines go. */
export interface RecordingSink {
  /** Takes one NDJSON line (without its newline). */
  write(line: string): void;
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
  sink.write(JSON.stringify({
    type: "header",
    schema: RECORDING_SCHEMA,
    envId: env.id,
    classes,
    agents: env.agents.map((a) => a.id),
    meta,
  }));
  let episode = -1;
  let t = 0;
  const reset = (seed: number, r: StepResult) => {
    episode++;
    t = 0;
    sink.write(JSON.stringify({
      type: "reset",
      episode,
      seed,
      obs: arrays(r, "obs"),
      actionMask: arrays(r, "actionMask"),
      infos: r.infos,
    }));
  };
  const step = (actions: readonly Int32Array[], r: StepResult) => {
    const recorded = actions.map((a) => Array.from(a));
    t++;
    sink.write(JSON.stringify({
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
      infos: r.infos,
    }));
  };
  return tapEnv(env, { reset, step });
}

/**
 * A sink that writes a recording file atomically: lines go to a temporary file beside `path`, which
 * `close()` renames into place; `abort()` removes it, so a failed run leaves no partial recording.
 */
export class RecordingFile implements RecordingSink {
  readonly #path: string;
  readonly #tmp: string;
  #fd: number | undefined;
  readonly #encoder = new TextEncoder();
  #pending: string[] = [];
  #pendingChars = 0;

  /** Opens the temporary file; fails with the path named when its folder is not writable. */
  constructor(path: string) {
    this.#path = path;
    this.#tmp = `${path}.tmp-${Deno.pid}-${Date.now()}`;
    try {
      this.#fd = openSync(this.#tmp, "w");
    } catch (e) {
      throw new Error(
        `Cannot write recording "${path}": ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** Buffers one line; flushes about every 1 MB. */
  write(line: string): void {
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
    this.#flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    renameSync(this.#tmp, this.#path);
  }

  /** Closes and removes the temporary file. */
  abort(): void {
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
      throw new SyntaxError(`Cannot read recording "${source}": line ${i + 1} is not JSON`);
    }
    const parsed = anyLine.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TypeError(
        `Cannot read recording "${source}": line ${i + 1}: field "${
          formatPath(issue.path as (string | number)[]) || "type"
        }" ${issue.message}`,
      );
    }
    const line = parsed.data as RecordingLine;
    if (!header && line.type !== "header") {
      throw new TypeError(
        `Cannot read recording "${source}": line ${
          i + 1
        }: expected the "${RECORDING_SCHEMA}" header first, got "${line.type}"`,
      );
    }
    if (line.type === "header") header = line;
    yield line;
  }
  if (!header) throw new TypeError(`Cannot read recording "${source}": it is empty`);
}

/** Reads and validates a whole recording file (see {@linkcode recordingLines}). */
export function readRecording(path: string): RecordingLine[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(
      `Cannot read recording "${path}": ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return [...recordingLines(text, path)];
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
