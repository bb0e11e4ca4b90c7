import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { insertTop } from "./top_k.ts";

Deno.test("insertTop keeps the k largest keys in descending order, earlier first on ties", () => {
  const rng = new Rng(3, "top-k");
  for (let trial = 0; trial < 50; trial++) {
    const k = 1 + rng.int(5);
    const count = rng.int(12);
    const keys = new Float64Array(k), ids = new Int32Array(k);
    const all: { key: number; id: number }[] = [];
    let n = 0;
    for (let id = 0; id < count; id++) {
      const key = rng.int(6) / 5; // coarse, so ties happen
      all.push({ key, id });
      n = insertTop(keys, ids, n, k, key, id);
    }
    // A stable sort by descending key gives the reference order.
    const want = all.slice().sort((a, b) => b.key - a.key).slice(0, k);
    assert.equal(n, want.length, `trial ${trial}`);
    assert.deepEqual(Array.from(ids.subarray(0, n)), want.map((w) => w.id), `trial ${trial}`);
    assert.deepEqual(Array.from(keys.subarray(0, n)), want.map((w) => w.key), `trial ${trial}`);
  }
});

Deno.test("insertTop ignores a key no larger than the last of a full list", () => {
  const keys = new Float64Array([3, 2]), ids = new Int32Array([1, 2]);
  assert.equal(insertTop(keys, ids, 2, 2, 2, 9), 2);
  assert.deepEqual(Array.from(ids), [1, 2]);
  assert.equal(insertTop(keys, ids, 2, 2, 2.5, 9), 2);
  assert.deepEqual(Array.from(ids), [1, 9]);
});
