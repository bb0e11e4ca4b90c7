/**
 * Two checks against PettingZoo:
 *
 * 1. Step-exact: a plain, slow, object-based port written here line by line from PettingZoo's Python
 *    (`_mpe_utils/core.py`, `_mpe_utils/simple_env.py`, `simple_spread.py`, `simple_speaker_listener.py`
 *    at Farama-Foundation/PettingZoo 478ff2efd41ee4cb7ba98d1dbeed33a0e8e485d1) is stepped from the same
 *    worlds with the same actions as the fast typed-array environments; observations, rewards, positions
 *    and velocities must agree exactly.
 * 2. Statistical: the random-policy per-agent episode return of our environments over 10,000 episodes
 *    agrees with PettingZoo's within sampling error. The reference figures were measured by running
 *    PettingZoo's own MPE code (same commit, numpy 2.4.6) with `testdata/pettingzoo_reference.py`:
 *    `python3 pettingzoo_reference.py <checkout> random simple_spread 100000 2026` and the same for
 *    `simple_speaker_listener` (100,000 episodes each, uniform random discrete actions, default options).
 *    No published random-policy figure with a standard error was found (EPyMARL issue #29 only says
 *    "around -700" for a summed, older variant).
 */

import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { MpeBatchEnv } from "./batch.ts";
import type { MpeEnv } from "./env.ts";
import {
  SimpleSpeakerListenerEnv,
  SimpleSpeakerListenerScenario,
} from "./simple_speaker_listener.ts";
import { SimpleSpreadEnv, SimpleSpreadScenario } from "./simple_spread.ts";

// ---------------------------------------------------------------------------------------------------
// numpy-like helpers on plain number arrays (element-wise, as numpy evaluates them)
const add = (a: number[], b: number[] | number) =>
  a.map((x, i) => x + (typeof b === "number" ? b : b[i]));
const sub = (a: number[], b: number[]) => a.map((x, i) => x - b[i]);
const mul = (a: number[], s: number) => a.map((x) => x * s);
const div = (a: number[], s: number) => a.map((x) => x / s);
const neg = (a: number[]) => a.map((x) => -x);
const zeros = (n: number) => new Array<number>(n).fill(0);
const square = (a: number[]) => a.map((x) => x * x);
const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
function logaddexp(x: number, y: number): number { // numpy's npy_logaddexp
  if (x === y) return x + Math.LN2;
  const tmp = x - y;
  if (tmp > 0) return x + Math.log1p(Math.exp(-tmp));
  if (tmp <= 0) return y + Math.log1p(Math.exp(tmp));
  return tmp;
}

// ---------------------------------------------------------------------------------------------------
// core.py
class EntityState {
  p_pos: number[] = [];
  p_vel: number[] = [];
}
class AgentState extends EntityState {
  c: number[] = [];
}
class Action {
  u: number[] = [];
  c: number[] = [];
}
class Entity {
  name = "";
  size = 0.050;
  movable = false;
  collide = true;
  density = 25.0;
  color: number[] = [];
  max_speed: number | null = null;
  accel: number | null = null;
  state: EntityState = new EntityState();
  initial_mass = 1.0;
  get mass() {
    return this.initial_mass;
  }
}
class Landmark extends Entity {}
class Agent extends Entity {
  override movable = true;
  silent = false;
  blind = false;
  u_noise: number | null = null;
  c_noise: number | null = null;
  u_range = 1.0;
  override state: AgentState = new AgentState();
  action = new Action();
  goal_a: Entity | null = null;
  goal_b: Entity | null = null;
}
type Force = number[] | null;
class World {
  agents: Agent[] = [];
  landmarks: Landmark[] = [];
  dim_c = 0;
  dim_p = 2;
  dim_color = 3;
  dt = 0.1;
  damping = 0.25;
  contact_force = 1e2;
  contact_margin = 1e-3;
  get entities(): Entity[] {
    return [...this.agents, ...this.landmarks];
  }
  step() {
    let p_force: Force[] = new Array(this.entities.length).fill(null);
    p_force = this.apply_action_force(p_force);
    p_force = this.apply_environment_force(p_force);
    this.integrate_state(p_force);
    for (const agent of this.agents) this.update_agent_state(agent);
  }
  apply_action_force(p_force: Force[]) {
    this.agents.forEach((agent, i) => {
      if (agent.movable) p_force[i] = add(agent.action.u, 0.0); // noise 0.0 (u_noise unset)
    });
    return p_force;
  }
  apply_environment_force(p_force: Force[]) {
    const entities = this.entities;
    entities.forEach((entity_a, a) => {
      entities.forEach((entity_b, b) => {
        if (b <= a) return;
        const [f_a, f_b] = this.get_collision_force(entity_a, entity_b);
        if (f_a !== null) p_force[a] = add(f_a, p_force[a] ?? 0.0);
        if (f_b !== null) p_force[b] = add(f_b, p_force[b] ?? 0.0);
      });
    });
    return p_force;
  }
  integrate_state(p_force: Force[]) {
    this.entities.forEach((entity, i) => {
      if (!entity.movable) return;
      entity.state.p_pos = add(entity.state.p_pos, mul(entity.state.p_vel, this.dt));
      entity.state.p_vel = mul(entity.state.p_vel, 1 - this.damping);
      const f = p_force[i];
      if (f !== null) {
        entity.state.p_vel = add(entity.state.p_vel, mul(div(f, entity.mass), this.dt));
      }
      if (entity.max_speed !== null) {
        const v = entity.state.p_vel;
        const speed = Math.sqrt(v[0] * v[0] + v[1] * v[1]);
        if (speed > entity.max_speed) {
          entity.state.p_vel = mul(div(v, Math.sqrt(v[0] * v[0] + v[1] * v[1])), entity.max_speed);
        }
      }
    });
  }
  update_agent_state(agent: Agent) {
    agent.state.c = agent.silent ? zeros(this.dim_c) : add(agent.action.c, 0.0);
  }
  get_collision_force(entity_a: Entity, entity_b: Entity): [Force, Force] {
    if (!entity_a.collide || !entity_b.collide) return [null, null];
    if (entity_a === entity_b) return [null, null];
    const delta_pos = sub(entity_a.state.p_pos, entity_b.state.p_pos);
    const dist = Math.sqrt(sum(square(delta_pos)));
    const dist_min = entity_a.size + entity_b.size;
    const k = this.contact_margin;
    const penetration = logaddexp(0, -(dist - dist_min) / k) * k;
    const force = mul(div(mul(delta_pos, this.contact_force), dist), penetration);
    return [entity_a.movable ? force : null, entity_b.movable ? neg(force) : null];
  }
}

// ---------------------------------------------------------------------------------------------------
// scenarios
interface Scenario {
  reward(agent: Agent, world: World): number;
  global_reward?(world: World): number;
  observation(agent: Agent, world: World): number[];
}
class SpreadScenario implements Scenario {
  make_world(N: number): World {
    const world = new World();
    world.dim_c = 2;
    world.agents = Array.from({ length: N }, (_, i) => {
      const agent = new Agent();
      agent.name = `agent_${i}`;
      agent.collide = true;
      agent.silent = true;
      agent.size = 0.15;
      return agent;
    });
    world.landmarks = Array.from({ length: N }, (_, i) => {
      const landmark = new Landmark();
      landmark.name = `landmark ${i}`;
      landmark.collide = false;
      landmark.movable = false;
      return landmark;
    });
    return world;
  }
  is_collision(agent1: Agent, agent2: Agent): boolean {
    const delta_pos = sub(agent1.state.p_pos, agent2.state.p_pos);
    const dist = Math.sqrt(sum(square(delta_pos)));
    return dist < agent1.size + agent2.size;
  }
  reward(agent: Agent, world: World): number {
    let rew = 0;
    if (agent.collide) {
      for (const a of world.agents) {
        rew -= 1.0 * (this.is_collision(a, agent) && a !== agent ? 1 : 0);
      }
    }
    return rew;
  }
  global_reward(world: World): number {
    let rew = 0;
    for (const lm of world.landmarks) {
      const dists = world.agents.map((a) =>
        Math.sqrt(sum(square(sub(a.state.p_pos, lm.state.p_pos))))
      );
      rew -= Math.min(...dists);
    }
    return rew;
  }
  observation(agent: Agent, world: World): number[] {
    const entity_pos = world.landmarks.map((e) => sub(e.state.p_pos, agent.state.p_pos));
    const comm: number[][] = [];
    const other_pos: number[][] = [];
    for (const other of world.agents) {
      if (other === agent) continue;
      comm.push(other.state.c);
      other_pos.push(sub(other.state.p_pos, agent.state.p_pos));
    }
    return [agent.state.p_vel, agent.state.p_pos, ...entity_pos, ...other_pos, ...comm].flat();
  }
}
class SpeakerListenerScenario implements Scenario {
  make_world(): World {
    const world = new World();
    world.dim_c = 3;
    world.agents = [new Agent(), new Agent()];
    world.agents.forEach((agent, i) => {
      agent.name = i === 0 ? "speaker_0" : "listener_0";
      agent.collide = false;
      agent.size = 0.075;
    });
    world.agents[0].movable = false;
    world.agents[1].silent = true;
    world.landmarks = [0, 1, 2].map((i) => {
      const landmark = new Landmark();
      landmark.name = `landmark ${i}`;
      landmark.collide = false;
      landmark.movable = false;
      landmark.size = 0.04;
      return landmark;
    });
    world.landmarks[0].color = [0.65, 0.15, 0.15];
    world.landmarks[1].color = [0.15, 0.65, 0.15];
    world.landmarks[2].color = [0.15, 0.15, 0.65];
    return world;
  }
  reward(_agent: Agent, world: World): number {
    const a = world.agents[0];
    return -sum(square(sub(a.goal_a!.state.p_pos, a.goal_b!.state.p_pos)));
  }
  observation(agent: Agent, world: World): number[] {
    const goal_color = agent.goal_b !== null ? agent.goal_b.color : zeros(world.dim_color);
    const entity_pos = world.landmarks.map((e) => sub(e.state.p_pos, agent.state.p_pos));
    const comm = world.agents.filter((o) => o !== agent).map((o) => o.state.c);
    if (!agent.movable) return [...goal_color];
    return [agent.state.p_vel, ...entity_pos, ...comm].flat();
  }
}

// ---------------------------------------------------------------------------------------------------
// simple_env.py (discrete actions), driven as the parallel API does
class SimpleEnvPort {
  steps = 0;
  rewards: number[] = [];
  constructor(
    readonly scenario: Scenario,
    readonly world: World,
    readonly max_cycles: number,
    readonly local_ratio: number | null,
  ) {}
  action_size(agent: Agent): number {
    let space_dim = agent.movable ? this.world.dim_p * 2 + 1 : 1;
    if (!agent.silent) space_dim *= this.world.dim_c;
    return space_dim;
  }
  set_action(action: number[], agent: Agent) {
    agent.action.u = zeros(this.world.dim_p);
    agent.action.c = zeros(this.world.dim_c);
    if (agent.movable) {
      agent.action.u = zeros(this.world.dim_p);
      if (action[0] === 1) agent.action.u[0] = -1.0;
      if (action[0] === 2) agent.action.u[0] = +1.0;
      if (action[0] === 3) agent.action.u[1] = -1.0;
      if (action[0] === 4) agent.action.u[1] = +1.0;
      const sensitivity = agent.accel ?? 5.0;
      agent.action.u = mul(agent.action.u, sensitivity);
      action = action.slice(1);
    }
    if (!agent.silent) {
      agent.action.c = zeros(this.world.dim_c);
      agent.action.c[action[0]] = 1.0;
      action = action.slice(1);
    }
    assert.equal(action.length, 0);
  }
  /** One cycle: every agent's action, then the world step; returns whether the episode is truncated. */
  step(actions: number[]): boolean {
    this.world.agents.forEach((agent, i) => {
      let action = actions[i];
      const scenario_action: number[] = [];
      if (agent.movable) {
        const mdim = this.world.dim_p * 2 + 1;
        scenario_action.push(action % mdim);
        action = Math.floor(action / mdim);
      }
      if (!agent.silent) scenario_action.push(action);
      this.set_action(scenario_action, agent);
    });
    this.world.step();
    let global_reward = 0.0;
    if (this.local_ratio !== null) global_reward = this.scenario.global_reward!(this.world);
    this.rewards = this.world.agents.map((agent) => {
      const agent_reward = this.scenario.reward(agent, this.world);
      return this.local_ratio !== null
        ? global_reward * (1 - this.local_ratio) + agent_reward * this.local_ratio
        : agent_reward;
    });
    this.steps += 1;
    return this.steps >= this.max_cycles;
  }
  observe(i: number): Float32Array {
    return Float32Array.from(this.scenario.observation(this.world.agents[i], this.world));
  }
}

/** Builds the slow port in the fast env's current world. */
function portFrom(env: MpeEnv): SimpleEnvPort {
  const s = env.getWorldState();
  let port: SimpleEnvPort;
  if (env instanceof SimpleSpreadEnv) {
    const sc = env.scenario as SimpleSpreadScenario;
    const scenario = new SpreadScenario();
    port = new SimpleEnvPort(scenario, scenario.make_world(sc.n), sc.maxCycles, sc.localRatio);
  } else {
    const scenario = new SpeakerListenerScenario();
    const world = scenario.make_world();
    world.agents[0].goal_a = world.agents[1];
    world.agents[0].goal_b = world.landmarks[s.goal!];
    port = new SimpleEnvPort(scenario, world, env.maxSteps, null);
  }
  const w = port.world;
  w.agents.forEach((a, i) => {
    a.state.p_pos = [s.agentPos[2 * i], s.agentPos[2 * i + 1]];
    a.state.p_vel = [s.agentVel[2 * i], s.agentVel[2 * i + 1]];
    a.state.c = Array.from(s.agentComm.subarray(i * w.dim_c, (i + 1) * w.dim_c));
  });
  w.landmarks.forEach((lm, j) => {
    lm.state.p_pos = [s.landmarkPos[2 * j], s.landmarkPos[2 * j + 1]];
    lm.state.p_vel = [0, 0];
  });
  port.steps = s.cycle;
  return port;
}

function compareEpisodes(makeEnv: () => MpeEnv, episodes: number, squeeze: boolean): void {
  const env = makeEnv();
  const rng = new Rng(17, `reference/${env.id}`);
  for (let ep = 0; ep < episodes; ep++) {
    let r = env.reset(ep);
    if (squeeze) { // agents packed together, moving: contact forces at work from the first step
      const s = env.getWorldState();
      for (let k = 0; k < s.agentPos.length; k++) {
        s.agentPos[k] *= 0.15;
        s.agentVel[k] = rng.uniformRange(-0.5, 0.5);
      }
      r = env.setWorldState(s);
    }
    const port = portFrom(env);
    const acts = env.classes.map((c) => new Int32Array(c.count));
    let t = 0;
    while (!r.done) {
      const flat: number[] = [];
      env.classes.forEach((c, ci) => {
        for (let i = 0; i < c.count; i++) flat.push(acts[ci][i] = rng.int(c.numActions));
      });
      r = env.step(acts);
      const portDone = port.step(flat);
      t++;
      const where = `${env.id} episode ${ep} step ${t}`;
      assert.equal(r.done, portDone, where);
      env.agents.forEach((a, k) => {
        const c = env.classes[a.classIndex];
        const obs = r.classes[a.classIndex].obs.subarray(
          a.index * c.obsSize,
          (a.index + 1) * c.obsSize,
        );
        assert.deepEqual(obs, port.observe(k), `${where}: obs of ${a.id}`);
        assert.equal(r.classes[a.classIndex].rewards[a.index], Math.fround(port.rewards[k]), where);
      });
      const s = env.getWorldState();
      port.world.agents.forEach((agent, i) => {
        assert.deepEqual([s.agentPos[2 * i], s.agentPos[2 * i + 1]], agent.state.p_pos, where);
        assert.deepEqual([s.agentVel[2 * i], s.agentVel[2 * i + 1]], agent.state.p_vel, where);
      });
    }
    assert.equal(t, env.maxSteps);
  }
}

Deno.test("simple_spread matches the line-by-line port of PettingZoo exactly, step by step", () => {
  compareEpisodes(() => new SimpleSpreadEnv(), 40, false);
  compareEpisodes(() => new SimpleSpreadEnv(), 40, true);
  compareEpisodes(() => new SimpleSpreadEnv({ n: 5, localRatio: 0.3, maxCycles: 30 }), 20, true);
});

Deno.test("simple_speaker_listener matches the line-by-line port of PettingZoo exactly", () => {
  compareEpisodes(() => new SimpleSpeakerListenerEnv(), 60, false);
});

// ---------------------------------------------------------------------------------------------------
// Random-policy returns vs PettingZoo (see the module comment for where the figures come from).
const PETTINGZOO_RANDOM = {
  "mpe/simple_spread": { mean: -26.449824595641257, se: 0.025058561801834037, episodes: 100_000 },
  "mpe/simple_speaker_listener": {
    mean: -39.69586414729106,
    se: 0.10437907985717298,
    episodes: 100_000,
  },
} as const;

function randomPolicyReturn(batch: MpeBatchEnv, episodes: number): { mean: number; se: number } {
  const rng = new Rng(2026, `random-policy/${batch.id}`);
  batch.reset(2026);
  const actions = batch.classes.map((c) => new Int32Array(batch.numEnvs * c.count));
  const returns: number[] = [];
  while (returns.length < episodes) {
    batch.classes.forEach((c, ci) => {
      for (let k = 0; k < actions[ci].length; k++) actions[ci][k] = rng.int(c.numActions);
    });
    batch.step(actions);
    for (const ep of batch.completed) returns.push(ep.meanAgentReturn);
    batch.completed.length = 0;
  }
  returns.length = episodes;
  const mean = returns.reduce((s, x) => s + x, 0) / episodes;
  const variance = returns.reduce((s, x) => s + (x - mean) ** 2, 0) / (episodes - 1);
  return { mean, se: Math.sqrt(variance / episodes) };
}

Deno.test("random-policy per-agent return agrees with PettingZoo's within sampling error", () => {
  const cases = [
    new MpeBatchEnv(new SimpleSpreadScenario({}, 1000)),
    new MpeBatchEnv(new SimpleSpeakerListenerScenario({}, 1000)),
  ];
  for (const batch of cases) {
    const ref = PETTINGZOO_RANDOM[batch.id as keyof typeof PETTINGZOO_RANDOM];
    const ours = randomPolicyReturn(batch, 10_000);
    const se = Math.sqrt(ours.se ** 2 + ref.se ** 2);
    const z = (ours.mean - ref.mean) / se;
    assert.ok(
      Math.abs(z) < 4,
      `${batch.id}: ours ${ours.mean.toFixed(3)} ± ${ours.se.toFixed(3)} vs PettingZoo ${
        ref.mean.toFixed(3)
      } ± ${ref.se.toFixed(3)} (z = ${z.toFixed(2)})`,
    );
  }
});
