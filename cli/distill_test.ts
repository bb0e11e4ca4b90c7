import assert from "node:assert/strict";
import { parseObservationFlags } from "./distill.ts";

Deno.test("parseObservationFlags: every class, per class, auto, range; errors name the flag", () => {
  assert.deepEqual(parseObservationFlags(undefined, undefined, ["a"]), undefined);
  assert.deepEqual(parseObservationFlags("enemies=1", "4.5", ["a", "b"]), {
    "*": { entities: { enemies: 1 }, range: 4.5 },
  });
  assert.deepEqual(parseObservationFlags("b:enemies=2;a:allies=0", undefined, ["a", "b"]), {
    b: { entities: { enemies: 2 } },
    a: { entities: { allies: 0 } },
  });
  assert.deepEqual(parseObservationFlags("auto", undefined, ["a"]), { a: "auto" });
  assert.deepEqual(parseObservationFlags(undefined, "3", ["a"]), { "*": { range: 3 } });
  assert.throws(() => parseObservationFlags("enemies=x", undefined, ["a"]), /flag --obs-entities/);
  assert.throws(
    () => parseObservationFlags("enemies=-1", undefined, ["a"]),
    /flag --obs-entities: count of "enemies" must be >= 0, got -1/,
  );
  assert.throws(
    () => parseObservationFlags("c:enemies=1", undefined, ["a"]),
    /must start with a class name and ":" \(classes: a\)/,
  );
  assert.throws(
    () => parseObservationFlags(undefined, "-2", ["a"]),
    /flag --obs-range: must be a number > 0, got "-2"/,
  );
});
