import assert from "node:assert/strict";
import {
  aggregateMean,
  iqm,
  meanCi95,
  probabilityOfImprovement,
  probabilityOfImprovementCi,
  stratifiedBootstrapCi,
  tQuantile,
} from "./stats.ts";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("tQuantile: 97.5% quantiles at df 1, 10, 30, 100, 1000 (reference values to 9 digits)", () => {
  // df 1 is the Cauchy distribution: tan(pi (0.975 - 0.5)) exactly.
  close(tQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-8, "df 1");
  close(tQuantile(0.975, 1), 12.7062047, 1e-6, "df 1");
  close(tQuantile(0.975, 10), 2.22813885, 1e-7, "df 10");
  close(tQuantile(0.975, 30), 2.04227246, 1e-7, "df 30");
  close(tQuantile(0.975, 100), 1.98397152, 1e-7, "df 100");
  close(tQuantile(0.975, 1000), 1.96233908, 1e-7, "df 1000");
  // df 2 has a closed form too: t = (2p - 1) sqrt(2 / (4 p (1 - p))).
  const p = 0.975;
  close(tQuantile(p, 2), (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p))), 1e-9, "df 2");
  // Symmetric, and between t(30) and the normal 1.959964 for large df: the old flat 1.96 was wrong.
  close(tQuantile(0.025, 10), -tQuantile(0.975, 10), 1e-9, "symmetry");
  assert.ok(tQuantile(0.975, 40) > 2.02);
  assert.throws(() => tQuantile(0.975, 0), /degrees of freedom must be a finite number > 0, got 0/);
  assert.throws(() => tQuantile(1, 5), /p must be in \(0, 1\), got 1/);
});

Deno.test("meanCi95: uses the t quantile at n - 1 for every n", () => {
  const xs = Array.from({ length: 41 }, (_, i) => i % 7);
  const r = meanCi95(xs);
  close(r.ci95, tQuantile(0.975, 40) * r.std / Math.sqrt(41), 1e-12, "n 41");
  assert.equal(meanCi95([3]).ci95, Number.POSITIVE_INFINITY);
});

Deno.test("iqm: scipy's 25% trimmed mean of the pooled runs (hand-computed)", () => {
  // 8 values: drop floor(2) from each end of 1..7,100 -> mean of 3, 4, 5, 6.
  assert.equal(iqm([[1, 2, 3, 4, 100, 5, 6, 7]]), 4.5);
  // Pooled over tasks: 10 values, drop 2 each end of 0,1,2,3,4,10,20,30,40,-50 sorted
  // (-50,0,1,2,3,4,10,20,30,40) -> 1,2,3,4,10,20 -> 40/6.
  assert.equal(iqm([[0, 1, 2, 3, 4], [10, 20, 30, 40, -50]]), 40 / 6);
  // 5 values: floor(1.25) = 1 dropped from each end.
  assert.equal(iqm([[5, 1, 3, 2, 4]]), 3);
  assert.equal(aggregateMean([[1, 2], [3, 4, 5]]), 3);
});

Deno.test("probabilityOfImprovement: normalised U statistic averaged over tasks (hand-computed)", () => {
  // Task 1: x [1, 3] vs y [2, 2]: pairs 1>2 no, 1>2 no, 3>2 yes, 3>2 yes -> 0.5.
  // Task 2: x [5] vs y [5, 4]: tie 0.5 + win 1 -> 0.75. Average 0.625.
  assert.equal(probabilityOfImprovement([[1, 3], [5]], [[2, 2], [5, 4]]), 0.625);
  assert.equal(probabilityOfImprovement([[2, 3]], [[1, 1]]), 1);
  assert.equal(probabilityOfImprovement([[1, 1]], [[2, 3]]), 0);
  // P(X > Y) + P(Y > X) = 1.
  const x = [[0.1, 0.5, 0.9]], y = [[0.4, 0.5, 0.6]];
  close(probabilityOfImprovement(x, y) + probabilityOfImprovement(y, x), 1, 1e-12, "complement");
  assert.throws(
    () => probabilityOfImprovement([[1]], []),
    /needs the same non-empty tasks, got 1 and 0/,
  );
});

Deno.test("stratified bootstrap: deterministic per seed, stratified by task, CI brackets the point", () => {
  const scores = [[1, 2, 3, 4, 5, 6], [100, 101, 102, 103, 104, 105]];
  const a = stratifiedBootstrapCi(scores, aggregateMean, { seed: 7, reps: 500 });
  const b = stratifiedBootstrapCi(scores, aggregateMean, { seed: 7, reps: 500 });
  const c = stratifiedBootstrapCi(scores, aggregateMean, { seed: 8, reps: 500 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.point, 53);
  assert.ok(a.low < a.point && a.point < a.high);
  // Stratified: every replicate keeps 6 runs of each task, so the mean is (mean1 + mean2) / 2 with
  // mean1 in [1, 6] and mean2 in [100, 105]; an unstratified resample could reach 1 or 105.
  assert.ok(a.low >= 50.5 && a.high <= 55.5, `${a.low} ${a.high}`);
  // Constant data: a zero-width interval.
  const k = stratifiedBootstrapCi([[2, 2, 2]], iqm, { seed: 1, reps: 50 });
  assert.deepEqual(k, { point: 2, low: 2, high: 2 });
  // A wider spread gives a wider interval.
  const wide = stratifiedBootstrapCi([[1, 20, 40, 60, 80, 100]], aggregateMean, { seed: 7 });
  const narrow = stratifiedBootstrapCi([[49, 50, 50, 51, 50, 50]], aggregateMean, { seed: 7 });
  assert.ok(wide.high - wide.low > 10 * (narrow.high - narrow.low));
  assert.throws(() => stratifiedBootstrapCi(scores, iqm, { reps: 0 }), /reps must be a positive/);
});

Deno.test("probabilityOfImprovementCi: clear win above 0.5, overlap straddles 0.5, deterministic", () => {
  const better = [[0.9, 0.91, 0.93, 0.95, 0.97]], worse = [[0.5, 0.55, 0.6, 0.62, 0.7]];
  const p = probabilityOfImprovementCi(better, worse, { seed: 3 });
  assert.equal(p.point, 1);
  assert.ok(p.low > 0.5);
  const mixed = probabilityOfImprovementCi([[1, 4, 5, 8, 9]], [[2, 3, 6, 7, 10]], { seed: 3 });
  assert.ok(mixed.low < 0.5 && mixed.high > 0.5, `${mixed.low} ${mixed.high}`);
  assert.deepEqual(
    mixed,
    probabilityOfImprovementCi([[1, 4, 5, 8, 9]], [[2, 3, 6, 7, 10]], {
      seed: 3,
    }),
  );
});
