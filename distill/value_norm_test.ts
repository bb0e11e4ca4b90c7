import assert from "node:assert/strict";
import { Rng } from "../sim/rng.ts";
import { ValueNormalizer } from "./value_norm.ts";

function twoPass(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}

function near(actual: number, expected: number, tol: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);
}

Deno.test("ValueNormalizer: with MAPPO's beta, equal batches give the two-pass mean and std of all targets", () => {
  const rng = new Rng(3, "value_norm");
  const norm = new ValueNormalizer();
  const all: number[] = [];
  for (let k = 0; k < 20; k++) {
    // Targets drift between batches, as returns do during training.
    const batch = Float32Array.from({ length: 64 }, () => 40 + k + 6 * rng.normal());
    norm.update(batch);
    all.push(...batch);
  }
  const ref = twoPass(all);
  const { mean, std } = norm.stats();
  near(mean, ref.mean, 1e-3, "mean");
  near(std, ref.std, 1e-3, "std");
});

Deno.test("ValueNormalizer: exponential debiasing matches a hand-weighted reference at beta 0.5", () => {
  const norm = new ValueNormalizer(0.5);
  norm.update([2]);
  norm.update([4, 6]); // batch mean 5, mean square 26
  // Weights 0.25 (first batch) and 0.5 (second), debias 0.75:
  // mean = (0.25*2 + 0.5*5) / 0.75 = 4; E[x^2] = (0.25*4 + 0.5*26) / 0.75 = 56/3; var = 56/3 - 16 = 8/3.
  const { mean, std } = norm.stats();
  near(mean, 4, 1e-12, "mean");
  near(std, Math.sqrt(8 / 3), 1e-12, "std");
  // A single batch is its own two-pass statistics whatever beta is.
  const one = new ValueNormalizer(0.9);
  one.update([1, 2, 3, 10]);
  near(one.stats().mean, twoPass([1, 2, 3, 10]).mean, 1e-12, "mean of one batch");
  near(one.stats().std, twoPass([1, 2, 3, 10]).std, 1e-12, "std of one batch");
});

Deno.test("ValueNormalizer: normalise and denormalise invert each other, scalar and in place", () => {
  const norm = new ValueNormalizer();
  norm.update(Float32Array.of(-3, 1, 8, 10));
  const { mean, std } = norm.stats();
  near(norm.normalize(mean + 2 * std), 2, 1e-9, "two sd above the mean");
  near(norm.denormalize(norm.normalize(7.25)), 7.25, 1e-9, "round trip");
  const xs = Float32Array.of(-3, 1, 8, 10);
  norm.normalizeInPlace(xs);
  near(xs.reduce((a, x) => a + x, 0), 0, 1e-5, "normalised batch sums to 0");
  assert.equal(norm.denormalizeInPlace(xs), xs);
  Array.from(xs).forEach((x, i) => near(x, [-3, 1, 8, 10][i], 1e-5, `denormalised[${i}]`));
});

Deno.test("ValueNormalizer: variance floored at 1e-2, empty batches ignored, fresh state is finite", () => {
  const fresh = new ValueNormalizer();
  assert.deepEqual(fresh.stats(), { mean: 0, std: 0.1 });
  fresh.update([]);
  assert.deepEqual(fresh.toJSON(), { mean: 0, meanSq: 0, debias: 0 });
  const constant = new ValueNormalizer();
  constant.update([5, 5, 5]);
  near(constant.stats().mean, 5, 1e-9, "mean");
  near(constant.stats().std, 0.1, 1e-9, "floored std");
  assert.ok(Number.isFinite(constant.normalize(5)));
});

Deno.test("ValueNormalizer: toJSON/load round trip restores the statistics exactly (JSON-safe)", () => {
  const a = new ValueNormalizer();
  a.update([1, 2, 3]);
  a.update([10, 20]);
  const b = new ValueNormalizer();
  b.load(JSON.parse(JSON.stringify(a.toJSON())));
  assert.deepEqual(b.stats(), a.stats());
  a.update([7]);
  b.update([7]);
  assert.deepEqual(b.toJSON(), a.toJSON(), "they evolve identically after the restore");
});
