import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetMetadata } from "hyparquet";
import { makeBuiltinEnv } from "../builtin_envs.ts";
import { InputError } from "../input_error.ts";
import { RandomController } from "./controller.ts";
import {
  readParquetRecording,
  readRecording,
  recordEnv,
  RecordingFile,
  type RecordingLine,
  replayRecording,
} from "./recording.ts";
import { ParquetRecordingWriter, recordingSchema } from "./recording_parquet.ts";
import type { MultiAgentEnv } from "./types.ts";

function playRandom(env: MultiAgentEnv, seeds: number[]): number {
  const controller = new RandomController(env.classes, 9);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  let steps = 0;
  for (const seed of seeds) {
    let r = env.reset(seed);
    controller.reset?.(seed);
    while (!r.done) {
      controller.act(r, actions);
      r = env.step(actions);
      steps++;
    }
  }
  return steps;
}

/** Records one seeded random run to NDJSON and Parquet at once (two recorders on the same run). */
function recordBoth(id: string, dir: string, seeds: number[]) {
  const ndjson = new RecordingFile(`${dir}/run.ndjson`);
  const parquet = new RecordingFile(`${dir}/run.parquet`);
  const meta = { policy: "random", seed: seeds[0], command: "test" };
  const env = recordEnv(recordEnv(makeBuiltinEnv(id), ndjson, meta), parquet, meta);
  const steps = playRandom(env, seeds);
  ndjson.close();
  parquet.close();
  return steps;
}

function writeLines(path: string, lines: readonly RecordingLine[]): void {
  const w = new ParquetRecordingWriter(path);
  for (const l of lines) w.writeLine(l);
  w.close();
}

for (const id of ["smax/2s3z", "mpe/simple_speaker_listener", "fleet/leo-wildfire"]) {
  Deno.test(`recording (Parquet): ${id} reads back as the NDJSON steps and replays bit for bit`, async () => {
    const dir = Deno.makeTempDirSync();
    const steps = recordBoth(id, dir, [4, 5]);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["run.ndjson", "run.parquet"],
    );
    const fromJson = readRecording(`${dir}/run.ndjson`);
    const fromParquet = await readParquetRecording(`${dir}/run.parquet`);
    assert.equal(fromParquet.filter((l) => l.type === "step").length, steps);
    assert.deepEqual(fromParquet, fromJson);
    const report = replayRecording(makeBuiltinEnv(id), fromParquet);
    assert.deepEqual(report, { episodes: 2, steps });

    // One row per (episode, step, agent), the run's metadata in the key-value metadata.
    const md = parquetMetadata(Deno.readFileSync(`${dir}/run.parquet`).buffer);
    const agents = makeBuiltinEnv(id).agents.length;
    assert.equal(Number(md.num_rows), (steps + 2) * agents);
    const kv = Object.fromEntries((md.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    assert.equal(kv["fleetkd.schema"], "fleetkd.recording/1");
    assert.equal(kv["fleetkd.envId"], id);
    assert.equal(kv["fleetkd.meta.policy"], "random");
    assert.equal(kv["fleetkd.meta.seed"], "4");
    assert.equal(kv["fleetkd.meta.command"], "test");
    // The infos column holds JSON objects (text such as {"k":1}), not JSON-quoted strings.
    const raw = await readRows(`${dir}/run.parquet`);
    assert.ok(raw.infos.every((v) => typeof v === "object" && v !== null && !Array.isArray(v)));
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("recording (Parquet): a reward changed by one float32 ulp fails the replay", async () => {
  const dir = Deno.makeTempDirSync();
  recordBoth("smax/3m", dir, [1]);
  const lines = await readParquetRecording(`${dir}/run.parquet`);
  const step = lines.find((l) => l.type === "step" && l.t === 3);
  assert.ok(step && step.type === "step");
  const bits = new Float32Array([step.rewards[0][1]]);
  new Uint32Array(bits.buffer)[0] += 1;
  step.rewards[0][1] = bits[0];
  writeLines(`${dir}/changed.parquet`, lines);
  const report = replayRecording(
    makeBuiltinEnv("smax/3m"),
    await readParquetRecording(`${dir}/changed.parquet`),
  );
  assert.match(
    report.mismatch ?? "",
    /^episode 0 step 3: rewards\[0\]\[1\] is .* in the recording/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("recording (Parquet): bad files are InputErrors naming the file and what is wrong", async () => {
  const dir = Deno.makeTempDirSync();
  recordBoth("smax/3m", dir, [0]);
  const good = await readParquetRecording(`${dir}/run.parquet`);
  const header = good[0];
  const bad = `${dir}/bad.parquet`;
  const rejects = async (pattern: RegExp) => {
    const e = await readParquetRecording(bad).then(() => undefined, (e) => e);
    assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
    assert.ok(e.message.includes(`"${bad}"`), e.message);
    assert.match(e.message, pattern);
  };

  Deno.copyFileSync(`${dir}/run.ndjson`, bad);
  await rejects(/not a Parquet file \(no "PAR1" magic/);
  const bytes = Deno.readFileSync(`${dir}/run.parquet`);
  Deno.writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
  await rejects(/not a Parquet file/);
  const broken = bytes.slice();
  broken.fill(0xff, broken.length - 200, broken.length - 8);
  Deno.writeFileSync(bad, broken);
  await rejects(/not a readable Parquet file/);

  // Parquet, but not a recording: no header metadata, then wrong or missing columns.
  const kvMetadata = [{ key: "fleetkd.recording", value: JSON.stringify(header) }];
  Deno.writeFileSync(
    bad,
    new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "x", data: [1] }] })),
  );
  await rejects(/no "fleetkd.recording" key-value metadata: not a fleetkd recording/);
  Deno.writeFileSync(
    bad,
    new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "episode", data: [0] }], kvMetadata }),
    ),
  );
  await rejects(/column "step" \(INT32\) is missing/);
  const columnData = Object.entries(await readRows(`${dir}/run.parquet`)).map(([name, data]) => ({
    name,
    data: data as number[],
  }));
  const asDouble = recordingSchema().map((e) =>
    e.name === "reward" ? { ...e, type: "DOUBLE" as const } : e
  );
  Deno.writeFileSync(
    bad,
    new Uint8Array(parquetWriteBuffer({ columnData, schema: asDouble, kvMetadata })),
  );
  await rejects(/column "reward" must be FLOAT, got DOUBLE/);
  Deno.writeFileSync(bad, new Uint8Array(parquetWriteBuffer({ columnData, kvMetadata })));
  await rejects(/column "observation" must be a list of FLOAT, got BYTE_ARRAY \(JSON\)/);

  // A recording whose header is of another schema, or whose rows are out of place.
  const h = header.type === "header" ? header : assert.fail("no header");
  writeLines(bad, [{ ...h, schema: "fleetkd.recording/2" } as unknown as RecordingLine]);
  await rejects(/key-value metadata "fleetkd.recording": field "schema"/);
  // Rows out of place: two agents swapped, then a whole step left out.
  const writeRows = (edit: (column: unknown[]) => unknown[]) =>
    Deno.writeFileSync(
      bad,
      new Uint8Array(parquetWriteBuffer({
        columnData: columnData.map((c) => ({ ...c, data: edit([...c.data]) as number[] })),
        schema: recordingSchema(),
        kvMetadata,
      })),
    );
  const n = h.agents.length;
  assert.ok(n > 1);
  writeRows((col) => [col[1], col[0], ...col.slice(2)]);
  await rejects(
    new RegExp(
      `row 0 \\(episode 0 step 0\\): expected agent "${h.agents[0]}" of class "\\w+", got "${
        h.agents[1]
      }"`,
    ),
  );
  writeRows((col) => [...col.slice(0, 2 * n), ...col.slice(3 * n)]);
  await rejects(
    new RegExp(`row ${2 * n} \\(episode 0 step 3\\): out of order, after episode 0 step 1`),
  );
  writeRows((col) => col.slice(0, col.length - 1));
  await rejects(/the file ends before agent/);
  writeRows((col) => col.slice(0, n));
  assert.equal((await readParquetRecording(bad)).length, 2);

  assert.throws(() => readRecording(`${dir}/run.parquet`), /readParquetRecording/);
  await assert.rejects(readParquetRecording(`${dir}/missing.parquet`), InputError);
  Deno.removeSync(dir, { recursive: true });
});

/** The columns of a recording as plain arrays (for building broken variants of it). */
async function readRows(path: string): Promise<Record<string, unknown[]>> {
  const { parquetReadObjects } = await import("hyparquet");
  const rows = await parquetReadObjects({ file: Deno.readFileSync(path).buffer });
  const out: Record<string, unknown[]> = {};
  for (const key of Object.keys(rows[0])) out[key] = rows.map((r) => r[key]);
  return out;
}

Deno.test("recording (Parquet): an aborted recording leaves no file behind", () => {
  const dir = Deno.makeTempDirSync();
  const file = new RecordingFile(`${dir}/x.parquet`);
  playRandom(recordEnv(makeBuiltinEnv("toy/matching"), file), [0]);
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n === "x.parquet"),
    [],
  );
  file.abort();
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  assert.throws(() => new RecordingFile(`${dir}/no/such/dir/x.parquet`), /Cannot write recording/);
  Deno.removeSync(dir, { recursive: true });
});
