import assert from "node:assert/strict";
import { Broadcaster } from "./broadcaster.ts";
import { NdjsonLog } from "./ndjson_log.ts";

async function withBroadcaster(
  ringSize: number,
  fn: (b: Broadcaster, path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  const b = new Broadcaster({ ringSize, log: await NdjsonLog.create(path) });
  try {
    await fn(b, path);
  } finally {
    await b.close();
    await Deno.remove(path);
  }
}

Deno.test("Broadcaster serves recent events from memory and older ones from the log", async () => {
  await withBroadcaster(4, async (b) => {
    for (let i = 1; i <= 10; i++) b.publish("tick", (seq) => ({ seq, type: "tick", i }));
    assert.equal(b.lastSeq, 10);
    assert.equal(b.ringOldestSeq, 7);
    const recent = await b.read(8, 100);
    assert.deepEqual(recent.map((e) => e.seq), [8, 9, 10]);
    // From seq 2: the log answers up to the ring's start, the next read continues from memory.
    const old = await b.read(2, 100);
    assert.deepEqual(old.map((e) => e.seq), [2, 3, 4, 5, 6]);
    assert.deepEqual(JSON.parse(old[0].data), { seq: 2, type: "tick", i: 2 });
    assert.deepEqual((await b.read(0, 2)).map((e) => e.seq), [1, 2]);
    assert.deepEqual(await b.read(11, 100), []);
  });
});

Deno.test("Broadcaster wakes waiters on publish and on close; after close all reads come from the log", async () => {
  await withBroadcaster(2, async (b) => {
    let woke = false;
    const waiting = b.waitBeyond(0).then(() => (woke = true));
    await Promise.resolve();
    assert.equal(woke, false);
    b.publish("status", (seq) => ({ seq, type: "status" }));
    await waiting;
    assert.equal(woke, true);
    await b.waitBeyond(0); // already satisfied
    for (let i = 0; i < 5; i++) b.publish("tick", (seq) => ({ seq, type: "tick" }));
    const pending = b.waitBeyond(6);
    await b.close();
    await pending;
    assert.equal(b.closed, true);
    assert.deepEqual((await b.read(1, 100)).map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => b.publish("tick", (seq) => ({ seq, type: "tick" })), /closed/);
  });
});

Deno.test("Broadcaster counts subscribers in and out once", async () => {
  await withBroadcaster(2, (b) => {
    const off = b.attach();
    b.attach();
    assert.equal(b.subscribers, 2);
    off();
    off();
    assert.equal(b.subscribers, 1);
    return Promise.resolve();
  });
});

Deno.test("Broadcaster bounds the ring by size too; evicted events still come from the log", async () => {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  const b = new Broadcaster({ ringSize: 100, ringBytes: 2100, log: await NdjsonLog.create(path) });
  try {
    const pad = "x".repeat(200);
    for (let i = 0; i < 20; i++) b.publish("tick", (seq) => ({ seq, type: "tick", pad }));
    assert.ok(b.ringBytes <= 2100, `${b.ringBytes}`);
    assert.equal(b.ringOldestSeq, 17); // 4 events of ~240 characters (JSON + SSE frame, ~510) fit
    const all = [...await b.read(1, 100), ...await b.read(17, 100)];
    assert.deepEqual(all.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => i + 1));
  } finally {
    await b.close();
    await Deno.remove(path);
  }
});
