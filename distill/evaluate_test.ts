import assert from "node:assert/strict";
import {
  evaluateController,
  meanCi95,
  pairedDifference,
  pairedWinDifference,
  retention,
  winRate,
} from "./evaluate.ts";
import { tQuantile } from "./stats.ts";
import { type Controller, RandomController } from "../sim/env/controller.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import type { StepResult } from "../sim/env/types.ts";

/** Reads the cue from the observation: the optimal policy of the matching task. */
class OracleController implements Controller {
  readonly name = "oracle";
  act(result: StepResult, out: Int32Array[]): void {
    const a = result.classes[0].obs, b = result.classes[1].obs;
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < 4; k++) if (a[i * 5 + k] === 1) out[0][i] = k;
    }
    for (let k = 0; k < 3; k++) if (b[k] === 1) out[1][0] = k;
  }
}

Deno.test("meanCi95: hand-computed values", () => {
  const r = meanCi95([1, 2, 3, 4]);
  assert.equal(r.mean, 2.5);
  assert.ok(Math.abs(r.std - Math.sqrt(5 / 3)) < 1e-12);
  // t(0.975, 3) = 3.182446305 (to 10 digits).
  assert.ok(Math.abs(r.ci95 - 3.182446305 * Math.sqrt(5 / 3) / 2) < 1e-8);
  assert.ok(Number.isNaN(meanCi95([]).mean));
});

Deno.test("pairedDifference: hand-computed, and tighter than the per-policy CIs on shared episodes", () => {
  // Differences 1, 2, 3: mean 2, std 1, t(0.975, 2) = 4.302652730, CI 4.302652730 / sqrt(3).
  const d = pairedDifference({ returns: [11, 22, 33] }, { returns: [10, 20, 30] });
  assert.equal(d.mean, 2);
  assert.ok(Math.abs(d.ci95 - 4.30265273 / Math.sqrt(3)) < 1e-8);
  assert.equal(d.ci95, tQuantile(0.975, 2) / Math.sqrt(3));
  const a = { returns: [1, 50, 100, 7] }, b = { returns: [0.5, 49, 99.5, 6] };
  assert.ok(pairedDifference(a, b).ci95 < meanCi95(a.returns).ci95 / 10);
  assert.throws(
    () => pairedDifference(a, { returns: [1] }),
    /needs the same episodes, got 4 and 1 returns/,
  );
});

Deno.test("retention: normalised by random, honest for negative returns", () => {
  assert.equal(retention(-25, -20, -70), 0.9);
  // A plain ratio would call -25/-20 = 1.25 "better than the teacher".
  assert.ok(retention(-25, -20, -70) < 1);
  assert.equal(retention(5, 10, 0), 0.5);
});

Deno.test("evaluateController: oracle scores the optimum, random about chance, same seeds same result", () => {
  const env = new MatchingEnv({ maxSteps: 8 });
  const oracle = evaluateController(env, new OracleController(), { episodes: 10, seed: 3 });
  // Each agent-step pays 1 (own match) + 1 (all three matched) = 2; 8 steps.
  assert.ok(Math.abs(oracle.mean - 16) < 1e-5, `${oracle.mean}`);
  assert.ok(Math.abs(oracle.infos.matched - 3) < 1e-9);
  const random = evaluateController(env, new RandomController(env.classes, 1), {
    episodes: 200,
    seed: 3,
  });
  assert.ok(random.mean < 8 && random.mean > 2, `${random.mean}`);
  const again = evaluateController(env, new RandomController(env.classes, 1), {
    episodes: 200,
    seed: 3,
  });
  assert.deepEqual(again.returns, random.returns);
  assert.ok(random.ci95 > 0 && random.ci95 < 1);
});

Deno.test("evaluate: Wilson win-rate interval and the paired win difference", () => {
  const w = winRate({ wins: [...new Array(45).fill(1), ...new Array(55).fill(0)] });
  assert.equal(w.rate, 0.45);
  // Wilson 95% for 45/100: 0.3561 .. 0.5475.
  assert.ok(
    Math.abs(w.low - 0.3561) < 1e-3 && Math.abs(w.high - 0.5475) < 1e-3,
    `${w.low} ${w.high}`,
  );
  const all = winRate({ wins: [1, 1, 1] });
  assert.ok(all.rate === 1 && all.high === 1 && all.low < 1);
  assert.ok(Number.isNaN(winRate({}).rate));
  const d = pairedWinDifference({ wins: [1, 1, 0, 1] }, { wins: [0, 1, 0, 0] });
  assert.equal(d.mean, 0.5);
});
