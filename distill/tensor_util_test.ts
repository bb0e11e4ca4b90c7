import assert from "node:assert/strict";
import { gatherAgentRows } from "./tensor_util.ts";

Deno.test("gatherAgentRows: steps in the given order, then agents (all, or the members given)", () => {
  // 3 steps x 2 agents, 2 values per row: row (step, agent) holds [10 step + agent, -(10 step + agent)].
  const source = new Float32Array(12);
  for (let t = 0; t < 3; t++) {
    for (let a = 0; a < 2; a++) source.set([10 * t + a, -(10 * t + a)], (t * 2 + a) * 2);
  }
  const steps = new Int32Array([2, 0]);
  assert.deepEqual(Array.from(gatherAgentRows(source, 2, 2, steps)), [
    20,
    -20,
    21,
    -21,
    0,
    -0,
    1,
    -1,
  ]);
  assert.deepEqual(
    Array.from(gatherAgentRows(source, 2, 2, steps, new Int32Array([1]))),
    [21, -21, 1, -1],
  );
  const actions = gatherAgentRows(new Int32Array([5, 6, 7, 8, 9, 4]), 1, 2, new Int32Array([1]));
  assert.ok(actions instanceof Int32Array);
  assert.deepEqual(Array.from(actions), [7, 8]);
});
