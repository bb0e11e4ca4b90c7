"""Runs PettingZoo's own MPE code to produce the reference figures of fleetkd's MPE ports.

PettingZoo's MPE needs gymnasium and pygame only for spaces, seeding and rendering; this script stands in
for them (and for PettingZoo's AECEnv base class and wrappers) with minimal stubs, and loads the MPE source
files unchanged from a PettingZoo checkout. Reference commit: Farama-Foundation/PettingZoo
478ff2efd41ee4cb7ba98d1dbeed33a0e8e485d1 (the last one with `pettingzoo/mpe/`; MPE2 has the same physics).
Only numpy is needed.

    python3 pettingzoo_reference.py PZ_CHECKOUT random simple_spread 100000 2026
        -> mean, std and standard error of the per-agent episode return of the uniform random policy
    python3 pettingzoo_reference.py PZ_CHECKOUT replay < spec.json
        -> spec: {"env": "simple_spread" | "simple_speaker_listener", "options": {n, localRatio, maxCycles},
                  "world": {agentPos, agentVel, landmarkPos, goal?}, "actions": [[a_agent0, a_agent1, ...], ...]}
           prints per step: rewards, observations (float32 values), agentPos, agentVel, truncated.
"""
import importlib.util
import json
import sys
import time
import types

import numpy as np


def _module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__path__ = []  # a package, so submodules can be registered below it
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def _load(root, name, relpath):
    spec = importlib.util.spec_from_file_location(name, f"{root}/{relpath}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class _AECEnv:
    """The parts of pettingzoo.utils.env.AECEnv that SimpleEnv uses."""

    @property
    def num_agents(self):
        return len(self.agents)

    def _clear_rewards(self):
        for agent in self.rewards:
            self.rewards[agent] = 0

    def _accumulate_rewards(self):
        for agent, reward in self.rewards.items():
            self._cumulative_rewards[agent] += reward


class _Anything:
    """Accepts any call or attribute (pygame surfaces and fonts; rendering is never used)."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __getattr__(self, name):
        return _Anything()


class _Discrete:
    def __init__(self, n):
        self.n = n


def _np_random(seed=None):
    seed_seq = np.random.SeedSequence(seed)  # as gymnasium.utils.seeding.np_random
    return np.random.Generator(np.random.PCG64(seed_seq)), seed_seq.entropy


def load_pettingzoo_mpe(root):
    _module("gymnasium", logger=_Anything())
    _module("gymnasium.spaces", Discrete=_Discrete, Box=_Anything)
    _module("gymnasium.utils", EzPickle=_Anything)
    _module("gymnasium.utils.seeding", np_random=_np_random)
    sys.modules["gymnasium"].spaces = sys.modules["gymnasium.spaces"]
    sys.modules["gymnasium.utils"].seeding = sys.modules["gymnasium.utils.seeding"]
    sys.modules["gymnasium"].utils = sys.modules["gymnasium.utils"]
    _module("pygame", init=_Anything(), Surface=_Anything, quit=_Anything())
    _module("pygame.freetype", Font=_Anything)
    sys.modules["pygame"].freetype = sys.modules["pygame.freetype"]
    _module("pettingzoo", AECEnv=_AECEnv)
    identity = lambda env: env  # noqa: E731
    _module("pettingzoo.utils.wrappers", ClipOutOfBoundsWrapper=identity,
            AssertOutOfBoundsWrapper=identity, OrderEnforcingWrapper=identity)
    _module("pettingzoo.utils", wrappers=sys.modules["pettingzoo.utils.wrappers"])
    _module("pettingzoo.utils.conversions", parallel_wrapper_fn=identity)
    _load(root, "pettingzoo.utils.agent_selector", "pettingzoo/utils/agent_selector.py")
    _module("pettingzoo.mpe")
    _module("pettingzoo.mpe._mpe_utils")
    for name in ["core", "scenario", "simple_env"]:
        _load(root, f"pettingzoo.mpe._mpe_utils.{name}", f"pettingzoo/mpe/_mpe_utils/{name}.py")
    envs = {}
    for name in ["simple_spread", "simple_speaker_listener"]:
        _module(f"pettingzoo.mpe.{name}")
        envs[name] = _load(root, f"pettingzoo.mpe.{name}.{name}", f"pettingzoo/mpe/{name}/{name}.py").raw_env
    return envs


def make(envs, name, options):
    if name == "simple_spread":
        return envs[name](N=options.get("n", 3), local_ratio=options.get("localRatio", 0.5),
                          max_cycles=options.get("maxCycles", 25))
    return envs[name](max_cycles=options.get("maxCycles", 25))


def parallel_step(env, actions):
    """As PettingZoo's aec_to_parallel: every live agent steps in order, rewards read after the cycle."""
    for agent in list(env.agents):
        env.step(actions[agent])
    return {a: env.rewards[a] for a in env.agents}


def random_returns(envs, name, episodes, seed):
    env = make(envs, name, {})
    rng = np.random.default_rng(seed)
    returns = np.empty(episodes)
    steps = 0
    t0 = time.time()
    for ep in range(episodes):
        env.reset(seed=seed * 1_000_003 + ep)
        total = 0.0
        while not any(env.truncations.values()):
            acts = {a: int(rng.integers(env.action_spaces[a].n)) for a in env.agents}
            rew = parallel_step(env, acts)
            total += sum(rew.values()) / len(rew)
            steps += 1
        returns[ep] = total
    std = returns.std(ddof=1)
    print(json.dumps({"env": name, "episodes": episodes, "seed": seed, "mean": returns.mean(), "std": std,
                      "se": std / np.sqrt(episodes), "steps_per_s": steps / (time.time() - t0)}))


def replay(envs, spec):
    env = make(envs, spec["env"], spec.get("options", {}))
    env.reset(seed=0)
    w = env.world
    st = spec["world"]
    for i, a in enumerate(w.agents):
        a.state.p_pos = np.array(st["agentPos"][2 * i:2 * i + 2], dtype=np.float64)
        a.state.p_vel = np.array(st.get("agentVel", [0.0] * 2 * len(w.agents))[2 * i:2 * i + 2],
                                 dtype=np.float64)
    for j, lm in enumerate(w.landmarks):
        lm.state.p_pos = np.array(st["landmarkPos"][2 * j:2 * j + 2], dtype=np.float64)
    if st.get("goal") is not None:
        w.agents[0].goal_b = w.landmarks[st["goal"]]
    steps = []
    for acts in spec["actions"]:
        rew = parallel_step(env, {a: acts[i] for i, a in enumerate(env.possible_agents)})
        steps.append({
            "rewards": [rew[a] for a in env.possible_agents],
            "obs": [[float(x) for x in env.observe(a)] for a in env.possible_agents],
            "agentPos": [float(x) for a in w.agents for x in a.state.p_pos],
            "agentVel": [float(x) for a in w.agents for x in a.state.p_vel],
            "truncated": bool(env.truncations[env.possible_agents[0]]),
        })
    print(json.dumps(steps))


if __name__ == "__main__":
    envs = load_pettingzoo_mpe(sys.argv[1])
    if sys.argv[2] == "random":
        random_returns(envs, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        replay(envs, json.load(sys.stdin))
