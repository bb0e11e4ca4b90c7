import assert from "node:assert/strict";
import "../sim/builtin_envs.ts";
import { SpreadAssignmentController } from "../sim/baselines/spread_assignment.ts";
import { listEnvs, makeEnv } from "../sim/env/registry.ts";
import { GreedyFleetController } from "../sim/fleet/greedy.ts";
import { SmaxHeuristicController } from "../sim/smax/heuristic.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { baselineFor } from "./baselines.ts";

const ids = listEnvs().map((e) => e.id);

Deno.test("baselineFor: each family's heuristic, built on that family's environment", () => {
  const cases: [string, new (...args: never[]) => unknown][] = [
    ["mpe/simple_spread", SpreadAssignmentController],
    ["smax/3m", SmaxHeuristicController],
    ["fleet/leo-wildfire", GreedyFleetController],
  ];
  for (const [id, kind] of cases) {
    assert.ok(ids.includes(id), `${id} is registered`);
    const factory = baselineFor(id);
    assert.ok(factory, id);
    const env = makeEnv(id);
    const controller = factory(env);
    assert.ok(controller instanceof kind, `${id}: got ${controller.name}`);
    // It acts: one legal action per agent on the first observation.
    const result = env.reset(1);
    const out = env.classes.map((c) => new Int32Array(c.count).fill(-1));
    controller.act(result, out);
    env.classes.forEach((c, k) => {
      for (let i = 0; i < c.count; i++) {
        const a = out[k][i];
        assert.ok(a >= 0 && a < c.numActions, `${id} ${c.name}_${i}: action ${a}`);
        assert.equal(result.classes[k].actionMask[i * c.numActions + a], 1, `${id}: legal`);
      }
    });
  }
});

Deno.test("baselineFor: every SMAX map and every fleet scenario has one; other environments none", () => {
  for (const id of ids) {
    const family = id.split("/")[0];
    const has = baselineFor(id) !== undefined;
    assert.equal(has, family === "smax" || family === "fleet" || id === "mpe/simple_spread", id);
  }
  assert.equal(baselineFor("toy/matching"), undefined);
  assert.equal(baselineFor("mpe/simple_speaker_listener"), undefined);
});

Deno.test("baselineFor: the SMAX heuristic on another environment is a TypeError naming it", () => {
  assert.throws(
    () => baselineFor("smax/3m")!(new MatchingEnv()),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === 'The SMAX heuristic needs a SmaxEnv, got "toy/matching"',
  );
});
