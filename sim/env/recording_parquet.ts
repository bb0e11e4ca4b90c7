/**
 * Episode recordings as Parquet: the same resets and steps as the NDJSON recording
 * (`fleetkd.recording/1`, see `recording.ts`), one row per (episode, step, agent), written with the
 * pure-JavaScript `hyparquet-writer` and read back with its companion reader `hyparquet`. Use it
 * through `RecordingFile` (a path ending in `.parquet`) and `readParquetRecording` in `recording.ts`;
 * this module is the layer underneath (it knows the file layout, not the line schema).
 *
 * Columns (in this order; readers may ignore any):
 *
 * | column        | Parquet type             | value                                                      |
 * | ------------- | ------------------------ | ---------------------------------------------------------- |
 * | `episode`     | INT32                    | episode number in the recording, from 0                    |
 * | `step`        | INT32                    | 0 for the reset row, then the step number from 1           |
 * | `seed`        | INT64                    | the seed the episode was reset with                        |
 * | `agent`       | STRING                   | agent id                                                   |
 * | `class`       | STRING                   | its agent class                                            |
 * | `observation` | LIST<FLOAT>              | its observation after the reset or step                    |
 * | `action_mask` | LIST<UINT_8>             | its action mask (1 = legal)                                |
 * | `action`      | INT32, null on resets    | the action it took                                         |
 * | `reward`      | FLOAT, null on resets    | its reward                                                 |
 * | `terminated`  | BOOLEAN, null on resets  | its episode ended by the task                              |
 * | `truncated`   | BOOLEAN, null on resets  | its episode was cut by a time limit                        |
 * | `done`        | BOOLEAN, null on resets  | the environment's episode ended with this step             |
 * | `infos`       | JSON                     | the environment-level infos of the reset or step           |
 *
 * Rows come episode by episode, step by step, and within a step agent by agent in the header's agent
 * order. The key-value metadata holds the header as JSON under `fleetkd.recording` (schema id, env id,
 * classes, agents, meta) and, for other tools, `fleetkd.schema`, `fleetkd.envId` and each meta entry
 * as `fleetkd.meta.<key>` (strings as they are, other values as JSON).
 *
 * @example
 * ```ts
 * import { ParquetRecordingWriter, readParquetParts } from "./recording_parquet.ts";
 * const dir = Deno.makeTempDirSync();
 * const w = new ParquetRecordingWriter(`${dir}/r.parquet`);
 * w.writeLine({
 *   type: "header", schema: "fleetkd.recording/1", envId: "demo", agents: ["a0"], meta: {},
 *   classes: [{ name: "agent", count: 1, obsSize: 2, numActions: 2 }],
 * });
 * w.writeLine({ type: "reset", episode: 0, seed: 7, obs: [[0.5, 1]], actionMask: [[1, 1]], infos: {} });
 * w.close();
 * const { rows } = await readParquetParts(`${dir}/r.parquet`);
 * console.assert(rows.length === 1 && rows[0].seed === 7n);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import type { SchemaElement, SchemaTree } from "hyparquet";
import { InputError } from "../input_error.ts";
import type { RecordedReset, RecordedStep, RecordingHeader, RecordingLine } from "./recording.ts";

/** The key-value metadata key that holds the recording's header as JSON. */
export const PARQUET_HEADER_KEY = "fleetkd.recording";

/** Rows buffered before they are written as one row group. */
const ROW_GROUP_ROWS = 8192;

type Leaf = "INT32" | "INT64" | "FLOAT" | "BOOLEAN" | "STRING" | "JSON";
interface ColumnSpec {
  name: string;
  leaf: Leaf;
  list?: boolean;
  nullable?: boolean;
  unsigned8?: boolean;
}

/** The recording's columns, in file order (see the module docs). */
const COLUMNS: readonly ColumnSpec[] = [
  { name: "episode", leaf: "INT32" },
  { name: "step", leaf: "INT32" },
  { name: "seed", leaf: "INT64" },
  { name: "agent", leaf: "STRING" },
  { name: "class", leaf: "STRING" },
  { name: "observation", leaf: "FLOAT", list: true },
  { name: "action_mask", leaf: "INT32", list: true, unsigned8: true },
  { name: "action", leaf: "INT32", nullable: true },
  { name: "reward", leaf: "FLOAT", nullable: true },
  { name: "terminated", leaf: "BOOLEAN", nullable: true },
  { name: "truncated", leaf: "BOOLEAN", nullable: true },
  { name: "done", leaf: "BOOLEAN", nullable: true },
  { name: "infos", leaf: "JSON" },
];

function leafElement(name: string, spec: ColumnSpec, repetition: "REQUIRED" | "OPTIONAL") {
  const el: SchemaElement = { name, repetition_type: repetition, type: "INT32" };
  if (spec.leaf === "STRING" || spec.leaf === "JSON") {
    el.type = "BYTE_ARRAY";
    el.converted_type = spec.leaf === "STRING" ? "UTF8" : "JSON";
  } else el.type = spec.leaf;
  if (spec.unsigned8) el.converted_type = "UINT_8";
  return el;
}

/** The Parquet schema (flattened, root first) of a recording. */
export function recordingSchema(): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: COLUMNS.length }];
  for (const c of COLUMNS) {
    if (c.list) {
      // The standard three-level LIST: <name> (LIST) / list (repeated) / element.
      out.push({
        name: c.name,
        repetition_type: "REQUIRED",
        converted_type: "LIST",
        num_children: 1,
      });
      out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      out.push(leafElement("element", c, "REQUIRED"));
    } else out.push(leafElement(c.name, c, c.nullable ? "OPTIONAL" : "REQUIRED"));
  }
  return out;
}

/** A ByteWriter that appends each finished row group to an open file descriptor. */
class FdWriter extends ByteWriter {
  readonly #fd: number;
  constructor(fd: number) {
    super(1 << 16);
    this.#fd = fd;
  }
  flush(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off);
    this.index = 0;
  }
  override finish(): void {
    this.flush();
  }
}

type Columns = Record<string, unknown[]>;
const emptyColumns = (): Columns => Object.fromEntries(COLUMNS.map((c) => [c.name, []]));

/**
 * Writes a recording's lines (header first) as a Parquet file, atomically: row groups go to a
 * temporary file beside `path`, which {@linkcode ParquetRecordingWriter.close} completes (footer and
 * metadata) and renames into place; {@linkcode ParquetRecordingWriter.abort} removes it.
 */
export class ParquetRecordingWriter {
  readonly #path: string;
  readonly #tmp: string;
  #fd: number | undefined;
  #writer: ParquetWriter | undefined;
  #header: RecordingHeader | undefined;
  #classOf: string[] = [];
  #episode = -1;
  #seed = 0n;
  #cols: Columns = emptyColumns();
  #rows = 0;

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

  /** Takes one line: the header first, then resets and steps in order. */
  writeLine(line: RecordingLine): void {
    if (this.#fd === undefined) throw new Error(`Recording "${this.#path}" is closed`);
    if (line.type === "header") {
      if (this.#header) throw new Error(`Recording "${this.#path}" already has a header`);
      this.#header = line;
      this.#classOf = line.classes.flatMap((c) => Array<string>(c.count).fill(c.name));
      if (this.#classOf.length !== line.agents.length) {
        throw new RangeError(
          `Recording "${this.#path}": the header names ${line.agents.length} agents, its classes count ${this.#classOf.length}`,
        );
      }
      const kv = [
        { key: PARQUET_HEADER_KEY, value: JSON.stringify(line) },
        { key: "fleetkd.schema", value: line.schema },
        { key: "fleetkd.envId", value: line.envId },
        ...Object.entries(line.meta).map(([k, v]) => ({
          key: `fleetkd.meta.${k}`,
          value: typeof v === "string" ? v : JSON.stringify(v),
        })),
      ];
      this.#writer = new ParquetWriter({
        writer: new FdWriter(this.#fd),
        schema: recordingSchema(),
        kvMetadata: kv,
        createdBy: "fleetkd (hyparquet-writer)",
      });
      return;
    }
    const header = this.#header;
    if (!header) throw new Error(`Recording "${this.#path}": the header must come first`);
    if (line.type === "reset") {
      this.#episode = line.episode;
      this.#seed = BigInt(line.seed);
    } else if (line.episode !== this.#episode) {
      throw new RangeError(
        `Recording "${this.#path}": step ${line.t} of episode ${line.episode} without its reset`,
      );
    }
    const step = line.type === "step" ? line : undefined;
    // The JSON column takes the object: hyparquet-writer encodes it (a string would be encoded again).
    const infos = { ...line.infos };
    const cols = this.#cols;
    let agent = 0;
    header.classes.forEach((c, ci) => {
      for (let i = 0; i < c.count; i++, agent++) {
        cols.episode.push(line.episode);
        cols.step.push(step ? step.t : 0);
        cols.seed.push(this.#seed);
        cols.agent.push(header.agents[agent]);
        cols.class.push(c.name);
        cols.observation.push(line.obs[ci].slice(i * c.obsSize, (i + 1) * c.obsSize));
        cols.action_mask.push(line.actionMask[ci].slice(i * c.numActions, (i + 1) * c.numActions));
        cols.action.push(step ? step.actions[ci][i] : null);
        cols.reward.push(step ? step.rewards[ci][i] : null);
        cols.terminated.push(step ? step.terminations[ci][i] !== 0 : null);
        cols.truncated.push(step ? step.truncations[ci][i] !== 0 : null);
        cols.done.push(step ? step.done : null);
        cols.infos.push(infos);
      }
    });
    this.#rows += agent;
    if (this.#rows >= ROW_GROUP_ROWS) this.#flush();
  }

  #flush(): void {
    if (!this.#writer || this.#rows === 0) return;
    const cols = this.#cols;
    // The types of hyparquet-writer want DecodedArray; nested lists and nulls are what it encodes.
    const columnData = COLUMNS.map((c) => ({ name: c.name, data: cols[c.name] as number[] }));
    this.#writer.write({ columnData, rowGroupSize: this.#rows });
    this.#cols = emptyColumns();
    this.#rows = 0;
  }

  /** Writes the last row group and the footer, closes the file and renames it into place. */
  close(): void {
    if (this.#fd === undefined) return;
    if (!this.#writer) {
      this.abort();
      throw new Error(`Recording "${this.#path}" has no header: nothing was recorded`);
    }
    this.#flush();
    this.#writer.finish();
    closeSync(this.#fd);
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

/** A Parquet recording's parts: the header JSON from the metadata (unvalidated) and the rows. */
export interface ParquetRecordingParts {
  /** The parsed `fleetkd.recording` metadata value. */
  header: unknown;
  /** The rows, column name to value (INT64 as bigint, lists as arrays, JSON columns parsed). */
  rows: Record<string, unknown>[];
}

function describe(tree: SchemaTree): string {
  const el = tree.element;
  if (tree.children.length) {
    const list = el.converted_type === "LIST" || el.logical_type?.type === "LIST";
    const leaf = tree.children[0]?.children[0];
    return list && leaf && !leaf.children.length ? `a list of ${describe(leaf)}` : "a group";
  }
  const ct = el.converted_type ? ` (${el.converted_type})` : "";
  return `${el.type}${ct}`;
}

function matches(tree: SchemaTree, spec: ColumnSpec): boolean {
  let leaf = tree;
  if (spec.list) {
    const el = tree.element;
    if (el.converted_type !== "LIST" && el.logical_type?.type !== "LIST") return false;
    const inner = tree.children[0]?.children[0];
    if (tree.children.length !== 1 || tree.children[0].children.length !== 1 || !inner) {
      return false;
    }
    leaf = inner;
  }
  if (leaf.children.length) return false;
  const el = leaf.element;
  switch (spec.leaf) {
    case "STRING":
      return el.type === "BYTE_ARRAY" &&
        (el.converted_type === "UTF8" || el.logical_type?.type === "STRING");
    case "JSON":
      return el.type === "BYTE_ARRAY" &&
        (el.converted_type === "JSON" || el.converted_type === "UTF8" ||
          el.logical_type?.type === "STRING" || el.logical_type?.type === "JSON");
    default:
      return el.type === spec.leaf;
  }
}

/**
 * Reads a Parquet recording's header metadata and rows. Errors are {@linkcode InputError}s naming the
 * file and what is wrong: not a Parquet file, no fleetkd header, a missing or mistyped column.
 */
export async function readParquetParts(path: string): Promise<ParquetRecordingParts> {
  const fail = (m: string) => new InputError(`Cannot read recording "${path}": ${m}`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  const magic = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || magic(0) !== "PAR1" || magic(bytes.length - 4) !== "PAR1") {
    throw fail(`not a Parquet file (no "PAR1" magic at its start and end; ${bytes.length} bytes)`);
  }
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let metadata;
  try {
    metadata = parquetMetadata(file as ArrayBuffer);
  } catch (e) {
    throw fail(`not a readable Parquet file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const kv = metadata.key_value_metadata?.find((e) => e.key === PARQUET_HEADER_KEY);
  if (!kv?.value) {
    throw fail(`no "${PARQUET_HEADER_KEY}" key-value metadata: not a fleetkd recording`);
  }
  let header: unknown;
  try {
    header = JSON.parse(kv.value);
  } catch {
    throw fail(`key-value metadata "${PARQUET_HEADER_KEY}" is not JSON`);
  }
  const tree = parquetSchema(metadata);
  for (const spec of COLUMNS) {
    const col = tree.children.find((c) => c.element.name === spec.name);
    const want = `${spec.list ? "a list of " : ""}${spec.leaf}`;
    if (!col) throw fail(`column "${spec.name}" (${want}) is missing`);
    if (!matches(col, spec)) {
      throw fail(`column "${spec.name}" must be ${want}, got ${describe(col)}`);
    }
  }
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({
      file: file as ArrayBuffer,
      columns: COLUMNS.map((c) => c.name),
    });
  } catch (e) {
    throw fail(`cannot decode its rows: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { header, rows };
}

/**
 * Rebuilds the reset and step lines of a Parquet recording from its rows (see
 * {@linkcode readParquetParts}) and its validated header, checking that every (episode, step) has one
 * row per agent in the header's order with the class's sizes. Errors name the file and the row.
 */
export function assembleParquetLines(
  header: RecordingHeader,
  rows: readonly Record<string, unknown>[],
  path: string,
): (RecordedReset | RecordedStep)[] {
  const n = header.agents.length;
  const classOf = header.classes.flatMap((c, ci) => Array<number>(c.count).fill(ci));
  if (classOf.length !== n) {
    throw new InputError(
      `Cannot read recording "${path}": the header names ${n} agents, its classes count ${classOf.length}`,
    );
  }
  const lines: (RecordedReset | RecordedStep)[] = [];
  let prevEpisode = -1, prevT = 0;
  for (let r = 0; r < rows.length; r += n) {
    const first = rows[r];
    const episode = first.episode as number;
    const t = first.step as number;
    const where = (k: number) =>
      `Cannot read recording "${path}": row ${r + k} (episode ${episode} step ${t})`;
    // Episodes are numbered from 0 and each starts with its reset (step 0), then steps 1, 2, ...
    if (t === 0 ? episode !== prevEpisode + 1 : episode !== prevEpisode || t !== prevT + 1) {
      throw new InputError(
        `${where(0)}: out of order, after ${
          prevEpisode < 0 ? "the start of the file" : `episode ${prevEpisode} step ${prevT}`
        }`,
      );
    }
    prevEpisode = episode;
    prevT = t;
    const isStep = t > 0;
    const flat = () => header.classes.map(() => [] as number[]);
    const obs = flat(), actionMask = flat(), actions = flat(), rewards = flat();
    const terminations = flat(), truncations = flat();
    for (let k = 0; k < n; k++) {
      const row = rows[r + k];
      if (!row) {
        throw new InputError(`${where(k)}: the file ends before agent "${header.agents[k]}"`);
      }
      if (row.episode !== episode || row.step !== t) {
        throw new InputError(
          `${where(k)}: expected agent "${
            header.agents[k]
          }" of this step, got episode ${row.episode} step ${row.step}`,
        );
      }
      const ci = classOf[k];
      const cls = header.classes[ci];
      if (row.agent !== header.agents[k] || row.class !== cls.name) {
        throw new InputError(
          `${where(k)}: expected agent "${
            header.agents[k]
          }" of class "${cls.name}", got "${row.agent}" of "${row.class}"`,
        );
      }
      const o = row.observation as number[];
      const m = row.action_mask as number[];
      if (o.length !== cls.obsSize) {
        throw new InputError(
          `${
            where(k)
          }: field "observation" has ${o.length} values, class "${cls.name}" has obsSize ${cls.obsSize}`,
        );
      }
      if (m.length !== cls.numActions) {
        throw new InputError(
          `${
            where(k)
          }: field "action_mask" has ${m.length} values, class "${cls.name}" has ${cls.numActions} actions`,
        );
      }
      for (const v of o) obs[ci].push(v);
      for (const v of m) actionMask[ci].push(v);
      if (!isStep) continue;
      for (const key of ["action", "reward", "terminated", "truncated", "done"]) {
        if (row[key] === null || row[key] === undefined) {
          throw new InputError(`${where(k)}: field "${key}" is null on a step row`);
        }
      }
      actions[ci].push(row.action as number);
      rewards[ci].push(row.reward as number);
      terminations[ci].push(row.terminated ? 1 : 0);
      truncations[ci].push(row.truncated ? 1 : 0);
    }
    let infos: Record<string, number>;
    try {
      infos = typeof first.infos === "string" ? JSON.parse(first.infos) : first.infos;
    } catch {
      throw new InputError(`${where(0)}: field "infos" is not JSON`);
    }
    if (!isStep) {
      lines.push({
        type: "reset",
        episode,
        seed: Number(first.seed as bigint),
        obs,
        actionMask,
        infos,
      });
    } else {
      lines.push({
        type: "step",
        episode,
        t,
        actions,
        obs,
        actionMask,
        rewards,
        terminations,
        truncations,
        done: first.done as boolean,
        infos,
      });
    }
  }
  return lines;
}
