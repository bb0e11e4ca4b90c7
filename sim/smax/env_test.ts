import assert from "node:assert/strict";
import { checkConformance } from "../env/conformance.ts";
import { RandomController } from "../env/controller.ts";
import { SmaxEnv } from "./env.ts";
import { smaxEnvEntries } from "./entries.ts";
import { SMAX_MAP_NAMES } from "./maps.ts";

/** Equal up to float32 rounding (rewards and observations are float32). */
const close = (a: number, b: number, what = "") =>
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** A small map with no jitter: allies and enemies at given points (one group per point). */
function arena(
  allies: [string, number, number][],
  enemies: [string, number, number][],
  episodeLimit = 60,
  reward?: "smac" | "survivors",
) {
  const groups = (gs: [string, number, number][]) =>
    gs.map(([type, x, y]) => ({ type, count: 1, spawn: { x, y } }));
  return new SmaxEnv({
    map: {
      name: "arena",
      episodeLimit,
      width: 32,
      height: 32,
      allySpawn: { x: 10, y: 16 },
      enemySpawn: { x: 22, y: 16 },
      spawnJitter: 0,
      allies: groups(allies),
      enemies: groups(enemies),
    },
    reward,
  });
}

function noops(env: SmaxEnv): Int32Array[] {
  return env.classes.map((c) => new Int32Array(c.count));
}

for (const name of SMAX_MAP_NAMES) {
  Deno.test(`env: conformance of smax/${name}`, () => {
    checkConformance(() => new SmaxEnv({ map: name }), { episodes: 2 });
  });
}

Deno.test("env: registry entries build every shipped map and check their options", () => {
  assert.deepEqual(smaxEnvEntries.map((e) => e.id), [
    "smax/3m",
    "smax/8m",
    "smax/2s3z",
    "smax/3s5z",
    "smax/3s_vs_5z",
  ]);
  for (const e of smaxEnvEntries) assert.equal(e.make().id, e.id);
  const m3 = smaxEnvEntries[0];
  assert.equal(m3.make({ maxSteps: 7 }).maxSteps, 7);
  assert.throws(
    () => m3.make({ maxSteps: -1 }),
    /Cannot build "smax\/3m": option "maxSteps" must be a positive integer, got -1/,
  );
  assert.throws(() => m3.make({ map: "8m" }), /unknown option "map"/);
});

Deno.test("env: same seed, same battle; other seed, other start", () => {
  const play = (seed: number) => {
    const env = new SmaxEnv({ map: "2s3z" });
    const ctl = new RandomController(env.classes, 5);
    const acts = noops(env);
    const trace: string[] = [];
    let r = env.reset(seed);
    ctl.reset(seed);
    while (!r.done) {
      ctl.act(r, acts);
      r = env.step(acts);
      trace.push(
        [...r.classes.flatMap((b) => [...b.obs, ...b.rewards]), ...env.state()].join(","),
      );
    }
    return { trace, x: [...env.world.x], first: trace[0] };
  };
  const a = play(3);
  const b = play(3);
  assert.deepEqual(a.trace, b.trace);
  assert.deepEqual(a.x, b.x);
  const s1 = new SmaxEnv({ map: "3m" });
  const x1 = (s1.reset(1), [...s1.world.x]);
  const x2 = (s1.reset(2), [...s1.world.x]);
  assert.notDeepEqual(x1, x2);
  // SMAX clusters: jitter of 2, plus at most one push apart (two radii).
  assert.ok(x1.every((x, i) => Math.abs(x - (i < 3 ? 8 : 24)) <= 2 + 0.75));
});

Deno.test("env: classes are split by unit type; SMAC's observation and state sizes", () => {
  const env = new SmaxEnv({ map: "3s5z" });
  assert.deepEqual(env.classes.map((c) => [c.name, c.count, c.obsSize, c.numActions]), [
    ["stalker", 3, 128, 14],
    ["zealot", 5, 128, 14],
  ]);
  assert.equal(env.stateSize, 216);
  assert.deepEqual(env.agents.map((a) => a.id).slice(2, 4), ["stalker_2", "zealot_0"]);
  const r = env.reset(0);
  // Own features at the end: health, shield, type one-hot (stalker, zealot).
  const own = (
    c: number,
    i: number,
  ) => [...r.classes[c].obs.subarray((i + 1) * 128 - 4, (i + 1) * 128)];
  assert.deepEqual(own(0, 0), [1, 1, 1, 0]);
  assert.deepEqual(own(1, 4), [1, 1, 0, 1]);
});

Deno.test("env: attack actions are legal up to SMAC's shooting range 6, centre to centre", () => {
  const at6 = arena([["marine", 10, 16]], [["marine", 16, 16]]);
  const r6 = at6.reset(0);
  assert.deepEqual([...r6.classes[0].actionMask], [1, 1, 1, 1, 1, 1, 1]);
  const beyond = arena([["marine", 10, 16]], [["marine", 16.01, 16]]);
  const rb = beyond.reset(0);
  assert.deepEqual([...rb.classes[0].actionMask], [1, 1, 1, 1, 1, 1, 0]);
  // Observation: move features, then the enemy (attackable, distance, dx, dy / 9, health), then own health.
  close(rb.classes[0].obs[5], 6.01 / 9, "distance");
  assert.deepEqual(
    [...r6.classes[0].obs].map((v) => Math.round(v * 1e6) / 1e6),
    [1, 1, 1, 1, 1, 0.666667, 0.666667, 0, 1, 1],
  );
  // Moves off the map are masked (the point 1 away must be on the map).
  const edge = arena([["marine", 0.5, 31.5]], [["marine", 20, 16]]);
  assert.deepEqual([...edge.reset(0).classes[0].actionMask.subarray(0, 6)], [1, 1, 0, 1, 1, 0]);
});

Deno.test("env: an attack order out of weapon reach closes in, then fires", () => {
  const env = arena([["marine", 10, 16]], [["marine", 16, 16]]);
  env.reset(0);
  const r = env.step([Int32Array.of(6)]); // reach 5.75 < 6: both walk in and shoot
  const w = env.world;
  assert.ok(Math.abs(w.x[1] - w.x[0]) <= 5.75);
  assert.deepEqual([w.health[0], w.health[1]], [39, 39]);
  close(r.classes[0].rewards[0], 6 / 12.75, "reward");
});

Deno.test("env: cooldown timing and a draw when both marines die in the same loop", () => {
  const env = arena([["marine", 10, 16]], [["marine", 15, 16]]);
  let r = env.reset(0);
  const health: number[] = [];
  let total = 0;
  while (!r.done) {
    r = env.step([Int32Array.of(0)]); // no-op: the idle marine shoots what is in reach
    health.push(env.world.health[1]);
    total += r.classes[0].rewards[0];
    assert.equal(env.world.health[0], env.world.health[1]);
  }
  // Shots at loops 0, 14, 28, ..., 98; 8 loops per step.
  assert.deepEqual(health, [39, 33, 33, 27, 27, 21, 21, 15, 9, 9, 3, 3, 0]);
  assert.deepEqual(r.infos, { won: 0, alliesAlive: 0, enemiesAlive: 0, battleStep: 13 });
  assert.equal(r.classes[0].terminations[0], 1);
  close(total, (42 + 3 + 10) / 12.75, "return"); // max reward 10 + 200 + 45
});

Deno.test("env: a won battle pays SMAC's reward, 20 in total, to every agent", () => {
  // Two marines 4.12 from one enemy marine: 12 damage per volley at loops 0, 14, 28, 42.
  const env = arena([["marine", 10, 15], ["marine", 10, 17]], [["marine", 14, 16]]);
  let r = env.reset(0);
  const rewards: number[] = [];
  while (!r.done) {
    r = env.step([Int32Array.of(0, 0)]);
    assert.equal(r.classes[0].rewards[0], r.classes[0].rewards[1]);
    rewards.push(r.classes[0].rewards[0] * 12.75);
  }
  rewards.forEach((v, i) => close(v, [12, 12, 0, 12, 0, 9 + 10 + 200][i], `step ${i + 1}`));
  assert.deepEqual(r.infos, { won: 1, alliesAlive: 2, enemiesAlive: 0, battleStep: 6 });
  assert.deepEqual([...r.classes[0].terminations, ...r.classes[0].truncations], [1, 1, 0, 0]);
  // The enemy shot the first (tied) closest ally at loops 0, 14, 28 and 42.
  assert.deepEqual([env.world.health[0], env.world.health[1]], [21, 45]);
  close(rewards.reduce((s, v) => s + v, 0) / 12.75, 20, "return");
});

Deno.test("env: a lost battle (survivors reward); a dead agent keeps only no-op, zero observation, no later reward", () => {
  // Ally 0 faces two marines; ally 1 waits 12 away, out of everyone's sight.
  const env = arena(
    [["marine", 10, 16], ["marine", 2, 16]],
    [["marine", 14, 15], ["marine", 14, 17]],
    60,
    "survivors",
  );
  let r = env.reset(0);
  for (let s = 0; s < 6; s++) r = env.step([Int32Array.of(0, 1)]);
  const b = r.classes[0];
  assert.equal(env.world.alive[0], 0); // dead at loop 42, in step 6
  assert.deepEqual([...b.terminations], [1, 0]);
  assert.ok(!r.done);
  close(b.rewards[0] * 15.5, 6, "reward of the step it died in"); // its last shot landed
  assert.deepEqual([...b.actionMask.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(b.obs.subarray(0, env.obsSize).every((v) => v === 0));
  assert.deepEqual([env.world.health[2], env.world.health[3]], [21, 45]);
  r = env.step([Int32Array.of(0, 1)]);
  assert.equal(r.classes[0].rewards[0], 0);
  // The other marine walks east into the enemies (moving units do not fire): a loss.
  while (!r.done) r = env.step([Int32Array.of(0, r.classes[0].actionMask[8 + 4] ? 4 : 1)]);
  assert.deepEqual([r.infos.won, r.infos.alliesAlive], [0, 0]);
  assert.deepEqual([...r.classes[0].terminations], [1, 1]);
});

Deno.test("env: global state (SMAC layout) with cooldown and last actions", () => {
  const env = arena([["marine", 10, 16]], [["marine", 15, 16]]);
  env.reset(0);
  assert.deepEqual(
    [...env.state()],
    [1, 0, (10 - 16) / 32, 0, 1, (15 - 16) / 32, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  env.step([Int32Array.of(1)]); // stop: idle, shoots at loop 0; cooldown 14 - 8 = 6 loops left
  const s = env.state();
  close(s[0], 39 / 45, "health");
  close(s[1], 6 / 14, "cooldown");
  assert.deepEqual([...s.subarray(7)], [0, 1, 0, 0, 0, 0, 0]);
  assert.equal(new SmaxEnv({ map: "3m", stateLastAction: false }).stateSize, 48 - 27);
});

Deno.test("env: the episode limit truncates living agents", () => {
  const env = arena([["marine", 2, 2]], [["marine", 30, 30]], 3);
  let r = env.reset(0);
  for (let s = 0; s < 3; s++) r = env.step([Int32Array.of(1)]);
  assert.ok(r.done);
  assert.deepEqual([r.classes[0].terminations[0], r.classes[0].truncations[0]], [0, 1]);
  assert.throws(() => env.step([Int32Array.of(0)]), /episode is over/);
});

/** Plays no-ops to the end; returns each step's rewards of every agent, in SMAC reward units. */
function playNoops(env: SmaxEnv): number[][] {
  let r = env.step(noops(env));
  const steps: number[][] = [];
  const scale = env.maxReward / 20;
  for (;;) {
    steps.push(r.classes.flatMap((b) => [...b.rewards].map((v) => v * scale)));
    if (r.done) return steps;
    r = env.step(noops(env));
  }
}

Deno.test("reward (smac): a kill, then a loss, by hand: damage + 10 per kill, no defeat penalty", () => {
  // One marine against two; the closer enemy has 6 hit points left and dies to the first shot.
  const env = arena([["marine", 10, 16]], [["marine", 13.5, 15], ["marine", 14, 17]]);
  env.reset(0);
  env.world.health[1] = 6;
  const steps = playNoops(env);
  // Loop 0: the kill (6 + 10) while both enemies hit the ally (45 -> 33); then one enemy and the ally
  // trade 6 every 14 loops (14, 28, ..., 84) until the ally dies at loop 84, its last shot landing.
  const expected = [16, 6, 0, 6, 0, 6, 0, 6, 6, 0, 6];
  assert.equal(steps.length, expected.length);
  steps.forEach((s, i) => close(s[0], expected[i], `step ${i + 1}`));
  assert.deepEqual([env.world.alive[0], env.world.health[2]], [0, 45 - 36]);
  close(
    steps.reduce((t, s) => t + s[0], 0) / (env.maxReward / 20),
    52 / 15.5,
    "return (max reward 2 * 10 + 200 + 90 = 310)",
  );
});

Deno.test("reward (smac): a win after a loss pays the dead ally too, 20 for the team; survivors pays less", () => {
  const build = (mode?: "smac" | "survivors") => {
    // Ally 0 (6 hit points left) is the enemy's closest target and dies at loop 0; ally 1 finishes it.
    const env = arena([["marine", 10, 16], ["marine", 9, 18]], [["marine", 14, 16]], 60, mode);
    env.reset(0);
    env.world.health[0] = 6;
    return env;
  };
  const smac = build();
  assert.equal(smac.rewardMode, "smac");
  const steps = playNoops(smac);
  // Loop 0: both allies hit (12); then ally 1 alone every 14 loops; the enemy dies at loop 84 with 3 left.
  const expected = [12, 6, 0, 6, 0, 6, 0, 6, 6, 0, 3 + 10 + 200];
  assert.equal(steps.length, expected.length);
  steps.forEach((s, i) => {
    close(s[0], expected[i], `ally 0, step ${i + 1}`);
    close(s[1], expected[i], `ally 1, step ${i + 1}`);
  });
  assert.deepEqual([smac.world.alive[0], smac.world.alive[1]], [0, 1]);
  const teamReturn = (ss: number[][], env: SmaxEnv) =>
    ss.reduce((t, s) => t + (s[0] + s[1]) / 2, 0) / (env.maxReward / 20);
  close(teamReturn(steps, smac), 20, "team return (smac)");

  const survivors = build("survivors");
  const old = playNoops(survivors);
  old.forEach((s, i) => {
    close(s[0], i === 0 ? 12 : 0, `survivors: ally 0, step ${i + 1}`);
    close(s[1], expected[i], `survivors: ally 1, step ${i + 1}`);
  });
  close(teamReturn(old, survivors), (12 / 12.75 + 20) / 2, "team return (survivors)");
});

Deno.test("reward: an unknown reward mode is an error naming the option and the value", () => {
  assert.throws(
    () => new SmaxEnv({ map: "3m", reward: "dense" as "smac" }),
    /Cannot build "smax\/3m": option "reward" must be one of "smac", "survivors", got "dense"/,
  );
  assert.throws(
    () => smaxEnvEntries[0].make({ reward: 3 }),
    /option "reward" must be one of "smac", "survivors", got 3/,
  );
  assert.equal(
    (smaxEnvEntries[0].make({ reward: "survivors" }) as SmaxEnv).rewardMode,
    "survivors",
  );
});
