import assert from "node:assert/strict";
import { makeBuiltinEnv } from "../builtin_envs.ts";
import { type ParallelEnv, toParallelEnv } from "./parallel.ts";
import { parallelApiTest } from "./parallel_api.ts";

Deno.test("parallel API: dictionaries mirror the env's class batches, keyed by agent id", () => {
  const raw = makeBuiltinEnv("smax/3m");
  const twin = makeBuiltinEnv("smax/3m");
  const env = toParallelEnv(raw);
  const [obs, infos] = env.reset({ seed: 5 });
  const r = twin.reset(5);
  assert.deepEqual(env.possible_agents, raw.agents.map((a) => a.id));
  const spec = raw.classes[0];
  assert.deepEqual(obs["marine_1"], r.classes[0].obs.slice(spec.obsSize, 2 * spec.obsSize));
  assert.deepEqual(
    infos["marine_1"].action_mask,
    r.classes[0].actionMask.slice(spec.numActions, 2 * spec.numActions),
  );
  assert.equal(env.observation_space("marine_0").shape[0], spec.obsSize);
  assert.equal(env.observation_space("marine_0").dtype, "float32");
  assert.equal(env.action_space("marine_2").n, spec.numActions);
  assert.equal(env.state_space.shape[0], raw.stateSize);

  // Drive both with the same actions until the battle ends; rewards and ends must agree.
  const batch = new Int32Array(spec.count);
  let steps = 0;
  while (env.agents.length > 0) {
    const actions: Record<string, number> = {};
    for (const a of env.agents) actions[a] = 0;
    batch.fill(0);
    const [, rewards, terminations, truncations] = env.step(actions);
    const t = twin.step([batch]);
    for (const a of Object.keys(rewards)) {
      const i = Number(a.split("_")[1]);
      assert.equal(rewards[a], t.classes[0].rewards[i]);
      assert.equal(terminations[a], t.classes[0].terminations[i] === 1);
      if (t.done) assert.ok(terminations[a] || truncations[a]);
    }
    steps++;
    if (t.done) break;
  }
  assert.equal(env.agents.length, 0);
  assert.ok(steps >= 1);
  assert.throws(() => env.step({}), /no live agents/);
});

Deno.test("parallel API: bad actions get errors naming the agent and the value", () => {
  const env = toParallelEnv(makeBuiltinEnv("mpe/simple_spread"));
  assert.throws(() => env.step({ agent_0: 0 }), /call reset\(\) first/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step({ agent_0: 0, agent_1: 0 }), /no action for live agent "agent_2"/);
  assert.throws(
    () => env.step({ agent_0: 0, agent_1: 0, agent_2: 9 }),
    /action of "agent_2" must be an integer in \[0, 4\], got 9/,
  );
  assert.throws(
    () => env.step({ agent_0: 0, agent_1: 0, agent_2: 0, ghost: 1 }),
    /unknown agent "ghost"/,
  );
  assert.throws(() => env.observation_space("ghost"), /unknown agent "ghost"/);
  assert.throws(() => env.reset({ seed: -1 }), /seed must be a non-negative integer, got -1/);
});

Deno.test("parallel API: the same seed replays the same episode; observations outlive the next step", () => {
  const play = (seed: number) => {
    const env = toParallelEnv(makeBuiltinEnv("mpe/simple_spread"));
    const [first] = env.reset({ seed });
    const kept = first["agent_0"];
    const copy = kept.slice();
    env.step({ agent_0: 1, agent_1: 2, agent_2: 3 });
    assert.deepEqual(kept, copy, "a returned observation changed after the next step");
    return Array.from(kept);
  };
  assert.deepEqual(play(3), play(3));
  assert.notDeepEqual(play(3), play(4));
});

Deno.test("parallel API test catches a wrapper that breaks the contract", () => {
  const good = toParallelEnv(makeBuiltinEnv("toy/matching"));
  // Revives finished agents: reports agents that already finished as live again.
  const reviving: ParallelEnv = {
    ...good,
    get agents() {
      return good.possible_agents;
    },
    reset: (o) => good.reset(o),
    step: (a) => good.step(a),
  };
  assert.throws(
    () => parallelApiTest(reviving, { numCycles: 200 }),
    /agents after step|revived|no live agents/,
  );
  // Hands out a new space object per call.
  const fresh: ParallelEnv = {
    ...good,
    get agents() {
      return good.agents;
    },
    reset: (o) => good.reset(o),
    step: (a) => good.step(a),
    action_space: (agent) => ({ ...good.action_space(agent) }),
  };
  assert.throws(
    () => parallelApiTest(fresh, { numCycles: 5 }),
    /action_space\(".*"\) returns a new object/,
  );
  // Gives a reward to a dead agent.
  const extra: ParallelEnv = {
    ...good,
    get agents() {
      return good.agents;
    },
    reset: (o) => good.reset(o),
    step: (a) => {
      const out = good.step(a);
      out[1] = { ...out[1], not_an_agent: 0 };
      return out;
    },
  };
  assert.throws(
    () => parallelApiTest(extra, { numCycles: 5 }),
    /"not_an_agent" was given a reward/,
  );
});
