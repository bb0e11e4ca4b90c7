import assert from "node:assert/strict";
import type { ComputeBudget } from "../sim/budget.ts";
import { Rng } from "../sim/rng.ts";
import {
  computeMs,
  erfc,
  inferenceEnergyJ,
  latencyQuantileMs,
  missProbability,
  nominalLatencyMs,
  normalTail,
  sampleLatencyMs,
  wilsonInterval,
} from "./platform_model.ts";

const cubesat: ComputeBudget = {
  flopsPerSecond: 2e7,
  paramMemoryBytes: 1 << 20,
  deadlineMs: 300,
  overheadMs: 0.05,
  activePowerW: 0.4,
  wakeEnergyJ: 2e-5,
  latencySigma: 0.1,
};

Deno.test("platform model: latency and energy of the shipped cubesat teacher and student, by hand", () => {
  // Teacher 51-128-128-8: 48,416 FLOPs / 2e7 FLOP/s = 2.4208 ms; + 0.05 ms overhead = 2.4708 ms.
  assert.ok(Math.abs(computeMs(48_416, cubesat) - 2.4208) < 1e-12);
  assert.ok(Math.abs(nominalLatencyMs(48_416, cubesat) - 2.4708) < 1e-12);
  // Energy: 0.4 W x 2.4208 ms = 968.32 uJ, + 20 uJ = 988.32 uJ.
  assert.ok(Math.abs(inferenceEnergyJ(48_416, cubesat) - 988.32e-6) < 1e-15);
  // Student 51-12-12-12-8: 2,096 FLOPs: 0.4 W x 0.1048 ms = 41.92 uJ, + 20 uJ = 61.92 uJ (16.0x less).
  assert.ok(Math.abs(inferenceEnergyJ(2_096, cubesat) - 61.92e-6) < 1e-15);
  // No FLOPs: only the wake energy.
  assert.equal(inferenceEnergyJ(0, cubesat), 2e-5);
});

Deno.test("platform model: erfc and the normal tail against tabulated values", () => {
  // Abramowitz & Stegun table 7.1 values.
  for (
    const [x, v] of [[0, 1], [0.5, 0.4795001222], [1, 0.1572992071], [2, 0.004677734981], [
      3,
      2.209049700e-5,
    ], [-1, 1.8427007929]]
  ) {
    assert.ok(Math.abs(erfc(x) - v) <= 1.3e-7 * v, `erfc(${x}) = ${erfc(x)}, table ${v}`);
  }
  // Standard normal quantiles: 1.6448536 (95%), 2.3263479 (99%), 3.0902323 (99.9%).
  assert.ok(Math.abs(normalTail(1.6448536) - 0.05) < 1e-8);
  assert.ok(Math.abs(normalTail(2.3263479) - 0.01) < 1e-8);
  assert.ok(Math.abs(normalTail(3.0902323) - 0.001) < 1e-9);
  assert.ok(Math.abs(normalTail(-1.6448536) - 0.95) < 1e-8);
});

Deno.test("platform model: miss probability and quantiles of the lognormal latency, by hand", () => {
  // Nominal 1 ms, deadline 2 ms, sigma = ln 2 / 2.3263479: the deadline is the 99th percentile.
  const b = {
    flopsPerSecond: 1e6,
    overheadMs: 0,
    deadlineMs: 2,
    latencySigma: Math.LN2 / 2.3263479,
  };
  assert.ok(Math.abs(missProbability(1000, b) - 0.01) < 1e-8, `${missProbability(1000, b)}`);
  assert.ok(Math.abs(latencyQuantileMs(1000, b, 0.99) - 2) < 1e-7);
  // erfc is accurate to ~1.2e-7, so the median's z is off by ~3e-7 at most.
  assert.ok(Math.abs(latencyQuantileMs(1000, b, 0.5) - 1) < 1e-6);
  // Deadline at the median: one in two.
  assert.ok(Math.abs(missProbability(1000, b, 1) - 0.5) < 1e-7);
  // Without spread the miss is certain or impossible.
  const d = { ...b, latencySigma: 0 };
  assert.equal(missProbability(1000, d), 0);
  assert.equal(missProbability(3000, d), 1);
  assert.throws(() => latencyQuantileMs(1000, b, 1), /p must be in \(0, 1\), got 1/);
});

Deno.test("platform model: sampled latencies follow the lognormal (median and log-spread)", () => {
  const rng = new Rng(3, "latency-test");
  const n = 20_000, sigma = 0.3;
  const logs = new Float64Array(n);
  for (let i = 0; i < n; i++) logs[i] = Math.log(sampleLatencyMs(2, sigma, rng) / 2);
  const mean = logs.reduce((a, x) => a + x, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  // Standard errors: sigma / sqrt(n) = 0.0021 for the mean, sigma / sqrt(2n) = 0.0015 for the sd.
  assert.ok(Math.abs(mean) < 4 * 0.0021, `${mean}`);
  assert.ok(Math.abs(sd - sigma) < 4 * 0.0015, `${sd}`);
  assert.equal(sampleLatencyMs(2, 0, rng), 2);
});

Deno.test("platform model: Wilson interval against published values", () => {
  // 10 of 100: [0.0552, 0.1744] (Newcombe 1998, method 3); 0 of 1,000: [0, 3.84 / 1003.84].
  const [lo, hi] = wilsonInterval(10, 100);
  assert.ok(Math.abs(lo - 0.0552) < 1e-4 && Math.abs(hi - 0.1744) < 1e-4, `${lo} ${hi}`);
  const [z0, z1] = wilsonInterval(0, 1000);
  assert.equal(z0, 0);
  assert.ok(Math.abs(z1 - 3.8415 / 1003.8415) < 1e-6);
  assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
});
