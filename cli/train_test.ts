import assert from "node:assert/strict";
import { intFlag, lrFlag, nonNegativeFlag } from "./train.ts";

Deno.test("train flags: --lr takes a constant or a START:END schedule", () => {
  assert.deepEqual(lrFlag("3e-4"), { learningRate: 3e-4, finalLearningRate: 3e-4 });
  assert.deepEqual(lrFlag("3e-4:3e-5"), { learningRate: 3e-4, finalLearningRate: 3e-5 });
  assert.equal(lrFlag(undefined), undefined);
  for (const bad of ["0", "-1e-3", "fast", "1e-3:", "1e-3:1e-4:1e-5", ""]) {
    assert.throws(() => lrFlag(bad), new RegExp(`flag --lr must be .* got "${bad}"`));
  }
});

Deno.test("train flags: --entropy-coef and --steps reject what they cannot use, naming the value", () => {
  assert.equal(nonNegativeFlag("entropy-coef", "0"), 0);
  assert.equal(nonNegativeFlag("entropy-coef", "0.01"), 0.01);
  assert.throws(
    () => nonNegativeFlag("entropy-coef", "-0.1"),
    /--entropy-coef must be a number >= 0, got "-0.1"/,
  );
  assert.throws(() => nonNegativeFlag("entropy-coef", " "), /got " "/);
  assert.equal(intFlag("steps", "1_500_000"), 1_500_000);
  assert.throws(() => intFlag("steps", "1.5"), /--steps must be an integer >= 1, got "1.5"/);
});
