import assert from "node:assert/strict";
import { SeqRing } from "./ring_buffer.ts";

Deno.test("SeqRing keeps the newest items and evicts the oldest", () => {
  const ring = new SeqRing<number>(3);
  assert.equal(ring.size, 0);
  assert.deepEqual(ring.slice(1, 10), []);
  for (let s = 1; s <= 5; s++) ring.push(s, s * 10);
  assert.equal(ring.size, 3);
  assert.equal(ring.oldestSeq, 3);
  assert.equal(ring.newestSeq, 5);
  assert.equal(ring.get(2), undefined);
  assert.equal(ring.get(3), 30);
  assert.equal(ring.get(6), undefined);
  assert.deepEqual(ring.slice(1, 10), [30, 40, 50]);
  assert.deepEqual(ring.slice(4, 1), [40]);
  assert.deepEqual(ring.slice(6, 10), []);
});

Deno.test("SeqRing refuses gaps and keeps its position after clear", () => {
  const ring = new SeqRing<string>(2);
  ring.push(7, "a");
  assert.equal(ring.oldestSeq, 7);
  assert.throws(() => ring.push(9, "c"), /expected seq 8, got 9/);
  ring.push(8, "b");
  ring.clear();
  assert.equal(ring.size, 0);
  assert.equal(ring.get(8), undefined);
  ring.push(9, "c");
  assert.deepEqual(ring.slice(0, 5), ["c"]);
  assert.throws(() => new SeqRing(0), /capacity must be an integer >= 1, got 0/);
});

Deno.test("SeqRing drops its oldest item on request", () => {
  const ring = new SeqRing<string>(4);
  assert.equal(ring.dropOldest(), undefined);
  for (let s = 1; s <= 3; s++) ring.push(s, `v${s}`);
  assert.equal(ring.peekOldest(), "v1");
  assert.equal(ring.dropOldest(), "v1");
  assert.equal(ring.oldestSeq, 2);
  assert.equal(ring.get(1), undefined);
  ring.push(4, "v4");
  ring.push(5, "v5");
  ring.push(6, "v6"); // capacity reached again: evicts v2
  assert.deepEqual(ring.slice(0, 10), ["v3", "v4", "v5", "v6"]);
});
