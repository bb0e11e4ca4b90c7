import assert from "node:assert/strict";
import { histogram, lineChart, niceTicks } from "./svg.ts";

Deno.test("niceTicks: 1-2-5 steps covering the range", () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(-43, -18), [-40, -35, -30, -25, -20]);
  assert.ok(niceTicks(5, 5).length >= 2);
});

Deno.test("lineChart: one path per series, skips non-finite points, escapes names", () => {
  const svg = lineChart({
    title: "a < b",
    series: [
      { name: "x&y", points: [[0, 1], [1, Number.NaN], [2, 3]] },
      { name: "z", points: [[0, 2], [2, 2]] },
    ],
  });
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.ok(svg.includes("a &#60; b") && svg.includes("x&#38;y"));
  assert.ok(!svg.includes("NaN"));
});

Deno.test("histogram: bar heights follow the counts; markers drawn", () => {
  const svg = histogram({
    title: "h",
    values: [1, 1, 1, 2],
    bins: 2,
    markers: [{ x: 2, label: "deadline" }],
  });
  assert.equal((svg.match(/fill="#1f77b4"/g) ?? []).length, 2);
  assert.ok(svg.includes("deadline"));
});

Deno.test("lineChart: a one-point series is drawn as a marker, not an invisible path", () => {
  const svg = lineChart({
    title: "pareto",
    series: [
      { name: "kd", points: [[3, 0.5], [3.5, 0.9]] },
      { name: "teacher", points: [[4.6, 1]] },
    ],
  });
  assert.equal((svg.match(/<circle /g) ?? []).length, 1);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
});
