import assert from "node:assert/strict";
import { VectorEnv } from "./vector.ts";
import { MatchingEnv } from "../toy/matching.ts";
import { checkConformance } from "./conformance.ts";
import type { MultiAgentEnv, StepResult } from "./types.ts";

Deno.test("VectorEnv: copies follow their own seed sequence and auto-reset", () => {
  const n = 4;
  const venv = new VectorEnv(Array.from({ length: n }, () => new MatchingEnv({ maxSteps: 3 })));
  venv.reset(11);
  // Copy 2's first observation equals a lone env reset with copy 2's episode-0 seed.
  const lone = new MatchingEnv({ maxSteps: 3 });
  const r0 = lone.reset(VectorEnv.episodeSeed(11, 2, 0));
  assert.deepEqual(Array.from(venv.obs[0].subarray(2 * 10, 3 * 10)), Array.from(r0.classes[0].obs));
  const actions = venv.classes.map((c) => new Int32Array(n * c.count));
  for (let s = 0; s < 3; s++) venv.step(actions);
  assert.deepEqual(Array.from(venv.dones), [1, 1, 1, 1]);
  assert.equal(venv.completed.length, 4);
  assert.ok(venv.completed.every((e) => e.length === 3 && e.truncated));
  // After auto-reset copy 2 shows episode 1's first observation.
  const r1 = lone.reset(VectorEnv.episodeSeed(11, 2, 1));
  assert.deepEqual(Array.from(venv.obs[0].subarray(2 * 10, 3 * 10)), Array.from(r1.classes[0].obs));
  // Finalstates hold the terminal state (t = maxSteps), states the fresh one (t = 0).
  assert.equal(venv.finalStates[2 * venv.stateSize + 11], 1);
  assert.equal(venv.states[2 * venv.stateSize + 11], 0);
});

Deno.test("VectorEnv: returns match a hand-played episode", () => {
  const venv = new VectorEnv([new MatchingEnv({ maxSteps: 5 })]);
  venv.reset(3);
  const lone = new MatchingEnv({ maxSteps: 5 });
  let r: StepResult = lone.reset(VectorEnv.episodeSeed(3, 0, 0));
  let total = 0;
  const acts = [new Int32Array(2), new Int32Array(1)];
  for (let s = 0; s < 5; s++) {
    acts[0][0] = 1;
    acts[0][1] = 2;
    r = lone.step(acts);
    for (const b of r.classes) for (const x of b.rewards) total += x;
    venv.step(acts);
  }
  assert.equal(venv.completed.length, 1);
  assert.ok(Math.abs(venv.completed[0].totalReturn - total) < 1e-9);
  assert.ok(Math.abs(venv.completed[0].meanAgentReturn - total / 3) < 1e-9);
});

Deno.test("VectorEnv: rejects wrong action lengths and mismatched copies", () => {
  const venv = new VectorEnv([new MatchingEnv(), new MatchingEnv()]);
  venv.reset(1);
  assert.throws(
    () => venv.step([new Int32Array(2), new Int32Array(2)]),
    /actions\[0\].*must have 4 entries, got 2/,
  );
  const other = {
    ...new MatchingEnv(),
    id: "x",
    stateSize: 3,
    classes: [],
  } as unknown as MultiAgentEnv;
  assert.throws(() => new VectorEnv([new MatchingEnv(), other]), /envs\[1\]/);
});

Deno.test("checkConformance: catches a non-deterministic environment", () => {
  let calls = 0;
  const make = () => {
    const env = new MatchingEnv();
    const reset = env.reset.bind(env);
    env.reset = (seed: number) => reset(seed + (calls++ % 2)); // second instance drifts
    return env;
  };
  assert.throws(() => checkConformance(make), /differ/);
});

Deno.test("findEnvEntry: exact ids, clear errors naming the known ones", async () => {
  const { findEnvEntry } = await import("./registry.ts");
  const { builtinEnvEntries } = await import("../builtin_envs.ts");
  assert.equal(findEnvEntry(builtinEnvEntries, "toy/matching").id, "toy/matching");
  assert.throws(
    () => findEnvEntry(builtinEnvEntries, "nope"),
    /Unknown environment "nope"; known: .*toy\/matching/,
  );
});
