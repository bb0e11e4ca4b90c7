import assert from "node:assert/strict";
import { InputError } from "../sim/input_error.ts";
import {
  configFailure,
  DEFAULT_MAPPO_CONFIG,
  type MappoConfig,
  resolveMappoConfig,
  validateRolloutConfig,
} from "./config.ts";

/** Asserts that `partial` is rejected with an InputError naming `field`, the rule and the value shown. */
function rejects(partial: Partial<MappoConfig>, field: string, rule: string, shown: string) {
  assert.throws(
    () => resolveMappoConfig(partial),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `${field}: ${e}`);
      assert.equal(
        (e as Error).message,
        `Invalid MAPPO config: field "${field}" must be ${rule}, got ${shown}`,
      );
      return true;
    },
  );
}

Deno.test("resolveMappoConfig: defaults pass, overrides apply, defaults are not shared", () => {
  const c = resolveMappoConfig();
  assert.deepEqual(c, { ...DEFAULT_MAPPO_CONFIG });
  assert.equal(resolveMappoConfig({ gamma: 0.9, seed: 4 }).gamma, 0.9);
  c.actorHidden.push(1);
  assert.deepEqual(DEFAULT_MAPPO_CONFIG.actorHidden, [128, 128], "resolved lists are copies");
  assert.ok(Object.isFrozen(DEFAULT_MAPPO_CONFIG));
  // Boundaries that are allowed.
  resolveMappoConfig({ gamma: 1, gaeLambda: 1, checkpointEvery: 0, valueClip: 0, huberDelta: 0 });
  resolveMappoConfig({ entropyCoef: 0, actorHidden: [], criticHidden: [] });
});

Deno.test("resolveMappoConfig: every invalid field is an input error naming the field, rule and value", () => {
  const cases: [Partial<MappoConfig>, string, string, string][] = [
    [{ totalEnvSteps: 0 }, "totalEnvSteps", "a positive integer", "0"],
    [{ numEnvs: 2.5 }, "numEnvs", "a positive integer", "2.5"],
    [{ rolloutSteps: -1 }, "rolloutSteps", "a positive integer", "-1"],
    [{ epochs: 0 }, "epochs", "a positive integer", "0"],
    [{ minibatches: 0 }, "minibatches", "a positive integer", "0"],
    [{ checkpointEvery: -2 }, "checkpointEvery", "an integer >= 0", "-2"],
    [{ seed: Infinity }, "seed", "a finite number", "Infinity"],
    [{ learningRate: 0 }, "learningRate", "> 0", "0"],
    [{ finalLearningRate: -1e-4 }, "finalLearningRate", "> 0", "-0.0001"],
    [{ adamEpsilon: NaN }, "adamEpsilon", "> 0", "NaN"],
    [{ maxGradNorm: Infinity }, "maxGradNorm", "> 0", "Infinity"],
    [{ gamma: 1.5 }, "gamma", "in (0, 1]", "1.5"],
    [{ gaeLambda: 0 }, "gaeLambda", "in (0, 1]", "0"],
    [{ clip: 1 }, "clip", "in (0, 1)", "1"],
    [{ entropyCoef: -0.01 }, "entropyCoef", ">= 0", "-0.01"],
    [{ valueClip: -0.2 }, "valueClip", ">= 0", "-0.2"],
    [{ huberDelta: Infinity }, "huberDelta", ">= 0", "Infinity"],
    [{ valueCoef: NaN }, "valueCoef", ">= 0", "NaN"],
    [{ actorHidden: [64, 0] }, "actorHidden", "a list of positive integers", "[64,0]"],
    [{ criticHidden: [1.5] }, "criticHidden", "a list of positive integers", "[1.5]"],
    [{ recurrent: "yes" as unknown as boolean }, "recurrent", "true or false", '"yes"'],
    [{ chunkLength: 0 }, "chunkLength", "a positive integer", "0"],
    [{ activation: "gelu" as "relu" }, "activation", '"relu" or "tanh"', '"gelu"'],
    [
      { numEnvs: 2, rolloutSteps: 3, minibatches: 7 },
      "minibatches",
      "<= numEnvs * rolloutSteps (6)",
      "7",
    ],
  ];
  for (const [partial, field, rule, shown] of cases) rejects(partial, field, rule, shown);
});

Deno.test("resolveMappoConfig: recurrent runs need a GRU width, chunks dividing the rollout, enough chunks", () => {
  const base = { recurrent: true, numEnvs: 2, rolloutSteps: 20, chunkLength: 10, minibatches: 4 };
  resolveMappoConfig(base);
  rejects(
    { ...base, criticHidden: [] },
    "criticHidden",
    "at least one width (the GRU state size) when recurrent",
    "[]",
  );
  rejects(
    { ...base, chunkLength: 6 },
    "chunkLength",
    "a divisor of rolloutSteps (20) when recurrent",
    "6",
  );
  rejects(
    { ...base, minibatches: 5 },
    "minibatches",
    "<= the rollout's chunks (4) when recurrent",
    "5",
  );
  // Without recurrence the same chunk length is not checked against the rollout.
  resolveMappoConfig({ ...base, recurrent: false, chunkLength: 6 });
});

Deno.test("validateRolloutConfig and configFailure: shared checks, reported under the caller's name", () => {
  const fail = configFailure("KD");
  validateRolloutConfig(DEFAULT_MAPPO_CONFIG, fail);
  assert.throws(
    () => validateRolloutConfig({ ...DEFAULT_MAPPO_CONFIG, epochs: 0 }, fail),
    /^InputError: Invalid KD config: field "epochs" must be a positive integer, got 0$/,
  );
  assert.throws(
    () => fail("x.y", "a string", { a: 1 }),
    /field "x\.y" must be a string, got \{"a":1\}/,
  );
});
