import assert from "node:assert/strict";
import { formatTick, linearAxis, logAxis, niceStep } from "./chart_scale.js";

Deno.test("niceStep: 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.9, 4), 0.2);
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(7, 4), 2);
  assert.equal(niceStep(0.005, 4), 0.001);
  assert.equal(niceStep(3000, 4), 1000);
});

Deno.test("linearAxis: rewards near zero never print -0.00, ticks are nice and cover the data", () => {
  for (
    const [min, max] of [[-0.004, 0.001], [-0.0001, 0], [-1e-9, 1e-9], [-0.25, 0], [-3.7, 12.2], [
      -0,
      -0,
    ], [-0.005, -0.005]]
  ) {
    const a = linearAxis(min, max, 4);
    assert.ok(a.lo <= min && a.hi >= max, `[${a.lo}, ${a.hi}] covers [${min}, ${max}]`);
    assert.ok(a.ticks.length >= 2 && a.ticks.length <= 11, `${a.ticks.length} ticks`);
    for (const label of a.labels) {
      assert.doesNotMatch(label, /^-0(\.0*)?$/, `label ${label} of [${min}, ${max}]`);
    }
    // Equal spacing in nice steps.
    const m = a.step / 10 ** Math.floor(Math.log10(a.step) + 1e-9);
    assert.ok([1, 2, 5].some((k) => Math.abs(m - k) < 1e-9), `step ${a.step}`);
    a.ticks.slice(1).forEach((t, i) =>
      assert.ok(Math.abs(t - a.ticks[i] - a.step) < a.step * 1e-6)
    );
  }
  assert.deepEqual(linearAxis(-0.004, 0.001, 4).labels, [
    "-0.004",
    "-0.003",
    "-0.002",
    "-0.001",
    "0.000",
    "0.001",
  ]);
  assert.deepEqual(linearAxis(-0.25, 0, 4).labels, [
    "-0.25",
    "-0.20",
    "-0.15",
    "-0.10",
    "-0.05",
    "0.00",
  ]);
});

Deno.test("linearAxis with floorZero: misses span 0..max, and 0..1 when all zero", () => {
  const zero = linearAxis(0, 0, 4, { floorZero: true });
  assert.equal(zero.lo, 0);
  assert.equal(zero.hi, 1);
  assert.ok(zero.ticks.every((t) => t >= 0));
  const seven = linearAxis(0, 7, 4, { floorZero: true });
  assert.deepEqual(seven.ticks, [0, 2, 4, 6, 8]);
  const high = linearAxis(3, 3, 4, { floorZero: true });
  assert.equal(high.lo, 0);
  assert.ok(high.hi >= 3);
  // A negative input (it cannot happen for counts) is still drawn from 0.
  assert.equal(linearAxis(-2, 5, 4, { floorZero: true }).lo, 0);
});

Deno.test("formatTick: negative zero is unsigned", () => {
  assert.equal(formatTick(-0, 2), "0.00");
  assert.equal(formatTick(-0.0004, 3), "0.000");
  assert.equal(formatTick(-0.0006, 3), "-0.001");
  assert.equal(formatTick(12, 0), "12");
});

Deno.test("logAxis: whole decades around 0.25-100 ms, labels per decade, minor 2 and 5", () => {
  const a = logAxis(0.25, 100);
  assert.deepEqual(a.ticks, [0.1, 1, 10, 100]);
  assert.deepEqual(a.labels, ["0.1", "1", "10", "100"]);
  assert.deepEqual(a.minor, [0.2, 0.5, 2, 5, 20, 50]);
  // One or two decades: 1, 2 and 5 of each are labelled, nothing is minor.
  const narrow = logAxis(2, 4);
  assert.equal(narrow.lo, 1);
  assert.equal(narrow.hi, 10);
  assert.deepEqual(narrow.labels, ["1", "2", "5", "10"]);
  assert.deepEqual(narrow.minor, []);
  assert.deepEqual(logAxis(0.03, 0.4).labels, ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]);
  // Three decades and more: labels per decade only.
  assert.deepEqual(logAxis(0.03, 4).labels, ["0.01", "0.1", "1", "10"]);
  const exact = logAxis(1, 10);
  assert.deepEqual(exact.ticks, [1, 2, 5, 10]);
  // Non-positive values cannot be on a log axis and are ignored.
  assert.deepEqual(logAxis(0, 5).ticks, [1, 2, 5, 10]);
  const wide = logAxis(0.001, 1e6);
  assert.ok(wide.lo <= 0.001 && wide.hi >= 1e6 && wide.ticks.length <= 7);
});
