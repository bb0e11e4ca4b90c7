import assert from "node:assert/strict";
import {
  assertHeldOutSeed,
  assertTrainingSeed,
  EVALUATION_SEEDS,
  evaluationSeed,
  isTrainingSeed,
  TRAINING_SEEDS,
  trainingSeed,
} from "./seeds.ts";

Deno.test("seed split: the ranges are disjoint and the helpers stay in their own", () => {
  assert.ok(TRAINING_SEEDS.last < EVALUATION_SEEDS.first);
  for (let i = 0; i < 50; i++) {
    assert.ok(isTrainingSeed(trainingSeed(i)));
    assert.ok(!isTrainingSeed(evaluationSeed(i)));
    assert.doesNotThrow(() => assertHeldOutSeed(evaluationSeed(i), [trainingSeed(i)], "t"));
  }
  assert.throws(() => trainingSeed(-1), /index must be an integer/);
});

Deno.test("seed split: evaluating on a training seed is an error naming where and the seed", () => {
  assert.throws(
    () => assertHeldOutSeed(5, [], "flag --seed"),
    /flag --seed: evaluation seed 5 is in the training\/tuning range \[1, 999999\]/,
  );
  assert.throws(
    () => assertHeldOutSeed(1_000_003, [1_000_003], 'plan "p.json"'),
    /evaluation seed 1000003 is a seed a model being evaluated was trained with/,
  );
  assert.throws(() => assertHeldOutSeed(-1, [], "x"), /must be an integer >= 0, got -1/);
  assert.doesNotThrow(() => assertHeldOutSeed(0, [1], "regression seed"));
  assert.throws(
    () => assertTrainingSeed(1_000_000, 'plan field "seeds[0]"'),
    /plan field "seeds\[0\]": training seed must be an integer in \[1, 999999\]/,
  );
});
