import assert from "node:assert/strict";
import { checkConformance } from "../env/conformance.ts";
import { mpeEnvEntries } from "./entries.ts";
import { SimpleSpreadEnv, simpleSpreadOptions } from "./simple_spread.ts";

const NOOP = [new Int32Array(3)];

Deno.test("simple_spread passes the conformance check (default and n = 5 via the registry entry)", () => {
  checkConformance(() => new SimpleSpreadEnv(), { episodes: 3 });
  const entry = mpeEnvEntries.find((e) => e.id === "mpe/simple_spread")!;
  checkConformance(() => entry.make({ n: 5, localRatio: 0.2 }), { episodes: 2 });
});

Deno.test("simple_spread spaces: obs 4 + 2n + 4(n - 1), 5 actions, state = n * obs, 25 cycles", () => {
  const env = new SimpleSpreadEnv();
  assert.deepEqual(
    [env.classes.length, env.classes[0].count, env.classes[0].obsSize, env.classes[0].numActions],
    [1, 3, 18, 5],
  );
  assert.equal(env.stateSize, 54);
  assert.equal(env.maxSteps, 25);
  assert.deepEqual(env.agents.map((a) => a.id), ["agent_0", "agent_1", "agent_2"]);
  const env4 = new SimpleSpreadEnv({ n: 4, maxCycles: 10 });
  assert.equal(env4.classes[0].obsSize, 4 + 8 + 6 + 6);
  assert.equal(env4.maxSteps, 10);
});

Deno.test("simple_spread reset: positions in [-1, 1), zero velocities, reproducible, seed-dependent", () => {
  const env = new SimpleSpreadEnv();
  env.reset(5);
  const a = env.getWorldState();
  for (const x of [...a.agentPos, ...a.landmarkPos]) assert.ok(x >= -1 && x < 1);
  assert.ok(a.agentVel.every((v) => v === 0) && a.agentComm.every((c) => c === 0));
  env.reset(5);
  assert.deepEqual(env.getWorldState(), a);
  env.reset(6);
  assert.notDeepEqual(env.getWorldState().agentPos, a.agentPos);
});

Deno.test("simple_spread observation layout (hand-computed)", () => {
  const env = new SimpleSpreadEnv();
  const r = env.setWorldState({
    agentPos: [0.1, 0.2, -0.3, 0.4, 0.5, -0.6],
    agentVel: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06],
    landmarkPos: [0.9, 0.9, -0.9, 0.0, 0.0, -0.9],
  });
  const f = Math.fround;
  // agent 1: vel, pos, landmarks - pos, other agents (0, 2) - pos, other agents' comm (zeros).
  const expected = [
    0.03,
    0.04,
    -0.3,
    0.4,
    0.9 - -0.3,
    0.9 - 0.4,
    -0.9 - -0.3,
    0.0 - 0.4,
    0.0 - -0.3,
    -0.9 - 0.4,
    0.1 - -0.3,
    0.2 - 0.4,
    0.5 - -0.3,
    -0.6 - 0.4,
    0,
    0,
    0,
    0,
  ].map(f);
  assert.deepEqual(Array.from(r.classes[0].obs.subarray(18, 36)), expected);
  // state() is the three observations concatenated.
  assert.deepEqual(Array.from(env.state()), Array.from(r.classes[0].obs));
});

Deno.test("no-op episode: every step's reward is 0.5 * G at the start positions (hand-computed G)", () => {
  // Agents far apart (no contact force reaches them); each landmark's nearest agent is at 0.3, 0.4, 0.5:
  // G = -(0.3 + 0.4 + 0.5) = -1.2.
  const state = {
    agentPos: [-0.6, 0, 0.6, 0, 0, 0.6],
    landmarkPos: [-0.6, 0.3, 0.6, -0.4, 0, 1.1],
  };
  for (const [localRatio, factor] of [[0.5, 0.5], [0.2, 0.8], [1, 0]]) {
    const env = new SimpleSpreadEnv({ localRatio });
    let r = env.setWorldState(state);
    let steps = 0;
    let ret = 0;
    while (!r.done) {
      r = env.step(NOOP);
      steps++;
      for (let i = 0; i < 3; i++) {
        assert.ok(
          Math.abs(r.classes[0].rewards[i] - factor * -1.2) < 1e-6,
          `localRatio ${localRatio}, step ${steps}, agent ${i}: ${r.classes[0].rewards[i]}`,
        );
      }
      ret += r.classes[0].rewards[0];
      assert.equal(r.infos.collisions, 0);
      assert.ok(Math.abs(r.infos.minDistSum - 1.2) < 1e-12);
    }
    assert.equal(steps, 25);
    assert.ok(Math.abs(ret - 25 * factor * -1.2) < 1e-4);
    // Nobody moved, up to the contact force's softplus tail (about 1e-240 here, as in PettingZoo).
    const end = env.getWorldState().agentPos;
    for (let k = 0; k < 6; k++) assert.ok(Math.abs(end[k] - state.agentPos[k]) < 1e-200);
  }
});

Deno.test("a collision is a distance strictly below the sum of sizes (0.15 + 0.15)", () => {
  assert.equal(Math.sqrt(0.3 * 0.3), 0.3); // so agents 0.3 apart are exactly at the threshold
  const env = new SimpleSpreadEnv({ localRatio: 1 }); // reward = local collision term only
  const far = [0.9, 0.9];
  const landmarks = [0, 0, 0, 0, 0, 0];
  let r = env.setWorldState({ agentPos: [0, 0, 0.3, 0, ...far], landmarkPos: landmarks });
  r = env.step(NOOP); // first step: positions move with the old (zero) velocity, so they are unchanged
  assert.deepEqual(Array.from(r.classes[0].rewards), [0, 0, 0]);
  assert.equal(r.infos.collisions, 0);
  r = env.setWorldState({ agentPos: [0, 0, 0.3 - 1e-9, 0, ...far], landmarkPos: landmarks });
  r = env.step(NOOP);
  assert.deepEqual(Array.from(r.classes[0].rewards), [-1, -1, 0]);
  assert.equal(r.infos.collisions, 1);
  // Three agents on top of each other: each collides with two others.
  r = env.setWorldState({ agentPos: [0, 0, 0.1, 0, 0, 0.1], landmarkPos: landmarks });
  r = env.step(NOOP);
  assert.deepEqual(Array.from(r.classes[0].rewards), [-2, -2, -2]);
  assert.equal(r.infos.collisions, 3);
});

Deno.test("overlapping agents are pushed apart and stop colliding", () => {
  const env = new SimpleSpreadEnv();
  let r = env.setWorldState({
    agentPos: [0, 0, 0.1, 0, 0.9, 0.9],
    landmarkPos: [0, 0, 0, 0, 0, 0],
  });
  r = env.step(NOOP);
  // dist 0.1: penetration 1e-3 * softplus(200) = 0.2, force 100 * 0.2 = 20, so v = 20 * dt = 2 apart.
  assert.ok(Math.abs(r.classes[0].obs[0] - -2) < 1e-6 && Math.abs(r.classes[0].obs[18] - 2) < 1e-6);
  assert.equal(r.infos.collisions, 1);
  for (let t = 0; t < 5; t++) r = env.step(NOOP);
  const p = env.getWorldState().agentPos;
  assert.ok(p[2] - p[0] > 0.3, `agents still overlap: ${p[2] - p[0]}`);
  assert.equal(r.infos.collisions, 0);
});

Deno.test("truncation on the step where the cycle count reaches maxCycles; stepping after is an error", () => {
  const env = new SimpleSpreadEnv({ maxCycles: 4 });
  let r = env.reset(1);
  for (let t = 1; t <= 4; t++) {
    r = env.step(NOOP);
    const expected = t === 4 ? 1 : 0;
    assert.deepEqual(Array.from(r.classes[0].truncations), [expected, expected, expected]);
    assert.deepEqual(Array.from(r.classes[0].terminations), [0, 0, 0]);
    assert.equal(r.done, t === 4);
  }
  assert.throws(() => env.step(NOOP), /episode is over/);
  // An episode can start mid-way: cycle 3 of 4 leaves one step.
  env.reset(1);
  r = env.setWorldState({ ...env.getWorldState(), cycle: 3 });
  assert.equal(env.step(NOOP).done, true);
});

Deno.test("simple_spread option and world-state errors name the field and value", () => {
  assert.throws(
    () => new SimpleSpreadEnv({ n: 0 }),
    /option "n" must be a positive integer, got 0/,
  );
  assert.throws(() => new SimpleSpreadEnv({ n: 2.5 }), /option "n"/);
  assert.throws(
    () => new SimpleSpreadEnv({ localRatio: 1.5 }),
    /option "localRatio" must be a number in \[0, 1\], got 1.5/,
  );
  assert.throws(() => simpleSpreadOptions({ localRatio: NaN }), /localRatio/);
  assert.throws(() => simpleSpreadOptions({ maxCycles: 0 }), /option "maxCycles"/);
  assert.throws(
    () => simpleSpreadOptions({ N: 3 }),
    /unknown option "N"; options are n, localRatio, maxCycles/,
  );
  assert.throws(
    () => simpleSpreadOptions({ n: "3" }),
    /option "n" must be a positive integer, got "3"/,
  );
  const env = new SimpleSpreadEnv();
  assert.throws(() => env.step(NOOP), /call reset\(\) first/);
  env.reset(0);
  const s = env.getWorldState();
  assert.throws(() => env.setWorldState({ ...s, goal: 1 }), /field "goal" does not exist/);
  assert.throws(() => env.setWorldState({ ...s, cycle: 25 }), /field "cycle" must be an integer/);
  assert.throws(
    () => env.setWorldState({ ...s, landmarkPos: [0, 0] }),
    /field "landmarkPos" must have 6 values/,
  );
  assert.throws(() => env.step([Int32Array.of(0, 5, 0)]), /agent "agent_1" chose action 5/);
});
