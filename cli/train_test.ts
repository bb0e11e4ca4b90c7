import assert from "node:assert/strict";
import { intFlag, labelSmoothingFlag, lrFlag, nonNegativeFlag } from "./train.ts";

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
  assert.throws(
    () => intFlag("steps", "1.5"),
    /--steps must be an integer in \[1, 9007199254740991\], got "1.5"/,
  );
});

Deno.test("train flags: --label-smoothing takes [0, 1) and needs a scenario with a warm start", async () => {
  assert.equal(labelSmoothingFlag("0.1"), 0.1);
  assert.equal(labelSmoothingFlag("0"), 0);
  assert.equal(labelSmoothingFlag(undefined), undefined);
  for (const bad of ["1", "-0.1", "lots", " "]) {
    assert.throws(
      () => labelSmoothingFlag(bad),
      new RegExp(`flag --label-smoothing must be a number in \\[0, 1\\), got "${bad}"`),
    );
  }
  // toy/matching trains from scratch: the flag is refused before any training starts.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./train.ts", import.meta.url).pathname,
      "--scenario",
      "toy/matching",
      "--label-smoothing",
      "0.1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /--label-smoothing applies to the warm start, and toy\/matching has none/,
  );
});
