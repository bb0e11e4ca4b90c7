import assert from "node:assert/strict";
import { checkConformance } from "../env/conformance.ts";
import { mpeEnvEntries } from "./entries.ts";
import {
  SimpleSpeakerListenerEnv,
  simpleSpeakerListenerOptions,
} from "./simple_speaker_listener.ts";

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `[${i}]: ${actual[i]} vs ${expected[i]} (${Array.from(actual).join(", ")})`,
    );
  }
}

Deno.test("simple_speaker_listener passes the conformance check", () => {
  checkConformance(() => new SimpleSpeakerListenerEnv(), { episodes: 3 });
  const entry = mpeEnvEntries.find((e) => e.id === "mpe/simple_speaker_listener")!;
  checkConformance(() => entry.make({ maxCycles: 7 }), { episodes: 2 });
});

Deno.test("heterogeneous spaces: speaker obs 3 / 3 actions, listener obs 11 / 5 actions, state 14", () => {
  const env = new SimpleSpeakerListenerEnv();
  assert.deepEqual(
    env.classes.map((c) => [c.name, c.count, c.obsSize, c.numActions]),
    [["speaker", 1, 3, 3], ["listener", 1, 11, 5]],
  );
  assert.equal(env.stateSize, 14);
  assert.deepEqual(env.agents.map((a) => a.id), ["speaker_0", "listener_0"]);
});

Deno.test("one step from a set state (hand-computed observations and reward)", () => {
  const env = new SimpleSpeakerListenerEnv();
  let r = env.setWorldState({
    agentPos: [0.9, 0.9, 0.1, -0.2],
    agentVel: [0, 0, 0.3, -0.4],
    landmarkPos: [0.5, 0.5, -0.5, 0.25, 0.2, -0.8],
    goal: 2,
  });
  close(r.classes[0].obs, [0.15, 0.15, 0.65]); // the goal's colour (blue)
  close(r.classes[1].obs, [0.3, -0.4, 0.4, 0.7, -0.6, 0.45, 0.1, -0.6, 0, 0, 0]);
  r = env.step([Int32Array.of(1), Int32Array.of(2)]); // say 1; move +x
  // p = (0.1, -0.2) + 0.1 * (0.3, -0.4) = (0.13, -0.24); v = 0.75 * (0.3, -0.4) + 0.1 * (5, 0) = (0.725, -0.3).
  close(r.classes[1].obs, [0.725, -0.3, 0.37, 0.74, -0.63, 0.49, 0.07, -0.56, 0, 1, 0]);
  close(r.classes[0].obs, [0.15, 0.15, 0.65]);
  // -|(0.13, -0.24) - (0.2, -0.8)|^2 = -(0.0049 + 0.3136).
  close(r.classes[0].rewards, [-0.3185]);
  close(r.classes[1].rewards, [-0.3185]);
  assert.ok(Math.abs(r.infos.goalDistance - Math.sqrt(0.3185)) < 1e-12);
  const s = env.getWorldState();
  assert.deepEqual([s.agentPos[0], s.agentPos[1]], [0.9, 0.9]); // the speaker cannot move
  assert.deepEqual(Array.from(s.agentComm), [0, 1, 0, 0, 0, 0]); // the listener is silent
  assert.equal(s.goal, 2);
  assert.equal(s.cycle, 1);
  const state = env.state();
  close(state, [...r.classes[0].obs, ...r.classes[1].obs], 0);
});

Deno.test("reset: zero communication heard, goal uniform over the 3 landmarks", () => {
  const env = new SimpleSpeakerListenerEnv();
  const counts = [0, 0, 0];
  const colors = new Set<string>();
  for (let seed = 0; seed < 3000; seed++) {
    const r = env.reset(seed);
    assert.deepEqual(Array.from(r.classes[1].obs.subarray(8)), [0, 0, 0]);
    assert.deepEqual(Array.from(r.classes[1].obs.subarray(0, 2)), [0, 0]);
    counts[env.getWorldState().goal!]++;
    colors.add(Array.from(r.classes[0].obs).join());
  }
  for (const c of counts) assert.ok(Math.abs(c / 3000 - 1 / 3) < 0.04, `goal counts ${counts}`);
  assert.equal(colors.size, 3);
});

Deno.test("simple_speaker_listener option and world-state errors name the field and value", () => {
  assert.throws(
    () => simpleSpeakerListenerOptions({ n: 3 }),
    /unknown option "n"; options are maxCycles/,
  );
  assert.throws(
    () => new SimpleSpeakerListenerEnv({ maxCycles: -1 }),
    /option "maxCycles" must be a positive integer, got -1/,
  );
  const env = new SimpleSpeakerListenerEnv();
  env.reset(0);
  const s = env.getWorldState();
  assert.throws(
    () => env.setWorldState({ ...s, goal: 3 }),
    /field "goal" must be 0, 1 or 2, got 3/,
  );
  assert.throws(
    () => env.setWorldState({ ...s, agentComm: [0, 0, 0] }),
    /field "agentComm" must have 6 values, got 3/,
  );
  assert.throws(
    () => env.step([Int32Array.of(3), Int32Array.of(0)]),
    /agent "speaker_0" chose action 3/,
  );
});
