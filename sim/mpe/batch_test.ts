import assert from "node:assert/strict";
import { VectorEnv } from "../env/vector.ts";
import { Rng } from "../rng.ts";
import { MpeBatchEnv } from "./batch.ts";
import { MpeEnv } from "./env.ts";
import type { MpeScenario } from "./scenario.ts";
import { SimpleSpeakerListenerScenario } from "./simple_speaker_listener.ts";
import { SimpleSpreadScenario } from "./simple_spread.ts";

function sameAsVectorEnv(make: (copies: number) => MpeScenario, copies: number, steps: number) {
  const batch = new MpeBatchEnv(make(copies));
  const venv = new VectorEnv(Array.from({ length: copies }, () => new MpeEnv(make(1))));
  batch.reset(42);
  venv.reset(42);
  const rng = new Rng(9, "batch-test");
  const actions = batch.classes.map((c) => new Int32Array(copies * c.count));
  const compare = (t: number) => {
    for (const key of ["obs", "actionMask", "rewards", "terminations", "truncations"] as const) {
      batch[key].forEach((arr, c) => {
        assert.deepEqual(arr, venv[key][c], `step ${t}: ${key}[${c}]`);
      });
    }
    assert.deepEqual(batch.dones, venv.dones, `step ${t}: dones`);
    assert.deepEqual(batch.truncatedEpisodes, venv.truncatedEpisodes, `step ${t}`);
    assert.deepEqual(batch.states, venv.states, `step ${t}: states`);
    assert.deepEqual(batch.finalStates, venv.finalStates, `step ${t}: finalStates`);
    assert.deepEqual(batch.completed, venv.completed, `step ${t}: completed`);
  };
  compare(0);
  for (let t = 1; t <= steps; t++) {
    batch.classes.forEach((c, ci) => {
      for (let k = 0; k < actions[ci].length; k++) actions[ci][k] = rng.int(c.numActions);
    });
    batch.step(actions);
    venv.step(actions);
    compare(t);
  }
  assert.ok(batch.completed.length >= copies * Math.floor(steps / batch.maxSteps));
}

Deno.test("MpeBatchEnv equals VectorEnv over single MpeEnvs, bit for bit (simple_spread)", () => {
  sameAsVectorEnv((k) => new SimpleSpreadScenario({ maxCycles: 10 }, k), 5, 33);
  sameAsVectorEnv((k) => new SimpleSpreadScenario({ n: 4, localRatio: 0.3 }, k), 3, 60);
});

Deno.test("MpeBatchEnv equals VectorEnv over single MpeEnvs, bit for bit (speaker_listener)", () => {
  sameAsVectorEnv((k) => new SimpleSpeakerListenerScenario({ maxCycles: 9 }, k), 6, 40);
});

Deno.test("MpeBatchEnv validates actions and copy indices with clear errors", () => {
  const batch = new MpeBatchEnv(new SimpleSpreadScenario({}, 4));
  const ok = [new Int32Array(12)];
  assert.throws(() => batch.step(ok), /call reset\(\) first/);
  batch.reset(1);
  assert.throws(() => batch.step([new Int32Array(11)]), /must have 12 entries, got 11/);
  const bad = new Int32Array(12);
  bad[7] = 5;
  assert.throws(() => batch.step([bad]), /copy 2, agent "agent_1" chose action 5/);
  assert.throws(() => batch.getWorldState(4), /copy index must be an integer in \[0, 4\)/);
});

Deno.test("MpeBatchEnv world state of one copy can be set and read back", () => {
  const batch = new MpeBatchEnv(new SimpleSpeakerListenerScenario({}, 3));
  batch.reset(3);
  const other = batch.getWorldState(0);
  batch.setWorldState(1, {
    agentPos: [0, 0, 0.5, 0.5],
    landmarkPos: [0.5, 0.5, 0, 0, 0, 0],
    goal: 0,
    cycle: 2,
  });
  const s = batch.getWorldState(1);
  assert.deepEqual([s.goal, s.cycle, s.agentPos[2]], [0, 2, 0.5]);
  assert.deepEqual(batch.getWorldState(0), other);
  assert.equal(batch.obs[1][11 + 2], 0); // copy 1's listener sees landmark 0 at relative (0, 0)
  batch.step([new Int32Array(3), new Int32Array(3)]);
  assert.ok(batch.rewards[1][1] === 0); // on the goal (-0, as in PettingZoo)
});
