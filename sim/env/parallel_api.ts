/**
 * A port of PettingZoo's `parallel_api_test` (pettingzoo/test/parallel_test.py) for
 * {@linkcode ParallelEnv}s: two resets, random legal actions sampled from each agent's action mask, and
 * the checks PettingZoo makes, turned from warnings into errors:
 *
 * - `reset` returns observation and info dictionaries covering `agents`, and `agents` is a subset of
 *   `possible_agents`;
 * - each step's observation, reward, termination, truncation and info dictionaries hold exactly the agents
 *   that were live before the step (no dead agent is given anything, no live agent is skipped);
 * - an agent that finished never comes back; when `agents` empties, every possible agent has finished;
 * - `observation_space(agent)` and `action_space(agent)` return the same object on every call;
 * - every observation lies in its agent's observation space, every reward is finite, and the sampled
 *   action lies in the action space and is legal under the mask.
 *
 * @example
 * ```ts
 * import { parallelApiTest } from "./parallel_api.ts";
 * import { toParallelEnv } from "./parallel.ts";
 * import { makeBuiltinEnv } from "../builtin_envs.ts";
 * parallelApiTest(toParallelEnv(makeBuiltinEnv("toy/matching")), { numCycles: 100 });
 * ```
 *
 * @module
 */

import { Rng } from "../rng.ts";
import type { AgentInfo, ParallelEnv } from "./parallel.ts";

/** Options of {@linkcode parallelApiTest}. */
export interface ParallelApiTestOptions {
  /** Steps per episode checked at most (PettingZoo's `num_cycles`, default 1000). */
  numCycles?: number;
  /** Seed of the first reset and of the action sampling (default 0). */
  seed?: number;
}

class ParallelApiError extends Error {
  constructor(envName: string, message: string) {
    super(`Parallel API test of "${envName}" failed: ${message}`);
    this.name = "ParallelApiError";
  }
}

function sameKeys(
  name: string,
  what: string,
  dict: Readonly<Record<string, unknown>>,
  expected: ReadonlySet<string>,
): void {
  const keys = Object.keys(dict);
  for (const k of keys) {
    if (!expected.has(k)) {
      throw new ParallelApiError(name, `agent "${k}" was given ${what} but was done last turn`);
    }
  }
  for (const a of expected) {
    if (!(a in dict)) throw new ParallelApiError(name, `live agent "${a}" was not given ${what}`);
  }
}

function sampleLegal(rng: Rng, info: AgentInfo | undefined, n: number): number {
  const mask = info?.action_mask;
  if (!mask) return rng.int(n);
  let legal = 0;
  for (let k = 0; k < n; k++) legal += mask[k];
  let pick = rng.int(legal);
  for (let k = 0; k < n; k++) {
    if (mask[k] && pick-- === 0) return k;
  }
  return 0;
}

/**
 * Runs the checks listed in the module docs on `env`; throws a `ParallelApiError` naming the first
 * violation.
 */
export function parallelApiTest(env: ParallelEnv, options: ParallelApiTestOptions = {}): void {
  const numCycles = options.numCycles ?? 1000;
  const seed = options.seed ?? 0;
  const name = env.metadata.name;
  const rng = new Rng(seed);
  const possible = new Set(env.possible_agents);
  if (possible.size !== env.possible_agents.length) {
    throw new ParallelApiError(name, "possible_agents holds a duplicate id");
  }
  for (let resetIndex = 0; resetIndex < 2; resetIndex++) {
    const [obs0, infos0] = env.reset({ seed: seed + resetIndex });
    let live = new Set(env.agents);
    for (const a of live) {
      if (!possible.has(a)) {
        throw new ParallelApiError(name, `agent "${a}" is not a possible agent`);
      }
    }
    sameKeys(name, "an observation at reset", obs0, live);
    sameKeys(name, "an info at reset", infos0, live);
    let infos: Record<string, AgentInfo> = infos0;
    const finished = new Set<string>();
    for (let cycle = 0; cycle < numCycles && live.size > 0; cycle++) {
      const actions: Record<string, number> = {};
      for (const a of env.agents) {
        const space = env.action_space(a);
        const act = sampleLegal(rng, infos[a], space.n);
        if (!space.contains(act)) {
          throw new ParallelApiError(name, `sampled action ${act} is outside ${a}'s action space`);
        }
        actions[a] = act;
      }
      const [obs, rewards, terminations, truncations, stepInfos] = env.step(actions);
      sameKeys(name, "an observation", obs, live);
      sameKeys(name, "a reward", rewards, live);
      sameKeys(name, "a termination", terminations, live);
      sameKeys(name, "a truncation", truncations, live);
      sameKeys(name, "an info", stepInfos, live);
      for (const [a, o] of Object.entries(obs)) {
        if (!env.observation_space(a).contains(o)) {
          throw new ParallelApiError(
            name,
            `observation of "${a}" at step ${cycle} is outside its space`,
          );
        }
      }
      for (const [a, r] of Object.entries(rewards)) {
        if (!Number.isFinite(r)) throw new ParallelApiError(name, `reward of "${a}" is ${r}`);
      }
      for (const a of live) {
        if (terminations[a] || truncations[a]) finished.add(a);
      }
      for (const a of env.agents) {
        if (finished.has(a)) {
          throw new ParallelApiError(name, `agent "${a}" was revived after it finished`);
        }
        if (!possible.has(a)) {
          throw new ParallelApiError(name, `agent "${a}" is not a possible agent`);
        }
      }
      const expectedLive = [...live].filter((a) => !finished.has(a));
      if (expectedLive.length !== env.agents.length) {
        throw new ParallelApiError(
          name,
          `agents after step ${cycle} are [${env.agents.join(", ")}], expected the unfinished [${
            expectedLive.join(", ")
          }]`,
        );
      }
      live = new Set(env.agents);
      infos = stepInfos;
      if (live.size === 0 && finished.size !== possible.size) {
        throw new ParallelApiError(name, "the episode ended but not every agent finished");
      }
    }
  }
  for (const a of env.possible_agents) {
    if (env.observation_space(a) !== env.observation_space(a)) {
      throw new ParallelApiError(name, `observation_space("${a}") returns a new object per call`);
    }
    if (env.action_space(a) !== env.action_space(a)) {
      throw new ParallelApiError(name, `action_space("${a}") returns a new object per call`);
    }
  }
  env.close();
}
