/**
 * A second, independent Parquet implementation reads the recordings: `parquet-wasm`, the Apache Arrow
 * project's Rust `parquet` crate compiled to WebAssembly (pyarrow and DuckDB are not packaged for this
 * Debian). It decodes every column of a recording into Arrow arrays, sees the row count and the
 * key-value metadata, and re-encodes what it decoded as a new Parquet file with its own writer; that
 * file reads back (with hyparquet) to exactly the NDJSON recording's lines, so the Rust reader decoded
 * every value as written.
 */
import assert from "node:assert/strict";
import { ParquetFile, readParquet, writeParquet, WriterPropertiesBuilder } from "parquet-wasm";
import { makeBuiltinEnv } from "../builtin_envs.ts";
import { RandomController } from "./controller.ts";
import { readParquetRecording, readRecording, recordEnv, RecordingFile } from "./recording.ts";

for (const id of ["smax/2s3z", "fleet/leo-wildfire"]) {
  Deno.test(`recording (Parquet): ${id} reads back identically through Arrow's Rust parquet reader`, async () => {
    const dir = Deno.makeTempDirSync();
    const ndjson = new RecordingFile(`${dir}/run.ndjson`);
    const parquet = new RecordingFile(`${dir}/run.parquet`);
    const meta = { policy: "random", seed: 2, command: "interop test" };
    const env = recordEnv(recordEnv(makeBuiltinEnv(id), ndjson, meta), parquet, meta);
    const controller = new RandomController(env.classes, 3);
    const actions = env.classes.map((c) => new Int32Array(c.count));
    let steps = 0;
    for (const seed of [2, 3]) {
      let r = env.reset(seed);
      while (!r.done) {
        controller.act(r, actions);
        r = env.step(actions);
        steps++;
      }
    }
    ndjson.close();
    parquet.close();

    const bytes = Deno.readFileSync(`${dir}/run.parquet`);
    const file = await ParquetFile.fromFile(new Blob([bytes]));
    const fileMeta = file.metadata().fileMetadata();
    assert.equal(fileMeta.numRows(), (steps + 2) * env.agents.length);
    const kv = fileMeta.keyValueMetadata() as Map<string, string>;
    assert.equal(kv.get("fleetkd.schema"), "fleetkd.recording/1");
    assert.equal(kv.get("fleetkd.meta.policy"), "random");
    assert.equal(JSON.parse(kv.get("fleetkd.recording")!).envId, id);
    file.free();

    // writeParquet takes the decoded table and the properties over (it frees them).
    const table = readParquet(bytes);
    const props = new WriterPropertiesBuilder().setKeyValueMetadata(kv).build();
    Deno.writeFileSync(`${dir}/arrow.parquet`, writeParquet(table, props));
    assert.deepEqual(
      await readParquetRecording(`${dir}/arrow.parquet`),
      readRecording(`${dir}/run.ndjson`),
    );
    Deno.removeSync(dir, { recursive: true });
  });
}
