/**
 * `deno task simulate --record` end to end: the extension chooses NDJSON or Parquet, both recordings of
 * the same seeded run hold the same steps, and the Parquet one replays bit for bit.
 */
import assert from "node:assert/strict";
import { parquetMetadata } from "hyparquet";
import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
import { readParquetRecording, readRecording, replayRecording } from "../sim/env/recording.ts";

async function simulate(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/simulate.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("simulate --record: FILE.parquet and FILE.ndjson record the same steps", async () => {
  const dir = await Deno.makeTempDir();
  const common = ["--scenario", "smax/3m", "--policy", "random", "--episodes", "2", "--seed", "3"];
  for (const file of ["run.ndjson", "run.parquet"]) {
    const r = await simulate([...common, "--out", `${dir}/out`, "--record", `${dir}/${file}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`recorded the random episodes to .*${file}`));
  }
  const fromJson = readRecording(`${dir}/run.ndjson`);
  const fromParquet = await readParquetRecording(`${dir}/run.parquet`);
  for (const lines of [fromJson, fromParquet]) {
    const header = lines[0];
    assert.ok(header.type === "header");
    assert.match(String(header.meta.command), /--record .*run\.(ndjson|parquet)$/);
    header.meta.command = "";
  }
  assert.deepEqual(fromParquet, fromJson);
  const steps = fromParquet.filter((l) => l.type === "step").length;
  assert.deepEqual(replayRecording(makeBuiltinEnv("smax/3m"), fromParquet), { episodes: 2, steps });
  const kv = parquetMetadata(Deno.readFileSync(`${dir}/run.parquet`).buffer).key_value_metadata ??
    [];
  const meta = Object.fromEntries(kv.map((e) => [e.key, e.value]));
  assert.deepEqual(
    [meta["fleetkd.schema"], meta["fleetkd.meta.policy"], meta["fleetkd.meta.seed"]],
    ["fleetkd.recording/1", "random", "3"],
  );
  // No temporary file is left beside the recordings.
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
    ["out", "run.ndjson", "run.parquet"],
  );
  await Deno.remove(dir, { recursive: true });
});
