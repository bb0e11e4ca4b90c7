import assert from "node:assert/strict";
import { brentMax, brentRoot } from "./solve.ts";

Deno.test("solve: brentRoot finds roots to tolerance with few evaluations", () => {
  let calls = 0;
  const f = (x: number) => {
    calls++;
    return Math.exp(x) - 5;
  };
  const r = brentRoot(f, 0, 4, f(0), f(4), 1e-12);
  assert.ok(Math.abs(r - Math.log(5)) < 1e-11);
  assert.ok(calls < 20, `${calls} evaluations`);
  assert.equal(brentRoot(f, 0, 1, 0, 1, 1e-9), 0); // fa = 0: a is the root
  const step = (x: number) => (x < 0.3 ? -1 : 1); // discontinuous: still brackets to tolerance
  assert.ok(Math.abs(brentRoot(step, 0, 1, -1, 1, 1e-9) - 0.3) < 1e-8);
});

Deno.test("solve: brentMax finds interior and boundary maxima", () => {
  const m = brentMax((x) => -((x - 2.5) ** 2) + 7, 0, 10, 1e-8);
  assert.ok(Math.abs(m.x - 2.5) < 1e-6 && Math.abs(m.fx - 7) < 1e-10);
  const left = brentMax((x) => -x, 3, 9, 1e-6);
  assert.equal(left.x, 3);
  const right = brentMax((x) => x * x, 0, 2, 1e-6);
  assert.equal(right.x, 2);
  assert.equal(right.fx, 4);
  const sharp = brentMax((x) => 1 / (1 + 1e4 * (x - 0.7) ** 2), 0, 1, 1e-9); // narrow peak
  assert.ok(Math.abs(sharp.x - 0.7) < 1e-6);
});
