import assert from "node:assert/strict";
import { NdjsonLog, readNdjsonLog } from "./ndjson_log.ts";

const INDEX_EVERY = 64;

const entry = (seq: number, extra = "") => ({
  seq,
  type: seq % 5 === 0 ? "status" : "tick",
  data: JSON.stringify({ seq, type: seq % 5 === 0 ? "status" : "tick", extra }),
});

Deno.test("NdjsonLog buffers, flushes on close and reads back by seq through its index", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nested/run.ndjson`;
    const log = await NdjsonLog.create(path, { flushIntervalMs: 60_000, flushBytes: 1 << 30 });
    const n = INDEX_EVERY * 5 + 3;
    for (let seq = 1; seq <= n; seq++) log.append(entry(seq, "x".repeat(seq % 17)));
    assert.equal(log.lines, n);
    assert.ok(log.pendingBytes > 0);
    assert.equal(await Deno.readTextFile(path), ""); // nothing written yet
    // A read flushes first, then starts at the index entry before the wanted seq.
    const got = await log.read(INDEX_EVERY * 3 + 7, 5);
    assert.deepEqual(got.map((e) => e.seq), [199, 200, 201, 202, 203]);
    assert.equal(got[1].type, "status");
    assert.equal(got[0].data, entry(199, "x".repeat(199 % 17)).data);
    assert.equal(log.pendingBytes, 0);
    for (let seq = n + 1; seq <= n + 10; seq++) log.append(entry(seq));
    await log.close();
    await log.close(); // twice is fine
    assert.throws(() => log.append(entry(n + 11)), /is closed/);
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, n + 10);
    const all = await log.read(1, 10_000);
    assert.deepEqual(all.map((e) => e.seq), Array.from({ length: n + 10 }, (_, i) => i + 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NdjsonLog flushes by itself after the interval", async () => {
  const path = await Deno.makeTempFile();
  try {
    const log = await NdjsonLog.create(path, { flushIntervalMs: 5 });
    log.append(entry(1));
    for (let i = 0; i < 200 && (await Deno.readTextFile(path)) === ""; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await Deno.readTextFile(path), entry(1).data + "\n");
    await log.close();
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readNdjsonLog tolerates a partial last line and skips foreign lines", async () => {
  const path = await Deno.makeTempFile();
  try {
    const good = [entry(1), entry(2), entry(3)].map((e) => e.data + "\n").join("");
    await Deno.writeTextFile(path, good + "garbage line\n" + '{"seq":4,"type":"tick","tr');
    const got = await readNdjsonLog(path, 1, 100);
    assert.deepEqual(got.map((e) => e.seq), [1, 2, 3]);
    assert.deepEqual((await readNdjsonLog(path, 3, 100)).map((e) => e.seq), [3]);
    assert.deepEqual(await readNdjsonLog(path, 1, 0), []);
    // Lines longer than the read chunk are reassembled.
    const big = { seq: 1, type: "tick", blob: "y".repeat(200_000) };
    await Deno.writeTextFile(path, JSON.stringify(big) + "\n");
    const [one] = await readNdjsonLog(path, 1, 1);
    assert.equal(JSON.parse(one.data).blob.length, 200_000);
  } finally {
    await Deno.remove(path);
  }
});
