import assert from "node:assert/strict";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";

Deno.test("checkpoint: round trip of header and arrays", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/a.ckpt`;
  await writeCheckpoint(path, { iteration: 7, name: "é" }, {
    w: Float32Array.of(1.5, -2),
    b: new Float32Array(0),
    c: Float32Array.of(3),
  });
  const { meta, arrays } = await readCheckpoint(path);
  assert.deepEqual(meta, { iteration: 7, name: "é" });
  assert.deepEqual(Array.from(arrays.w), [1.5, -2]);
  assert.equal(arrays.b.length, 0);
  assert.deepEqual(Array.from(arrays.c), [3]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: truncated, foreign and corrupt files get errors naming the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/b.ckpt`;
  await writeCheckpoint(path, {}, { weights: new Float32Array(100) });
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 8));
  await assert.rejects(
    readCheckpoint(path),
    /b\.ckpt.*array "weights" needs floats 0\.\.100, file holds 98/,
  );
  await Deno.writeTextFile(path, "hello world, not a checkpoint");
  await assert.rejects(readCheckpoint(path), /b\.ckpt.*not a fleetkd checkpoint/);
  const broken = new Uint8Array(bytes);
  broken[13] = 0x7b; // corrupt the JSON header
  broken[14] = 0x7b;
  await Deno.writeFile(path, broken);
  await assert.rejects(readCheckpoint(path), /header is not valid JSON/);
  await assert.rejects(readCheckpoint(`${dir}/missing.ckpt`), /missing\.ckpt/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: a failed write leaves the previous file intact", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c.ckpt`;
  await writeCheckpoint(path, { v: 1 }, { w: Float32Array.of(1) });
  // A header that cannot be serialised fails before anything touches the file.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(writeCheckpoint(path, cyclic, { w: Float32Array.of(2) }));
  const { meta } = await readCheckpoint(path);
  assert.deepEqual(meta, { v: 1 });
  const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.deepEqual(leftovers, ["c.ckpt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: partial temp files of a killed write are removed on the next resume or write", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/checkpoint.ckpt`;
  // What a SIGKILL during writeFileAtomic leaves: a partial temp beside the checkpoint.
  const stale = () => Deno.writeTextFile(`${path}.tmp-4242-deadbeef`, "FKDCKPT1 partial");
  const names = async () => (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  await Deno.writeTextFile(`${dir}/other.ckpt.tmp-4242-deadbeef`, "not ours");
  await stale();
  await writeCheckpoint(path, { iteration: 1 }, { w: Float32Array.of(1) }); // a fresh start
  assert.deepEqual(await names(), ["checkpoint.ckpt", "other.ckpt.tmp-4242-deadbeef"]);
  await stale();
  const { meta } = await readCheckpoint(path); // a resume
  assert.deepEqual(meta, { iteration: 1 });
  assert.deepEqual(await names(), ["checkpoint.ckpt", "other.ckpt.tmp-4242-deadbeef"]);
  await Deno.remove(dir, { recursive: true });
});
